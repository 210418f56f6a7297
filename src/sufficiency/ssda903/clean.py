"""Clean validated returns into an analysis-ready, child-by-child care history.

Every row read is either in an output table (with source_year, source_file, source_row) or in
the log (dropped, moved), and every value changed is logged too. Rules, in order:

  unusable     no CHILD, or no readable DECOM: the row cannot be placed in time (dropped)
  superseded   the same child + DECOM in several returns: the latest return wins (dropped)
  duplicate    the same row twice in one return (dropped)
  short_break  LS V3/V4 episodes go to `short_breaks`, not the care history (moved)
  truncated    an episode that runs past the next one's start ends when it starts (changed)
  censored     an episode open at the end of a return, whose child is in no later return,
               is closed at that return's 31 March and flagged end_censored (changed)
  sex_recoded  SEX 1/2 (to 2023/24) becomes M/F (changed)

Episodes that change only legal status (RNE L) merge into one row of `placements`; the
`episodes` table keeps them all. `periods` are periods of care from a start to a ceasing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .dates import parse_dates
from .distance import infer_council, placement_distances
from .returns import Returns

LOG_COLUMNS = ["rule", "action", "table", "year", "file", "row", "child", "detail"]
SHORT_BREAKS = {"V3", "V4"}
OTHER_TABLES = ["reviews", "missing", "oc2", "oc3", "uasc", "ad1", "placed_adoption", "prev_perm", "sw_episodes"]


@dataclass
class CleanHistory:
    tables: dict[str, pd.DataFrame]
    log: pd.DataFrame
    la_code: str | None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Rows changed or dropped, by rule and action."""
        if not len(self.log):
            return pd.DataFrame(columns=["rule", "action", "table", "rows"])
        return self.log.groupby(["rule", "action", "table"]).size().rename("rows").reset_index()


class _Log:
    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, rule: str, action: str, table: str, rows: pd.DataFrame, detail) -> None:
        if not len(rows):
            return
        self.parts.append(pd.DataFrame({
            "rule": rule, "action": action, "table": table,
            "year": rows["source_year"].to_numpy(), "file": rows["source_file"].to_numpy(),
            "row": rows["source_row"].to_numpy(),
            "child": rows["child"].to_numpy() if "child" in rows else None,
            "detail": detail.to_numpy() if isinstance(detail, pd.Series) else detail,
        }))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype="string") for c in LOG_COLUMNS})
        out = pd.concat(self.parts, ignore_index=True)
        return out.astype({"rule": "string", "action": "string", "table": "string", "year": "Int64",
                           "file": "string", "row": "Int64", "child": "string", "detail": "string"})


def _typed(frame: pd.DataFrame, returns: Returns, table: str) -> pd.DataFrame:
    """snake_case columns, dates parsed, codes upper-case, source columns."""
    spec = returns.schema.table(table)
    out = pd.DataFrame(index=frame.index)
    for col, c in spec.columns.items():
        if c.type == "date":
            out[col.lower()] = parse_dates(frame[col])
        elif c.type in ("code", "urn", "upn"):
            out[col.lower()] = frame[col].str.strip().str.upper()
        else:
            out[col.lower()] = frame[col]
    out["source_year"] = frame["_year"].astype("int64")
    out["source_file"] = frame["_file"].astype("string")
    out["source_row"] = frame["_row"].astype("int64")
    return out


def _fmt(d: pd.Series) -> pd.Series:
    return d.dt.strftime("%d/%m/%Y").fillna("open").astype("string")


def clean(returns: Returns, la_code: str | None = None) -> CleanHistory:
    """The cleaned history of every child in `returns`, and the log of what changed."""
    log = _Log()
    notes: list[str] = []
    years = returns.years
    last_year = max(years) if years else None
    children = _children(returns, log)
    episodes, short_breaks = _episodes(returns, log, last_year)
    if la_code is None and len(episodes):
        la_code = infer_council(episodes["home_post"])
        notes.append(f"Council inferred from home postcodes: {la_code}")
    if len(episodes):
        d = placement_distances(episodes["home_post"], episodes["pl_post"], la_code)
        episodes = pd.concat([episodes, d], axis=1)
    else:
        for c in ("pl_distance", "pl_council", "placed_inside_la", "home_kind", "pl_kind"):
            episodes[c] = pd.Series(dtype="float64" if c == "pl_distance" else "string")
    tables = {
        "children": children,
        "episodes": episodes.reset_index(drop=True),
        "short_breaks": short_breaks.reset_index(drop=True),
        "placements": _placements(episodes),
        "periods": _periods(episodes, children),
    }
    for name in OTHER_TABLES:
        tables[name] = _other(returns, name, log)
    return CleanHistory(tables, log.frame(), la_code, notes)


# ---------------------------------------------------------------- children


def _children(returns: Returns, log: _Log) -> pd.DataFrame:
    hd = _typed(returns.table("header"), returns, "header")
    no_child = hd["child"].isna()
    log.add("unusable", "dropped", "header", hd[no_child], "no CHILD identifier")
    hd = hd[~no_child].sort_values(["child", "source_year", "source_row"])
    later = hd.duplicated("child", keep="last")
    log.add("superseded", "dropped", "header", hd[later], "a later return's Header row for this child is used")
    hd = hd[~later].copy()
    recode = hd["sex"].isin(["1", "2"])
    log.add("sex_recoded", "changed", "header", hd[recode], "SEX " + hd.loc[recode, "sex"] + " -> " + hd.loc[recode, "sex"].map({"1": "M", "2": "F"}))
    hd["sex"] = hd["sex"].replace({"1": "M", "2": "F"})
    uasc = _typed(returns.table("uasc"), returns, "uasc").dropna(subset=["child"])
    uasc = uasc.sort_values(["source_year"]).drop_duplicates("child", keep="last")
    hd["uasc"] = hd["child"].isin(uasc["child"])
    hd = hd.merge(uasc[["child", "duc"]].rename(columns={"duc": "uasc_ceased"}), on="child", how="left")
    hd["upn_present"] = hd["upn"].notna() & ~hd["upn"].str.startswith("UN", na=False)
    return hd.drop(columns=["upn"]).reset_index(drop=True)


# ---------------------------------------------------------------- episodes


def _episodes(returns: Returns, log: _Log, last_year: int | None):
    ep = _typed(returns.table("episodes"), returns, "episodes")
    bad = ep["child"].isna() | ep["decom"].isna()
    log.add("unusable", "dropped", "episodes", ep[bad], "no CHILD or no readable DECOM")
    ep = ep[~bad].sort_values(["child", "decom", "source_year", "source_row"])

    key = ep.duplicated(["child", "decom"], keep="last")
    newer_year = ep.groupby(["child", "decom"])["source_year"].transform("max")
    superseded = key & (ep["source_year"] < newer_year)
    log.add("superseded", "dropped", "episodes", ep[superseded],
            "episode repeated in the " + newer_year[superseded].astype(str) + " return, which is used")
    dup = key & ~superseded
    log.add("duplicate", "dropped", "episodes", ep[dup], "a second episode of this child starting the same day in one return")
    ep = ep[~key].copy()

    sb = ep["ls"].isin(SHORT_BREAKS)
    log.add("short_break", "moved", "episodes", ep[sb], "LS " + ep.loc[sb, "ls"] + ": short breaks are not care episodes")
    short_breaks, ep = ep[sb].copy(), ep[~sb].copy()

    ep = ep.sort_values(["child", "decom"]).reset_index(drop=True)
    same = ep["child"].eq(ep["child"].shift(-1))
    next_decom = ep["decom"].shift(-1).where(same)
    over = same & (ep["dec"].isna() | (ep["dec"] > next_decom))
    log.add("truncated", "changed", "episodes", ep[over],
            "end " + _fmt(ep.loc[over, "dec"]) + " -> " + _fmt(next_decom[over]) + ", when the next episode starts")
    ep.loc[over, "dec"] = next_decom[over]

    ep["end_censored"] = False
    if last_year is not None:
        ends = pd.to_datetime(ep["source_year"].astype(str) + "-03-31")
        cens = ep["dec"].isna() & (ep["source_year"] < last_year)
        log.add("censored", "changed", "episodes", ep[cens],
                "open at the end of the " + ep.loc[cens, "source_year"].astype(str)
                + " return and absent from later returns: closed at " + _fmt(ends[cens]))
        ep.loc[cens, "dec"] = ends[cens]
        ep.loc[cens, "end_censored"] = True
        ep["end_of_data"] = pd.Timestamp(last_year, 3, 31)
    else:
        ep["end_of_data"] = pd.NaT
    return ep, short_breaks


# ---------------------------------------------------------------- placements and periods


def _placements(ep: pd.DataFrame) -> pd.DataFrame:
    cols = ["child", "placement", "start", "end", "place", "place_provider", "first_ls", "last_ls",
            "episodes", "pl_distance", "placed_inside_la", "reason_place_change"]
    if not len(ep):
        return pd.DataFrame(columns=cols)
    prev_child, prev_dec = ep["child"].shift(), ep["dec"].shift()
    continues = ((ep["child"] == prev_child) & (ep["rne"] == "L") & (ep["decom"] == prev_dec)).fillna(False).astype(bool)
    spell = (~continues).cumsum()
    g = ep.groupby(spell, sort=False)
    out = pd.DataFrame({
        "child": g["child"].first(),
        "start": g["decom"].first(),
        "end": g["dec"].last(),
        "place": g["place"].first(),
        "place_provider": g["place_provider"].first(),
        "first_ls": g["ls"].first(),
        "last_ls": g["ls"].last(),
        "episodes": g.size(),
        "pl_distance": g["pl_distance"].first(),
        "placed_inside_la": g["placed_inside_la"].first(),
        "reason_place_change": g["reason_place_change"].last(),
        "end_censored": g["end_censored"].last(),
    }).reset_index(drop=True)
    out.insert(1, "placement", out.groupby("child").cumcount() + 1)
    return out


def _periods(ep: pd.DataFrame, children: pd.DataFrame) -> pd.DataFrame:
    cols = ["child", "period", "start", "end", "reason_ceased", "placements", "age_start", "age_end"]
    if not len(ep):
        return pd.DataFrame(columns=cols)
    prev_child, prev_rec, prev_dec = ep["child"].shift(), ep["rec"].shift(), ep["dec"].shift()
    new = ((ep["child"] != prev_child) | (prev_rec.fillna("X1") != "X1") | (ep["decom"] != prev_dec))
    new = new.fillna(True).astype(bool)
    pid = new.cumsum()
    placement_change = (~ep["rne"].isin(["L"])).fillna(True).astype(bool) | new
    g = ep.assign(pc=placement_change).groupby(pid, sort=False)
    out = pd.DataFrame({
        "child": g["child"].first(),
        "start": g["decom"].first(),
        "end": g["dec"].last(),
        "reason_ceased": g["rec"].last(),
        "placements": g["pc"].sum().astype("int64"),
        "end_censored": g["end_censored"].last(),
    }).reset_index(drop=True)
    out.loc[out["reason_ceased"] == "X1", "reason_ceased"] = pd.NA
    out.insert(1, "period", out.groupby("child").cumcount() + 1)
    dob = out["child"].map(children.set_index("child")["dob"]) if len(children) else pd.Series(pd.NaT, index=out.index)
    out["age_start"] = _age(dob, out["start"])
    out["age_end"] = _age(dob, out["end"])
    return out


def _age(dob: pd.Series, when: pd.Series) -> pd.Series:
    """Whole years of age."""
    dob, when = pd.to_datetime(dob), pd.to_datetime(when)
    years = when.dt.year - dob.dt.year
    before_birthday = (when.dt.month < dob.dt.month) | ((when.dt.month == dob.dt.month) & (when.dt.day < dob.dt.day))
    return (years - before_birthday.astype("Int64")).astype("Int64")


# ---------------------------------------------------------------- other tables


def _other(returns: Returns, name: str, log: _Log) -> pd.DataFrame:
    frame = _typed(returns.table(name), returns, name)
    no_child = frame["child"].isna()
    log.add("unusable", "dropped", name, frame[no_child], "no CHILD identifier")
    frame = frame[~no_child]
    data_cols = [c for c in frame.columns if not c.startswith("source_")]
    dup = frame.duplicated([*data_cols, "source_year"], keep="first")
    log.add("duplicate", "dropped", name, frame[dup], "the same row twice in one return")
    frame = frame[~dup]
    return frame.reset_index(drop=True)


