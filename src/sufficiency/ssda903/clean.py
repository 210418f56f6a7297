"""Clean validated returns into an analysis-ready, child-by-child care history.

Every row read is either in an output table (with source_year, source_file, source_row) or in
the log as 'dropped' or 'moved'; every value changed is logged as 'changed', and every episode
folded into a placement as 'merged'. The rules, their order and their log entries are in
docs/background/cleaning.md; the episode rules themselves are in `history.py`.

    history = clean(returns)              # council inferred from home postcodes (logged)
    history.tables["episodes"], history.log, history.summary()
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .cleaning_log import Log, join_text
from .dates import parse_dates
from .distance import infer_council, locate
from .history import (
    add_distances,
    care_episodes,
    dates_of,
    episode_starts,
    periods_of_care,
    placement_spells,
)
from .returns import Returns
from .schema import Schema

OTHER_TABLES = ["reviews", "missing", "oc2", "oc3", "ad1", "placed_adoption", "prev_perm",
                "sw_episodes"]
SOURCE = ["source_year", "source_file", "source_row"]
CODES = ("code", "urn", "upn", "postcode")  # column types upper-cased
SEX_CODES = {"1": "M", "2": "F", "M": "M", "F": "F", "U": "U"}


@dataclass
class CleanHistory:
    """The cleaned tables, the log of every row dropped, moved, merged or changed, the council."""

    tables: dict[str, pd.DataFrame]
    log: pd.DataFrame
    la_code: str | None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Rows per rule, action and table (what the CLI prints after a load)."""
        if not len(self.log):
            return pd.DataFrame({"rule": [], "action": [], "table": [], "rows": []})
        return (self.log.groupby(["rule", "action", "table"], dropna=False).size()
                .rename("rows").reset_index())


# ---------------------------------------------------------------- typing


def _quote(values: pd.Series) -> pd.Series:
    return "'" + values.astype("string").str.slice(0, 40) + "'"


def typed(frame: pd.DataFrame, schema: Schema, table: str, log: Log,
          quiet: tuple[str, ...] = (), dates: Returns | None = None) -> pd.DataFrame:
    """snake_case columns; dates parsed; codes stripped and upper-case; integers as Int64.

    A date or number present but unreadable becomes blank and is logged ('unreadable'),
    except for the columns in `quiet`, whose rows the caller drops and logs itself. `dates`:
    the returns `frame` is the table of, whose dates are parsed already (Returns.dates).
    """
    spec = schema.table(table)
    out: dict[str, object] = {}  # arrays, one per column, all on frame.index
    bad: list[tuple[str, np.ndarray]] = []
    wanted = [col for col, c in spec.columns.items() if c.type != "date" or dates is None]
    texts = _texts(frame, wanted, [col for col in wanted if spec.columns[col].type in CODES])
    for col, c in spec.columns.items():
        name = col.lower()
        if c.type == "date" and dates is not None:  # parsed already: the text only if blank
            out[name] = np.asarray(dates.dates(table, col, keep=False), "datetime64[ns]")
            blank = np.isnat(out[name])
            if blank.any():
                bad.append((col, blank & _given(_column_text(frame, col))))
            continue
        text = texts[col]
        if c.type == "date":
            out[name] = parse_dates(_series(text, frame.index)).to_numpy("datetime64[ns]")
            bad.append((col, _given(text) & np.isnat(out[name])))
        elif c.type == "integer":
            num = pd.to_numeric(_series(text, frame.index), errors="coerce")
            whole = np.isfinite(num) & (num == np.round(num)) & (num.abs() < 2**53)
            out[name] = num.where(whole).astype("Int64").array
            bad.append((col, _given(text) & out[name].isna()))
        else:  # upper-case already if a code
            out[name] = pd.arrays.ArrowStringArray(text)
    out["source_year"] = _int64(frame["_year"]).array
    out["source_file"] = frame["_file"].astype("string").array
    out["source_row"] = _int64(frame["_row"]).array
    result = pd.DataFrame(out, index=frame.index, copy=False)
    for col, mask in bad:
        if col in quiet or not mask.any():
            continue
        log.add("unreadable", "changed", table, result,
                col + " " + _quote(frame.loc[mask, col]) + " is not a "
                + ("date" if spec.columns[col].type == "date" else "whole number") + ": left blank",
                mask)
    return result


def _int64(values: pd.Series) -> pd.Series:
    """Whole numbers as Int64 (<NA> where not a number)."""
    if values.dtype == np.int64:  # the reader's _year and _row
        return pd.Series(pd.arrays.IntegerArray(values.to_numpy(), np.zeros(len(values), bool)),
                         index=values.index, copy=False)
    return pd.to_numeric(values, errors="coerce").astype("Int64")


def _column_text(frame: pd.DataFrame, col: str) -> pa.ChunkedArray:
    """The column's text stripped, blank -> null (Arrow); all null if `frame` has no such
    column."""
    return _texts(frame, [col], [])[col]


def _texts(frame: pd.DataFrame, columns: list[str], upper: list[str]) -> dict[str, pa.ChunkedArray]:
    """Each of these columns as _column_text gives it, those in `upper` upper-case: all of
    them stripped and blanked in one pass over one array (a few Arrow calls, not a few each)."""
    raw = [_arrow_text(frame[col]) if col in frame else
           pa.chunked_array([pa.nulls(len(frame), pa.large_string())]) for col in columns]
    text = _text(pa.chunked_array([chunk for r in raw for chunk in r.chunks], pa.large_string()))
    upper_text = pc.utf8_upper(text) if upper else None
    return {col: (upper_text if col in upper else text).slice(i * len(frame), len(frame))
            for i, col in enumerate(columns)}


def _given(text: pa.ChunkedArray) -> np.ndarray:
    """Whether each row of _text has a value."""
    return ~pc.is_null(text).to_numpy(zero_copy_only=False)


def _arrow_text(raw: pd.Series) -> pa.ChunkedArray:
    """Raw text as Arrow large_string."""
    arrow = getattr(raw.dtype, "storage", None) == "pyarrow"  # the reader's text: Arrow already, no copy
    text = (raw.array.__arrow_array__() if arrow else
            pa.chunked_array(pa.array(raw.astype("string"), type=pa.large_string())))
    return text if text.type == pa.large_string() else text.cast(pa.large_string())


def _text(raw: pa.ChunkedArray) -> pa.ChunkedArray:
    """Arrow text stripped, blank -> null."""
    text = pc.utf8_trim_whitespace(raw)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.large_string()), text)


def _series(text, index: pd.Index) -> pd.Series:
    """Arrow text as a string-dtype Series on `index`."""
    return pd.Series(pd.arrays.ArrowStringArray(text), index=index, copy=False)


def _drop(frame: pd.DataFrame, mask, log: Log, rule: str, table: str, detail) -> pd.DataFrame:
    """`frame` without the rows `mask` marks (<NA>: kept), which are logged with `detail`."""
    if isinstance(mask, pd.Series) and not mask.index.equals(frame.index):
        mask = mask.reindex(frame.index)
    mask = np.asarray(pd.array(mask, dtype="boolean").to_numpy(dtype=bool, na_value=False)
                      if not (isinstance(mask, np.ndarray) and mask.dtype == bool) else mask)
    if not mask.any():
        return frame
    if isinstance(detail, pd.Series):
        detail = (detail if detail.index.equals(frame.index) else detail.reindex(frame.index))[mask]
    log.add(rule, "dropped", table, frame, detail, mask)
    return frame[~mask]


def _no_child(frame: pd.DataFrame, log: Log, table: str) -> pd.DataFrame:
    return _drop(frame, frame["child"].isna().to_numpy(), log, "unusable", table,
                 "no CHILD identifier")


def _exact_duplicates(frame: pd.DataFrame, log: Log, table: str) -> pd.DataFrame:
    """The same row twice in one return: the first is kept."""
    data = [c for c in frame.columns if c not in SOURCE and c != "child"]
    copy_of = _first_equal(frame, ["child", "source_year", *data])
    mask = copy_of != np.arange(len(frame))
    if not mask.any():
        return frame
    first_row = frame["source_row"].to_numpy(np.int64)[copy_of[mask]]
    return _drop(frame, mask, log, "duplicate", table,
                 "exact copy of row " + _ints(first_row, frame.index[mask]) + " of the same return")


def _first_equal(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Each row's first row with the same values in these columns (blanks equal blanks), as a
    position: the row's own where it is the first. Columns are compared in order, and no
    further once every row differs."""
    group = np.zeros(len(frame), np.int64)  # equal rows so far, numbered from 0 as first seen
    for col in columns:
        codes, uniques = pd.factorize(frame[col].array)
        group, groups = pd.factorize(group * (len(uniques) + 1) + codes + 1)
        if len(groups) == len(frame):
            return np.arange(len(frame))
    return np.unique(group, return_index=True)[1][group]


def latest_per_child(frame: pd.DataFrame, log: Log, table: str) -> pd.DataFrame:
    """One row per child: the latest return's (the last row of it, if several). `frame` has
    a CHILD on every row, and a return and row number."""
    return _latest(by_child(frame), log, table)


def _latest(frame: pd.DataFrame, log: Log, table: str) -> pd.DataFrame:
    """latest_per_child of a `frame` sorted already (by_child)."""
    older = _not_last(frame["child"])  # the child's rows are together: a later one follows
    if not older.any():
        return frame
    last = np.flatnonzero(~older)[np.cumsum(~older) - ~older]  # each row's child's last row
    year, row = frame["source_year"].to_numpy(np.int64), frame["source_row"].to_numpy(np.int64)
    superseded = older & (year < year[last])
    log.add("superseded", "dropped", table, frame,
            join_text("the ", _ints(year[last][superseded]), " return's row for this child is used"),
            superseded)
    same = older & ~superseded
    log.add("duplicate", "dropped", table, frame,
            join_text("another row for this child in the same return (row ", _ints(row[last][same]),
                      ") is used"), same)
    return frame[~older]


def _not_last(child: pd.Series) -> np.ndarray:
    """For rows whose child's rows are together: whether a row of the same child follows."""
    values = child.to_numpy(object)
    older = np.zeros(len(values), bool)
    older[:-1] = values[:-1] == values[1:]
    return older


def _latest_given(frame: pd.DataFrame, fields: list[str]) -> dict[str, np.ndarray]:
    """For `frame` sorted by child (by_child): for each child in order, the position of the
    child's last row with each field not blank, or -1 if there is none."""
    last = np.flatnonzero(~_not_last(frame["child"]))
    first = np.append(0, last[:-1] + 1)
    at = np.arange(len(frame))
    given = {}
    for f in fields:
        latest = np.maximum.accumulate(np.where(frame[f].notna().to_numpy(), at, -1))[last]
        given[f] = np.where(latest >= first, latest, -1)
    return given


def by_child(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (a CHILD on every row) sorted by child, return and row, ties in their order."""
    child = pd.factorize(frame["child"].array, sort=True)[0]
    return frame.take(np.lexsort((frame["source_row"].to_numpy(np.int64),
                                  frame["source_year"].to_numpy(np.int64), child)))


def _ints(values: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """Whole numbers as text (on `index`, if given)."""
    text = pa.array(np.asarray(values, np.int64)).cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(text), index=index, copy=False)


# ---------------------------------------------------------------- children


def _children(returns: Returns, log: Log) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`children` (latest Header, SEX as M/F/U, UASC) and the cleaned `uasc` table."""
    hd = _exact_duplicates(_no_child(typed(returns.table("header"), returns.schema, "header", log, dates=returns),
                                     log, "header"), log, "header")
    # the latest non-blank value of each field across the child's rows
    rows = by_child(hd)
    latest = _latest_given(rows, ["sex", "dob", "ethnic", "mother", "mc_dob"])
    hd = _latest(rows, log, "header").reset_index(drop=True)
    for f, at in latest.items():
        filled = hd[f].isna().to_numpy() & (at >= 0)
        if filled.any():
            log.add("header_filled", "changed", "header", hd,
                    f.upper() + " blank in the latest return: taken from an earlier one", filled)
            hd.loc[filled, f] = rows[f].array[at[filled]]
    sex = hd["sex"].astype("string")
    codes, uniques = pd.factorize(sex)  # each distinct SEX mapped once; blank and unknown: U
    mapped = np.array([SEX_CODES.get(u, "U") for u in uniques] + ["U"], dtype=object)
    mapped = pd.Series(mapped[codes], index=hd.index, dtype="string")
    changed = sex.isna() | (sex != mapped)
    if changed.any():
        log.add("sex_recoded", "changed", "header", hd,
                "SEX " + sex[changed].fillna("blank").str.slice(0, 20) + " -> " + mapped[changed],
                changed.to_numpy(dtype=bool, na_value=False))
    hd["sex"] = mapped

    uasc = _exact_duplicates(_no_child(typed(returns.table("uasc"), returns.schema, "uasc", log, dates=returns),
                                       log, "uasc"), log, "uasc")
    uasc = latest_per_child(uasc, log, "uasc").reset_index(drop=True)
    hd["in_header"] = True
    hd["upn_present"] = (hd["upn"].notna() & ~hd["upn"].str.startswith("UN", na=False)).to_numpy(bool)
    hd["uasc"] = hd["child"].isin(uasc["child"])
    hd["uasc_ceased"] = pd.Series(dates_of(hd["child"], uasc["child"], uasc["duc"]), index=hd.index,
                                  dtype="datetime64[ns]", copy=False)
    cols = ["child", "sex", "dob", "ethnic", "mother", "mc_dob", "upn_present", "uasc",
            "uasc_ceased", "in_header", *SOURCE]
    types = {"child": "string", "sex": "string", "dob": "datetime64[ns]", "ethnic": "string",
             "mother": "string", "mc_dob": "datetime64[ns]", "upn_present": bool, "uasc": bool,
             "in_header": bool}
    retype = {c: t for c, t in types.items() if hd[c].dtype != t}
    hd = hd[cols].astype(retype) if retype else hd[cols]
    return hd, uasc


def _add_missing_children(children: pd.DataFrame, *frames: pd.DataFrame) -> pd.DataFrame:
    """Children seen in episodes but with no Header row get a row (sex U, dob unknown)."""
    seen = pd.concat([f["child"] for f in frames], ignore_index=True).dropna().unique()
    extra = pd.Index(seen).difference(pd.Index(children["child"]))
    if not len(extra):
        return children
    n = len(extra)
    add = pd.DataFrame({c: pd.Series([pd.NA] * n, dtype=children[c].dtype)
                        if children[c].dtype != bool else np.zeros(n, bool)
                        for c in children.columns})
    add["child"] = pd.Series(extra, dtype="string")
    add["sex"] = "U"
    return pd.concat([children, add], ignore_index=True)


# ---------------------------------------------------------------- the whole


def clean(returns: Returns, la_code: str | None = None) -> CleanHistory:
    """The cleaned history of every child in `returns`, and the log of what changed."""
    log = Log()
    notes: list[str] = []
    years = returns.years
    last_year = max(years) if years else None
    children, uasc = _children(returns, log)
    raw = returns.table("episodes")
    typed_episodes = typed(raw, returns.schema, "episodes", log, quiet=("DECOM",), dates=returns)
    seen = children.loc[children["source_year"].notna()].set_index("child")["source_year"]
    episodes, short_breaks = care_episodes(typed_episodes, raw["DECOM"], log, last_year,
                                           seen.astype("int64"))
    home = locate(episodes["home_post"])
    if la_code is None:
        la_code = infer_council(home=home)
        note = (f"council not given: {la_code}, the council most home postcodes lie in"
                if la_code else "council not given and no home postcode located: none")
        notes.append(note)
        log.note("la_inferred", note)
    episodes = add_distances(episodes, la_code, home)
    children = _add_missing_children(children, episodes, short_breaks)
    starts = episode_starts(episodes)
    placements = placement_spells(episodes, log, starts)
    tables = {
        "children": children,
        "episodes": episodes,
        "placements": placements,
        "periods": periods_of_care(episodes, placements, children, starts),
        "short_breaks": short_breaks,
        "uasc": uasc,
    }
    for name in OTHER_TABLES:
        frame = typed(returns.table(name), returns.schema, name, log, dates=returns)
        tables[name] = _exact_duplicates(_no_child(frame, log, name), log, name).reset_index(
            drop=True)
    return CleanHistory(tables, log.frame(), la_code, notes)
