"""What the reader hands on: the raw text of every recognised table, with where each row came from.

`Returns.frames[table]` holds every year of one table: the schema's columns as pandas string
dtype (stripped; blank -> <NA>), in schema order, plus
  _year  the collection year (int, named by the 31 March it ends on: 2025 = 2024/25)
  _file  the file it came from (a zip member is shown as 'archive.zip:member.csv')
  _row   for CSV and XLSX, the line number in that file as a spreadsheet shows it (the column
         names' row + 1 for the first data row: 2 when they are on row 1); for the XML export,
         the row's number among that table's rows in the file (1 for the first EPISODE), whose
         element `SourceFile.elements` names
A column the file lacked is all <NA> (and reported). Extra columns are listed in `files` and
reported, not kept in the frame.

`Returns.files` lists every file (or workbook sheet, or table of an XML export) met: what it
was read as, and, for one that could not be read, `unreadable` (the reason, a sentence) and
`table_hint` (the table its name points to). `Returns.gaps()` says which years lack a table
that must be read (Header and Episodes by default), and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..vocab import year_label
from .dates import date_array, date_arrays
from .report import issues_frame
from .schema import Schema, default_schema

META = ["_year", "_file", "_row"]
_XML_NAMES = {"CHILD": "CHILDID", "PLACE": "PL"}  # column -> element name in the XML export
_INHERITED = ("CHILD", "SEX", "DOB")  # columns a row of the XML export takes from its child


@dataclass
class ElementPaths:
    """The element each row of one table of an XML export came from: the row with `_row` k
    is segments[seg[k-1]] of CHILD[child[k-1]], numbered elem[k-1] (0: the only one)."""

    root: str
    segments: list[str]
    header: str  # where a child's own fields sit: "HEADER", or "" (directly under CHILD)
    seg: np.ndarray
    child: np.ndarray
    elem: np.ndarray

    def path(self, row: int, column: str | None = None) -> str:
        """'EXPSSDA903/CHILD[17]/EPISODE[2]/DECOM' for the row with `_row` == row."""
        k = row - 1
        base = f"{self.root}/CHILD[{self.child[k]}]"
        segment = self.segments[self.seg[k]]
        if column is None:
            at = f"{segment}[{self.elem[k]}]" if self.elem[k] else segment
            return f"{base}/{at}" if at else base
        name = _XML_NAMES.get(column, column)
        if self.elem[k] and column in _INHERITED:  # taken from the child's own fields
            return "/".join(p for p in (base, self.header, name) if p)
        return f"{self.path(row)}/{name}"


@dataclass
class SourceFile:
    path: str
    table: str | None  # None: not recognised, or not readable
    year: int | None
    rows: int = 0  # data rows kept
    blank_rows: int = 0  # blank rows skipped (reported)
    sheet: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    format: str | None = None  # "csv", "xlsx" or "xml"
    header_row: int = 1  # the row of the column names (CSV, XLSX); rows above were skipped
    unreadable: str | None = None  # why the file (or sheet) could not be read as a 903 table
    table_hint: str | None = None  # for an unreadable one: the table its name points to
    elements: ElementPaths | None = None  # XML export: the element of each row

    @property
    def skipped_rows(self) -> int:
        """Title and blank rows above the column names."""
        return self.header_row - 1


@dataclass(frozen=True)
class Gap:
    """A table that must be read and was not, for one collection year (None: unknown)."""

    year: int | None
    table: str
    reason: str


@dataclass
class Returns:
    frames: dict[str, pd.DataFrame]
    files: list[SourceFile]
    issues: pd.DataFrame = field(default_factory=lambda: issues_frame([]))
    schema: Schema = field(default_factory=default_schema)
    _dates: dict[tuple[str, str], np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def table(self, name: str) -> pd.DataFrame:
        """One table, all years; an empty frame with the right columns if no file had it."""
        if name in self.frames:
            return self.frames[name]
        text = pd.StringDtype()
        columns = {c: pd.array([], dtype=text) for c in self.schema.table(name).column_names}
        return pd.DataFrame({**columns, "_year": np.empty(0, np.int64),
                             "_file": pd.array([], dtype=text), "_row": np.empty(0, np.int64)})

    def dates(self, table: str, column: str, keep: bool = True) -> np.ndarray:
        """A date column of one table, all years, as datetime64[ns] (NaT where blank or
        unreadable), parsed once: validation keeps it for cleaning, which takes it
        (`keep=False`: handed over and no longer held here)."""
        key = (table, column)
        if key not in self._dates:
            frame = self.frames.get(table)
            self._dates[key] = (date_array(frame[column]) if frame is not None and column in frame
                                else np.full(0 if frame is None else len(frame), np.datetime64("NaT", "ns")))
        return self._dates[key] if keep else self._dates.pop(key)

    def parse_date_columns(self, columns: list[tuple[str, str]]) -> None:
        """Parse these (table, column) date columns together, for `dates` to hand on: a date
        written in several tables is parsed once."""
        todo = [(t, c) for t, c in dict.fromkeys(columns)
                if (t, c) not in self._dates and t in self.frames and c in self.frames[t]]
        parsed = date_arrays([self.frames[t][c] for t, c in todo])
        self._dates.update(zip(todo, parsed, strict=True))

    @property
    def years(self) -> list[int]:
        found = {f.year for f in self.files if f.year is not None and f.table}
        for frame in self.frames.values():
            found |= {int(y) for y in frame["_year"].unique()}
        return sorted(found)

    @property
    def input_rows(self) -> int:
        return sum(len(f) for f in self.frames.values())

    @property
    def unreadable(self) -> list[SourceFile]:
        """Every file or sheet that could not be read as a 903 table."""
        return [f for f in self.files if f.unreadable]

    def gaps(self, tables: tuple[str, ...] = ("header", "episodes")) -> list[Gap]:
        """For each year seen (in files read or not), each of `tables` that no file gave, with
        the reason: the unreadable file meant to hold it (by its name, or an XML export, which
        holds every table), or that no file held it."""
        broken = self.unreadable
        years = sorted(set(self.years) | {f.year for f in broken if f.year is not None})
        got = {(f.table, f.year) for f in self.files if f.table and f.unreadable is None}
        out = []
        for year in [*years, None]:
            for table in tables:
                if (table, year) in got:
                    continue
                why = [f.unreadable for f in broken if f.year == year
                       and (f.table_hint == table or f.format == "xml")]
                if why:
                    out.extend(Gap(year, table, reason) for reason in why)
                elif year is not None:
                    title = self.schema.table(table).title
                    out.append(Gap(year, table, f"No {title} table was found for {year_label(year)}."))
        return out

    def locate(self, issues: pd.DataFrame) -> pd.DataFrame:
        """`issues` with each one about a row of an XML export starting with that row's element
        path ('EXPSSDA903/CHILD[17]/EPISODE[2]/DECOM: ...'), where a CSV issue gives its row."""
        paths = {(f.path, f.table): f.elements for f in self.files if f.elements is not None}
        if not paths or not len(issues):
            return issues
        files = {p for p, _t in paths}
        hit = (issues["file"].isin(files) & issues["row"].notna()).to_numpy(bool)
        if not hit.any():
            return issues
        sub = issues.loc[hit, ["file", "table", "row", "column", "message"]]
        located = []
        for file, table, row, column, message in sub.itertuples(index=False):
            where = paths.get((file, table))
            if where is None or not 0 < int(row) <= len(where.child):
                located.append(message)
                continue
            col = column if isinstance(column, str) and column in self.schema.table(table).columns else None
            located.append(f"{where.path(int(row), col)}: {message}")
        out = issues.copy()
        out.loc[hit, "message"] = pd.array(located, dtype="string")
        return out
