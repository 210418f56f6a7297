"""The cleaning log: every row dropped, moved or merged and every value changed, collected as
typed columns while the cleaning rules run (`clean.py`, `history.py`) and made one frame at
the end (the store's cleaning_log)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

LOG_COLUMNS = ["rule", "action", "table", "year", "file", "row", "child", "detail"]
ACTIONS = ("dropped", "changed", "merged", "moved")


class Log:
    """Collects log entries as typed columns, one list of arrays per column; one frame at the
    end."""

    def __init__(self) -> None:
        self.columns: dict[str, list] = {c: [] for c in LOG_COLUMNS}

    def add(self, rule: str, action: str, table: str, rows: pd.DataFrame, detail,
            mask: np.ndarray | None = None) -> None:
        """Log `rows` (those `mask` marks, if given: the same as logging rows[mask]); `detail`:
        one text for all, or a Series with one per row logged."""
        if action not in ACTIONS:
            raise ValueError(f"unknown log action {action!r}")
        at = None if mask is None else np.flatnonzero(np.asarray(mask, bool))
        n = len(rows) if at is None else len(at)
        if not n:
            return

        def pick(column: str, dtype: str):
            """The column's values logged, as a new array of `dtype`."""
            values = rows[column].array
            return pd.array(values.copy() if at is None else values.take(at), dtype=dtype, copy=False)

        # typed columns from the start (Arrow-backed strings), so the final concat copies no
        # Python objects: the England-scale log has millions of rows
        if isinstance(detail, pd.Series):
            detail = pd.array(detail.array, dtype="string", copy=False)
        else:
            detail = repeat_text(detail, n)
        child = pick("child", "string") if "child" in rows else repeat_text(None, n)
        self._append(rule=repeat_text(rule, n), action=repeat_text(action, n), table=repeat_text(table, n),
                     year=pick("source_year", "Int64"), file=pick("source_file", "string"),
                     row=pick("source_row", "Int64"), child=child, detail=detail)

    def note(self, rule: str, detail: str) -> None:
        """An entry about the load as a whole (no source row)."""
        self._append(rule=repeat_text(rule, 1), action=repeat_text("changed", 1), table=repeat_text(None, 1),
                     year=pd.array([None], dtype="Int64"), file=repeat_text(None, 1),
                     row=pd.array([None], dtype="Int64"), child=repeat_text(None, 1),
                     detail=repeat_text(detail, 1))

    def _append(self, **columns) -> None:
        for name, values in columns.items():
            self.columns[name].append(values)

    def frame(self) -> pd.DataFrame:
        if not self.columns["rule"]:
            return pd.DataFrame({c: pd.Series(dtype="Int64" if c in ("year", "row") else "string")
                                 for c in LOG_COLUMNS})
        return pd.DataFrame({c: _joined(parts) for c, parts in self.columns.items()}, copy=False)


def _joined(parts: list) -> pd.Series:
    """The arrays one after another as one Series: joined directly when they share a dtype
    (what pd.concat does then, without a Series per array), else by pd.concat."""
    dtype = parts[0].dtype
    if all(a.dtype == dtype for a in parts):
        return pd.Series(type(parts[0])._concat_same_type(parts), copy=False)
    return pd.concat([pd.Series(a, copy=False) for a in parts], ignore_index=True)


def repeat_text(value: str | None, n: int) -> pd.arrays.ArrowStringArray:
    """`value` n times as an Arrow-backed string column."""
    return pd.arrays.ArrowStringArray(pa.repeat(pa.scalar(value, pa.large_string()), n))


def join_text(*parts) -> pd.Series:
    """Texts and Series of text (of one length, row by row in the same order) joined into one
    string Series numbered from 0, in one Arrow call (<NA> where a part is)."""
    arrays = [pa.scalar(p, pa.large_string()) if isinstance(p, str)
              else pd.array(p.array, dtype="string", copy=False).__arrow_array__() for p in parts]
    joined = pc.binary_join_element_wise(*arrays, pa.scalar("", pa.large_string()))
    return pd.Series(pd.arrays.ArrowStringArray(joined), copy=False)
