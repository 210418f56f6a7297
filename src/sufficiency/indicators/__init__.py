"""Indicators as the DfE defines them, computed from the store.

    ind = compute_all("la.duckdb")          # or an open Store, connection or StoreData
    ind.frame      # tidy: indicator, family, year, dimension, category, value, numerator,
                   #       denominator, unit  (percentages 0-100; dimension '' = headline)
    ind.catalogue  # one row per indicator: family, title, unit, higher_is, definition, source,
                   #   and where the DfE publishes it: table, field, section
    # a value that cannot be computed (too few returns loaded for a look-back measure) is NaN
    # with a `note` saying which returns it needs
    compare_england(ind.frame)   # headline rows with England's figure beside them

Each family is a module of pure functions of the store's tables and a year (the year ending
31 March): population, flows, placements (with location and stability), care (reviews,
missing, care leavers), cost. `python -m sufficiency.indicators` prints docs/indicators.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from ..parameters import Parameters, PlacementCategories
from ..store import StoreData
from ..yamlfile import read_yaml
from . import (
    adoption,
    care,
    cost,
    flows,
    outcomes,
    permanence,
    placements,
    population,
    settings,
    social_workers,
    stability,
)
from .rows import COLUMNS

__all__ = ["compute_all", "Indicators", "catalogue", "compare_england"]

SOURCES = {
    "CLA": ("DfE, Children looked after in England including adoptions: methodology",
            "https://explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions"),
    "stability": ("DfE, Stability measures for children looked after in England",
                  "https://explore-education-statistics.service.gov.uk/find-statistics/stability-measures-for-children-looked-after-in-england"),
    "location": ("DfE, Children looked after: a focus on placement location (methodology)",
                 "https://explore-education-statistics.service.gov.uk/methodology/children-looked-after-a-focus-on-placement-location"),
    "care planning regulations": ("Care Planning, Placement and Case Review (England) Regulations 2010, "
                                  "regulation 33 (a local measure: the DfE publishes no statistic of it)",
                                  "https://www.legislation.gov.uk/uksi/2010/959/regulation/33"),
    "903 guide": ("DfE, Children looked after return 2024 to 2025: guide",
                  "https://www.gov.uk/government/publications/children-looked-after-return-2024-to-2025-guide"),
    "outcomes": ("DfE, Children looked after in England including adoptions: data guidance (children looked after on 31 March "
                 "for 12 months - conviction and health outcomes)",
                 "https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/3b90f444-beab-46ee-a815-5177852ff3fd"),
    "social workers": ("DfE, Stability measures for children looked after in England: social worker stability "
                       "by local authority",
                       "https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/87b14248-9173-4309-89ae-ccf487ab45e4"),
    "staying put": ("DfE, Children looked after in England including adoptions: care leavers who left foster care "
                    "aged 18 and who were eligible for care leaver support (Staying Put)",
                    "https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/6bcdb80c-9922-4d12-a352-8aa4997f341b"),
    "16 to 17": ("DfE, Looked after children aged 16 to 17 in independent or semi-independent placements",
                 "https://explore-education-statistics.service.gov.uk/find-statistics/looked-after-children-aged-16-to-17-in-independent-or-semi-independent-placements"),
    "placement regulations": ("Care Planning, Placement and Case Review (England) Regulations 2010, regulation 27A "
                              "(a local measure: no child under 16 may be placed in accommodation that does not "
                              "provide care)",
                              "https://www.legislation.gov.uk/uksi/2010/959/regulation/27A"),
    "adoption scorecard": ("DfE, Adoption scorecards: methodology and guidance (indicators A1, A2, A10), as LG Inform "
                           "defines A2",
                           "https://id.esd.org.uk/metricType/912"),
    "S251": ("DfE, LA and school expenditure (section 251 outturn)",
             "https://explore-education-statistics.service.gov.uk/find-statistics/la-and-school-expenditure"),
}


@cache
def _catalogue_data() -> dict:
    return read_yaml(resources.files(__package__).joinpath("catalogue.yaml"))


def catalogue() -> pd.DataFrame:
    rows = []
    for ind, c in _catalogue_data().items():
        title, href = SOURCES[c["source"]]
        rows.append({"indicator": ind, "family": c["family"], "title": c["title"], "unit": c["unit"],
                     "higher_is": c["higher_is"], "definition": c["definition"],
                     "source": title, "source_url": href, "table": c.get("table", ""),
                     "field": c.get("field", ""), "section": c.get("section", ""),
                     "published": c.get("published", "")})
    return pd.DataFrame(rows)


@dataclass
class Indicators:
    frame: pd.DataFrame
    catalogue: pd.DataFrame
    years: list[int]
    la_code: str | None

    def headline(self, indicator: str) -> pd.Series:
        """The headline value of `indicator` by year."""
        f = self.frame
        f = f[(f["indicator"] == indicator) & (f["dimension"] == "")]
        return f.set_index("year")["value"]


def compute_all(source, *, years=None, child_population=None, parameters: Parameters | None = None,
                categories: PlacementCategories | None = None) -> Indicators:
    """Every indicator for every year loaded (or `years`), from a store path, an open Store or
    connection, or a StoreData read already.
    `child_population`: children under 18 in the council, one number or {year: number};
    by default the DfE figure shipped for the council, where there is one."""
    data = source if isinstance(source, StoreData) else StoreData.read(source, categories, parameters)
    years = sorted(int(y) for y in (years or data.years))
    rows: list[dict] = []
    spells = stability.carer_spells(data)
    for y in years:
        rows += population.population(data, y, child_population)
        rows += flows.flows(data, y)
        rows += population.uasc_started(data, y, flows.starts(data, y))
        rows += placements.placements(data, y, spells)
        rows += care.reviews(data, y)
        rows += care.missing(data, y)
        rows += care.care_leavers(data, y)
        rows += cost.cost(data, y)
        rows += outcomes.outcomes(data, y)
        rows += social_workers.social_workers(data, y)
        rows += settings.settings(data, y)
        rows += permanence.orders(data, y)
        rows += permanence.staying_put(data, y)
        rows += adoption.adoption(data, y, spells)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["numerator"] = frame["numerator"].astype("Int64")
    frame["denominator"] = frame["denominator"].astype("Int64")
    cat = catalogue()
    known = set(cat["indicator"])
    unknown = set(frame["indicator"]) - known
    if unknown:  # a programming error: every indicator must be catalogued
        raise RuntimeError(f"indicators missing from catalogue.yaml: {sorted(unknown)}")
    return Indicators(frame, cat, years, data.la_code)


def compare_england(frame: pd.DataFrame) -> pd.DataFrame:
    """Headline rows with England's published figure for the same year beside them (NaN where
    England has none)."""
    from ..reference.benchmarks import england

    eng = england()
    head = frame[frame["dimension"] == ""].copy()
    key = pd.MultiIndex.from_frame(head[["indicator", "year"]])
    lookup = eng.set_index(["indicator", "year"])
    head["england"] = lookup["value"].reindex(key).to_numpy()
    head["england_source"] = lookup["source"].reindex(key).to_numpy()
    return head
