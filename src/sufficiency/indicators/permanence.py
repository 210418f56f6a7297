"""Permanence: special guardianship and child arrangements orders among children ceasing to be
looked after, and Staying Put at 18.

Orders: the children who ceased in the year (the last ceasing of each child, as `flows` counts
them) whose reason episode ceased is a special guardianship order (REC E45 to E48; to former
foster carers E45, E46, to other carers E47, E48) or a residence or child arrangements order
(E41), as a share of all who ceased (DfE, CLA release, la_children_who_ceased_during_the_year).

Staying Put (DfE, CLA release, "Care leavers who left foster care aged 18 and who were eligible
for care leaver support (Staying Put)"): young people in the year's OC3 aged 18 (at their
birthday in the year) who ceased to be looked after on their 18th birthday from a foster
placement (PLACE U1 to U6), not transferred to another council (E3) and not dead or returned
home (IN_TOUCH DIED, RHOM); of those, the share living with their former foster carers (ACCOM
Z1 or Z2).

Adoption timeliness is in `adoption.py`.
"""

from __future__ import annotations

import pandas as pd

from ..store import StoreData
from ..vocab import age_on, census, year_start
from .flows import REASON_GROUPS
from .rows import breakdown, pct, row

SGO = REASON_GROUPS["special guardianship order"]
CAO = REASON_GROUPS["residence or child arrangements order"]
SGO_CARERS = {"E45": "former foster carers", "E46": "former foster carers",
              "E47": "other carers", "E48": "other carers"}
FOSTER = ("U1", "U2", "U3", "U4", "U5", "U6")


def ceased(data: StoreData, year: int) -> pd.DataFrame:
    """The last period of care of each child that ended in the year (not at the end of the data)."""
    p = data.tables["periods"]
    ended = p[p["end"].between(year_start(year), census(year)) & ~p["end_censored"].astype(bool)
              & p["reason_ceased"].notna()]
    return ended.sort_values(["child", "end"]).drop_duplicates("child", keep="last")


def orders(data: StoreData, year: int) -> list[dict]:
    last = ceased(data, year)
    n = len(last)
    sgo, cao = last["reason_ceased"].isin(SGO), last["reason_ceased"].isin(CAO)
    k_sgo, k_cao = int(sgo.sum()), int(cao.sum())
    return [row("pct_ceased_sgo", "permanence", year, pct(k_sgo, n), k_sgo, n, "percent"),
            *breakdown("ceased_sgo", "permanence", year, last.loc[sgo, "reason_ceased"].map(SGO_CARERS),
                       "carer", sorted(set(SGO_CARERS.values()))),
            row("pct_ceased_cao", "permanence", year, pct(k_cao, n), k_cao, n, "percent")]


def staying_put(data: StoreData, year: int) -> list[dict]:
    oc3 = data.tables.get("oc3")
    o = oc3[oc3["source_year"] == year].drop_duplicates("child") if oc3 is not None else oc3
    if o is None or not len(o):
        return []
    dob = pd.to_datetime(o["dob"])
    o = o[(age_on(dob, census(year)) == 18).to_numpy(bool) & ~o["in_touch"].isin(["DIED", "RHOM"]).to_numpy(bool)]
    eighteenth = pd.to_datetime(o["dob"]) + pd.DateOffset(years=18)
    last = data.tables["episodes"].sort_values("decom").drop_duplicates("child", keep="last").set_index("child")
    left = o["child"].map(last["dec"])
    fostered = (o["child"].map(last["place"]).isin(FOSTER) & ~o["child"].map(last["rec"]).isin(["E3"])
                & ~o["child"].map(last["end_censored"]).eq(True))
    cohort = o[(left == eighteenth).to_numpy(bool) & fostered.to_numpy(bool)]
    k = int((cohort["accom"].fillna("").str[:1] == "Z").sum())
    return [row("pct_staying_put_18", "permanence", year, pct(k, len(cohort)), k, len(cohort), "percent")]
