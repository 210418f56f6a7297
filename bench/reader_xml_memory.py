"""Peak memory of reading the 903 XML export, on a generated file of about --mb megabytes.

    .venv/bin/python bench/reader_xml_memory.py [--mb 50] [--seed 1] [--la Leeds] [--keep DIR]

Writes one year of synthetic returns (sufficiency.synth, 2024/25), turns them into the DfE's
XML layout (HEADER with a child's own fields, reviews, missing spells, previous permanence,
OC2 and adoption placements inside it; EPISODE beside it; PL for PLACE), repeating the
synthetic children under new identifiers until the file reaches --mb, and writes the same
rows as CSV files too. Then, each in a fresh process, reads them with read_returns and
prints the rows read, the time taken and the peak resident memory (VmHWM, Linux) above what
the process held once its imports were done. Nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

from sufficiency.ssda903.reader import read_returns
from sufficiency.synth import synthesise

# table -> (element, inside HEADER); tables without an element are the child's own fields
ELEMENTS = {"episodes": ("EPISODE", False), "reviews": ("AREVIEW", True), "missing": ("AMISSING", True),
            "prev_perm": ("PERMANENCE", True), "oc2": ("OC2", True), "placed_adoption": ("AD_PLACED", True)}
OWN = ("header", "uasc", "oc3", "ad1")
XML_NAME = {"CHILD": "CHILDID", "PLACE": "PL"}
SHARED = {"CHILD", "DOB", "SEX"}  # written once per child, in HEADER


def _fields(row: dict, columns: list[str], skip: set[str]) -> str:
    out = []
    for c in columns:
        if c in skip:
            continue
        v, name = row.get(c), XML_NAME.get(c, c)
        out.append(f"<{name} />" if v is None or pd.isna(v) else f"<{name}>{escape(str(v))}</{name}>")
    return "".join(out)


def _child_xml(child: str, rows: dict[str, list[dict]], columns: dict[str, list[str]], suffix: str) -> str:
    own: dict = {}
    for t in OWN:
        for r in rows.get(t, []):
            own.update({k: v for k, v in r.items() if v is not None and not pd.isna(v)})
    own["CHILD"] = f"{child}{suffix}"
    own_cols = list(dict.fromkeys(c for t in OWN for c in columns[t]))
    inner = [_fields(r, columns[t], SHARED) for t, (tag, in_header) in ELEMENTS.items() if in_header
             for r in rows.get(t, [])]
    tags = [tag for t, (tag, in_header) in ELEMENTS.items() if in_header for _r in rows.get(t, [])]
    header = _fields(own, own_cols, set()) + "".join(f"<{g}>{x}</{g}>" for g, x in zip(tags, inner, strict=True))
    episodes = "".join(f"<EPISODE>{_fields(r, columns['episodes'], {'CHILD'})}</EPISODE>"
                       for r in rows.get("episodes", []))
    return f"<CHILD><HEADER>{header}</HEADER>{episodes}</CHILD>\n"


def write_xml(returns_dir: Path, out: Path, megabytes: float) -> tuple[int, int]:
    """The XML export of the returns under `returns_dir`, children repeated to `megabytes`;
    the number of children and of copies written."""
    r = read_returns(returns_dir)
    columns = {t: r.schema.table(t).column_names for t in r.schema.tables}
    by_child: dict[str, dict[str, list[dict]]] = {}
    for t, frame in r.frames.items():
        if t not in ELEMENTS and t not in OWN:
            continue
        for row in frame[columns[t]].to_dict("records"):
            by_child.setdefault(row["CHILD"], {}).setdefault(t, []).append(row)
    copies = 0
    with out.open("w", encoding="utf-8") as fh:
        fh.write("<?xml version='1.0' encoding='utf-8'?>\n<EXPSSDA903>\n")
        while fh.tell() < megabytes * 1e6:
            copies += 1
            for child, rows in by_child.items():
                fh.write(_child_xml(child, rows, columns, f"-{copies}"))
        fh.write("</EXPSSDA903>\n")
    return len(by_child), copies


def write_csvs(xml: Path, out: Path) -> None:
    """The tables of the XML file as CSV files in `out` (the same rows, for comparison)."""
    r = read_returns(xml)
    out.mkdir(parents=True, exist_ok=True)
    for t, frame in r.frames.items():
        frame[r.schema.table(t).column_names].to_csv(out / f"{t}.csv", index=False)


MEASURE = """
import sys, time
from sufficiency.ssda903.reader import read_returns
def mb(key):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key)) / 1024
base = mb("VmRSS")
t = time.perf_counter()
r = read_returns(sys.argv[1])
took = time.perf_counter() - t
peak = mb("VmHWM")
print(r.input_rows, f"{took:.1f}", f"{peak - base:.0f}", f"{peak:.0f}")
"""


def measure(path: Path) -> list[str]:
    """Rows read, seconds, peak MB above the imports, and peak MB in all, in a fresh process."""
    got = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True)
    return got.stdout.split()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=float, default=50)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--la", default="Leeds")
    p.add_argument("--keep", type=Path, help="folder to keep the files in (default: a temporary one)")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = a.keep or Path(tmp)
        synthesise(la=a.la, first_year=2025, last_year=2025, seed=a.seed, out=folder / "synth")
        xml = folder / "xml" / "2025" / "ssda903.xml"
        xml.parent.mkdir(parents=True, exist_ok=True)
        children, copies = write_xml(folder / "synth", xml, a.mb)
        write_csvs(xml, folder / "csv" / "2025")
        print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
        print(f"XML {xml.stat().st_size / 1e6:.1f} MB: {children:,} children x {copies} copies")
        csv_mb = sum(f.stat().st_size for f in (folder / "csv" / "2025").glob("*.csv")) / 1e6
        for name, path, size in (("XML", xml.parent.parent, xml.stat().st_size / 1e6),
                                 ("CSV", folder / "csv", csv_mb)):
            rows, secs, above, total = measure(path)
            print(f"{name} {size:6.1f} MB  rows {int(rows):,}  {secs} s  peak {above} MB above imports "
                  f"({total} MB in all)")


if __name__ == "__main__":
    main()
