"""The validation report: every problem found, one row each, never raised.

Each issue has a stable `code` (see checks.yaml), a severity (`error` blocks analysis of the
row; `warning` is worth fixing but the row is used), and where it is: table, collection year,
file, row (the line number in the file as a spreadsheet shows it, header = 1), column, value
and child. `message` is a sentence a data officer can act on.
"""

from __future__ import annotations

import html
import io
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

COLUMNS = ["code", "severity", "table", "year", "file", "row", "column", "value", "child", "message"]
_DTYPES = {
    "code": "string", "severity": "string", "table": "string", "year": "Int64", "file": "string",
    "row": "Int64", "column": "string", "value": "string", "child": "string", "message": "string",
}


def issues_frame(records) -> pd.DataFrame:
    """Build a frame of issues from a list of dicts (a key left out is blank)."""
    records = list(records)
    if not records:
        return _EMPTY.copy()
    return pd.DataFrame.from_records(records, columns=COLUMNS).astype(_DTYPES)


_EMPTY = pd.DataFrame({c: pd.Series(dtype=t) for c, t in _DTYPES.items()})
_SORT = ["severity", "table", "year", "file", "row", "code"]


@dataclass(frozen=True)
class Issues:
    """`n` issues not yet made a frame: each of COLUMNS a scalar shared by all (None: blank) or
    n values by position (an array, list or Series; text may be Arrow). Checks hand these on and
    `ValidationReport.combine` builds one frame from them all."""

    n: int
    columns: dict[str, object]

    def __len__(self) -> int:
        return self.n


def _text_chunks(part: pd.DataFrame | Issues, column: str) -> list[pa.Array]:
    """One text column of a part as Arrow large strings (nulls where blank)."""
    if isinstance(part, pd.DataFrame):
        value = part[column]
        if not (isinstance(value.dtype, pd.StringDtype) and value.dtype.storage == "pyarrow"):
            value = value.astype("string")
    else:
        value = part.columns.get(column)
        if value is None or isinstance(value, str):
            return [pa.repeat(pa.scalar(value, pa.large_string()), part.n)]
    if isinstance(value, pd.Series):
        value = value.array
    if not isinstance(value, pa.Array | pa.ChunkedArray):
        value = pa.array(value if isinstance(value, pd.api.extensions.ExtensionArray)
                         else np.asarray(value, dtype=object), pa.large_string(), from_pandas=True)
    if value.type != pa.large_string():
        value = value.cast(pa.large_string())
    return list(value.chunks) if isinstance(value, pa.ChunkedArray) else [value]


def _int_column(parts: list[pd.DataFrame | Issues], column: str) -> pd.arrays.IntegerArray:
    """One whole-number column of every part as Int64 (<NA> where blank)."""
    values, masks = [], []
    for part in parts:
        value = part[column] if isinstance(part, pd.DataFrame) else part.columns.get(column)
        if value is None:
            value = pd.array([None] * len(part), dtype="Int64")
        elif np.isscalar(value):
            value = np.full(len(part), value, np.int64)
        if isinstance(value, np.ndarray) and value.dtype.kind in "iu":
            values.append(value.astype(np.int64, copy=False))
            masks.append(np.zeros(len(value), bool))
        else:
            value = pd.array(value, dtype="Int64")
            values.append(value.to_numpy(np.int64, na_value=0))
            masks.append(np.asarray(value.isna(), bool))
    return pd.arrays.IntegerArray(np.concatenate(values), np.concatenate(masks))


@dataclass
class ValidationReport:
    issues: pd.DataFrame = field(default_factory=lambda: issues_frame([]))

    @classmethod
    def combine(cls, parts: list[pd.DataFrame | Issues]) -> ValidationReport:
        """One report of every part (frames of issues or `Issues`), sorted by severity, table,
        year, file, row and code; parts keep their order where those are equal."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls(issues_frame([]))
        # text as one contiguous array each: Arrow sorts and takes from it faster than from chunks
        columns = {c: _int_column(parts, c) if _DTYPES[c] == "Int64" else pa.concat_arrays(
            [a for p in parts for a in _text_chunks(p, c)]) for c in COLUMNS}
        # Arrow's sort is stable and, as pandas', puts blanks first and orders text by code point
        keys = pa.table({c: pa.array(columns[c]) if _DTYPES[c] == "Int64" else columns[c] for c in _SORT})
        order = pc.sort_indices(keys, sort_keys=[(c, "ascending", "at_start") for c in _SORT])
        rows = order.to_numpy()
        return cls(pd.DataFrame({
            c: v[rows] if _DTYPES[c] == "Int64" else pd.arrays.ArrowStringArray(v.take(order))
            for c, v in columns.items()
        }))

    @property
    def errors(self) -> pd.DataFrame:
        return self.issues[self.issues["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.issues[self.issues["severity"] == "warning"]

    @property
    def ok(self) -> bool:
        return len(self.errors) == 0

    def summary(self) -> pd.DataFrame:
        """Count of issues by code and severity, with one example message each."""
        if not len(self.issues):
            return pd.DataFrame(columns=["code", "severity", "count", "example"])
        g = self.issues.groupby(["code", "severity"], sort=True)
        return g.agg(count=("message", "size"), example=("message", "first")).reset_index()

    def to_csv(self) -> str:
        buf = io.StringIO()
        self.issues.to_csv(buf, index=False)
        return buf.getvalue()

    def to_json(self) -> str:
        records = json.loads(self.issues.to_json(orient="records"))
        return json.dumps(
            {"errors": int(len(self.errors)), "warnings": int(len(self.warnings)), "issues": records},
            indent=1,
        )

    def to_text(self, limit: int = 200) -> str:
        lines = [f"{len(self.errors)} errors, {len(self.warnings)} warnings"]
        for row in self.summary().itertuples():
            lines.append(f"  {row.severity:<7} {row.code:<28} {row.count:>7}")
        shown = self.issues.head(limit)
        if len(shown):
            lines.append("")
        for r in shown.itertuples():
            where = r.file if pd.notna(r.file) else ""
            if pd.notna(r.row):
                where += f" row {r.row}"
            lines.append(f"{r.severity.upper()} {r.code} {where}: {r.message}")
        if len(self.issues) > limit:
            lines.append(f"... and {len(self.issues) - limit} more (use --format csv for all)")
        return "\n".join(lines)

    def to_html(self, limit: int = 5000) -> str:
        def cell(v) -> str:
            return "" if pd.isna(v) else html.escape(str(v))

        head = "".join(f"<th>{c}</th>" for c in COLUMNS)
        rows = "\n".join(
            f"<tr class='{cell(r['severity'])}'>" + "".join(f"<td>{cell(r[c])}</td>" for c in COLUMNS) + "</tr>"
            for r in self.issues.head(limit).to_dict("records")
        )
        summary = "".join(
            f"<tr><td>{cell(r.code)}</td><td>{cell(r.severity)}</td><td>{r.count}</td><td>{cell(r.example)}</td></tr>"
            for r in self.summary().itertuples()
        )
        more = f"<p>Showing {limit} of {len(self.issues)} issues.</p>" if len(self.issues) > limit else ""
        return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>SSDA903 validation report</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:left}}tr.error td:nth-child(2){{color:#b00020;font-weight:600}}
tr.warning td:nth-child(2){{color:#8a5a00}}</style></head><body>
<h1>SSDA903 validation report</h1>
<p><strong>{len(self.errors)}</strong> errors, <strong>{len(self.warnings)}</strong> warnings.</p>
<h2>Summary</h2><table><tr><th>code</th><th>severity</th><th>count</th><th>example</th></tr>{summary}</table>
<h2>Every issue</h2>{more}<table><tr>{head}</tr>
{rows}</table></body></html>"""
