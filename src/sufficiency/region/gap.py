"""The region's residential places against its children in residential care, by council.

    places = supply_by_council(providers(), codes)     # Ofsted's homes and places, per 10,000 children
    now = residential_now(live, codes, cats)           # the region's children in residential care
    gap_now(places, now)                               # places - the council's children in homes
    gap_ahead(quantiles, places)                       # the same over the regional forecast

A council's gap is the places in registered children's homes and secure children's homes inside
its boundary less the children it looks after in residential care (wherever they live): negative
where the council has fewer places than children needing them. Places are not reserved for the
council's children (homes take children from any council), so the gap is a measure of how much
of its need a council's own ground could meet, not of vacancies. Ofsted gives no places for a
fostering agency, so fostering has no gap: the agencies are counted beside the children in
agency foster care. The region's row is the sum of its councils'.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..parameters import PlacementCategories
from ..reference.authorities import authorities
from .supply import Supply, by_council

REGION = "region"


def population(code: str, year: int) -> int | None:
    """The council's children under 18 (DfE) in `year`, or the nearest year it has."""
    la = authorities().get(code)
    if la is None:
        return None
    have = sorted((abs(int(k[-4:]) - year), v) for k, v in la.facts.items() if k.startswith("child_population_"))
    return have[0][1] if have else None


def supply_year(supply: Supply) -> int:
    found = re.search(r"\d{4}", supply.as_of)
    return int(found.group(0)) if found else 0


def supply_by_council(supply: Supply, codes: list[str]) -> pd.DataFrame:
    """`by_council` of the councils, with the region's row (their sum), residential places
    (homes and secure homes), child population and places per 10,000 children."""
    t = by_council(supply.frame, codes)
    t.loc[REGION] = t.sum()
    t["residential_places"] = t["places"] + t["secure_places"]
    year = supply_year(supply)
    pop = pd.Series({c: population(c, year) for c in codes}, dtype="float")
    pop[REGION] = pop.sum() if pop.notna().all() else np.nan
    t["child_population"] = pop
    t["places_per_10k"] = 10_000 * t["residential_places"] / t["child_population"]
    return t


def residential_now(live: pd.DataFrame, codes: list[str], cats: PlacementCategories) -> pd.DataFrame:
    """For each council (and the region): `looked_after`, children it looks after in residential
    care; `hosted`, the region's children in residential care living in the council; `agency_foster`,
    children it looks after in foster care bought from an agency (external, not kinship)."""
    homes = live[live["category"].isin(cats.select("residential"))]
    agency = live[live["category"].isin(cats.select("foster", "external", without=("kinship",)))]
    t = pd.DataFrame(index=pd.Index(codes, name="council"))
    t["looked_after"] = homes.groupby("council").size()
    t["hosted"] = homes.groupby("host").size()
    t["agency_foster"] = agency.groupby("council").size()
    t = t.reindex(codes).fillna(0).astype(int)
    t.loc[REGION] = t.sum()
    return t


def gap_now(places: pd.DataFrame, now: pd.DataFrame) -> pd.Series:
    """Residential places less the council's children in residential care (negative: too few)."""
    return places["residential_places"] - now["looked_after"]


def gap_ahead(quantiles: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Over the forecast: council, date, quantile, residential (forecast children in residential
    care) and gap (today's places less them: a run with more children has a smaller gap, so the
    gap's 5% quantile is the places less the children's 95%)."""
    q = quantiles[quantiles["measure"] == "residential"].rename(columns={"value": "residential"})
    q = q[q["council"].isin(places.index)].copy()
    q["gap"] = q["council"].map(places["residential_places"]) - q["residential"]
    q["quantile"] = q["quantile"].round(2)
    flip = q.set_index(["council", "date", "quantile"])["gap"]
    q["gap"] = [flip[(c, d, round(1 - p, 2))] for c, d, p in zip(q["council"], q["date"], q["quantile"], strict=True)]
    return q[["council", "date", "quantile", "residential", "gap"]].reset_index(drop=True)
