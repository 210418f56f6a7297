"""Checks across rows and tables: repeated rows, tables missing from a year, children in one
table and not another, a date of birth that changes between years, and dates in Missing and
Reviews against each other, the child's birth and the collection year.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from ..report import issues_frame
from ..schema import year_label
from .catalogue import severity
from .context import Context, cat, fmt, labels

# Tables whose children should be in the same year's Header (brief: warning, not error).
CHILD_TABLES = ("reviews", "missing", "oc2", "oc3", "uasc")


def cross_checks(ctx: Context) -> Iterator[pd.DataFrame]:
    yield from _repeated_rows(ctx)
    yield from _tables_present(ctx)
    if "header" in ctx.frames:
        yield from _header(ctx)
    yield from _missing(ctx)
    yield from _reviews(ctx)


def _years(ctx: Context, table: str) -> np.ndarray:
    return np.unique(ctx.year(table)) if table in ctx.frames else np.array([], dtype=np.int64)


def _per_child(ctx: Context, table: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first of `rows` for each child and year, and how many rows each stands for."""
    keys = ctx.key(table)[rows]
    codes, _ = pd.factorize(keys)
    firsts = np.unique(codes, return_index=True)[1]
    return rows[firsts], np.bincount(codes)[codes[firsts]] if len(rows) else np.array([], int)


def _repeated_rows(ctx: Context) -> Iterator[pd.DataFrame]:
    for name in ctx.frames:
        rows, first = ctx.duplicates(name)
        earlier = ctx.frames[name]["_row"].to_numpy()[first].astype(str)
        yield ctx.emit("ROW_DUPLICATE", name, rows, None, None,
                       cat("this row repeats row ", earlier, " of the same file in every column, "
                           "for child ", ctx.child_text(name, rows),
                           "; the copy is dropped in cleaning."))


def _tables_present(ctx: Context) -> Iterator[pd.DataFrame]:
    """A year with Episodes and no Header, or the reverse: child-level checks between the two
    are skipped for that year, and this one issue says why."""
    header, episodes = _years(ctx, "header"), _years(ctx, "episodes")
    records = []
    for table, other, years in (("header", "Episodes", np.setdiff1d(episodes, header)),
                                ("episodes", "Header", np.setdiff1d(header, episodes))):
        title = ctx.schema.table(table).title
        for y in years.tolist():
            records.append({
                "code": "TABLE_MISSING", "severity": severity("TABLE_MISSING"), "table": table,
                "year": y, "file": None, "row": None, "column": None, "value": None, "child": None,
                "message": f"The {year_label(y)} return has a {other} table but no {title} table; "
                           f"add the {title} file for {year_label(y)}."})
    yield issues_frame(records)


def _not_in(keys: np.ndarray, others: np.ndarray) -> np.ndarray:
    return ~pd.Series(keys).isin(others).to_numpy(bool)


def _header(ctx: Context) -> Iterator[pd.DataFrame]:
    hkey = ctx.key("header")
    header_years = _years(ctx, "header")
    if "episodes" in ctx.frames:
        ekey = ctx.key("episodes")
        bad = np.flatnonzero((ekey >= 0) & _not_in(ekey, hkey)
                             & np.isin(ctx.year("episodes"), header_years))
        rows, n = _per_child(ctx, "episodes", bad)
        yield ctx.emit("CHILD_NOT_IN_HEADER", "episodes", rows, "CHILD",
                       ctx.text("episodes", "CHILD", rows),
                       cat("child ", ctx.child_text("episodes", rows), " has ", n.astype(str),
                           " episode(s) in the ", labels(ctx.year("episodes")[rows]),
                           " return but no row in that year's Header."))
        with_episodes = ekey
        if "oc3" in ctx.frames:  # care leavers are in the Header in the years they are in OC3
            with_episodes = np.concatenate([ekey, ctx.key("oc3")])
        rows = np.flatnonzero((hkey >= 0) & _not_in(hkey, with_episodes)
                              & np.isin(ctx.year("header"), _years(ctx, "episodes")))
        yield ctx.emit("CHILD_NO_EPISODES", "header", rows, "CHILD", ctx.text("header", "CHILD", rows),
                       cat("child ", ctx.child_text("header", rows), " is in the ",
                           labels(ctx.year("header")[rows]), " Header but has no episode that "
                           "year (nor an OC3 row)."))

    # one Header row per child and year; then compare each year's DOB with the year before
    f = ctx.frames["header"]
    repeated = np.zeros(len(f), bool)
    repeated[ctx.duplicates("header")[0]] = True
    idx = np.flatnonzero((hkey >= 0) & ~repeated)
    codes, _ = pd.factorize(hkey[idx])
    firsts = np.unique(codes, return_index=True)[1]
    again = np.setdiff1d(np.arange(len(idx)), firsts)
    rows, first = idx[again], idx[firsts][codes[again]]
    yield ctx.emit("HEADER_DUPLICATE_CHILD", "header", rows, "CHILD", ctx.text("header", "CHILD", rows),
                   cat("child ", ctx.child_text("header", rows), " is in the ",
                       labels(ctx.year("header")[rows]), " Header twice (also at row ",
                       f["_row"].to_numpy()[first].astype(str), ") with different details."))

    dob = ctx.date("header", "DOB")
    one = idx[firsts]
    one = one[~np.isnat(dob[one])]
    one = one[np.lexsort((ctx.year("header")[one], ctx.child["header"][one]))]
    prev, cur = one[:-1], one[1:]
    hit = (ctx.child["header"][prev] == ctx.child["header"][cur]) & (dob[prev] != dob[cur])
    rows, before = cur[hit], prev[hit]
    year = ctx.year("header")
    yield ctx.emit("DOB_CHANGED", "header", rows, "DOB", ctx.text("header", "DOB", rows),
                   cat("DOB ", fmt(dob[rows]), " in the ", labels(year[rows]), " Header differs from ",
                       fmt(dob[before]), " in ", labels(year[before]), ", for child ",
                       ctx.child_text("header", rows), "; the latest return's is used."))

    for name in CHILD_TABLES:
        if name not in ctx.frames:
            continue
        key = ctx.key(name)
        bad = np.flatnonzero((key >= 0) & _not_in(key, hkey) & np.isin(ctx.year(name), header_years))
        rows, n = _per_child(ctx, name, bad)
        title = ctx.schema.table(name).title
        yield ctx.emit("CHILD_NOT_IN_HEADER_OTHER", name, rows, "CHILD", ctx.text(name, "CHILD", rows),
                       cat("child ", ctx.child_text(name, rows), " has ", n.astype(str),
                           f" row(s) in {title} for ", labels(ctx.year(name)[rows]),
                           " but no row in that year's Header."))


def _missing(ctx: Context) -> Iterator[pd.DataFrame]:
    if "missing" not in ctx.frames:
        return
    start, end = ctx.date("missing", "MIS_START"), ctx.date("missing", "MIS_END")
    rows = np.flatnonzero(end < start)
    yield ctx.emit("MISSING_END_BEFORE_START", "missing", rows, "MIS_END",
                   ctx.text("missing", "MIS_END", rows),
                   cat("MIS_END ", fmt(end[rows]), " is before MIS_START ", fmt(start[rows]),
                       ", for child ", ctx.child_text("missing", rows), "."))


def _reviews(ctx: Context) -> Iterator[pd.DataFrame]:
    if "reviews" not in ctx.frames:
        return
    review, dob = ctx.date("reviews", "REVIEW"), ctx.date("reviews", "DOB")
    end = ctx.year_end("reviews")
    early, late = review < dob, review > end
    rows = np.flatnonzero(early | late)
    why = np.where(early[rows], cat(" is before the date of birth ", fmt(dob[rows])),
                   cat(" is after ", fmt(end[rows]), ", the end of the ",
                       labels(ctx.year("reviews")[rows]), " collection year"))
    yield ctx.emit("REVIEW_DATE_OUTSIDE", "reviews", rows, "REVIEW", ctx.text("reviews", "REVIEW", rows),
                   cat("REVIEW ", fmt(review[rows]), why, ", for child ",
                       ctx.child_text("reviews", rows), "."))
