"""Finding the files of a return and turning CSV text and workbook sheets into columns of text.

A `Blob` is one file to read, from a folder or a zip. A CSV file or a workbook sheet becomes
a `Sheet`: its column names, its body as Arrow text columns and where the column names were
found. The column names need not be on the first row: the first rows (up to
`HEADER_SEARCH_ROWS`) are searched for a row that names the columns of a 903 table, so a title
such as "Looked after children: Header 2024/25" and blank rows above the column names are
skipped (and reported). CSV text without quotes whose records all have as many fields is
split by Arrow; any other text is read by pandas' parser (Python's csv module where that fails).
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa

from .schema import Schema

HEADER_SEARCH_ROWS = 10  # rows searched for the column names
_RECOGNISE_SHARE = 0.6  # share of a table's columns a row must name to be taken for it
_DELIMITERS = (",", ";", "\t", "|")


@dataclass
class Blob:
    """One file to read: its display name, its path inside the folder or zip (for the year
    label), its size, and ways to get its bytes at once or as a stream."""

    name: str
    path: PurePosixPath
    size: int
    read: Callable[[], bytes]
    open: Callable[[], IO[bytes]]


@dataclass
class Sheet:
    """A CSV file or a workbook sheet as text: column names, body (Arrow text columns by
    position, short rows padded), rows with a different number of fields, and the 1-based row
    of the column names (rows above it were skipped)."""

    name: str | None  # the sheet's title; None for a CSV file
    header: list[str]
    body: list[pa.Array]
    ragged: int
    header_row: int = 1
    title: str = ""  # the first non-blank text above the column names


def issue(code, severity, file, message, table=None, year=None, column=None, value=None) -> dict:
    """One reader issue as a record for report.issues_frame."""
    return {"code": code, "severity": severity, "table": table, "year": year, "file": file,
            "row": None, "column": column, "value": value, "child": None, "message": message}


# ---------------------------------------------------------------- recognising column names


@functools.lru_cache(maxsize=4096)
def norm(col: str) -> str:
    """A column name as the schema spells it: case, spaces, hyphens and a BOM ignored."""
    return re.sub(r"[\s\-]+", "_", str(col).replace("\ufeff", "").strip()).upper()


_table_columns: tuple[Schema, list[tuple[str, frozenset[str]]]] | None = None


def _columns_by_table(schema: Schema) -> list[tuple[str, frozenset[str]]]:
    """Each table's name and column names, for the last schema asked about."""
    global _table_columns
    if _table_columns is None or _table_columns[0] is not schema:
        _table_columns = (schema, [(n, frozenset(t.column_names)) for n, t in schema.tables.items()])
    return _table_columns[1]


def recognise(columns: list[str], schema: Schema) -> tuple[str | None, float]:
    """The table whose columns these are, and the share of its columns present."""
    have = {norm(c) for c in columns}
    best, best_key = None, (0.0, 0)
    for name, cols in _columns_by_table(schema):
        found = len(cols & have)
        key = (found / len(cols), found)
        if key > best_key:
            best, best_key = name, key
    return (best, best_key[0]) if best_key[0] >= _RECOGNISE_SHARE else (None, best_key[0])


def header_index(rows: list[list[str]], schema: Schema) -> tuple[int | None, float]:
    """The index of the first of `rows` (up to HEADER_SEARCH_ROWS) that names a 903 table's
    columns, and the share of that table's columns it names."""
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        table, share = recognise(row, schema)
        if table is not None:
            return i, share
    return None, 0.0


_HINT_WORDS = {"sw_episodes": ["swepisode", "socialworker"], "placed_adoption": ["placedadoption",
               "placedforadoption"], "prev_perm": ["prevperm", "previouspermanence"],
               "episodes": ["episode"], "header": ["header"], "reviews": ["review"], "uasc": ["uasc"],
               "oc2": ["oc2"], "oc3": ["oc3"], "ad1": ["ad1"], "missing": ["missing"]}
_HINTS = [(w, t) for t, ws in _HINT_WORDS.items() for w in ws]  # longer names first: sw before ep


def table_hint(*names: str | None) -> str | None:
    """The 903 table a file or sheet name points to ('Header', 'episodes_2024.csv'), if any:
    what a file that could not be read was probably meant to hold."""
    for name in names:
        flat = re.sub(r"[^a-z0-9]", "", PurePosixPath(name).stem.lower()) if name else ""
        for word, table in _HINTS:
            if word in flat:
                return table
    return None


# ---------------------------------------------------------------- finding files


def blobs(root: Path, issues: list[dict]) -> Iterator[Blob]:
    """Every file under `root` (a folder, a zip or one file), zips opened, hidden files and
    Office lock files left out."""
    if root.is_dir():
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.name.startswith((".", "~$")):
                yield from _file_blobs(p, PurePosixPath(p.relative_to(root).as_posix()), issues)
    else:
        yield from _file_blobs(root, PurePosixPath(root.name), issues)


def _file_blobs(p: Path, rel: PurePosixPath, issues: list[dict]) -> Iterator[Blob]:
    if p.suffix.lower() == ".zip":
        yield from _zip_blobs(p, rel, issues)
    else:
        yield Blob(str(p), rel, p.stat().st_size, p.read_bytes, lambda: p.open("rb"))


def _zip_blobs(p: Path, rel: PurePosixPath, issues: list[dict]) -> Iterator[Blob]:
    try:
        archive = zipfile.ZipFile(p)
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        issues.append(issue("FILE_UNREADABLE", "error", str(p),
                            f"{p} is not a readable zip archive ({exc})."))
        return
    for m in members:
        name = PurePosixPath(m.filename)
        if name.name.startswith((".", "~$")) or "__MACOSX" in name.parts:
            continue
        if name.suffix.lower() == ".zip":
            issues.append(issue("FILE_SKIPPED", "warning", f"{p}:{m.filename}",
                                f"{p}:{m.filename} is a zip inside a zip; unzip it first."))
            continue

        def read(m=m) -> bytes:
            return archive.read(m)

        def stream(m=m) -> IO[bytes]:
            return archive.open(m)

        yield Blob(f"{p}:{m.filename}", rel.parent / name, m.file_size, read, stream)


# ---------------------------------------------------------------- CSV text


def decode(name: str, data: bytes, issues: list[dict]) -> str | None:
    """The text of a CSV file (UTF-8, UTF-16, cp1252), or None (reported) if it is binary."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif head.count(b"\x00") > len(head) // 50 or head.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        what = "a workbook or archive" if head.startswith((b"PK", b"\xd0\xcf")) else "binary data"
        issues.append(issue("FILE_UNREADABLE", "error", name,
                            f"{name} holds {what}, not text: save the table as CSV (or .xlsx)."))
        return None
    elif b"\x00" in data:
        nuls = data.count(b"\x00")
        issues.append(issue("NUL_BYTES_REMOVED", "warning", name,
                            f"{name} has {nuls} NUL byte(s), a sign of a damaged export; "
                            "they were removed and the rest read."))
        data = data.replace(b"\x00", b"")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _csv_layout(text: str, schema: Schema) -> tuple[str, int]:
    """The delimiter and the index of the record that holds the column names: the delimiter
    under which one of the first records names a 903 table's columns best (the first line's
    most frequent delimiter, and record 0, if none does)."""
    sample = text[:1 << 16]
    best: tuple[float, int, str] | None = None
    for d in _DELIMITERS:
        try:
            rows = list(itertools.islice(
                csv.reader(io.StringIO(sample, newline=""), delimiter=d), HEADER_SEARCH_ROWS))
        except csv.Error:
            continue
        h, share = header_index(rows, schema)
        if h is not None and (best is None or (share, -h) > (best[0], -best[1])):
            best = (share, h, d)
            if (share, h) == (1.0, 0):  # no other delimiter can do better
                break
    if best is not None:
        return best[2], best[1]
    first = text[: text.find("\n")] if "\n" in text else text
    return max(_DELIMITERS, key=first.count), 0


def text_sheet(name: str, data: bytes, schema: Schema, issues: list[dict]) -> Sheet | None:
    """A CSV file as a Sheet, or None (reported) if it cannot be read as text."""
    text = decode(name, data, issues)
    if text is None:
        return None
    text = text.lstrip("\ufeff")
    if not text.strip():
        issues.append(issue("FILE_EMPTY", "warning", name, f"{name} has no rows, not even a header."))
        return None
    delimiter, skip = _csv_layout(text, schema)
    got = _plain_table(text, delimiter, skip) or _parsed_rows(name, text, delimiter, skip, issues)
    if got is None:
        return None
    header, body, ragged, above = got
    while header and header[-1].strip() == "" and len(header) > 1:
        header.pop()
    return Sheet(None, header, body[: len(header)], ragged, skip + 1, _first_text(above))


def _plain_table(text: str, delimiter: str, skip: int):
    """The column names, body columns, 0 ragged records and the records above them of text
    without quotes, NUL or lone carriage returns whose records from `skip` on all have the
    same number of fields, split in NumPy and Arrow; None for any other text (left to the
    CSV parser, as is a first record starting with an empty field)."""
    if '"' in text or "\x00" in text:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    *above, rest = text.split("\n", skip)
    fields, ends = _split_fields(rest, delimiter)
    if not len(ends):
        return None
    width, n = int(ends[0]) + 1, len(ends) - 1
    if len(fields) != width * len(ends) or (ends != np.arange(width - 1, len(fields), width)).any():
        return None
    header = fields.slice(0, width).to_pylist()
    if not header[0]:
        return None
    by_column = fields.take(pa.array((np.arange(width)[:, None] + width * np.arange(1, n + 1)).ravel()))
    return header, [by_column.slice(j * n, n) for j in range(width)], 0, [r.split(delimiter) for r in above]


def _split_fields(text: str, delimiter: str) -> tuple[pa.Array, np.ndarray]:
    """Every field of `text` split at each `delimiter` and newline (a last record without a
    newline ends at the end of the text), in order, as one Arrow text array; and the index of
    each record's last field. The fields are the text's UTF-8 bytes less the separators
    (ASCII, so never part of another character), cut at the separators' positions."""
    data = np.frombuffer(text.encode(), dtype=np.uint8)
    if len(data) and data[-1] != ord("\n"):
        data = np.append(data, np.uint8(ord("\n")))
    newline = data == ord("\n")
    is_sep = newline | (data == ord(delimiter))
    at = np.flatnonzero(is_sep)
    offsets = np.concatenate([[0], at - np.arange(len(at))])
    fields = pa.Array.from_buffers(pa.large_string(), len(at),
                                   [None, pa.py_buffer(offsets), pa.py_buffer(data[~is_sep])])
    return fields, np.flatnonzero(newline[at])


def _parsed_rows(name: str, text: str, delimiter: str, skip: int, issues: list[dict]):
    """The column names, body columns, count of ragged records and the records above them of
    CSV text read by pandas' parser, or by Python's csv module where that one fails; None
    (reported) if neither can read it or it has no rows."""
    try:  # pandas' C parser
        body = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str, skiprows=skip,
                           keep_default_na=False, na_filter=False, skip_blank_lines=False,
                           engine="c")
        body = body.fillna("")  # short rows are padded: no value is lost
        ragged = 0
        above = list(csv.reader(io.StringIO(text[:1 << 16], newline=""), delimiter=delimiter))[:skip]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error):
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            issues.append(issue("FILE_UNREADABLE", "error", name, f"{name} is not valid CSV ({exc})."))
            return None
        above, rows = rows[:skip], rows[skip:]
        width = len(rows[0]) if rows else 0
        ragged = sum(1 for r in rows[1:] if len(r) != width and any(v.strip() for v in r))
        if rows and width:
            return rows[0], _columns(rows[1:], width), ragged, above
        body = pd.DataFrame()
    if body.empty:
        issues.append(issue("FILE_EMPTY", "warning", name, f"{name} has no rows, not even a header."))
        return None
    header = [str(v) for v in body.iloc[0].tolist()]
    return header, [pa.array(body[j].iloc[1:], type=pa.large_string()) for j in body.columns], ragged, above


def _columns(rows: list[list[str]], width: int) -> list[pa.Array]:
    """Rows of text as `width` columns: short rows padded with "", long ones cut."""
    if any(len(r) != width for r in rows):
        rows = [(r + [""] * width)[:width] for r in rows]
    if not rows:
        return [pa.array([], type=pa.large_string())] * width
    return [pa.array(col, type=pa.large_string()) for col in zip(*rows, strict=True)]


# ---------------------------------------------------------------- workbooks


def workbook_sheets(name: str, data: bytes, schema: Schema, issues: list[dict]) -> list[Sheet]:
    """Every sheet with any rows of an .xlsx workbook, or [] (reported) if it cannot be read."""
    import openpyxl  # imported here: only workbooks need it

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        issues.append(issue("FILE_UNREADABLE", "error", name,
                            f"{name} is not a readable .xlsx workbook ({type(exc).__name__}: {exc})."))
        return []
    sheets = []
    try:
        for ws in wb.worksheets:
            rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            sheet = _rows_sheet(ws.title, rows, schema)
            if sheet is not None:
                sheets.append(sheet)
    finally:
        wb.close()
    if not sheets:
        issues.append(issue("FILE_EMPTY", "warning", name, f"{name} has no sheet with any rows."))
    return sheets


def _rows_sheet(title: str, rows: list[list[str]], schema: Schema) -> Sheet | None:
    """A sheet's rows as a Sheet: the column names are the first row that names a 903 table's
    columns, or else the first non-blank row."""
    h, _share = header_index(rows, schema)
    if h is None:
        h = next((i for i, r in enumerate(rows) if any(r)), None)
        if h is None:
            return None
    width = len(rows[h])
    data = rows[h + 1:]
    ragged = sum(1 for r in data if any(r[width:]))
    return Sheet(title, rows[h][:width], _columns(data, width), ragged, h + 1, _first_text(rows[:h]))


def _first_text(rows: list[list[str]]) -> str:
    return next((" ".join(v.strip() for v in r if v.strip()) for r in rows if any(v.strip() for v in r)), "")


def _cell_text(v) -> str:
    if v is None:
        return ""
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
