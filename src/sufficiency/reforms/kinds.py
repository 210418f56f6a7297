"""Every kind of change a reform can make, registered in one place (KINDS): its schema (a
strict pydantic model) and the function that writes it into a Plan. A new kind is a model,
an `apply` function and one line in KINDS; the reform schema, the category checks and the
plan all read KINDS.

Every change has `kind`, `from` (the date it starts) and `ramp_months` (how long it takes to
reach full effect, growing in a straight line; 0: at once). Where a change names placement
categories it may give an id of the council's map or roles, `role:residential+external` (every
category with both roles; `+!kinship`: and not that role). The kinds:

- entries: entries to care change by `change_percent` (Family Help, edge of care).
- hazard: the rate of moving from `from_categories` (placement categories, or `any`) to `to`
  (placement categories or exits: home, special_guardianship, adoption, other) is multiplied
  by `factor` (reunification: to home; special guardianship; step-down from residential to
  fostering).
- kinship_first: `share` of new foster placements with strangers (entries and moves) are
  made with family instead.
- foster_recruitment: `households_per_year` more in-house foster households (default: the
  Independent Review's ambition scaled to the council, see reforms.defaults), each with
  `places_per_household` places, of whom `leavers_percent` stop each year; and retention:
  `fewer_leavers_points` fewer of today's places lost each year (percentage points), kept.
- residential_homes: `homes` more in-house homes of `beds_per_home` beds (Small Group Living:
  2), opening one every `stagger_months`, at `weekly_cost_per_bed` (priced at `prices`, default
  `from`; default: the in-house residential cost per bed).
- block_contract: `beds` reserved with an external provider for `category` (default the first
  external children's home category) at `weekly_price` (priced at `prices`, default `from`, and
  moved by the same yearly index as every price) or at `discount_percent` below the category's
  spot price (default market.block_discount_percent), paid whether filled or not; `local` beds
  are as near home as the council's own homes.
- price: the weekly price of `categories` changes by `change_percent` (regional commissioning);
  `far_percent_points` moves the share of those placements far from home.
- agency_cap: agency social workers at most `max_agency_percent` of the workforce;
  `converted_percent` of the agency posts cut become permanent posts (the rest stay vacant).
- parameter: any parameter (`parameter: costs/weekly/ifa`, or dotted) set to `value`, or
  changed by `change_percent`, from the date on, in the reform's copy of the parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .plans import Block, Homes, ParameterSet, Plan, months_since, ramp
from .supply import foster_places

EXTERNAL_HOMES = "role:residential+external"


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class _Change(StrictModel):
    start: dt.date = Field(alias="from")
    ramp_months: Annotated[int, Field(ge=0, le=240)] = 0
    note: str | None = None

    def named(self) -> list[tuple[str, str, bool]]:
        """(key, name, exits allowed) of every placement category the change names."""
        return []


class Entries(_Change):
    kind: Literal["entries"]
    change_percent: Annotated[float, Field(ge=-100, le=1000)]


def apply_entries(ch: Entries, p: Plan) -> None:
    p.entry *= 1 + ch.change_percent / 100.0 * ramp(p.ends, ch.start, ch.ramp_months)
    p.touched.add("entry")


class Hazard(_Change):
    kind: Literal["hazard"]
    from_categories: list[str] | Literal["any"] = "any"
    to: Annotated[list[str], Field(min_length=1)]
    factor: Annotated[float, Field(ge=0, le=100)]

    def named(self):
        src = [] if self.from_categories == "any" else [("from_categories", c, False) for c in self.from_categories]
        return src + [("to", c, True) for c in self.to]


def apply_hazard(ch: Hazard, p: Plan) -> None:
    cats, dests = list(p.categories.ids), p.destinations
    names = cats if ch.from_categories == "any" else ch.from_categories
    src = {cats.index(c) for n in names for c in _ids(p, n)}
    dst = {dests.index(d) for n in ch.to for d in _ids(p, n)}
    f = 1 + (ch.factor - 1) * ramp(p.ends, ch.start, ch.ramp_months)
    for i in src:
        for j in dst:
            p.hazard[:, i, j] *= f
    p.touched.add("hazard")


class KinshipFirst(_Change):
    kind: Literal["kinship_first"]
    share: Annotated[float, Field(ge=0, le=1)]


def apply_kinship_first(ch: KinshipFirst, p: Plan) -> None:
    p.keep_kin *= 1 - ch.share * ramp(p.ends, ch.start, ch.ramp_months)
    p.touched.add("kinship")


class FosterRecruitment(_Change):
    kind: Literal["foster_recruitment"]
    households_per_year: Annotated[float, Field(ge=0)] | None = None  # None: reforms.defaults
    places_per_household: Annotated[float, Field(gt=0, le=10)] = 1.0
    leavers_percent: Annotated[float, Field(ge=0, le=100)] = 0.0
    fewer_leavers_points: Annotated[float, Field(ge=0, le=100)] = 0.0


def apply_foster_recruitment(ch: FosterRecruitment, p: Plan) -> None:
    m = months_since(p.dates, ch.start)
    households = ch.households_per_year or 0.0  # a default is filled in before the plan (reforms.defaults)
    p.extra_foster_places += foster_places(0.0, m, households, ch.places_per_household, ch.leavers_percent)
    p.retained_share += ch.fewer_leavers_points / 100.0 * np.maximum(m, 0) / 12
    approved = households * np.maximum(m, 0) / 12
    p.recruited = approved if p.recruited is None else p.recruited + approved


class ResidentialHomes(_Change):
    kind: Literal["residential_homes"]
    homes: Annotated[int, Field(ge=0)]
    beds_per_home: Annotated[int, Field(ge=1, le=20)]
    stagger_months: Annotated[int, Field(ge=0, le=120)] = 0
    weekly_cost_per_bed: Annotated[float, Field(ge=0)] | None = None
    prices: dt.date | None = None  # the date weekly_cost_per_bed is priced at (default: `from`)
    label: str = "new in-house homes"


def apply_residential_homes(ch: ResidentialHomes, p: Plan) -> None:
    m = months_since(p.dates, ch.start)
    if ch.stagger_months:
        opened = np.clip(np.floor(m / ch.stagger_months) + 1, 0, ch.homes) * (m >= 0)
    else:
        opened = np.where(m >= 0, ch.homes, 0)
    p.homes.append(Homes(ch.label, ch.beds_per_home, opened.astype(float), ch.weekly_cost_per_bed,
                         ch.prices or ch.start))


class BlockContract(_Change):
    kind: Literal["block_contract"]
    beds: Annotated[int, Field(ge=0)]
    category: str = EXTERNAL_HOMES
    weekly_price: Annotated[float, Field(ge=0)] | None = None
    prices: dt.date | None = None  # the date weekly_price is priced at (default: `from`)
    discount_percent: Annotated[float, Field(ge=0, le=100)] | None = None
    local: bool = True

    @model_validator(mode="after")
    def _one_price(self):
        if self.weekly_price is not None and self.discount_percent is not None:
            raise ValueError("give the block's `weekly_price` or its `discount_percent` on the spot price, not both")
        return self

    def named(self):
        return [("category", self.category, False)]


def apply_block_contract(ch: BlockContract, p: Plan) -> None:
    beds = ch.beds * ramp(p.dates, ch.start, ch.ramp_months)
    p.blocks.append(Block(_ids(p, ch.category)[0], np.floor(beds), ch.weekly_price, ch.local, ch.prices or ch.start,
                          ch.discount_percent))


class Price(_Change):
    kind: Literal["price"]
    categories: Annotated[list[str], Field(min_length=1)]
    change_percent: Annotated[float, Field(ge=-100, le=1000)] = 0.0
    far_percent_points: Annotated[float, Field(ge=-100, le=100)] = 0.0

    def named(self):
        return [("categories", c, False) for c in self.categories]


def apply_price(ch: Price, p: Plan) -> None:
    f = ramp(p.dates, ch.start, ch.ramp_months)
    cats = list(p.categories.ids)
    for c in {c for n in ch.categories for c in _ids(p, n)}:
        p.price_factor[:, cats.index(c)] *= 1 + ch.change_percent / 100.0 * f
        p.far_points[:, cats.index(c)] += ch.far_percent_points * f


class AgencyCap(_Change):
    kind: Literal["agency_cap"]
    max_agency_percent: Annotated[float, Field(ge=0, le=100)]
    converted_percent: Annotated[float, Field(ge=0, le=100)] = 100.0


def apply_agency_cap(ch: AgencyCap, p: Plan) -> None:
    # the cap holds once its ramp (a notice period) is over; the tightest cap holds
    full = ramp(p.dates, ch.start, ch.ramp_months) >= 1
    p.agency_cap = np.where(full, np.fmin(p.agency_cap, ch.max_agency_percent), p.agency_cap)
    p.converted = np.where(full, ch.converted_percent, p.converted)


class SetParameter(_Change):
    kind: Literal["parameter"]
    parameter: str
    value: float | None = None
    change_percent: Annotated[float, Field(ge=-100, le=1000)] | None = None

    @field_validator("parameter")
    @classmethod
    def _dotted(cls, name: str) -> str:
        return name.strip().strip("/").replace("/", ".")

    @model_validator(mode="after")
    def _one_change(self):
        if (self.value is None) == (self.change_percent is None):
            raise ValueError("give the parameter's new `value` or its `change_percent`, not both")
        if self.ramp_months:
            raise ValueError("a parameter changes on its date: ramp_months must be 0")
        return self


def apply_parameter(ch: SetParameter, p: Plan) -> None:
    factor = None if ch.change_percent is None else 1 + ch.change_percent / 100.0
    p.parameters.append(ParameterSet(ch.parameter, ch.start, ch.value, factor, ch.note or ""))


class Kind(NamedTuple):
    model: type[_Change]
    apply: Callable[[_Change, Plan], None]


KINDS: dict[str, Kind] = {
    "entries": Kind(Entries, apply_entries),
    "hazard": Kind(Hazard, apply_hazard),
    "kinship_first": Kind(KinshipFirst, apply_kinship_first),
    "foster_recruitment": Kind(FosterRecruitment, apply_foster_recruitment),
    "residential_homes": Kind(ResidentialHomes, apply_residential_homes),
    "block_contract": Kind(BlockContract, apply_block_contract),
    "price": Kind(Price, apply_price),
    "agency_cap": Kind(AgencyCap, apply_agency_cap),
    "parameter": Kind(SetParameter, apply_parameter),
}


def _ids(p: Plan, name: str) -> tuple[str, ...]:
    """The categories (or the exit) a change names, in the plan's map (checked when loaded)."""
    return (name,) if name in p.destinations[len(p.categories.ids):] else p.categories.resolve(name)
