"""What the planner's model is built from: demand by home council, supply by site council,
prices by year and the limits, as plain arrays (`PlanInputs`), and the prices read from the
parameters (`prices_from`).

A council's own store gives one council (a region of one); a regional store gives several.
Arrays are indexed [scenario, year, council] for demand and [council] or [council, year] for
supply and limits; councils are both where children come from (home) and where places are
(site).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import SchemaError
from ..parameters import Parameters
from ..parameters.categories import PlacementCategories

WEEKS = 365.25 / 7


@dataclass(frozen=True)
class Prices:
    """Costs in GBP by plan year (index t); weekly costs per child or bed, yearly ones per year."""

    spot_res: np.ndarray  # weekly, a child in a bought children's home
    spot_solo: np.ndarray  # weekly, a child who must live alone, bought
    spot_foster: np.ndarray  # weekly, a child with an agency foster carer
    inhouse_foster: np.ndarray  # weekly, a child with an in-house foster carer
    block_bed: np.ndarray  # weekly, a block bed, filled or not
    running_bed: np.ndarray  # weekly, a bed of a new in-house home, filled or not
    capital_home: np.ndarray  # one-off, a new home (before its beds)
    capital_bed: np.ndarray  # one-off, each bed of a new home
    recruit: np.ndarray  # one-off, a new foster household
    support: np.ndarray  # yearly, keeping a foster household, filled or not
    per_mile: np.ndarray  # yearly, per child per mile from home
    spot_miles: float  # miles from home of a bought placement
    spot_near: float  # share of bought placements within `near_miles`
    near_miles: float
    discount_rate: float  # a year
    home_life: float  # years
    lead_home: int  # plan years
    lead_foster: int
    lead_block: int
    places_per_household: float
    beds_per_existing_home: int


@dataclass(frozen=True)
class PlanInputs:
    """Everything the model builder reads.

    demand_res, demand_foster: children needing a children's home / a foster place, [scenario, year,
    home council] (each year's mean of its two 31 Marches); alone_share: of those needing a
    home, the share who must live alone. homes: existing in-house homes by site; foster_places:
    existing in-house foster places by site. Limits by [site, year] (homes, recruits, block beds)
    and budget by year (inf: none). miles: [home, site]. inside: by site, whether it is in the
    region (None: a council's own plan, no region); spot_inside: the share of bought places in
    the region."""

    councils: tuple[str, ...]
    years: tuple[int, ...]
    demand_res: np.ndarray
    demand_foster: np.ndarray
    alone_share: float
    homes: np.ndarray
    foster_places: np.ndarray
    miles: np.ndarray
    sizes: tuple[int, ...]
    prices: Prices
    limit_homes: np.ndarray
    limit_recruits: np.ndarray
    limit_block: np.ndarray
    budget: np.ndarray
    min_near_share: float | None = None
    distance_cost: bool = True
    risk_weight: float = 0.0
    risk_tail: float = 0.10
    names: dict = field(default_factory=dict)
    xy: dict = field(default_factory=dict)
    inside: np.ndarray | None = None
    spot_inside: float = 0.0

    @property
    def scenarios(self) -> int:
        return self.demand_res.shape[0]


def lead_years(days: float) -> int:
    """Days of lead time in whole plan years (half a year or more counts as a year)."""
    return int(math.floor(days / 365.0 + 0.5))


def uplifted(params: Parameters, name: str, year: int, group: str = "other") -> float:
    """A plan price in force on 1 October of the financial year ending 31 March `year`, moved
    from the financial year it is dated in by its group's yearly rate (parameters.uplift:
    residential, fostering or other, as every weekly cost of that kind moves)."""
    from ..parameters import uplift

    mid = dt.date(year - 1, 10, 1)
    first = params.get(name).values[0]
    dated = params.at(name, max(mid, first.start))
    priced = dated.start.year + (1 if dated.start.month > 3 else 0)  # its financial year, by the 31 March ending it
    return dated.value * uplift.factor(params, group, priced, max(priced, year))


def prices_from(params: Parameters, categories: PlacementCategories, years, start: dt.date) -> Prices:
    """The planner's prices from the parameters: placement prices through `weekly_cost` of the
    council's categories (bought children's home, agency and in-house fostering), the rest from
    plan.* (uplifted each year as the weekly costs are)."""
    ext_res = _one(categories, "residential", "external")
    ext_fos = _one(categories, "foster", "external")
    own_fos = _one(categories, "foster", "inhouse")
    yrs = [int(y) for y in years]

    def weekly(cat):
        return np.array([params.weekly_cost(cat, y) for y in yrs])

    def plan(name, group="other"):
        return np.array([uplifted(params, f"plan.{name}", y, group) for y in yrs])

    spot_res = weekly(ext_res)
    return Prices(
        spot_res=spot_res, spot_solo=spot_res * _at(params, "plan.spot.solo_price_ratio", start),
        spot_foster=weekly(ext_fos), inhouse_foster=weekly(own_fos),
        block_bed=spot_res * _at(params, "plan.block.price_ratio", start),
        running_bed=plan("home.running_per_bed", "residential"),
        capital_home=plan("home.capital_per_home", "residential"), capital_bed=plan("home.capital_per_bed", "residential"),
        recruit=plan("foster.recruitment_per_household", "fostering"),
        support=plan("foster.support_per_household", "fostering"), per_mile=plan("cost_per_mile"),
        spot_miles=_at(params, "plan.spot.miles", start), spot_near=_at(params, "plan.spot.share_within_20_miles", start),
        near_miles=_at(params, "distance.far_from_home_miles", start),
        discount_rate=_at(params, "plan.discount_rate", start) / 100.0,
        home_life=_at(params, "plan.home.life_years", start),
        lead_home=lead_years(_at(params, "plan.home.lead_days", start)),
        lead_foster=lead_years(_at(params, "plan.foster.lead_days", start)),
        lead_block=lead_years(_at(params, "plan.block.lead_days", start)),
        places_per_household=_at(params, "plan.foster.places_per_household", start),
        beds_per_existing_home=int(_at(params, "capacity.inhouse_residential.beds_per_home", start)))


def _at(params: Parameters, name: str, start: dt.date) -> float:
    """The value in force at `start`, or the first one when `start` is before it."""
    return params.value(name, max(start, params.get(name).values[0].start))


def _one(categories: PlacementCategories, *roles: str) -> str:
    found = categories.first(*roles, without=("kinship",))
    if found is None:
        raise SchemaError(f"the placement categories have none with the roles {', '.join(roles)}: the planner "
                          "prices bought and in-house places by them.")
    return found
