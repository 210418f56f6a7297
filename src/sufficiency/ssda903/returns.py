"""What the reader hands on: the raw text of every recognised table, with where each row came from.

`Returns.frames[table]` holds every year of one table: the schema's columns as pandas string
dtype (stripped; blank -> <NA>), in schema order, plus
  _year  the collection year (int, named by the 31 March it ends on: 2025 = 2024/25)
  _file  the file it came from (a zip member is shown as 'archive.zip:member.csv')
  _row   the line number in that file as a spreadsheet shows it (header = 1, first data row = 2)
A column the file lacked is all <NA> (and reported). Extra columns are listed in `files` and
reported, not kept in the frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .report import issues_frame
from .schema import Schema, default_schema

META = ["_year", "_file", "_row"]


@dataclass
class SourceFile:
    path: str
    table: str | None  # None: not recognised
    year: int | None
    rows: int = 0  # data rows kept
    blank_rows: int = 0  # blank rows skipped (reported)
    sheet: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)


@dataclass
class Returns:
    frames: dict[str, pd.DataFrame]
    files: list[SourceFile]
    issues: pd.DataFrame = field(default_factory=lambda: issues_frame([]))
    schema: Schema = field(default_factory=default_schema)

    def table(self, name: str) -> pd.DataFrame:
        """One table, all years; an empty frame with the right columns if no file had it."""
        if name in self.frames:
            return self.frames[name]
        cols = self.schema.table(name).column_names
        frame = pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
        frame["_year"] = pd.Series(dtype="int64")
        frame["_file"] = pd.Series(dtype="string")
        frame["_row"] = pd.Series(dtype="int64")
        return frame

    @property
    def years(self) -> list[int]:
        found = {f.year for f in self.files if f.year is not None and f.table}
        for frame in self.frames.values():
            found |= {int(y) for y in frame["_year"].unique()}
        return sorted(found)

    @property
    def input_rows(self) -> int:
        return sum(len(f) for f in self.frames.values())
