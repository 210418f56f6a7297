"""Adoption timeliness, as the DfE's adoption scorecard measures it, for the children adopted in
the year (their period of care ended E11 or E12) who were placed for adoption (PLACE A3 to A6)
before the order; one year here (the scorecard averages three):
  A1  days from the start of the period of care to the first adoptive placement;
  A10 the same, but for a child adopted by their foster carers (placed with them, A3 or A5, or
      AD1 FOSTER_CARE 1) to the day they moved in with those carers: the start of the carer
      spell that holds the adoptive placement (stability.carer_spells);
  A2  days from court authority to place (the first placement or freeing order of the period,
      LS E1 or D1) to the match with adopters (AD1 DATE_MATCH), 0 if matched before; children
      with neither order, or no match date, are left out;
and, as the CLA release's "average time between adoption process stages" has it, days from the
decision that the child should be placed for adoption (AD1 DATE_INT, else the latest
PlacedAdoption DATE_PLACED on or before the match) to the match.
A child whose period of care began before the first return loaded (its first episode in the data
is not RNE S) has no known day of entry: A1 and A10 leave them out and a note says how many.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store import StoreData
from .permanence import ceased
from .rows import row

ADOPTION = ("A3", "A4", "A5", "A6")
WITH_FOSTER_CARERS = ("A3", "A5")
COURT_AUTHORITY = ("E1", "D1")
MEASURES = ("adoption_days_entry_to_placement", "adoption_days_entry_to_placement_adjusted",
            "adoption_days_order_to_match", "adoption_days_decision_to_match")


def adoption(data: StoreData, year: int, spells: pd.DataFrame) -> list[dict]:
    """The four timeliness measures of `year` (`spells`: stability.carer_spells(data))."""
    kids = _adopted(data, year)
    entered = kids["start"].where(kids["care_known"])
    unknown = int((~kids["care_known"]).sum())
    note = (f"{unknown} adopted {'child' if unknown == 1 else 'children'} whose care began before the first "
            "return loaded left out (the day care began is not in the data)") if unknown else ""
    days = {
        MEASURES[0]: kids["placed"] - entered,
        MEASURES[1]: _moved_in(kids, spells) - entered,
        MEASURES[2]: (kids["match"] - kids["authority"]).clip(lower=pd.Timedelta(0)),
        MEASURES[3]: kids["match"] - kids["decision"],
    }
    out = []
    for ind, d in days.items():
        d = pd.to_timedelta(d).dropna().dt.days
        out.append(row(ind, "adoption", year, float(d.mean()) if len(d) else np.nan, None, len(d), "days",
                       note=note if ind in MEASURES[:2] else ""))
    return out


def _adopted(data: StoreData, year: int) -> pd.DataFrame:
    """One row per child adopted in the year and placed for adoption first: child, start (of
    care), placed, place, authority, match, decision, by_carers (adopted by foster carers),
    care_known (the period's first episode in the data starts care, RNE S)."""
    adopted = ceased(data, year)
    adopted = adopted[adopted["reason_ceased"].isin(["E11", "E12"])][["child", "start", "end"]]
    ep = data.tables["episodes"].merge(adopted, on="child")
    ep = ep[(ep["decom"] >= ep["start"]) & (ep["decom"] <= ep["end"])]
    placed_ep = ep[ep["place"].isin(ADOPTION)].sort_values("decom").drop_duplicates("child")
    kids = adopted.merge(placed_ep[["child", "decom", "place"]].rename(columns={"decom": "placed"}), on="child")
    kids = kids.reset_index(drop=True)
    if not len(kids):
        return kids.assign(authority=pd.NaT, match=pd.NaT, decision=pd.NaT, by_carers=False, care_known=True)
    # the period's first episode in the data starts care (RNE S) unless care began before the data
    first = ep[ep["decom"] == ep["start"]].groupby("child")["rne"].first()
    kids["care_known"] = (kids["child"].map(first) == "S").fillna(False).astype(bool)
    kids["authority"] = _lookup(ep[ep["ls"].isin(COURT_AUTHORITY)].groupby("child")["decom"].min(), kids)
    ad1 = _ad1(data, year).set_index("child")
    kids["match"] = _lookup(ad1["date_match"], kids)
    kids["decision"] = _lookup(ad1["date_int"], kids).fillna(_decision(data, kids))
    kids["by_carers"] = (kids["place"].isin(WITH_FOSTER_CARERS)
                         | (kids["child"].map(ad1["foster_care"]) == "1").fillna(False)).astype(bool)
    return kids


def _lookup(dates: pd.Series, kids: pd.DataFrame) -> pd.Series:
    """`dates` (indexed by child) for each of `kids`, NaT where a child has none."""
    return pd.Series(pd.to_datetime(dates).reindex(kids["child"]).to_numpy(), index=kids.index,
                     dtype="datetime64[ns]")


def _ad1(data: StoreData, year: int) -> pd.DataFrame:
    """Each child's AD1 row: the year's return's, else the latest."""
    ad1 = data.tables.get("ad1")
    if ad1 is None:
        return pd.DataFrame({"child": pd.Series(dtype="string"), "date_match": pd.Series(dtype="datetime64[ns]"),
                             "date_int": pd.Series(dtype="datetime64[ns]"), "foster_care": pd.Series(dtype="string")})
    order = (ad1["source_year"] == year).astype(int) * 10_000 + ad1["source_year"]
    return ad1.assign(_order=order).sort_values("_order").drop_duplicates("child", keep="last")


def _decision(data: StoreData, kids: pd.DataFrame) -> pd.Series:
    """The latest PlacedAdoption DATE_PLACED on or before each child's match."""
    pa = data.tables.get("placed_adoption")
    if pa is None or not len(kids):
        return pd.Series(pd.NaT, index=kids.index, dtype="datetime64[ns]")
    pa = pa.merge(kids[["child", "match"]], on="child")
    return _lookup(pa[pa["date_placed"] <= pa["match"]].groupby("child")["date_placed"].max(), kids)


def _moved_in(kids: pd.DataFrame, spells: pd.DataFrame) -> pd.Series:
    """The day each child moved in with their adopters: the adoptive placement, or for foster
    carers who adopt, the start of the carer spell holding it."""
    if not len(kids):
        return kids["placed"]
    s = spells[spells["child"].isin(kids["child"])].sort_values("start")
    k = kids[["child", "placed"]].reset_index().sort_values("placed")
    held = pd.merge_asof(k, s[["child", "start"]], left_on="placed", right_on="start", by="child")
    spell_start = held.set_index("index")["start"].reindex(kids.index)
    return kids["placed"].where(~kids["by_carers"], spell_start.fillna(kids["placed"]))
