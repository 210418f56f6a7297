"""The rows one file gives a 903 table, kept as Arrow text until every file has been read;
then the rows of each table are stacked into the one frame `Returns.frames` holds for it, so
a table's pandas frame is built once rather than once per file and then concatenated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

TEXT = pa.large_string()


@dataclass
class TableRows:
    """The rows one file (a CSV file, a workbook sheet or a table of an XML export) gives a
    table: its columns as Arrow text by schema name (None: a column the file lacks, all
    blank), the file's name as shown in `_file`, and each row's `_row` number."""

    columns: dict[str, pa.Array | None]
    file: str
    row: np.ndarray

    def __len__(self) -> int:
        return len(self.row)

    def column(self, name: str) -> pa.Array:
        """One column as Arrow text (all null for a column the file lacks)."""
        col = self.columns[name]
        return pa.nulls(len(self), TEXT) if col is None else col

    def series(self, name: str) -> pd.Series:
        """One column as pandas string dtype (<NA> for blank)."""
        return pd.Series(pd.arrays.ArrowStringArray(self.column(name)), copy=False)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, file: str) -> TableRows:
        """The rows of a frame of text columns, numbered from 1."""
        columns = {c: arrow_text(frame[c]) for c in frame.columns}
        return cls(columns, file, np.arange(1, len(frame) + 1, dtype=np.int64))


def arrow_text(values: pd.Series) -> pa.Array:
    """A pandas string column as one Arrow text array."""
    got = pa.array(values.array, type=TEXT)
    return got.combine_chunks() if isinstance(got, pa.ChunkedArray) else got


def stack(parts: list[tuple[TableRows, int]]) -> pd.DataFrame:
    """The rows of each (rows, collection year) in turn as one frame: the schema's columns as
    pandas string dtype, then `_file` (string), `_row` and `_year` (int64)."""
    rows = [p for p, _year in parts]
    out = {name: pd.arrays.ArrowStringArray(pa.chunked_array([p.column(name) for p in rows], TEXT))
           for name in rows[0].columns}
    files = pa.chunked_array([pa.repeat(pa.scalar(p.file, TEXT), len(p)) for p in rows], TEXT)
    out["_file"] = pd.arrays.ArrowStringArray(files)
    out["_row"] = np.concatenate([p.row for p in rows]).astype(np.int64)
    out["_year"] = np.repeat(np.array([y for _p, y in parts], dtype=np.int64), [len(p) for p in rows])
    return pd.DataFrame(out)
