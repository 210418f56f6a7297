"""Checks across rows and tables: repeated rows, a year's Header or Episodes missing, children
in one table and not another, a child twice in a Header, a date of birth that changes between
years, and the dates of Missing and Reviews against each other, birth and the collection year.

Child-level checks between Header and another table run only for years that have both: a
year without a Header gets one TABLE_MISSING issue, not one issue per child.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from ..report import Issues
from ..schema import year_label
from .catalogue import severity
from .context import Context, fill, fmt, labels, where

# Tables whose children should be in the same year's Header (a warning: the analysis does not
# depend on them).
CHILD_TABLES = ("reviews", "missing", "oc2", "oc3", "uasc")


def cross_checks(ctx: Context) -> Iterator[Issues]:
    yield from _repeated_rows(ctx)
    yield from _tables_present(ctx)
    if "header" in ctx.frames:
        yield from _header(ctx)
        yield from _header_rows(ctx)
    yield from _missing(ctx)
    yield from _reviews(ctx)


def _years(ctx: Context, table: str) -> np.ndarray:
    return np.unique(ctx.year(table)) if table in ctx.frames else np.array([], dtype=np.int64)


def _per_child(ctx: Context, table: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first of `rows` for each child and year, and how many rows each stands for."""
    if not len(rows):
        return rows, np.array([], dtype=np.int64)
    codes, _ = pd.factorize(ctx.key(table)[rows])
    firsts = np.unique(codes, return_index=True)[1]
    return rows[firsts], np.bincount(codes)[codes[firsts]]


def _repeated_rows(ctx: Context) -> Iterator[Issues]:
    for name in ctx.frames:
        rows, first = ctx.duplicates(name)
        yield ctx.issue("ROW_DUPLICATE", name, rows, None,
                        "this row repeats row {first} of the same file in every column, for child "
                        "{child}; the copy is dropped in cleaning.",
                        first=ctx.line(name)[first].astype(str))


def _tables_present(ctx: Context) -> Iterator[Issues]:
    """A year with Episodes and no Header, or the reverse."""
    header, episodes = _years(ctx, "header"), _years(ctx, "episodes")
    tables, years, messages = [], [], []
    for table, other, missing in (("header", "Episodes", np.setdiff1d(episodes, header)),
                                  ("episodes", "Header", np.setdiff1d(header, episodes))):
        title = ctx.schema.table(table).title
        for y in missing.tolist():
            tables.append(table)
            years.append(y)
            messages.append(f"The {year_label(y)} return has a {other} table but no {title} "
                            f"table; add the {title} file for {year_label(y)}.")
    yield Issues(len(years), {"code": "TABLE_MISSING", "severity": severity("TABLE_MISSING"),
                              "table": tables, "year": np.array(years, np.int64),
                              "message": messages})


def _header(ctx: Context) -> Iterator[Issues]:
    """Children in Episodes (or another table) and not in the Header, and the reverse."""
    hkey = ctx.key("header")
    header_years = _years(ctx, "header")
    if "episodes" in ctx.frames:
        ekey, year = ctx.key("episodes"), ctx.year("episodes")
        bad = np.flatnonzero((ekey >= 0) & ~ctx.member(ekey, hkey) & np.isin(year, header_years))
        rows, n = _per_child(ctx, "episodes", bad)
        yield ctx.issue("CHILD_NOT_IN_HEADER", "episodes", rows, "CHILD",
                        "child {child} has {n} episode(s) in the {year} return but no row in "
                        "that year's Header.", n=n.astype(str), year=labels(year[rows]))
        with_episodes = ekey
        if "oc3" in ctx.frames:  # care leavers are in the Header in the years they are in OC3
            with_episodes = np.concatenate([ekey, ctx.key("oc3")])
        year = ctx.year("header")
        rows = np.flatnonzero((hkey >= 0) & ~ctx.member(hkey, with_episodes)
                              & np.isin(year, _years(ctx, "episodes")))
        yield ctx.issue("CHILD_NO_EPISODES", "header", rows, "CHILD",
                        "child {child} is in the {year} Header but has no episode that year (nor "
                        "an OC3 row).", year=labels(year[rows]))

    for name in CHILD_TABLES:
        if name not in ctx.frames:
            continue
        key, year = ctx.key(name), ctx.year(name)
        bad = np.flatnonzero((key >= 0) & ~ctx.member(key, hkey) & np.isin(year, header_years))
        rows, n = _per_child(ctx, name, bad)
        yield ctx.issue("CHILD_NOT_IN_HEADER_OTHER", name, rows, "CHILD",
                        f"child {{child}} has {{n}} row(s) in {ctx.schema.table(name).title} for "
                        "{year} but no row in that year's Header.",
                        n=n.astype(str), year=labels(year[rows]))


def _header_rows(ctx: Context) -> Iterator[Issues]:
    """One Header row per child and year; the date of birth the same from year to year."""
    hkey, year, child = ctx.key("header"), ctx.year("header"), ctx.child["header"]
    repeated = np.zeros(len(hkey), bool)
    repeated[ctx.duplicates("header")[0]] = True  # exact copies are ROW_DUPLICATE already
    idx = np.flatnonzero((hkey >= 0) & ~repeated)
    codes, _ = pd.factorize(hkey[idx])
    firsts = np.unique(codes, return_index=True)[1]
    is_first = np.zeros(len(idx), bool)
    is_first[firsts] = True
    again = np.flatnonzero(~is_first)
    rows, first = idx[again], idx[firsts][codes[again]]
    yield ctx.issue("HEADER_DUPLICATE_CHILD", "header", rows, "CHILD",
                    "child {child} is in the {year} Header twice (also at row {first}) with "
                    "different details.", year=labels(year[rows]),
                    first=ctx.line("header")[first].astype(str))

    dob = ctx.date("header", "DOB")
    one = idx[firsts]
    one = one[~np.isnat(dob[one])]
    one = one[np.lexsort((year[one], child[one]))]
    prev, cur = one[:-1], one[1:]
    hit = (child[prev] == child[cur]) & (dob[prev] != dob[cur])
    rows, before = cur[hit], prev[hit]
    yield ctx.issue("DOB_CHANGED", "header", rows, "DOB",
                    "DOB {dob} in the {year} Header differs from {before} in {before_year}, for "
                    "child {child}; the latest return's is used.", dob=fmt(dob[rows]),
                    year=labels(year[rows]), before=fmt(dob[before]),
                    before_year=labels(year[before]))


def _missing(ctx: Context) -> Iterator[Issues]:
    if "missing" not in ctx.frames:
        return
    start, end = ctx.date("missing", "MIS_START"), ctx.date("missing", "MIS_END")
    rows = np.flatnonzero(end < start)
    yield ctx.issue("MISSING_END_BEFORE_START", "missing", rows, "MIS_END",
                    "MIS_END {end} is before MIS_START {start}, for child {child}.",
                    end=fmt(end[rows]), start=fmt(start[rows]))


def _reviews(ctx: Context) -> Iterator[Issues]:
    if "reviews" not in ctx.frames:
        return
    review, dob = ctx.date("reviews", "REVIEW"), ctx.date("reviews", "DOB")
    end = ctx.year_end("reviews")
    early, late = review < dob, review > end
    rows = np.flatnonzero(early | late)
    why = where(early[rows], fill("before the date of birth {dob}", dob=fmt(dob[rows])),
                fill("after {end}, the end of the {year} collection year", end=fmt(end[rows]),
                     year=labels(ctx.year("reviews")[rows])))
    yield ctx.issue("REVIEW_DATE_OUTSIDE", "reviews", rows, "REVIEW",
                    "REVIEW {review} is {why}, for child {child}.",
                    review=fmt(review[rows]), why=why)
