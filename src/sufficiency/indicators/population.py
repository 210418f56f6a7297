"""Children looked after on 31 March: count, rate, and profiles by age, legal status, need; UASC.

DfE definitions: "Children looked after in England including adoptions", methodology
(explore-education-statistics): a child is looked after on 31 March if an episode of care is
open that day; children looked after under a series of short-term breaks (V3, V4) are excluded.
Category of need is the one recorded at the start of the period of care (its first episode),
as the DfE tabulates it, not the latest episode's. A child is an unaccompanied asylum-seeking
child on a day if the UASC table holds them and their UASC status had not ended (DUC blank or
after that day): on 31 March for those looked after, on the day care started for starters.
"""

from __future__ import annotations

import pandas as pd

from ..reference.authorities import authorities
from ..store import StoreData
from ..vocab import AGE_BANDS, age_band, census
from .rows import breakdown, row

LEGAL_GROUPS = {
    "C1": "interim care order", "C2": "full care order", "E1": "placement order",
    "V2": "section 20 agreement", "J1": "youth justice", "J2": "youth justice", "J3": "youth justice",
    "L1": "police protection or emergency order", "L2": "police protection or emergency order",
    "L3": "police protection or emergency order", "D1": "other", "W1": "other",
}
LEGAL_ORDER = ["interim care order", "full care order", "placement order", "section 20 agreement",
               "youth justice", "police protection or emergency order", "other"]
NEEDS = {"N1": "abuse or neglect", "N2": "disability", "N3": "parental illness or disability",
         "N4": "family in acute stress", "N5": "family dysfunction", "N6": "socially unacceptable behaviour",
         "N7": "low income", "N8": "absent parenting"}


def child_population(data: StoreData, year: int, given: dict[int, int] | int | None) -> int | None:
    """Children under 18 in the council: the user's figure, else the DfE figure shipped for the council."""
    if isinstance(given, int):
        return given
    if isinstance(given, dict) and year in given:
        return int(given[year])
    la = authorities().get(data.la_code or "")
    return la.fact("child_population", year) if la else None


def population(data: StoreData, year: int, child_pop=None) -> list[dict]:
    cla = data.cla(year)
    n = len(cla)
    out = [row("cla_31_march", "population", year, n, n)]
    pop = child_population(data, year, child_pop)
    if pop:
        out.append(row("cla_rate_per_10k", "population", year, 10_000 * n / pop, n, pop, "rate_per_10k"))
    out += breakdown("cla_by_age", "population", year, age_band(cla["age"]), "age_band", AGE_BANDS)
    out += breakdown("cla_by_legal_status", "population", year,
                     cla["ls"].map(LEGAL_GROUPS).fillna("other"), "legal_status", LEGAL_ORDER)
    out += breakdown("cla_by_need", "population", year,
                     need_at_start(data, year, cla).map(NEEDS).fillna("not recorded"),
                     "need", [*NEEDS.values(), "not recorded"])
    uasc = int(uasc_on(data, cla["child"], census(year)).sum())
    out.append(row("uasc_31_march", "uasc", year, uasc, uasc, n))
    return out


def need_at_start(data: StoreData, year: int, cla: pd.DataFrame) -> pd.Series:
    """CIN of the first episode of the period of care each child is in on 31 March."""
    current = data.open_on(census(year), "placements").set_index("child")["period"]
    period = cla["child"].map(current)
    cin = data.tables["periods"].set_index(["child", "period"])["cin"]
    if not len(cla):
        return pd.Series([], dtype=object)
    key = pd.MultiIndex.from_arrays([cla["child"], period.astype("Int64")])
    return pd.Series(cin.reindex(key).to_numpy(), index=cla.index)


def uasc_on(data: StoreData, children: pd.Series, day) -> pd.Series:
    """True for each child who was an unaccompanied asylum-seeking child on `day` (a date, or
    a Series of dates aligned with `children`)."""
    kids = data.tables["children"].drop_duplicates("child").set_index("child")
    flag = children.map(kids["uasc"]).fillna(False).astype(bool)
    ended = pd.to_datetime(children.map(kids["uasc_ceased"]))
    return flag & (ended.isna() | (ended > day)).to_numpy(bool)


def uasc_started(data: StoreData, year: int, starts: pd.DataFrame) -> list[dict]:
    """`starts`: flows.starts(data, year), the first start in the year of each child."""
    k = int(uasc_on(data, starts["child"], starts["start"]).sum())
    return [row("uasc_started", "uasc", year, k, k, len(starts))]

