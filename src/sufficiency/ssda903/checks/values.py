"""Checks on single values, column by column, driven by the schema (tables.yaml, codes.yaml).

Each column is factorised once: a format or code is judged on its distinct values (a return
has a few dozen placement codes in a million rows), and the verdicts are spread back to rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...reference.postcodes import directory
from ..dates import parse_dates
from ..report import Issues
from ..schema import CodeList, Column, year_label
from .context import Context, labels

UPN_RE = r"[A-Z]\d{12}|[A-Z]\d{11}[A-Z]|UN[1-5]"
URN_RE = r"\d{7}|SC\d{6}|XXXXXXX"
PARTIAL_DATE_RE = r"(?i)(\d{1,2}|zz)/(\d{1,2}|zz)/(\d{4})"
SHORT_LIST = 8  # code lists this short are spelled out in the message


def value_checks(ctx: Context) -> Iterator[Issues]:
    for name in ctx.frames:
        for col, spec in ctx.schema.table(name).columns.items():
            if spec.type in ("date", "id", "text"):  # judged on blanks and dates alone
                blank = ctx.blank(name, col) if spec.required or spec.type == "date" else None
                if spec.required:
                    yield _blank(ctx, name, col, spec, blank)
                if spec.type == "date":
                    yield _dates(ctx, name, col, blank)
                continue
            codes, uniq = ctx.factorized(name, col)
            if spec.required:
                yield _blank(ctx, name, col, spec, codes < 0)
            if not len(uniq):  # blank throughout
                continue
            if spec.type == "code":  # the most common type: judged on the Arrow values as they are
                yield _codes(ctx, name, col, codes, uniq, ctx.schema.codelist(spec.codes))
                continue
            uniq = pd.Series(pd.arrays.ArrowStringArray(uniq), copy=False)
            if spec.type == "integer":
                yield _integers(ctx, name, col, spec, codes, uniq)
            elif spec.type in ("upn", "urn"):
                yield _format(ctx, name, col, spec.type, codes, uniq)
            elif spec.type == "postcode":
                yield from _postcodes(ctx, name, col, codes, uniq)
            elif spec.type == "partial_date":
                yield _partial_dates(ctx, name, col, codes, uniq)


def _rows(codes: np.ndarray, bad_unique: np.ndarray) -> np.ndarray:
    """Positions of rows whose distinct value is bad (code -1, blank, is never bad)."""
    return np.flatnonzero(np.append(np.asarray(bad_unique, bool), False)[codes])


def _blank(ctx: Context, name: str, col: str, spec: Column, blank: np.ndarray) -> Issues:
    """VALUE_MISSING where `blank`, except in files the reader found without the column."""
    f = ctx.frames[name]
    files = {path for path, c in ctx.missing_columns if c == col}
    if files and blank.any():  # the reader already reported the whole column missing there
        blank = blank & ~f["_file"].isin(files).to_numpy(bool)
    return ctx.issue("VALUE_MISSING", name, np.flatnonzero(blank), col,
                     f"{col} ({spec.title}) is blank but required, for child {{child}}.",
                     value=False)


def _dates(ctx: Context, name: str, col: str, blank: np.ndarray) -> Issues:
    rows = np.flatnonzero(~blank & np.isnat(ctx.date(name, col)))
    if not len(rows):  # the usual case: no raw values to fetch
        return Issues(0, {})
    return ctx.issue("DATE_INVALID", name, rows, col,
                     f"{col} '{{raw}}' is not a date, for child {{child}} (write dd/mm/yyyy, "
                     "e.g. 05/02/2024).", raw=ctx.text(name, col, rows))


def _partial_dates(ctx, name, col, codes, uniq) -> Issues:
    """dd/mm/yyyy where the day, or the day and month, may be 'zz' (unknown)."""
    parts = uniq.str.strip().str.extract(PARTIAL_DATE_RE)
    day, month = parts[0].str.lower(), parts[1].str.lower()
    filled = day.replace("zz", "01") + "/" + month.replace("zz", "01") + "/" + parts[2]
    day_without_month = ((day != "zz") & (month == "zz")).fillna(False).to_numpy(bool)
    ok = parse_dates(filled).notna().to_numpy(bool) & ~day_without_month
    ok |= parse_dates(uniq).notna().to_numpy(bool)  # a full date in any accepted form
    rows = _rows(codes, ~ok)
    if not len(rows):
        return Issues(0, {})
    return ctx.issue("DATE_INVALID", name, rows, col,
                     f"{col} '{{raw}}' is not a date, for child {{child}} (write dd/mm/yyyy; an "
                     "unknown day, or day and month, may be zz, e.g. zz/05/2019).",
                     raw=ctx.text(name, col, rows))


def _codes(ctx, name, col, codes, uniq: pa.Array, cl: CodeList) -> Issues:
    # stripped and upper-cased by the Arrow kernels pandas' str.strip and str.upper use
    norm = pc.utf8_upper(pc.utf8_trim_whitespace(uniq)).to_pylist()
    years, year_idx = ctx.years, ctx.year_index[name]
    # valid[y, u]: distinct value u is a code of the list in year y's schema (years before or
    # after the schema's range share one schema year, judged once)
    schema_years = [ctx.schema.schema_year(int(y)) for y in years]
    valid_in = {sy: [u in codes_then for u in norm] for sy, codes_then in
                ((sy, cl.valid_codes(sy)) for sy in dict.fromkeys(schema_years))}
    valid = np.array([valid_in[sy] for sy in schema_years],
                     dtype=bool).reshape(len(years), len(norm))
    has = codes >= 0
    bad = np.zeros(len(codes), bool)
    bad[has] = ~valid[year_idx[has], codes[has]]
    rows = np.flatnonzero(bad)
    if not len(rows):  # the usual case: no notes, years or raw values to work out
        return Issues(0, {})
    pairs = list(zip(codes[rows].tolist(), years[year_idx[rows]].tolist(), strict=True))
    notes = {p: _code_note(cl, norm[p[0]], p[1], ctx.schema.schema_year(p[1])) for p in set(pairs)}
    return ctx.issue("CODE_INVALID", name, rows, col,
                     f"{col} '{{raw}}' is not valid in {{year}}{{note}}, for child {{child}}.",
                     raw=ctx.text(name, col, rows), year=labels(years[year_idx[rows]]),
                     note=[notes[p] for p in pairs])


def _code_note(cl: CodeList, code: str, year: int, schema_year: int) -> str:
    """Why a code is not valid in a year: withdrawn, not yet introduced, or never a code."""
    c = cl.codes.get(code)
    if c is not None and c.until_year is not None and year > c.until_year:
        note = f" (withdrawn after {year_label(c.until_year)})"
    elif c is not None and c.from_year is not None and year < c.from_year:
        note = f" (introduced in {year_label(c.from_year)})"
    elif c is not None:
        note = f" (not in the {year_label(schema_year)} list)"
    else:
        note = f" (not in the {cl.title} list in any year"
        valid = sorted(cl.valid_codes(schema_year))
        note += f"; use one of {', '.join(valid)})" if len(valid) <= SHORT_LIST else ")"
    if schema_year != year:
        note += (f" (returns for {year_label(year)} are checked against the "
                 f"{year_label(schema_year)} codes)")
    return note


def _integers(ctx, name, col, spec: Column, codes, uniq) -> Issues:
    text = uniq.str.strip()
    n = pd.to_numeric(text, errors="coerce").to_numpy(float)
    bad = ~text.str.fullmatch(r"[+-]?\d+(?:\.0*)?").fillna(False).to_numpy(bool)  # 12 or 12.0
    if spec.min is not None:
        bad |= n < spec.min
    if spec.max is not None:
        bad |= n > spec.max
    rows = _rows(codes, bad)
    if not len(rows):
        return Issues(0, {})
    return ctx.issue("VALUE_OUT_OF_RANGE", name, rows, col,
                     f"{col} '{{raw}}' is not a whole number from {spec.min} to {spec.max}, "
                     "for child {child}.", raw=ctx.text(name, col, rows))


def _format(ctx, name, col, kind: str, codes, uniq) -> Issues:
    pattern = UPN_RE if kind == "upn" else URN_RE
    ok = _normalised(uniq).str.fullmatch(pattern).fillna(False).to_numpy(bool)
    rows = _rows(codes, ~ok)
    if not len(rows):
        return Issues(0, {})
    if kind == "upn":
        what = ("is not a unique pupil number (13 characters: a letter, 11 digits, then a digit "
                "or letter) nor UN1-UN5")
    else:
        what = "is not an Ofsted URN (7 digits, or SC and 6 digits) nor XXXXXXX"
    return ctx.issue(f"{kind.upper()}_INVALID", name, rows, col,
                     f"{col} '{{raw}}' {what}, for child {{child}}.", raw=ctx.text(name, col, rows))


def _postcodes(ctx, name, col, codes, uniq) -> Iterator[Issues]:
    kind, found = directory().kinds(uniq.tolist())
    rows = _rows(codes, kind == "malformed")
    yield ctx.issue("POSTCODE_INVALID", name, rows, col,
                    f"{col} '{{raw}}' is not a postcode (e.g. LS1 4AP) nor a postcode sector "
                    "(e.g. LS1 4), for child {child}.", raw=ctx.text(name, col, rows))
    rows = _rows(codes, ((kind == "full") | (kind == "sector")) & ~found)
    # Northern Ireland postcodes use the Irish grid and are left out of the directory
    ni = _normalised(uniq).str.startswith("BT").fillna(False).to_numpy(bool)[codes[rows]]
    yield ctx.issue("POSTCODE_UNKNOWN", name, rows, col,
                    f"{col} '{{raw}}' is {{a}}{{what}}{{b}}, for child {{child}}; no distance can "
                    "be worked out from it.", raw=ctx.text(name, col, rows),
                    what=_either(kind[codes[rows]] == "sector", "postcode sector", "postcode"),
                    a=_either(ni, "a Northern Ireland ", "a well-formed "),
                    b=_either(ni, ", outside the Great Britain grid that distances use",
                              " but not in the ONS Postcode Directory"))


def _normalised(uniq: pd.Series) -> pd.Series:
    """Text stripped and upper-cased, by the Arrow kernels behind pandas' str.strip and str.upper,
    in one step."""
    text = pc.utf8_upper(pc.utf8_trim_whitespace(pa.array(uniq.array, pa.large_string())))
    return pd.Series(pd.arrays.ArrowStringArray(text), copy=False)


def _either(flag: np.ndarray, if_true: str, if_false: str) -> pa.Array:
    """`if_true` where `flag`, else `if_false`: a text per row, taken from the two."""
    options = pa.array([if_false, if_true], pa.large_string())
    return options.take(flag.astype(np.int8))
