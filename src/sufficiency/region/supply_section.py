"""The regional report's supply section: Ofsted's homes, places and fostering agencies by council,
the region's children in residential care beside the places, and the gap now and over the
regional forecast (region/gap.py says what the gap is)."""

from __future__ import annotations

import pandas as pd

from ..parameters import PlacementCategories
from ..report.content import Section, Table
from ..report.suppress import MARK
from . import gap
from .indicators import RegionData
from .location import matrix_suppressed
from .supply import Supply


def _n(v) -> str:
    return ":" if pd.isna(v) else f"{int(round(v)):,}"


def _hidden(counts: pd.DataFrame, suppression: bool) -> pd.DataFrame:
    """Each column's small counts (and, where one is hidden, the next smallest: the region's row
    is their total) hidden, column by column."""
    councils = counts.drop(index=gap.REGION)
    if not suppression:
        return counts.astype(bool) & False
    out = pd.concat([matrix_suppressed(councils[[c]]) for c in councils.columns], axis=1)
    out.loc[gap.REGION] = [bool(1 <= v <= 4) for v in counts.loc[gap.REGION]]
    return out


def supply_section(data: RegionData, live: pd.DataFrame, year: int, supply: Supply, suppression: bool,
                   forecast: pd.DataFrame | None) -> Section:
    s = Section("supply", "Homes and places: supply against need")
    codes = data.codes
    names = [data.name(c) for c in [*codes, gap.REGION]]
    places = gap.supply_by_council(supply, codes)
    s.text = [f"Registered providers at {supply.as_of} in each council's area, from {supply.source}. Places are "
              "in children's homes (secure children's homes apart); homes take children from any council, so a "
              "council's places are not all for its own children. Ofsted gives no places for fostering agencies."]
    rows = [[n, *[_n(r[k]) for k in ("homes", "places", "places_local_authority", "places_private",
                                     "places_voluntary", "owners", "secure_places", "fostering_agencies")],
             ":" if pd.isna(r["places_per_10k"]) else f"{r['places_per_10k']:.1f}"]
            for n, (_, r) in zip(names, places.iterrows(), strict=True)]
    rows[-1][6] = ":"  # owners of several councils' homes are not a sum
    s.tables.append(Table(f"Registered children's homes and fostering agencies, {supply.as_of}",
                          ["", "Children's homes", "Places", "Local authority", "Private", "Voluntary", "Owners",
                           "Secure places", "Fostering agencies", "Residential places per 10,000 children"],
                          rows, name="supply"))
    cats = PlacementCategories.load()  # shares are grouped by the built-in map
    now = gap.residential_now(live, codes, cats)
    hide = _hidden(now, suppression)
    g = gap.gap_now(places, now)
    rows = []
    for n, code in zip(names, [*codes, gap.REGION], strict=True):
        cell = {k: MARK if hide.loc[code, k] else _n(now.loc[code, k]) for k in now.columns}
        rows.append([n, _n(places.loc[code, "residential_places"]), cell["looked_after"], cell["hosted"],
                     MARK if hide.loc[code, "looked_after"] else f"{int(g[code]):+,}", _n(places.loc[code, "fostering_agencies"]),
                     cell["agency_foster"]])
    s.tables.append(Table(f"Residential places ({supply.as_of}) against the region's children in residential care "
                          f"(31 March {year}); gap = places less the council's children in residential care",
                          ["", "Residential places", "Children the council looks after in residential care",
                           "The region's children in residential care living here", "Gap",
                           "Fostering agencies", "Children in agency foster care"], rows, name="gap"))
    if forecast is not None and "residential" in set(forecast["measure"]):
        s.tables.append(_ahead(data, names, places, forecast))
    return s


def _ahead(data: RegionData, names: list[str], places: pd.DataFrame, forecast: pd.DataFrame) -> Table:
    """The gap on each 31 March forecast: median (5% to 95%)."""
    g = gap.gap_ahead(forecast, places)
    g["year"] = pd.to_datetime(g["date"]).dt.year
    years = sorted(g["year"].unique())[1:]  # the first date is the last one recorded
    wide = g.set_index(["council", "year", "quantile"])["gap"]
    rows = [[n, _n(places.loc[code, "residential_places"]),
             *[f"{wide[(code, y, 0.5)]:+,.0f} ({wide[(code, y, 0.05)]:+,.0f} to {wide[(code, y, 0.95)]:+,.0f})"
               for y in years]]
            for n, code in zip(names, [*data.codes, gap.REGION], strict=True)]
    return Table("Gap over the regional forecast: today's residential places less the forecast children in "
                 "residential care on 31 March, median (5% to 95%)", ["", "Places", *[str(y) for y in years]], rows,
                 name="gap_ahead")
