"""Read the SSDA903 XML export that case-management systems write for the DfE.

The layout: a root `EXPSSDA903` holding one `CHILD` element per child. A child's own fields
(CHILDID, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB, and those of UASC, OC3 and AD1) sit directly
under CHILD or inside its `HEADER`; each row of the other tables is an element of its own,
under CHILD or HEADER: EPISODE, AREVIEW (Reviews), AMISSING (Missing), OC2, PERMANENCE
(PrevPerm), AD_PLACED (PlacedAdoption), SW_EPISODE (SWEpisodes), and OC3, AD1 or UASC when
written as elements. CHILDID is read as CHILD and PL as PLACE; a row of any table takes CHILD,
SEX and DOB from its child when it does not carry them. An empty element is a blank value.

The file is streamed: each CHILD is read, turned into rows and dropped before the next, so
memory holds the tables being built (values repeated across rows are stored once), not the
document. Each row records the element it came from (`returns.ElementPaths`), so validation
messages can name it: "EXPSSDA903/CHILD[17]/EPISODE[2]/DECOM".
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from array import array
from collections import Counter

import pandas as pd

from .returns import ElementPaths
from .schema import Schema
from .sources import Blob, issue

ROOT = "EXPSSDA903"
TABLE_ELEMENTS = {
    "EPISODE": "episodes", "AREVIEW": "reviews", "AMISSING": "missing", "OC2": "oc2",
    "OC3": "oc3", "AD1": "ad1", "UASC": "uasc", "PERMANENCE": "prev_perm",
    "AD_PLACED": "placed_adoption", "SW_EPISODE": "sw_episodes", "SWEPISODE": "sw_episodes",
}
GROUP = "HEADER"  # the element that holds a child's own fields
RENAME = {"CHILDID": "CHILD", "PL": "PLACE"}
FLAGS = {"UASC"}  # a child's own elements that are part of the layout but no table's column
INHERITED = ("CHILD", "SEX", "DOB")  # taken from the child when a row does not carry them
CHILD_TABLES = ("header", "uasc", "oc3", "ad1")  # tables whose fields are the child's own


class XmlUnreadable(Exception):
    """The file is not well-formed XML; the message says where reading stopped."""


class _Table:
    """The rows of one table being built: values by column, and each row's element."""

    def __init__(self, columns: list[str]):
        self.columns = columns
        self.values: dict[str, list] = {c: [] for c in columns}
        self.child, self.elem, self.seg = array("i"), array("i"), array("h")
        self.segments: dict[str, int] = {}

    def add(self, fields: dict[str, str | None], child: int, segment: str, elem: int) -> None:
        for c in self.columns:
            self.values[c].append(fields.get(c))
        self.child.append(child)
        self.elem.append(elem)
        self.seg.append(self.segments.setdefault(segment, len(self.segments)))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({c: pd.array(v, dtype="string") for c, v in self.values.items()})

    def paths(self, root: str, header: str) -> ElementPaths:
        return ElementPaths(root, list(self.segments), header, self.seg, self.child, self.elem)


class _Export:
    """The state of one file being read: tables, interned values and unknown elements."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self.tables: dict[str, _Table] = {}
        self.known = {n: set(t.column_names) for n, t in schema.tables.items()}
        self.own_known = set().union(*(self.known[t] for t in CHILD_TABLES)) | FLAGS
        self.unknown: Counter[str] = Counter()
        self.first_unknown: dict[str, str] = {}
        self.header = GROUP
        self._values: dict[str, str] = {}

    def text(self, elem: ET.Element) -> str | None:
        value = (elem.text or "").strip()
        return self._values.setdefault(value, value) if value else None

    def table(self, name: str) -> _Table:
        if name not in self.tables:
            self.tables[name] = _Table(self.schema.table(name).column_names)
        return self.tables[name]

    def note_unknown(self, pattern: str, path: str) -> None:
        self.unknown[pattern] += 1
        self.first_unknown.setdefault(pattern, path)

    def child(self, elem: ET.Element, i: int) -> None:
        """Turn the i-th CHILD element into rows."""
        where = f"{ROOT}/CHILD[{i}]"
        own: dict[str, str | None] = {}
        rows: list[tuple[str, dict, str, int]] = []
        counts: Counter[str] = Counter()
        for sub in elem:
            tag = _local(sub.tag)
            if tag == GROUP and len(sub):
                for leaf in sub:
                    self._visit(leaf, f"{GROUP}/", where, own, rows, counts)
            else:
                self._visit(sub, "", where, own, rows, counts)
        if any(own.get(c) for c in self.known["header"]):
            self.table("header").add(own, i, self.header, 0)
        carried = {t for t, *_ in rows}
        for name in CHILD_TABLES[1:]:
            fields = self.known[name].difference(INHERITED)
            if name not in carried and any(own.get(c) for c in fields):
                self.table(name).add(own, i, self.header, 0)
        for name, fields, segment, k in rows:
            for c in INHERITED:
                if fields.get(c) is None and c in self.known[name]:
                    fields[c] = own.get(c)
            self.table(name).add(fields, i, segment, k)

    def _visit(self, sub, prefix, where, own, rows, counts) -> None:
        tag = _local(sub.tag)
        table = TABLE_ELEMENTS.get(tag)
        if table and (len(sub) or tag not in FLAGS):
            segment = prefix + tag
            counts[segment] += 1
            rows.append((table, self._fields(sub, table, f"{where}/{segment}[{counts[segment]}]"),
                         segment, counts[segment]))
        elif not len(sub):
            name = RENAME.get(tag, tag)
            if name in self.own_known:
                own[name] = self.text(sub)
            else:
                self.note_unknown(f"{prefix}{tag}", f"{where}/{prefix}{tag}")
        else:
            self.note_unknown(f"{prefix}{tag}", f"{where}/{prefix}{tag}")

    def _fields(self, elem: ET.Element, table: str, where: str) -> dict[str, str | None]:
        fields: dict[str, str | None] = {}
        for leaf in elem.iter():
            if leaf is elem or len(leaf):
                continue
            tag = _local(leaf.tag)
            name = RENAME.get(tag, tag)
            if name in self.known[table]:
                fields[name] = self.text(leaf)
            else:
                self.note_unknown(f"{_local(elem.tag)}/{tag}", f"{where}/{tag}")
        return fields


def _local(tag: str) -> str:
    """An element's name without its namespace, upper-cased."""
    return tag.rsplit("}", 1)[-1].upper()


def read_export(blob: Blob, schema: Schema, issues: list[dict]):
    """The tables of one XML file: a list of (table, frame of text, ElementPaths), or None if
    the file is XML but not a 903 export (reported). Raises XmlUnreadable if it is not
    well-formed XML, with the sentence to report."""
    export = _Export(schema)
    n = 0
    try:
        with blob.open() as fh:
            events = ET.iterparse(fh, events=("start", "end"))
            _event, root = next(events)
            if _local(root.tag) != ROOT:
                issues.append(issue(
                    "XML_NOT_903", "warning", blob.name,
                    f"{blob.name} is XML but not an SSDA903 export: its root element is "
                    f"<{_local(root.tag)}>, where the DfE export has <{ROOT}>; skipped."))
                return None
            depth = 1
            for event, elem in events:
                depth += 1 if event == "start" else -1
                if event == "end" and depth == 1:
                    if _local(elem.tag) == "CHILD":
                        n += 1
                        export.child(elem, n)
                    else:
                        export.note_unknown(_local(elem.tag), f"{ROOT}/{_local(elem.tag)}")
                    root.clear()
    except (ET.ParseError, StopIteration) as exc:
        after = f" after {ROOT}/CHILD[{n}]" if n else ""
        reason = str(exc) or "no element found"
        raise XmlUnreadable(
            f"{blob.name} is not well-formed XML ({reason}{after}): the file may be cut short or "
            "damaged, so nothing in it was read; export it again.") from exc
    _report_unknown(blob.name, export, issues)
    if not n:
        issues.append(issue("FILE_EMPTY", "warning", blob.name,
                            f"{blob.name} is an SSDA903 export with no CHILD element."))
    return [(name, t.frame(), t.paths(ROOT, export.header)) for name, t in export.tables.items()]


def _report_unknown(name: str, export: _Export, issues: list[dict]) -> None:
    for pattern, count in sorted(export.unknown.items()):
        issues.append(issue(
            "XML_ELEMENT_UNKNOWN", "warning", name,
            f"{name} has {count} <{pattern.rsplit('/', 1)[-1]}> element(s) that are not part of "
            f"the 903 export (the first at {export.first_unknown[pattern]}); not read.",
            value=pattern))
