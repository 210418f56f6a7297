"""Where children live on 31 March: placement category and provider, distance from home,
inside or outside the council, and the stability of their placements.

DfE definitions ("Children looked after in England including adoptions", methodology and the
placement location tables): distance is the straight line between the home and placement
postcodes; the percentages are of all children looked after on 31 March, so a distance that
is not known (mostly unaccompanied asylum-seeking children, who have no home postcode) stays in
the denominator; short breaks (V3, V4) are excluded. Placement stability: children looked
after on 31 March with 3 or more placements during the year; long-term stability: children
under 16 looked after for at least 2.5 years, in the same placement for at least 2 years or
placed for adoption with that and the placement before it lasting 2 years.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store import StoreData
from ..vocab import census, year_start
from .rows import breakdown, pct, row

PROVIDERS = {"PR1": "own provision", "PR2": "other council", "PR3": "other public",
             "PR4": "private", "PR5": "voluntary", "PR0": "parents"}
ADOPTION = ("A3", "A4", "A5", "A6")


def placements(data: StoreData, year: int) -> list[dict]:
    cla = data.cla(year)
    n = len(cla)
    out = breakdown("placement_category", "placements", year, cla["category"], "placement_category",
                    list(data.categories.ids))
    out += breakdown("placement_provider", "placements", year,
                     cla["place_provider"].map(PROVIDERS).fillna("not recorded"), "provider",
                     [*PROVIDERS.values(), "not recorded"])
    kin = int(cla["category"].isin(data.categories.select("kinship")).sum())
    out.append(row("pct_kinship", "placements", year, pct(kin, n), kin, n, "percent"))
    # location
    far = int((cla["pl_distance"].fillna(0) > 20).sum())
    outside = int((cla["placed_inside_la"] == False).fillna(False).sum())  # noqa: E712 (nullable)
    unknown = int(cla["pl_distance"].isna().sum())
    out.append(row("pct_over_20_miles", "location", year, pct(far, n), far, n, "percent"))
    out.append(row("pct_outside_la", "location", year, pct(outside, n), outside, n, "percent"))
    out.append(row("distance_not_known", "location", year, unknown, unknown, n))
    out += stability(data, year, cla)
    return out


def stability(data: StoreData, year: int, cla: pd.DataFrame) -> list[dict]:
    pl = data.tables["placements"]
    start, end = year_start(year), census(year)
    in_year = pl[(pl["start"] <= end) & (pl["end"].isna() | (pl["end"] >= start))]
    in_year = in_year[in_year["child"].isin(cla["child"])]
    # the placement held on 1 April counts once; each placement starting in the year counts once
    count = in_year.groupby("child").size()
    moves = cla["child"].map(count).fillna(0)
    three = int((moves >= 3).sum())
    out = [row("pct_3plus_placements", "stability", year, pct(three, len(cla)), three, len(cla), "percent")]
    # long-term: under 16, in care 2.5 years (the current period), same placement 2 years
    periods = data.tables["periods"]
    current_period = data.open_on(end, "placements")[["child", "period", "start", "place"]]
    cur = cla[["child", "age"]].merge(current_period, on="child", how="left")
    pstart = periods.set_index(["child", "period"])["start"]
    cur["period_start"] = pd.MultiIndex.from_frame(cur[["child", "period"]]).map(pstart) if len(cur) else []
    eligible = (cur["age"] < 16).fillna(False) & (cur["period_start"] <= end - pd.DateOffset(months=30))
    two_years = end - pd.DateOffset(years=2)
    same = cur["start"] <= two_years
    # placed for adoption: the adoptive placement and the one before it together last 2 years
    prev_start = _previous_placement_start(pl, cur)
    adopt = cur["place"].isin(ADOPTION) & (prev_start <= two_years)
    stable = eligible & (same | adopt)
    k, den = int(stable.sum()), int(eligible.sum())
    out.append(row("pct_long_term_stability", "stability", year, pct(k, den), k, den, "percent"))
    return out


def _previous_placement_start(pl: pd.DataFrame, cur: pd.DataFrame) -> pd.Series:
    """Start of the placement before each child's current one, in the same period (NaT if none)."""
    if not len(cur):
        return pd.Series([], dtype="datetime64[ns]")
    p = pl.sort_values(["child", "start"])
    p = p.assign(prev_start=p.groupby(["child", "period"])["start"].shift(1))
    key = p.set_index(["child", "start"])["prev_start"]
    key = key[~key.index.duplicated(keep="last")]
    idx = pd.MultiIndex.from_arrays([cur["child"], cur["start"]])
    return pd.Series(key.reindex(idx).to_numpy(), index=cur.index)


__all__ = ["placements", "stability", "np"]
