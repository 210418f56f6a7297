"""Placement stability as the DfE counts it: carer spells, 3 or more placements (in the year and
in the previous 2 years) and long-term stability.

DfE, "Stability measures for children looked after in England" (la_cla_placement_stability.csv)
and the CLA methodology's placement stability section. Both measures count *carers*, not
episodes: a *carer spell* is a run of a child's episodes in one period of care with the same
carer. An episode continues the spell before it when
  - its reason for new episode (RNE) is L (change of legal status only), T (change of placement,
    same carer) or U (change of legal status and placement, same carer): 903 guide, RNE codes;
    so a foster child placed for adoption with the same carers keeps the spell;
  - it is a temporary placement (PLACE T0 to T4: a temporary move, hospital, holiday, the
    carer's holiday, seven days or less): a temporary move is not a change of placement;
  - it follows a temporary placement and returns the child to the placement held before it
    (same PLACE, PLACE_PROVIDER, URN and placement postcode).
Any other episode (RNE S, P or B, or blank), and the first of each period of care, starts one.

Look-back measures need the returns that cover their window: a year whose window starts
before the first return loaded gets no value and a note naming the return it needs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store import StoreData
from ..vocab import census, year_label, year_start
from .rows import pct, row

TEMPORARY = ("T0", "T1", "T2", "T3", "T4")
SAME_CARER = ("L", "T", "U")
ADOPTION = ("A3", "A4", "A5", "A6")
KEY = ("place", "place_provider", "urn", "pl_post")


def lookback_note(data: StoreData, year: int, back: int) -> str:
    """'' when the returns loaded start `back` years or more before `year`, else why not."""
    first = min(data.years) if data.years else year
    if first <= year - back:
        return ""
    return f"needs returns from {year_label(year - back)} (the first loaded is {year_label(first)})"


def carer_spells(data: StoreData) -> pd.DataFrame:
    """One row per carer spell: child, period, spell (1, 2, ... per child), start, end,
    end_censored."""
    ep = data.tables["episodes"].sort_values("decom", kind="stable")
    periods = data.tables["periods"][["child", "period", "start"]].sort_values("start", kind="stable")
    ep = pd.merge_asof(ep, periods, left_on="decom", right_on="start", by="child", direction="backward")
    ep = ep.sort_values(["child", "decom"], kind="stable").reset_index(drop=True)
    child, period = ep["child"].to_numpy(object), ep["period"].to_numpy()
    first = np.ones(len(ep), bool)
    first[1:] = (child[1:] != child[:-1]) | (period[1:] != period[:-1])
    temp = ep["place"].isin(TEMPORARY).to_numpy(bool)
    key = pd.Series("", index=ep.index, dtype="string")
    for col in KEY:
        key = key + "|" + ep[col].astype("string").str.replace(" ", "", regex=False).fillna("")
    group = np.cumsum(first)
    # the placement held before each episode, leaving temporary ones out
    before = key.where(~temp).groupby(group).ffill().groupby(group).shift(1)
    after_temp = np.zeros(len(ep), bool)
    after_temp[1:] = temp[:-1] & ~first[1:]
    back = after_temp & ~temp & (key == before).fillna(False).to_numpy(bool)
    same = ep["rne"].astype("string").str.upper().isin(SAME_CARER).fillna(False).to_numpy(bool)
    ep["spell"] = np.cumsum(first | ~(same | temp | back))
    first_ep = ep.drop_duplicates("spell", keep="first").reset_index(drop=True)
    last_ep = ep.drop_duplicates("spell", keep="last").reset_index(drop=True)
    out = pd.DataFrame({"child": first_ep["child"], "period": first_ep["period"],
                        "start": first_ep["decom"], "end": last_ep["dec"],
                        "end_censored": last_ep["end_censored"].astype(bool)})
    out["spell"] = out.groupby("child").cumcount() + 1
    return out


def _held(spells: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series:
    """Carer spells each child had between `first` and `last` (both included: a spell ending on
    `first` was held that day)."""
    hit = (spells["start"] <= last) & (spells["end"].isna() | (spells["end"] >= first))
    return spells[hit.fillna(False).to_numpy(bool)].groupby("child").size()


def _open_on(spells: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """The spell each child was in on `day` (as StoreData.open_on counts episodes)."""
    end = spells["end"]
    hit = (spells["start"] <= day) & (end.isna() | (end > day) | (spells["end_censored"] & (end == day)))
    return spells[hit.fillna(False).to_numpy(bool)].sort_values(["child", "start"]).drop_duplicates(
        "child", keep="last")


def stability(data: StoreData, year: int, cla: pd.DataFrame, spells: pd.DataFrame) -> list[dict]:
    """The DfE's three stability measures for children looked after on 31 March of `year`
    (`cla`: StoreData.cla(year); `spells`: carer_spells(data))."""
    end = census(year)
    n = len(cla)
    moves = cla["child"].map(_held(spells, year_start(year), end)).fillna(0)
    three = int((moves >= 3).sum())
    out = [row("pct_3plus_placements", "stability", year, pct(three, n), three, n, "percent")]
    out.append(_two_years(data, year, spells, cla))
    out.append(_long_term(data, year, spells, cla))
    return out


def _two_years(data: StoreData, year: int, spells: pd.DataFrame, cla: pd.DataFrame) -> dict:
    """Children looked after on 31 March of this year and the year before with 3 or more carer
    spells from 1 April two years ago."""
    note = lookback_note(data, year, 1)
    if note:
        return row("pct_3plus_placements_2_years", "stability", year, None, unit="percent", note=note)
    cohort = cla[cla["child"].isin(data.open_on(census(year - 1))["child"])]
    moves = cohort["child"].map(_held(spells, year_start(year - 1), census(year))).fillna(0)
    k, den = int((moves >= 3).sum()), len(cohort)
    return row("pct_3plus_placements_2_years", "stability", year, pct(k, den), k, den, "percent")


def _long_term(data: StoreData, year: int, spells: pd.DataFrame, cla: pd.DataFrame) -> dict:
    """Children under 16 looked after for 2.5 years or more, with the same carer for 2 years or
    placed for adoption with that spell and the one before it lasting 2 years together."""
    note = lookback_note(data, year, 2)
    if note:
        return row("pct_long_term_stability", "stability", year, None, unit="percent", note=note)
    end = census(year)
    spells = spells.assign(previous_start=spells.groupby(["child", "period"])["start"].shift(1))
    cur = cla[["child", "age", "place"]].merge(_open_on(spells, end), on="child", how="left")
    pstart = data.tables["periods"].set_index(["child", "period"])["start"]
    key = pd.MultiIndex.from_arrays([cur["child"], cur["period"].astype("Int64")])
    cur["period_start"] = pstart.reindex(key).to_numpy() if len(cur) else pd.Series([], dtype="datetime64[ns]")
    eligible = (cur["age"] < 16).fillna(False) & (cur["period_start"] <= end - pd.DateOffset(months=30))
    two_years = end - pd.DateOffset(years=2)
    adopt = cur["place"].isin(ADOPTION) & (cur["previous_start"] <= two_years)
    stable = eligible & ((cur["start"] <= two_years) | adopt)
    k, den = int(stable.sum()), int(eligible.sum())
    return row("pct_long_term_stability", "stability", year, pct(k, den), k, den, "percent")
