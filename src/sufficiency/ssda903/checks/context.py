"""What every check shares: the frames, their dates parsed once, children as integers, and
one way to turn flagged rows into issues.

Checks work on NumPy arrays by position. A child is an integer code shared by every table
(-1 where CHILD is blank), so "the same child in the same year" is an int64 key, and
membership, joins and sorting never touch strings. A date is datetime64[ns], NaT where blank
or unreadable: NumPy comparisons with NaT are False, so a row whose date could not be read
drops out of every check on that date by itself (DATE_INVALID already names it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..dates import date_array
from ..report import Issues
from ..returns import Returns
from ..schema import Schema, year_label
from .catalogue import severity

_FIELD = re.compile(r"\{(\w+)\}")
_DAY_BIAS = 1 << 17  # days since 1970, shifted to be positive for 1800-2299 (< 2**18)


class Context:
    """The returns being validated, normalised once for every check."""

    def __init__(self, returns: Returns):
        self.returns = returns
        self.schema: Schema = returns.schema
        self.frames: dict[str, pd.DataFrame] = {
            name: _normalise(frame, self.schema.table(name).column_names)
            for name, frame in returns.frames.items()
            if name in self.schema.tables
        }
        self.missing_columns: set[tuple[str, str]] = {
            (f.path, c) for f in returns.files for c in f.missing_columns
        }
        self._dates: dict[tuple[str, str], np.ndarray] = {}
        self._keys: dict[str, np.ndarray] = {}
        self._files: dict[str, tuple[np.ndarray, pa.Array]] = {}
        self._texts: dict[tuple[str, str], pa.Array] = {}
        self._lines: dict[str, np.ndarray] = {}
        self._code_children()
        self._years = {name: f["_year"].to_numpy(np.int64) for name, f in self.frames.items()}
        # every collection year present, and each row's position in that list
        self.years = np.unique(
            np.concatenate([np.unique(y) for y in self._years.values()] or [[]])
        ).astype(np.int64)
        self.year_index = {
            name: np.searchsorted(self.years, y) for name, y in self._years.items()
        }

    def _code_children(self) -> None:
        """Number the children of every table together (in order of first appearance, table by
        table), and keep each code's text."""
        children = [self._text(name, "CHILD") for name in self.frames]
        if children:
            encoded = pa.concat_arrays(children).dictionary_encode()
            codes = pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64)
            uniq = encoded.dictionary
        else:
            codes, uniq = np.array([], np.int64), pa.array([], pa.large_string())
        # child code -> its text; the extra last slot (code -1, blank CHILD) is <NA>
        self._child_names = pa.concat_arrays([uniq, pa.nulls(1, pa.large_string())])
        self.n_children = int(np.max(codes)) + 1 if len(codes) else 0
        self.child: dict[str, np.ndarray] = {}
        start = 0
        for name, f in self.frames.items():
            self.child[name] = codes[start : start + len(f)]
            start += len(f)

    # ------------------------------------------------------------ per-table arrays

    def date(self, table: str, column: str) -> np.ndarray:
        """A date column as datetime64[ns], NaT where blank or unreadable."""
        key = (table, column)
        if not self._dates:  # every date column of the returns at once, on the first call
            self.returns.parse_date_columns([
                (name, c) for name in self.frames
                for c, spec in self.schema.table(name).columns.items()
                if spec.type == "date" and self._shared(name, c)])
        if key not in self._dates:
            if self._shared(table, column):
                self._dates[key] = self.returns.dates(table, column)
            else:
                self._dates[key] = date_array(self.frames[table][column])
        return self._dates[key]

    def _shared(self, table: str, column: str) -> bool:
        """Whether the returns hold this column as validated (its dates are then kept there for
        cleaning)."""
        frame = self.returns.frames.get(table)
        return frame is not None and column in frame and len(frame) == len(self.frames[table])

    def year(self, table: str) -> np.ndarray:
        return self._years[table]

    def line(self, table: str) -> np.ndarray:
        """Each row's line in its file (_row), as a spreadsheet shows it."""
        if table not in self._lines:
            self._lines[table] = self.frames[table]["_row"].to_numpy()
        return self._lines[table]

    def year_end(self, table: str) -> np.ndarray:
        """31 March of each row's collection year."""
        return _on_day(self.year(table), 3, 31)

    def year_start(self, table: str) -> np.ndarray:
        """1 April before it."""
        return _on_day(self.year(table) - 1, 4, 1)

    def key(self, table: str) -> np.ndarray:
        """Child and collection year as one int64 in 0..n_keys-1; -1 where CHILD is blank."""
        if table not in self._keys:
            child = self.child[table]
            self._keys[table] = np.where(
                child >= 0, child * len(self.years) + self.year_index[table], -1
            )
        return self._keys[table]

    @property
    def n_keys(self) -> int:
        return self.n_children * len(self.years)

    def member(self, keys: np.ndarray, of: np.ndarray) -> np.ndarray:
        """For each of `keys`, whether it is among the keys `of` (blank keys are in nothing)."""
        present = np.zeros(self.n_keys + 1, bool)  # the extra slot, -1, stays False
        present[of[of >= 0]] = True
        return present[keys]

    def codes(self, table: str, column: str) -> pd.Series:
        """A code column stripped and upper-cased (<NA> where blank)."""
        codes, uniq = self.factorized(table, column)
        # the Arrow kernels behind pandas' str.strip and str.upper, on each distinct value once
        norm = pc.utf8_upper(pc.utf8_trim_whitespace(uniq))
        picked = norm.take(pa.array(codes, mask=codes < 0))  # -1 (blank) -> null
        return pd.Series(pd.arrays.ArrowStringArray(picked), copy=False)

    def text(self, table: str, column: str, rows: np.ndarray) -> pa.Array:
        """Raw values of some rows, '(blank)' where blank."""
        if not len(rows):  # a check that flagged no row
            return _no_text()
        if column == "CHILD":
            return self.child_text(table, rows)
        values = self._text(table, column).take(pa.array(np.asarray(rows, dtype=np.int64)))
        if values.null_count:
            values = pc.fill_null(values, "(blank)")
        return values

    def _text(self, table: str, column: str) -> pa.Array:
        """A text column as one Arrow array, made once."""
        key = (table, column)
        if key not in self._texts:
            text = pa.array(self.frames[table][column].array, pa.large_string())
            self._texts[key] = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
        return self._texts[key]

    def blank(self, table: str, column: str) -> np.ndarray:
        """Whether each row's value of a text column is blank."""
        key = (table, column)
        text = self._texts[key] if key in self._texts else pa.array(self.frames[table][column].array)
        return text.is_null().to_numpy(zero_copy_only=False)

    def factorized(self, table: str, column: str) -> tuple[np.ndarray, pa.Array]:
        """A text column's distinct values in order of first appearance, and each row's position
        among them (-1 where blank): pandas' factorize, without its Series and Index."""
        encoded = self._text(table, column).dictionary_encode()
        return pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64), encoded.dictionary

    def child_text(self, table: str, rows: np.ndarray) -> pa.Array:
        """CHILD of some rows, '(blank)' where blank (from the child codes: no string column is
        touched, which matters for Arrow-backed columns of a million rows)."""
        return _filled(self._children(table, rows), "(blank)")

    def _children(self, table: str, rows: np.ndarray) -> pa.Array:
        """CHILD of some rows as Arrow text, null where blank."""
        codes = self.child[table][np.asarray(rows, dtype=np.int64)]
        return self._child_names.take(np.where(codes < 0, len(self._child_names) - 1, codes))

    def _file_names(self, table: str, rows: np.ndarray) -> pa.Array:
        """_file of some rows as Arrow text (null where blank), taken from its distinct values."""
        codes, names = self._file_codes(table)
        picked = codes[rows]
        return names.take(pa.array(picked, mask=picked < 0))

    def _file_codes(self, table: str) -> tuple[np.ndarray, pa.Array]:
        """`factorized` of _file, made once per table."""
        if table not in self._files:
            self._files[table] = self.factorized(table, "_file")
        return self._files[table]

    # ------------------------------------------------------------ exact duplicate rows

    @cached_property
    def _duplicates(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {name: self._find_duplicates(name) for name in self.frames}

    def duplicates(self, table: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows that repeat an earlier row of the same file in every column: their positions and
        the position of the row each repeats."""
        return self._duplicates[table]

    def _find_duplicates(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        f = self.frames[name]
        none = (np.array([], dtype=np.int64), np.array([], dtype=np.int64))
        if len(f) < 2:
            return none
        # Candidates first: a hash of child, collection year and dates (rows of one file share
        # its year). Rows equal in every column hash alike; a collision only adds a candidate,
        # which the exact comparison (file included) then clears.
        h = pd.util.hash_array(self.key(name))
        parts = [
            self.date(name, c).view(np.int64)
            for c, spec in self.schema.table(name).columns.items()
            if spec.type == "date"
        ]
        with np.errstate(over="ignore"):
            for part in parts:
                h = (h ^ pd.util.hash_array(part)) * np.uint64(0x100000001B3)
        candidate = pd.Series(h).duplicated(keep=False).to_numpy()
        if not candidate.any():
            return none
        pos = np.flatnonzero(candidate)
        # each candidate row as a tuple of its text (None where blank), keeping the first of each
        taken = pa.array(pos)
        columns = ["_file", *self.schema.table(name).column_names]
        rows = zip(*(self._text(name, c).take(taken).to_pylist() for c in columns), strict=True)
        seen: dict[tuple, int] = {}
        first = np.array([seen.setdefault(row, p) for row, p in zip(rows, pos.tolist(), strict=True)],
                         dtype=np.int64)
        repeat = first != pos
        return pos[repeat], first[repeat]

    # ------------------------------------------------------------ issues

    def issue(self, code: str, table: str, rows, column: str | None, template: str,
              value: bool = True, **fields) -> Issues:
        """One issue per row position in `rows` of `table`. The value is the row's raw `column`
        (value=False: none); the message is `template` with each {name} replaced by
        fields[name], a string or one per row; {child} is the row's CHILD unless given."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return Issues(0, {})
        if "{child}" in template and "child" not in fields:
            fields["child"] = self.child_text(table, rows)
        raw = self.text(table, column, rows) if value and column else None
        return self.emit(code, table, rows, column, raw, fill(template, **fields))

    def emit(
        self, code: str, table: str | None, rows: np.ndarray, column: str | None, value, message
    ) -> Issues:
        """One issue per row position in `rows` of `table` (value and message: a string, or one
        per row)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return Issues(0, {})
        return Issues(len(rows), {
            "code": code, "severity": severity(code), "table": table,
            "year": self._years[table][rows], "file": self._file_names(table, rows),
            "row": self.line(table)[rows], "column": column,
            "value": _text_or_blank(value), "child": self._children(table, rows),
            "message": _text_or_blank(message),
        })


# ---------------------------------------------------------------- helpers


def pack(key: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """A child-year key and a date (days 1800-2299) as one int64; -1 where either is blank."""
    days = dates.astype("datetime64[D]").astype(np.int64) + _DAY_BIAS
    ok = (key >= 0) & ~np.isnat(dates)
    return np.where(ok, key * (1 << 18) + np.where(ok, days, 0), -1)


def fmt(dates: np.ndarray) -> pa.Array:
    """datetime64 -> 'dd/mm/yyyy', '?' where NaT."""
    if not len(dates):  # a check that flagged no row: nothing to format
        return _no_text()
    days, inverse = np.unique(np.asarray(dates, dtype="datetime64[ns]"), return_inverse=True)
    iso = np.datetime_as_string(days, unit="D").tolist()  # 'yyyy-mm-dd', or 'NaT'
    text = pa.array([f"{d[8:10]}/{d[5:7]}/{d[:4]}" if d != "NaT" else "?" for d in iso],
                    pa.large_string())
    return text.take(pa.array(inverse.ravel()))


def fill(template: str, **fields) -> pa.ChunkedArray | str:
    """'DEC {dec} is before DECOM {decom}' with each field a string or one value per row."""
    pieces = _FIELD.split(template)  # text, name, text, name, ..., text
    return cat(*(fields[p] if i % 2 else p for i, p in enumerate(pieces) if i % 2 or p))


def cat(*parts) -> pa.ChunkedArray | str:
    """Join strings and equal-length sequences element-wise into messages ('?' for a blank
    in a sequence)."""
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    columns = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else _filled(_arrow(p), "?")
               for p in parts]
    joined = pc.binary_join_element_wise(*columns, pa.scalar("", pa.large_string()))
    return joined


def _filled(values: pa.ChunkedArray, blank: str) -> pa.ChunkedArray:
    """`values` with `blank` in place of each null."""
    return pc.fill_null(values, blank) if values.null_count else values


def age_in_years(dob: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Whole years of age on `when` (NaN where either is NaT); born 29 Feb: 18 on 1 March."""
    ok = ~(np.isnat(dob) | np.isnat(when))
    a = pd.DatetimeIndex(np.where(ok, dob, np.datetime64("2000-01-01", "ns")))
    b = pd.DatetimeIndex(np.where(ok, when, np.datetime64("2000-01-01", "ns")))
    years = b.year.to_numpy() - a.year.to_numpy()
    before = (b.month.to_numpy() * 100 + b.day.to_numpy()) < (
        a.month.to_numpy() * 100 + a.day.to_numpy()
    )
    return np.where(ok, years - before, np.nan)


def labels(years: Sequence[int] | np.ndarray) -> pa.Array:
    """Collection years as '2024/25'."""
    if not len(years):
        return _no_text()
    uniq, inverse = np.unique(np.asarray(years, dtype=np.int64), return_inverse=True)
    names = pa.array([year_label(int(y)) for y in uniq], pa.large_string())
    return names.take(pa.array(inverse.ravel()))


def _no_text() -> pa.Array:
    return _NO_TEXT


_NO_TEXT = pa.array([], pa.large_string())


def _on_day(years: np.ndarray, month: int, day: int) -> np.ndarray:
    uniq, inv = np.unique(years, return_inverse=True)
    days = np.array(
        [np.datetime64(f"{int(y):04d}-{month:02d}-{day:02d}", "ns") for y in uniq],
        dtype="datetime64[ns]",
    )
    return days[inv] if len(uniq) else np.array([], dtype="datetime64[ns]")


def isin(values: pd.Series, options) -> np.ndarray:
    """values.isin(options) as a NumPy bool array (blank is never in)."""
    return values.isin(list(options)).to_numpy(bool)


def equals(values: pd.Series, option: str) -> np.ndarray:
    return (values == option).fillna(False).to_numpy(bool)


def _text_or_blank(value) -> str | pa.ChunkedArray | None:
    """An issue's value or message: one string (or None) for every row, else Arrow text."""
    if value is None or isinstance(value, str):
        return value
    return _arrow(value)


def where(flag: np.ndarray, if_true, if_false) -> pa.ChunkedArray:
    """Text by position: `if_true`'s where `flag`, else `if_false`'s (each a text per row)."""
    return pc.if_else(pa.array(flag, pa.bool_()), _arrow(if_true), _arrow(if_false))


def _arrow(values) -> pa.ChunkedArray:
    """A sequence of text by position (Arrow large strings, or a string Series, kept as they
    are) as Arrow large strings."""
    if isinstance(values, pa.ChunkedArray) and values.type == pa.large_string():
        return values
    if isinstance(values, pa.Array) and values.type == pa.large_string():
        return pa.chunked_array([values])
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype) and values.dtype.na_value is pd.NA:
        array = values.array
    elif isinstance(values, np.ndarray) and values.dtype.kind == "U":  # text throughout, no blank
        array = values
    else:
        array = pd.array(np.asarray(values, dtype=object), dtype="string")
    return pa.chunked_array([pa.array(array, pa.large_string())])


def _normalise(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Schema columns as string dtype (added blank if absent), index 0..n-1."""
    out = frame
    present = set(out.columns)
    missing = [c for c in columns if c not in present]
    if missing:
        out = out.assign(**{c: pd.Series(pd.NA, index=out.index, dtype="string") for c in missing})
    dtypes = dict(zip(out.columns, out.dtypes, strict=True))
    wrong = [c for c in [*columns, "_file"] if not isinstance(dtypes[c], pd.StringDtype)]
    if wrong:
        out = out.assign(**{c: out[c].astype("string") for c in wrong})
    if not isinstance(out.index, pd.RangeIndex) or out.index.start != 0 or out.index.step != 1:
        out = out.reset_index(drop=True)
    return out
