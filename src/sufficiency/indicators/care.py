"""Reviews, missing episodes and care leavers.

Reviews are a local measure (the DfE publishes no statistic of review timeliness): the Care
Planning, Placement and Case Review (England) Regulations 2010, reg. 33, set the first review
within 20 working days of the start of care, the second within 3 months of the first and later
ones at most 6 months apart; working days are Monday to Friday (bank holidays are not known
and count as working days). The first review in the data of a period that began before the
first return loaded cannot be judged (its previous review is not in the data) and is left out.
Missing: DfE "Children looked after in England including adoptions"
counts children who had a missing incident (MISSING = M) or were away without authorisation
(MISSING = A) during the year, among all children looked after during the year. Care leavers:
the OC3 table of the year's return (young people at their 17th to 21st birthdays), published by
the DfE for ages 17 to 18 and 19 to 21 (age at the birthday in the year, i.e. on 31 March);
suitability is the last character of ACCOM (1 suitable, 2 not, anything else no information);
education, employment or training is ACTIV F1 to P5; the denominator is every care leaver of
the age group, "no information" included, as the DfE's "Suitability total" is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store import StoreData
from ..vocab import age_on, census, year_start
from .rows import breakdown, pct, row

EET = ("F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5")
AGE_GROUPS = ("17 to 18", "19 to 21")


def reviews(data: StoreData, year: int) -> list[dict]:
    rv = data.tables.get("reviews")
    if rv is None or not len(rv):
        return []
    rv = rv.dropna(subset=["child", "review"]).drop_duplicates(["child", "review"])
    periods = data.tables["periods"][["child", "start"]].sort_values("start")
    events = rv[["child", "review"]].sort_values("review")
    events = pd.merge_asof(events, periods, left_on="review", right_on="start", by="child",
                           direction="backward")
    events = events.dropna(subset=["start"]).sort_values(["child", "review"])
    events["n"] = events.groupby(["child", "start"]).cumcount()
    events["previous"] = events.groupby(["child", "start"])["review"].shift(1)
    # a period that began before the first return loaded: its reviews before the data are
    # unknown, so its first review in the data cannot be judged and later ones are 6-monthly
    before_data = events["start"] < year_start(min(data.years)) if data.years else events["start"].isna()
    first = (events["n"] == 0) & ~before_data
    limit = pd.Series(pd.NaT, index=events.index, dtype="datetime64[ns]")
    limit[first] = _working_days_after(events.loc[first, "start"], 20)
    second = (events["n"] == 1) & ~before_data
    limit[second] = events.loc[second, "previous"] + pd.DateOffset(months=3)
    later = (events["n"] >= 2) | (before_data & (events["n"] >= 1))
    limit[later] = events.loc[later, "previous"] + pd.DateOffset(months=6)
    assessable = limit.notna()
    in_year = events["review"].between(year_start(year), census(year)) & assessable
    on_time = int((events.loc[in_year, "review"] <= limit[in_year]).sum())
    held = int(in_year.sum())
    return [row("reviews_on_time", "reviews", year, pct(on_time, held), on_time, held, "percent")]


def _working_days_after(day: pd.Series, n: int) -> pd.Series:
    """The `n`th working day (Monday to Friday) after each day."""
    d = day.to_numpy("datetime64[D]")
    return pd.Series(np.busday_offset(d, n, roll="forward").astype("datetime64[ns]"), index=day.index)


def missing(data: StoreData, year: int) -> list[dict]:
    ms = data.tables.get("missing")
    if ms is None:
        return []
    ms = ms.dropna(subset=["child", "mis_start"]).drop_duplicates(["child", "missing", "mis_start"])
    in_year = ms[ms["mis_start"].between(year_start(year), census(year))]
    during = data.looked_after_during(year)
    m = in_year[in_year["missing"] == "M"]
    kids, incidents = m["child"].nunique(), len(m)
    away = in_year.loc[in_year["missing"] == "A", "child"].nunique()
    return [
        row("missing_children", "missing", year, kids, kids, len(during)),
        row("pct_missing", "missing", year, pct(kids, len(during)), kids, len(during), "percent"),
        row("missing_incidents_per_child", "missing", year, incidents / kids if kids else float("nan"),
            incidents, kids),
        row("away_children", "missing", year, away, away, len(during)),
    ]


def care_leavers(data: StoreData, year: int) -> list[dict]:
    oc3 = data.tables.get("oc3")
    if oc3 is None:
        return []
    o = oc3[oc3["source_year"] == year].drop_duplicates("child")
    if not len(o):
        return []
    kids = data.tables["children"].drop_duplicates("child").set_index("child")["dob"]
    dob = pd.to_datetime(o["dob"]).fillna(pd.to_datetime(o["child"].map(kids)))
    age = age_on(dob, census(year))
    group = pd.Series(np.select([age.between(17, 18), age.between(19, 21)], AGE_GROUPS, ""), index=o.index)
    suitable = o["accom"].fillna("").str[-1] == "1"
    eet = o["activ"].isin(EET)
    out = [row("care_leavers", "care_leavers", year, len(o), len(o))]
    out += breakdown("care_leavers", "care_leavers", year, group[group != ""], "age_group", list(AGE_GROUPS))
    for ind, hit in (("pct_suitable_accommodation", suitable), ("pct_eet", eet)):
        k = int(hit.sum())
        out.append(row(ind, "care_leavers", year, pct(k, len(o)), k, len(o), "percent"))
        for g in AGE_GROUPS:
            mine = (group == g).to_numpy(bool)
            k, den = int(hit[mine].sum()), int(mine.sum())
            out.append(row(ind, "care_leavers", year, pct(k, den), k, den, "percent", "age_group", g))
    return out
