"""Read a council's SSDA903 returns: a folder or zip of CSV and XLSX files, several years.

Files are matched to tables by their columns (case, spaces and a byte-order mark ignored),
not by their names. The collection year comes from the folder or file name ("2024",
"2023-24", "2023_2024", "202324"); a lone four-digit year is checked against the dates in
the Episodes file, because some tools label the 2017/18 return "2017" and others "2018".

Nothing here raises for a bad file: each problem becomes a file-level issue in
`Returns.issues`, and the file is skipped or read as far as it can be. Only a path that does
not exist raises InputError.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from ..errors import InputError
from .dates import parse_dates
from .report import issues_frame
from .returns import Returns, SourceFile
from .schema import Schema, default_schema

TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
MAX_FILE_MB = 500  # England's largest table is ~100 MB as CSV
_RECOGNISE_SHARE = 0.6  # share of a table's columns a file must have to be taken for it

Progress = Callable[[str, int, int], None]


@dataclass
class _Blob:
    """One file to read: its display name, a way to get its bytes, and its size."""

    name: str
    path: PurePosixPath  # path inside the folder or zip, for the year label
    size: int
    read: Callable[[], bytes]


def read_returns(
    path: str | Path,
    schema: Schema | None = None,
    max_file_mb: float = MAX_FILE_MB,
    progress: Progress | None = None,
) -> Returns:
    """Read every 903 table found under `path` (a folder, a .zip, or one file)."""
    schema = schema or default_schema()
    root = Path(path)
    if not root.exists():
        raise InputError(f"{path} does not exist: give a folder, a .zip or a file of SSDA903 returns.")
    issues: list[dict] = []
    blobs = list(_blobs(root, issues))
    tables: list[tuple[SourceFile, pd.DataFrame, str | None]] = []
    for i, blob in enumerate(blobs):
        if progress:
            progress(f"reading {blob.name}", i, len(blobs))
        tables.extend(_read_blob(blob, schema, max_file_mb, issues))
    if progress:
        progress("reading", len(blobs), len(blobs))
    _assign_years(tables, schema, issues)
    frames: dict[str, list[pd.DataFrame]] = {}
    files: list[SourceFile] = []
    seen: dict[tuple[str, int], str] = {}
    for src, frame, _label in tables:
        files.append(src)
        if src.table is None or src.year is None:
            continue
        key = (src.table, src.year)
        if key in seen:
            issues.append(_issue(
                "TABLE_DUPLICATE", "warning", src.path,
                f"{src.path} is a second {schema.table(src.table).title} table for "
                f"{_label_year(src.year)} (the first was {seen[key]}); rows of both are kept, "
                "so remove one copy if they are the same return.", table=src.table, year=src.year))
        else:
            seen[key] = src.path
        frame["_year"] = src.year
        frames.setdefault(src.table, []).append(frame)
    if not frames:
        what = "holds no files" if not blobs else "holds no file recognised as a 903 table"
        issues.append(_issue("NO_TABLES", "error", str(root),
                             f"{root} {what}: nothing to validate or load. Give the folder or zip "
                             "that holds the returns (Header, Episodes, ... as CSV or XLSX)."))
    out = {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}
    for frame in out.values():
        frame["_year"] = frame["_year"].astype("int64")
        frame["_row"] = frame["_row"].astype("int64")
        frame["_file"] = frame["_file"].astype("string")
    return Returns(frames=out, files=files, issues=issues_frame(issues), schema=schema)


# ---------------------------------------------------------------- finding files


def _blobs(root: Path, issues: list[dict]) -> Iterator[_Blob]:
    if root.is_dir():
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.name.startswith((".", "~$")):
                yield from _file_blobs(p, PurePosixPath(p.relative_to(root).as_posix()), issues)
    else:
        yield from _file_blobs(root, PurePosixPath(root.name), issues)


def _file_blobs(p: Path, rel: PurePosixPath, issues: list[dict]) -> Iterator[_Blob]:
    if p.suffix.lower() == ".zip":
        yield from _zip_blobs(p, rel, issues)
    else:
        yield _Blob(str(p), rel, p.stat().st_size, p.read_bytes)


def _zip_blobs(p: Path, rel: PurePosixPath, issues: list[dict]) -> Iterator[_Blob]:
    try:
        archive = zipfile.ZipFile(p)
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        issues.append(_issue("FILE_UNREADABLE", "error", str(p),
                             f"{p} is not a readable zip archive ({exc})."))
        return
    for m in members:
        name = PurePosixPath(m.filename)
        if name.name.startswith((".", "~$")) or "__MACOSX" in name.parts:
            continue
        if name.suffix.lower() == ".zip":
            issues.append(_issue("FILE_SKIPPED", "warning", f"{p}:{m.filename}",
                                 f"{p}:{m.filename} is a zip inside a zip; unzip it first."))
            continue

        def read(m=m) -> bytes:
            return archive.read(m)

        yield _Blob(f"{p}:{m.filename}", rel.parent / name, m.file_size, read)


# ---------------------------------------------------------------- reading one file


def _read_blob(blob: _Blob, schema: Schema, max_mb: float, issues: list[dict]):
    suffix = blob.path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | WORKBOOK_SUFFIXES:
        kind = "an old .xls workbook: save it as .xlsx or CSV" if suffix == ".xls" else (
            "not a CSV or XLSX file")
        issues.append(_issue("FILE_SKIPPED", "warning", blob.name, f"{blob.name} is {kind}; skipped."))
        return []
    if blob.size > max_mb * 1e6:
        issues.append(_issue(
            "FILE_TOO_LARGE", "error", blob.name,
            f"{blob.name} is {blob.size / 1e6:,.0f} MB, more than the {max_mb:,.0f} MB allowed for one "
            "903 table (all of England's episodes are about 100 MB); check it is the right file, "
            "or split it by year (read_returns(path, max_file_mb=...) raises the limit in Python)."))
        return []
    if blob.size == 0:
        issues.append(_issue("FILE_EMPTY", "warning", blob.name, f"{blob.name} is empty (0 bytes)."))
        return []
    try:
        data = blob.read()
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError) as exc:
        issues.append(_issue("FILE_UNREADABLE", "error", blob.name, f"{blob.name} cannot be read ({exc})."))
        return []
    if suffix in WORKBOOK_SUFFIXES:
        sheets = _workbook_sheets(blob.name, data, issues)
    else:
        sheet = _text_table(blob.name, data, issues)
        sheets = [(None, *sheet)] if sheet else []
    out = []
    for sheet_name, header, body, ragged in sheets:
        where = blob.name if sheet_name is None else f"{blob.name} [{sheet_name}]"
        got = _as_table(where, header, body, ragged, schema, issues)
        if got is not None:
            src, frame = got
            src.sheet = sheet_name
            out.append((src, frame, _year_label(blob.path)))
        elif sheet_name is None or len(body):
            out.append((SourceFile(where, None, None), None, None))
    return out


def _decode(name: str, data: bytes, issues: list[dict]) -> str | None:
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif head.count(b"\x00") > len(head) // 50 or head.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        what = "a workbook or archive" if head.startswith((b"PK", b"\xd0\xcf")) else "binary data"
        issues.append(_issue("FILE_UNREADABLE", "error", name,
                             f"{name} holds {what}, not text: save the table as CSV (or .xlsx)."))
        return None
    elif b"\x00" in data:
        nuls = data.count(b"\x00")
        issues.append(_issue("NUL_BYTES_REMOVED", "warning", name,
                             f"{name} has {nuls} NUL byte(s), a sign of a damaged export; "
                             "they were removed and the rest read."))
        data = data.replace(b"\x00", b"")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _text_table(name: str, data: bytes, issues: list[dict]):
    """Header and body (a frame of text, columns by position, ragged rows padded) of a CSV."""
    text = _decode(name, data, issues)
    if text is None:
        return None
    text = text.lstrip("\ufeff")
    if not text.strip():
        issues.append(_issue("FILE_EMPTY", "warning", name, f"{name} has no rows, not even a header."))
        return None
    first = text[: text.find("\n")] if "\n" in text else text
    delimiter = max([",", ";", "\t", "|"], key=first.count)
    try:  # fast path: pandas' C parser
        body = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str,
                           keep_default_na=False, na_filter=False, skip_blank_lines=False,
                           engine="c")
        body = body.fillna("")  # short rows are padded: no value is lost
        ragged = 0
    except (pd.errors.ParserError, ValueError, csv.Error):
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            issues.append(_issue("FILE_UNREADABLE", "error", name, f"{name} is not valid CSV ({exc})."))
            return None
        width = len(rows[0])
        ragged = sum(1 for r in rows[1:] if len(r) != width and any(v.strip() for v in r))
        body = pd.DataFrame([(r + [""] * width)[:width] for r in rows], dtype=str)
    header = [str(v) for v in body.iloc[0].tolist()]
    while header and header[-1].strip() == "" and len(header) > 1:
        header.pop()
    body = body.iloc[1:, : len(header)].reset_index(drop=True)
    return header, body, ragged


def _workbook_sheets(name: str, data: bytes, issues: list[dict]):
    import openpyxl  # imported here: only workbooks need it

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        issues.append(_issue("FILE_UNREADABLE", "error", name,
                             f"{name} is not a readable .xlsx workbook ({type(exc).__name__}: {exc})."))
        return []
    sheets = []
    try:
        for ws in wb.worksheets:
            rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            while rows and not any(rows[0]):
                rows.pop(0)  # leading blank rows above the header
            if rows:
                width = len(rows[0])
                body = pd.DataFrame([(r + [""] * width)[:width] for r in rows[1:]],
                                    columns=range(width), dtype=str)
                ragged = sum(1 for r in rows[1:] if any(r[width:]))
                sheets.append((ws.title, rows[0], body, ragged))
    finally:
        wb.close()
    if not sheets:
        issues.append(_issue("FILE_EMPTY", "warning", name, f"{name} has no sheet with any rows."))
    return sheets


def _cell_text(v) -> str:
    if v is None:
        return ""
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# ---------------------------------------------------------------- recognising tables


def _norm(col: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(col).replace("\ufeff", "").strip()).upper()


def recognise(columns: list[str], schema: Schema) -> tuple[str | None, float]:
    """The table whose columns these are, and the share of its columns present."""
    have = {_norm(c) for c in columns}
    best, best_key = None, (0.0, 0)
    for name, table in schema.tables.items():
        cols = set(table.column_names)
        share = len(cols & have) / len(cols)
        key = (share, len(cols & have))
        if key > best_key:
            best, best_key = name, key
    return (best, best_key[0]) if best_key[0] >= _RECOGNISE_SHARE else (None, best_key[0])


def _as_table(where: str, header: list[str], body: pd.DataFrame, ragged: int, schema: Schema,
              issues: list[dict]):
    table, share = recognise(header, schema)
    if table is None:
        shown = ", ".join(str(h) for h in header[:8]) + (" ..." if len(header) > 8 else "")
        issues.append(_issue(
            "TABLE_UNRECOGNISED", "error", where,
            f"{where} is not a 903 table: its columns ({shown or 'none'}) match none of Header, "
            "Episodes, Reviews, UASC, OC2, OC3, AD1, PlacedAdoption, PrevPerm, Missing or SWEpisodes."))
        return None
    spec = schema.table(table)
    names = [_norm(h) for h in header]
    wanted = spec.column_names
    extra = [h for h, n in zip(header, names, strict=True) if n not in wanted and str(h).strip()]
    missing = [c for c in wanted if c not in names]
    first: dict[str, int] = {}
    for j, n in enumerate(names):
        if n in wanted and n not in first:
            first[n] = j
    stripped = body.apply(lambda col: col.str.strip()) if len(body) else body
    blank = (stripped == "").all(axis=1) if len(body) else pd.Series([], dtype=bool)
    blank_rows = int(blank.sum())
    keep = ~blank.to_numpy()
    frame = pd.DataFrame(
        {c: (stripped[first[c]][keep] if c in first else pd.Series(pd.NA, index=body.index[keep]))
         for c in wanted}
    ).astype("string")
    frame = frame.replace("", pd.NA).reset_index(drop=True)
    _drop_float_suffix(frame, spec, where, table, issues)
    frame["_file"] = where
    frame["_row"] = pd.Series(body.index[keep].to_numpy() + 2, dtype="int64")
    src = SourceFile(where, table, None, rows=len(frame), blank_rows=blank_rows,
                     extra_columns=extra, missing_columns=missing)
    for c in missing:
        issues.append(_issue(
            "COLUMN_MISSING", "error", where,
            f"{where} looks like {spec.title} but has no {c} column ({spec.columns[c].title}); "
            "its values are taken as blank.", table=table, column=c))
    for c in extra:
        issues.append(_issue(
            "COLUMN_EXTRA", "warning", where,
            f"{where} has a column {str(c).strip()!r} that is not in the {spec.title} table; "
            "it is reported and not used.", table=table, column=str(c).strip()))
    if blank_rows:
        issues.append(_issue(
            "ROWS_BLANK_SKIPPED", "warning", where,
            f"{where} has {blank_rows} blank row(s) (often trailing rows left by Excel); skipped.",
            table=table, value=str(blank_rows)))
    if ragged:
        issues.append(_issue(
            "ROW_FIELD_COUNT", "warning", where,
            f"{where} has {ragged} row(s) with a different number of fields from the header; "
            "missing fields were read as blank and surplus ones ignored: check the delimiter and quoting.",
            table=table, value=str(ragged)))
    return src, frame


_FLOAT_LIKE = re.compile(r"^-?\d+\.0+$")


def _drop_float_suffix(frame: pd.DataFrame, spec, where: str, table: str, issues: list[dict]) -> None:
    """A column of identifiers or codes written by pandas or Excel as numbers ("1234.0", "1.0"
    for every value) is read without the ".0", with a warning naming the column."""
    for c, col in spec.columns.items():
        if col.type not in ("id", "code", "integer", "urn"):
            continue
        values = frame[c].dropna()
        if not len(values) or not values.str.fullmatch(_FLOAT_LIKE).all():
            continue
        frame[c] = frame[c].str.replace(r"\.0+$", "", regex=True)
        issues.append(_issue(
            "FLOAT_SUFFIX_REMOVED", "warning", where,
            f"{where}: every {c} value was written as a decimal number (e.g. {values.iloc[0]!r}), as "
            f"pandas or Excel do with number columns; read without the '.0' ({len(values)} values).",
            table=table, column=c, value=str(values.iloc[0])))


# ---------------------------------------------------------------- years

_SPAN = re.compile(r"(?<!\d)(20\d\d)[\s_\-/]?(?:to[\s_\-]?)?(20)?(\d\d)(?!\d)")
_SINGLE = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def _year_label(path: PurePosixPath) -> str | None:
    """The year text in a path, innermost first: 'span:2024' or 'single:2017'."""
    for part in reversed(path.parts):
        for m in _SPAN.finditer(part):
            start, end = int(m.group(1)), int(m.group(1)[:2] + m.group(3))
            if end == start + 1:
                return f"span:{end}"
        m = _SINGLE.search(part)
        if m:
            return f"single:{m.group(1)}"
    return None


def _label_year(year: int) -> str:
    return f"{year - 1}/{str(year)[-2:]}"


def _latest_episode_date(frame: pd.DataFrame) -> pd.Timestamp | None:
    dates = pd.concat([parse_dates(frame["DECOM"]), parse_dates(frame["DEC"])]).dropna()
    if dates.empty:
        return None
    return dates.quantile(0.99)  # robust to a stray typo year


def _assign_years(tables, schema: Schema, issues: list[dict]) -> None:
    """Give each recognised table its collection year (named by the 31 March it ends on)."""
    singles: dict[int, list] = {}
    for src, frame, label in tables:
        if src.table is None:
            continue
        if label and label.startswith("span:"):
            src.year = int(label[5:])
        elif label:
            singles.setdefault(int(label[7:]), []).append((src, frame))
        else:
            singles.setdefault(0, []).append((src, frame))
    # A lone year Y is the return ending 31 March Y unless its episodes run past that date.
    votes_start = votes_end = 0
    for y, group in singles.items():
        for src, frame in group:
            if y and src.table == "episodes" and len(frame):
                latest = _latest_episode_date(frame)
                if latest is not None:
                    if pd.Timestamp(y, 3, 31) < latest <= pd.Timestamp(y + 1, 3, 31):
                        votes_start += 1
                    elif latest <= pd.Timestamp(y, 3, 31):
                        votes_end += 1
    shift = 1 if votes_start > votes_end else 0
    for y, group in singles.items():
        for src, frame in group:
            if y:
                src.year = y + shift
                continue
            latest = _latest_episode_date(frame) if src.table == "episodes" and len(frame) else None
            if latest is not None:
                src.year = latest.year + (1 if latest.month > 3 else 0)
                issues.append(_issue(
                    "YEAR_INFERRED", "warning", src.path,
                    f"{src.path} has no year in its name or folder; its latest dates put it in the "
                    f"{_label_year(src.year)} return.", table=src.table, year=src.year))
    if shift:
        issues.append(_issue(
            "YEAR_LABEL_INTERPRETED", "warning", None,
            "Files are labelled by the year a return starts (the file marked 2017 holds dates to "
            "31/03/2018), so each was read as the return ending the following March.",
        ))
    # Tables without a year take the year of the Episodes file beside them.
    by_dir = {}
    for src, _f, _l in tables:
        if src.table == "episodes" and src.year:
            by_dir.setdefault(str(PurePosixPath(src.path).parent), src.year)
    for src, _f, _l in tables:
        if src.table and src.year is None:
            src.year = by_dir.get(str(PurePosixPath(src.path).parent))
            if src.year is None:
                issues.append(_issue(
                    "YEAR_UNKNOWN", "error", src.path,
                    f"{src.path}: no collection year in its name or folder (e.g. 2024 or 2023-24), "
                    "and no Episodes file beside it to tell; put it in a folder named for the year.",
                    table=src.table))
            else:
                issues.append(_issue(
                    "YEAR_INFERRED", "warning", src.path,
                    f"{src.path} has no year in its name; read as {_label_year(src.year)}, the year "
                    "of the Episodes file beside it.", table=src.table, year=src.year))


def _issue(code, severity, file, message, table=None, year=None, column=None, value=None) -> dict:
    return {"code": code, "severity": severity, "table": table, "year": year, "file": file,
            "row": None, "column": column, "value": value, "child": None, "message": message}
