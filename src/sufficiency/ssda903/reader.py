"""Read a council's SSDA903 returns: a folder or zip of CSV, XLSX and XML files, several years.

CSV files and workbook sheets are matched to tables by their columns (case, spaces and a
byte-order mark ignored), not by their names; the column names may sit below a title row
(see sources.py). An XML file is read as the DfE's XML export, which carries every table
(see xml_export.py). The collection year comes from the folder or file name ("2024",
"2023-24", "2023_2024", "202324"); a lone four-digit year is checked against the dates in
the Episodes table, because some tools label the 2017/18 return "2017" and others "2018".

Nothing here raises for a bad file: each problem becomes a file-level issue in
`Returns.issues`, and the file is skipped or read as far as it can be; a file or sheet that
could not be read as a table is listed in `Returns.files` with the reason (`unreadable`).
Only a path that does not exist raises InputError.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..vocab import year_label, year_of
from .dates import date_arrays
from .report import issues_frame
from .returns import Returns, SourceFile
from .schema import Schema, default_schema
from .sources import (
    HEADER_SEARCH_ROWS,
    Blob,
    Sheet,
    blobs,
    issue,
    norm,
    recognise,
    table_hint,
    text_sheet,
    workbook_sheets,
)
from .table_rows import TableRows, arrow_text, stack
from .xml_export import XmlUnreadable, read_export

__all__ = ["MAX_FILE_MB", "Progress", "read_returns", "recognise"]

TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
XML_SUFFIXES = {".xml"}
MAX_FILE_MB = 500  # England's largest table is ~100 MB as CSV

Progress = Callable[[str, int, int], None]
_Read = tuple[SourceFile, TableRows | None, str | None]  # a table (or a failure) and its year label


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
    found = list(blobs(root, issues))
    tables: list[_Read] = []
    for i, blob in enumerate(found):
        if progress:
            progress(f"reading {blob.name}", i, len(found))
        tables.extend(_read_blob(blob, schema, max_file_mb, issues))
    if progress:
        progress("reading", len(found), len(found))
    _assign_years(tables, issues)
    frames = _gather(tables, schema, issues)
    if not frames:
        what = "holds no files" if not found else "holds no file recognised as a 903 table"
        issues.append(issue("NO_TABLES", "error", str(root),
                            f"{root} {what}: nothing to validate or load. Give the folder or zip "
                            "that holds the returns (Header, Episodes, ... as CSV, XLSX or the "
                            "DfE's XML export)."))
    return Returns(frames=frames, files=[src for src, _f, _l in tables], issues=issues_frame(issues),
                   schema=schema)


def _gather(tables: list[_Read], schema: Schema, issues: list[dict]) -> dict[str, pd.DataFrame]:
    """Each table's rows of every year, one frame per table (a repeated table is reported)."""
    parts: dict[str, list[tuple[TableRows, int]]] = {}
    seen: dict[tuple[str, int], str] = {}
    for src, rows, _label in tables:
        if src.table is None or src.year is None or rows is None:
            continue
        key = (src.table, src.year)
        if key in seen:
            issues.append(issue(
                "TABLE_DUPLICATE", "warning", src.path,
                f"{src.path} is a second {schema.table(src.table).title} table for "
                f"{year_label(src.year)} (the first was {seen[key]}); rows of both are kept, "
                "so remove one copy if they are the same return.", table=src.table, year=src.year))
        else:
            seen[key] = src.path
        parts.setdefault(src.table, []).append((rows, src.year))
    return {name: stack(rows) for name, rows in parts.items()}


# ---------------------------------------------------------------- reading one file


def _read_blob(blob: Blob, schema: Schema, max_mb: float, issues: list[dict]) -> list[_Read]:
    suffix = blob.path.suffix.lower()
    label = _year_label(blob.path)
    if suffix not in TEXT_SUFFIXES | WORKBOOK_SUFFIXES | XML_SUFFIXES:
        kind = "an old .xls workbook: save it as .xlsx or CSV" if suffix == ".xls" else (
            "not a CSV, XLSX or XML file")
        issues.append(issue("FILE_SKIPPED", "warning", blob.name, f"{blob.name} is {kind}; skipped."))
        return []
    fmt = "xml" if suffix in XML_SUFFIXES else "xlsx" if suffix in WORKBOOK_SUFFIXES else "csv"
    first = len(issues)
    if blob.size > max_mb * 1e6:
        issues.append(issue(
            "FILE_TOO_LARGE", "error", blob.name,
            f"{blob.name} is {blob.size / 1e6:,.0f} MB, more than the {max_mb:,.0f} MB allowed for one "
            "903 file (all of England's episodes are about 100 MB); check it is the right file, "
            "or split it by year (read_returns(path, max_file_mb=...) raises the limit in Python)."))
    elif blob.size == 0:
        issues.append(issue("FILE_EMPTY", "warning", blob.name, f"{blob.name} is empty (0 bytes)."))
    elif fmt == "xml":
        got = _read_xml(blob, schema, issues, label)
        if got is not None:
            return got
    else:
        try:
            data = blob.read()
        except (OSError, zipfile.BadZipFile, RuntimeError, ValueError) as exc:
            issues.append(issue("FILE_UNREADABLE", "error", blob.name, f"{blob.name} cannot be read ({exc})."))
        else:
            if fmt == "xlsx":
                sheets = workbook_sheets(blob.name, data, schema, issues)
            else:
                sheet = text_sheet(blob.name, data, schema, issues)
                sheets = [sheet] if sheet else []
            if sheets:
                return [_read_sheet(blob, fmt, s, schema, issues, label) for s in sheets]
    reason = " ".join(i["message"] for i in issues[first:]
                      if i["severity"] == "error" or i["code"] == "FILE_EMPTY")
    if not reason:
        return []
    failed = SourceFile(blob.name, None, None, format=fmt, unreadable=reason,
                        table_hint=table_hint(blob.path.name))
    return [(failed, None, label)]


def _read_sheet(blob: Blob, fmt: str, sheet: Sheet, schema: Schema, issues: list[dict],
                label: str | None) -> _Read:
    where = blob.name if sheet.name is None else f"{blob.name} [{sheet.name}]"
    first = len(issues)
    got = _as_table(where, sheet, schema, issues)
    if got is None:
        reason = " ".join(i["message"] for i in issues[first:])
        src = SourceFile(where, None, None, sheet=sheet.name, format=fmt, header_row=sheet.header_row,
                         unreadable=reason, table_hint=table_hint(sheet.name, blob.path.name))
        return src, None, label
    src, rows = got
    src.sheet, src.format, src.header_row = sheet.name, fmt, sheet.header_row
    return src, rows, label


def _read_xml(blob: Blob, schema: Schema, issues: list[dict], label: str | None) -> list[_Read] | None:
    """The tables of an XML export; [] for XML that is not one (reported); None if unreadable."""
    try:
        got = read_export(blob, schema, issues)
    except XmlUnreadable as exc:
        issues.append(issue("XML_INVALID", "error", blob.name, str(exc)))
        return None
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError) as exc:
        issues.append(issue("FILE_UNREADABLE", "error", blob.name, f"{blob.name} cannot be read ({exc})."))
        return None
    out = []
    for table, frame, paths in got or []:
        rows = TableRows.from_frame(frame, blob.name)
        _drop_float_suffix(rows.columns, schema.table(table), blob.name, table, issues)
        src = SourceFile(blob.name, table, None, rows=len(rows), format="xml", elements=paths)
        out.append((src, rows, label))
    return out


# ---------------------------------------------------------------- recognising tables


def _as_table(where: str, sheet: Sheet, schema: Schema, issues: list[dict]):
    header, body = sheet.header, sheet.body
    table, _share = recognise(header, schema)
    if table is None:
        shown = ", ".join(str(h) for h in header[:8]) + (" ..." if len(header) > 8 else "")
        issues.append(issue(
            "TABLE_UNRECOGNISED", "error", where,
            f"{where} is not a 903 table: none of its first {HEADER_SEARCH_ROWS} rows names the "
            f"columns of Header, Episodes, Reviews, UASC, OC2, OC3, AD1, PlacedAdoption, PrevPerm, "
            f"Missing or SWEpisodes (its first row reads: {shown or 'nothing'}); not read."))
        return None
    if sheet.header_row > 1 and sheet.title:
        issues.append(issue(
            "TITLE_ROWS_SKIPPED", "warning", where,
            f"{where}: the column names are on row {sheet.header_row}, so the "
            f"{sheet.header_row - 1} row(s) above them (starting {sheet.title[:60]!r}) were skipped.",
            table=table, value=str(sheet.header_row - 1)))
    spec = schema.table(table)
    names = [norm(h) for h in header]
    wanted = spec.column_names
    extra = [h for h, n in zip(header, names, strict=True) if n not in wanted and str(h).strip()]
    missing = [c for c in wanted if c not in names]
    first: dict[str, int] = {}
    for j, n in enumerate(names):
        if n in wanted and n not in first:
            first[n] = j
    columns, kept = _kept_rows(body, [first.get(c) for c in wanted], wanted)
    blank_rows = len(body[0]) - len(kept)
    _drop_float_suffix(columns, spec, where, table, issues)
    rows = TableRows(columns, where, kept + sheet.header_row + 1)
    src = SourceFile(where, table, None, rows=len(rows), blank_rows=blank_rows,
                     extra_columns=extra, missing_columns=missing)
    for c in missing:
        issues.append(issue(
            "COLUMN_MISSING", "error", where,
            f"{where} looks like {spec.title} but has no {c} column ({spec.columns[c].title}); "
            "its values are taken as blank.", table=table, column=c))
    for c in extra:
        issues.append(issue(
            "COLUMN_EXTRA", "warning", where,
            f"{where} has a column {str(c).strip()!r} that is not in the {spec.title} table; "
            "it is reported and not used.", table=table, column=str(c).strip()))
    if blank_rows:
        issues.append(issue(
            "ROWS_BLANK_SKIPPED", "warning", where,
            f"{where} has {blank_rows} blank row(s) (often trailing rows left by Excel); skipped.",
            table=table, value=str(blank_rows)))
    if sheet.ragged:
        issues.append(issue(
            "ROW_FIELD_COUNT", "warning", where,
            f"{where} has {sheet.ragged} row(s) with a different number of fields from the header; "
            "missing fields were read as blank and surplus ones ignored: check the delimiter and quoting.",
            table=table, value=str(sheet.ragged)))
    return src, rows


def _kept_rows(body: list[pa.Array], positions: list[int | None],
               names: list[str]) -> tuple[dict[str, pa.Array | None], np.ndarray]:
    """The body's columns at `positions` (None: a column the file lacks) named `names`,
    stripped, blank -> null, without the rows blank in every column of the body; and the
    positions of the rows kept. The columns are stacked end to end, so each Arrow step runs
    once for the whole sheet; blanks are found from the stripped texts' lengths."""
    rows = len(body[0])
    stacked = pc.utf8_trim_whitespace(pa.concat_arrays(body))
    empty = _empty_texts(stacked)
    kept = np.flatnonzero(~empty.reshape(len(body), rows).all(axis=0))
    present = [j for j in positions if j is not None]
    if len(kept) == rows and present == list(range(len(body))):  # every row and column, in order
        wanted, blank = stacked, empty
    else:
        at = np.concatenate([j * rows + kept for j in present]) if present else np.array([], dtype=np.int64)
        wanted, blank = stacked.take(pa.array(at)), empty[at]
    if blank.any():
        wanted = pc.if_else(pa.array(blank), pa.scalar(None, pa.large_string()), wanted)
    out: dict[str, pa.Array | None] = {}
    start = 0
    for name, j in zip(names, positions, strict=True):
        out[name] = None if j is None else wanted.slice(start, len(kept))
        start += 0 if j is None else len(kept)
    return out, kept


def _empty_texts(texts: pa.Array) -> np.ndarray:
    """True where a large_string array holds "" (a null is not empty), read from the array's
    offsets: the length of text i is offsets[i + 1] - offsets[i]."""
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset: texts.offset + len(texts) + 1]
    empty = np.diff(offsets) == 0
    if texts.null_count:
        empty &= texts.is_valid().to_numpy(zero_copy_only=False)
    return empty


_FLOAT_LIKE = re.compile(r"^-?\d+\.0+$")


def _drop_float_suffix(columns: dict[str, pa.Array | None], spec, where: str, table: str,
                       issues: list[dict]) -> None:
    """A column of identifiers or codes written by pandas or Excel as numbers ("1234.0", "1.0"
    for every value) is read without the ".0", with a warning naming the column."""
    for c, col in spec.columns.items():
        if col.type not in ("id", "code", "integer", "urn") or columns[c] is None:
            continue
        given = columns[c] if not columns[c].null_count else columns[c].drop_null()
        if not len(given) or not _FLOAT_LIKE.match(given[0].as_py()):  # most fail here: no scan
            continue
        text = pd.Series(pd.arrays.ArrowStringArray(columns[c]), copy=False)
        values = text.dropna()
        if not values.str.fullmatch(_FLOAT_LIKE).all():
            continue
        columns[c] = arrow_text(text.str.replace(r"\.0+$", "", regex=True))
        issues.append(issue(
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


def _latest_episode_date(rows: TableRows) -> pd.Timestamp | None:
    """The 99th percentile of an Episodes table's start and end dates (robust to a stray typo
    year; linear between nanoseconds, truncated, as pandas' Series.quantile takes it), or None
    if it has none; the distinct texts of both columns are parsed in one go."""
    dates = np.concatenate(date_arrays([rows.series("DECOM"), rows.series("DEC")]))
    dates = dates[~np.isnat(dates)]
    if not len(dates):
        return None
    return pd.Timestamp(np.quantile(dates.view(np.int64), 0.99).astype("datetime64[ns]"))


def _assign_years(tables: list[_Read], issues: list[dict]) -> None:
    """Give each table its collection year (named by the 31 March it ends on): from its label,
    else from its dates, else from the Episodes table of the same file or folder. A file that
    could not be read takes the year of its label, if it has one."""
    singles: dict[int, list] = {}
    for src, rows, label in tables:
        if label and label.startswith("span:"):
            src.year = int(label[5:])
        elif src.table is not None or label:
            singles.setdefault(int(label[7:]) if label else 0, []).append((src, rows))
    shift = _lone_year_shift(singles)
    for y, group in singles.items():
        for src, rows in group:
            if y:
                src.year = y + shift
                continue
            latest = _latest_episode_date(rows) if src.table == "episodes" and len(rows) else None
            if latest is not None:
                src.year = year_of(latest)
                issues.append(issue(
                    "YEAR_INFERRED", "warning", src.path,
                    f"{src.path} has no year in its name or folder; its latest dates put it in the "
                    f"{year_label(src.year)} return.", table=src.table, year=src.year))
    if shift:
        issues.append(issue(
            "YEAR_LABEL_INTERPRETED", "warning", None,
            "Files are labelled by the year a return starts (the file marked 2017 holds dates to "
            "31/03/2018), so each was read as the return ending the following March.",
        ))
    _years_from_episodes(tables, issues)


def _lone_year_shift(singles: dict[int, list]) -> int:
    """1 if files labelled with a lone year Y hold the return ending 31 March Y+1 (their
    episodes run past 31 March Y), else 0. Each Episodes table votes; the count stops once
    the tables left could not change the outcome."""
    episodes = [(y, rows) for y, group in singles.items() for src, rows in group
                if y and src.table == "episodes" and len(rows)]
    votes_start = votes_end = 0
    for i, (y, rows) in enumerate(episodes):
        left = len(episodes) - i
        if votes_start > votes_end + left or votes_end >= votes_start + left:
            break
        latest = _latest_episode_date(rows)
        if latest is not None:
            if pd.Timestamp(y, 3, 31) < latest <= pd.Timestamp(y + 1, 3, 31):
                votes_start += 1
            elif latest <= pd.Timestamp(y, 3, 31):
                votes_end += 1
    return 1 if votes_start > votes_end else 0


def _file_of(src: SourceFile) -> str:
    return src.path[: -len(src.sheet) - 3] if src.sheet is not None else src.path


def _years_from_episodes(tables: list[_Read], issues: list[dict]) -> None:
    """Tables without a year take the year of the Episodes table in the same file (a workbook
    or an XML export), else of the one in the same folder."""
    by_file: dict[str, int] = {}
    by_dir: dict[str, int] = {}
    for src, _f, _l in tables:
        if src.table == "episodes" and src.year:
            by_file.setdefault(_file_of(src), src.year)
            by_dir.setdefault(str(PurePosixPath(src.path).parent), src.year)
    for src, _f, _l in tables:
        if not src.table or src.year is not None:
            continue
        src.year = by_file.get(_file_of(src)) or by_dir.get(str(PurePosixPath(src.path).parent))
        if src.year is None:
            issues.append(issue(
                "YEAR_UNKNOWN", "error", src.path,
                f"{src.path}: no collection year in its name or folder (e.g. 2024 or 2023-24), "
                "and no Episodes table beside it to tell; put it in a folder named for the year.",
                table=src.table))
        else:
            issues.append(issue(
                "YEAR_INFERRED", "warning", src.path,
                f"{src.path} has no year in its name; read as {year_label(src.year)}, the year "
                "of the Episodes table in the same file or folder.", table=src.table, year=src.year))
