"""Checks on single values, column by column, driven by the schema (tables.yaml, codes.yaml).

Each column is factorised once: a format or code is judged on its distinct values (a return
has a few dozen placement codes in a million rows), and the verdicts are spread back to rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from ...reference.postcodes import classify, directory
from ..dates import parse_dates
from ..schema import CodeList, Column, year_label
from .context import Context, cat, labels

UPN_RE = r"[A-Z]\d{12}|[A-Z]\d{11}[A-Z]|UN[1-5]"
URN_RE = r"\d{7}|SC\d{6}|XXXXXXX"
PARTIAL_DATE_RE = r"(?i)(\d{1,2}|zz)/(\d{1,2}|zz)/(\d{4})"
SHORT_LIST = 8  # code lists this short are spelled out in the message


def value_checks(ctx: Context) -> Iterator[pd.DataFrame]:
    for name, frame in ctx.frames.items():
        for col, spec in ctx.schema.table(name).columns.items():
            if spec.required:
                yield _blank(ctx, name, col, spec)
            if spec.type == "date":
                yield _dates(ctx, name, col)
                continue
            if spec.type == "id" or frame[col].isna().all():
                continue
            codes, uniq = pd.factorize(frame[col])
            uniq = pd.Series(uniq, dtype="string")
            if spec.type == "code":
                yield from _codes(ctx, name, col, codes, uniq, ctx.schema.codelist(spec.codes))
            elif spec.type == "integer":
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


def _blank(ctx: Context, name: str, col: str, spec: Column) -> pd.DataFrame:
    f = ctx.frames[name]
    blank = f[col].isna().to_numpy()
    if not blank.any():
        return ctx.emit("VALUE_MISSING", name, [], col, None, "")
    files = {path for path, c in ctx.missing_columns if c == col}
    if files:  # the reader already reported the whole column missing from these files
        blank &= ~f["_file"].isin(files).to_numpy()
    rows = np.flatnonzero(blank)
    return ctx.emit("VALUE_MISSING", name, rows, col, None,
                    cat(f"{col} ({spec.title}) is blank but required, for child ",
                        ctx.child_text(name, rows), "."))


def _dates(ctx: Context, name: str, col: str) -> pd.DataFrame:
    f = ctx.frames[name]
    rows = np.flatnonzero(f[col].notna().to_numpy() & np.isnat(ctx.date(name, col)))
    raw = ctx.text(name, col, rows)
    return ctx.emit("DATE_INVALID", name, rows, col, raw,
                    cat(f"{col} '", raw, "' is not a date, for child ", ctx.child_text(name, rows),
                        " (write dd/mm/yyyy, e.g. 05/02/2024)."))


def _partial_dates(ctx, name, col, codes, uniq) -> pd.DataFrame:
    """dd/mm/yyyy where the day, or the day and month, may be 'zz' (unknown)."""
    parts = uniq.str.strip().str.extract(PARTIAL_DATE_RE)
    day, month = parts[0].str.lower(), parts[1].str.lower()
    filled = (day.replace("zz", "01") + "/" + month.replace("zz", "01") + "/" + parts[2])
    day_without_month = ((day != "zz") & (month == "zz")).fillna(False).to_numpy(bool)
    ok = parse_dates(filled).notna().to_numpy(bool) & ~day_without_month
    ok |= parse_dates(uniq).notna().to_numpy(bool)  # a full date in any accepted form
    rows = _rows(codes, ~ok)
    raw = ctx.text(name, col, rows)
    return ctx.emit("DATE_INVALID", name, rows, col, raw,
                    cat(f"{col} '", raw, "' is not a date, for child ", ctx.child_text(name, rows),
                        " (write dd/mm/yyyy; an unknown day or day and month may be zz, "
                        "e.g. zz/05/2019)."))


def _codes(ctx, name, col, codes, uniq, cl: CodeList) -> Iterator[pd.DataFrame]:
    norm = uniq.str.strip().str.upper().to_numpy(object)
    years, year_idx = np.unique(ctx.year(name), return_inverse=True)
    # valid[y, u]: distinct value u is a code of the list in the year y's schema
    valid = np.array([np.isin(norm, list(cl.valid_codes(ctx.schema.schema_year(int(y)))))
                      for y in years]).reshape(len(years), len(norm))
    has = codes >= 0
    bad = np.zeros(len(codes), bool)
    bad[has] = ~valid[year_idx[has], codes[has]]
    rows = np.flatnonzero(bad)
    if not len(rows):
        return
    u, y = codes[rows], years[year_idx[rows]]
    note = {}
    for uu, yy in set(zip(u.tolist(), y.tolist(), strict=True)):
        note[(uu, yy)] = _code_note(cl, norm[uu], yy, ctx.schema.schema_year(yy))
    notes = [note[k] for k in zip(u.tolist(), y.tolist(), strict=True)]
    raw = ctx.text(name, col, rows)
    yield ctx.emit("CODE_INVALID", name, rows, col, raw,
                   cat(f"{col} '", raw, "' is not valid in ", labels(y), notes, ", for child ",
                       ctx.child_text(name, rows), "."))


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
        note = f" (not a {cl.title.lower()} code in any year"
        valid = sorted(cl.valid_codes(schema_year))
        note += f"; use one of {', '.join(valid)})" if len(valid) <= SHORT_LIST else ")"
    if schema_year != year:
        note += f" (returns for {year_label(year)} are checked against the {year_label(schema_year)} codes)"
    return note


def _integers(ctx, name, col, spec: Column, codes, uniq) -> pd.DataFrame:
    n = pd.to_numeric(uniq.str.strip(), errors="coerce").to_numpy(float)
    bad = np.isnan(n) | (n != np.floor(n))
    if spec.min is not None:
        bad |= n < spec.min
    if spec.max is not None:
        bad |= n > spec.max
    rows = _rows(codes, bad)
    raw = ctx.text(name, col, rows)
    return ctx.emit("VALUE_OUT_OF_RANGE", name, rows, col, raw,
                    cat(f"{col} '", raw, f"' is not a whole number from {spec.min} to {spec.max}, "
                        "for child ", ctx.child_text(name, rows), "."))


def _format(ctx, name, col, kind: str, codes, uniq) -> pd.DataFrame:
    pattern = UPN_RE if kind == "upn" else URN_RE
    ok = uniq.str.strip().str.upper().str.fullmatch(pattern).fillna(False).to_numpy(bool)
    rows = _rows(codes, ~ok)
    raw = ctx.text(name, col, rows)
    if kind == "upn":
        what = ("is not a unique pupil number (13 characters: a letter, 11 digits, then a digit "
                "or letter) nor UN1-UN5")
    else:
        what = "is not an Ofsted URN (7 digits, or SC and 6 digits) nor XXXXXXX"
    return ctx.emit(f"{kind.upper()}_INVALID", name, rows, col, raw,
                    cat(f"{col} '", raw, f"' {what}, for child ", ctx.child_text(name, rows), "."))


def _postcodes(ctx, name, col, codes, uniq) -> Iterator[pd.DataFrame]:
    kind = classify(uniq).to_numpy(str)
    rows = _rows(codes, kind == "malformed")
    raw = ctx.text(name, col, rows)
    yield ctx.emit("POSTCODE_INVALID", name, rows, col, raw,
                   cat(f"{col} '", raw, "' is not a postcode (e.g. LS1 4AP) nor a postcode sector "
                       "(e.g. LS1 4), for child ", ctx.child_text(name, rows), "."))
    formed = np.flatnonzero((kind == "full") | (kind == "sector"))
    if not len(formed):
        return
    found = directory().locate(uniq.iloc[formed].reset_index(drop=True))["found"].to_numpy(bool)
    unknown = np.zeros(len(uniq), bool)
    unknown[formed[~found]] = True
    rows = _rows(codes, unknown)
    raw = ctx.text(name, col, rows)
    what = np.where(kind[codes[rows]] == "sector", "postcode sector", "postcode")
    yield ctx.emit("POSTCODE_UNKNOWN", name, rows, col, raw,
                   cat(f"{col} '", raw, "' is a well-formed ", what, " but not in the ONS Postcode "
                       "Directory, for child ", ctx.child_text(name, rows),
                       "; no distance can be worked out from it."))
