"""Children looked after on 31 March: count, rate, and profiles by age, legal status, need; UASC.

DfE definitions: "Children looked after in England including adoptions", methodology
(explore-education-statistics): a child is looked after on 31 March if an episode of care is
open that day; children looked after under a series of short-term breaks (V3, V4) are excluded.
"""

from __future__ import annotations

import pandas as pd

from ..reference.authorities import authorities
from ..store import StoreData
from ..vocab import AGE_BANDS, age_band
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
    out += breakdown("cla_by_need", "population", year, cla["cin"].map(NEEDS).fillna("not recorded"),
                     "need", [*NEEDS.values(), "not recorded"])
    uasc = int(cla["uasc"].astype(bool).sum())
    out.append(row("uasc_31_march", "uasc", year, uasc, uasc, n))
    return out


def uasc_started(data: StoreData, year: int, starters: pd.Index) -> list[dict]:
    kids = data.tables["children"].drop_duplicates("child").set_index("child")
    flags = kids["uasc"].reindex(starters).fillna(False).astype(bool)
    return [row("uasc_started", "uasc", year, int(flags.sum()), int(flags.sum()), len(starters))]

