"""What a reform costs to do, as data: capital, set-up, staff, allowances, contracts, each with a
start date, a ramp and a price date, all moved onto the year's prices by the index that moves the
placement prices of the same kind (parameters.uplift: children's homes, fostering, other).

    costs:
      - item: Buy and refurbish the homes
        type: capital
        parameter: reform_costs.childrens_home_capital   # or amount: 950000 with a source or note
        every: once
        per: homes                                        # once for each home the reform opens
        from: 2025-10-01

`every`: once (paid on `from`, or when each home opens or household is approved), year or week
(paid from `from`, reaching full rate over `ramp_months`, until `until`). `count` multiplies the
amount (posts, conferences a year); `per` ties it to what the reform does instead: `homes` (the
homes it opens), `households` (the foster households it recruits), or `children:<category or
role>` (each child the scenario places there, run by run: an allowance per child a week).
An `amount` needs a `source` or a `note` saying it is assumed; a `parameter` carries its own.
`index` names the prices it moves with (residential, fostering or other); by default those of
what it is counted in: homes residential, households fostering, children the categories' own,
anything else other. `social_work_posts: true` on a staff cost counts its `count` of posts
(ramped as it is paid) among the social workers the comparison reports.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from ..parameters import Parameters
from ..parameters.uplift import GROUPS, factor
from ..vocab import year_of
from .kinds import StrictModel
from .plans import months_since, ramp

TYPES = ("capital", "setup", "staff", "allowance", "contract", "other")


class CostSource(StrictModel):
    title: str
    href: str | None = None


class Cost(StrictModel):
    item: str
    type: Literal["capital", "setup", "staff", "allowance", "contract", "other"]
    amount: Annotated[float, Field(ge=0)] | None = None
    parameter: str | None = None
    every: Literal["once", "year", "week"] = "once"
    count: Annotated[float, Field(ge=0)] = 1.0
    per: str | None = None
    start: dt.date = Field(alias="from")
    until: dt.date | None = None
    ramp_months: Annotated[int, Field(ge=0, le=240)] = 0
    prices: dt.date | None = None  # the date the amount is priced at (default: its `from`)
    index: Literal["residential", "fostering", "other"] | None = None  # the prices it moves with
    social_work_posts: bool = False  # its count is social work posts (a staff cost)
    source: CostSource | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_price(self):
        if (self.amount is None) == (self.parameter is None):
            raise ValueError("give the cost's `amount` or the `parameter` it is priced by, not both")
        if self.amount is not None and self.source is None and not self.note:
            raise ValueError("an amount needs a `source` (title, href) or a `note` saying it is assumed")
        if self.per and self.per not in ("homes", "households") and not self.per.startswith("children:"):
            raise ValueError("per is homes, households or children:<category or role>")
        if self.social_work_posts and self.type != "staff":
            raise ValueError("only a staff cost has social_work_posts")
        return self

    @property
    def parameter_name(self) -> str | None:
        return None if self.parameter is None else self.parameter.strip().strip("/").replace("/", ".")


def index(params: Parameters, priced: dt.date, paid, group: str = "other") -> np.ndarray:
    """The factor that moves a price of `priced` to the prices of each date in `paid`: `group`'s
    yearly uplift for every financial year between them (the rule `Parameters.weekly_cost`
    follows)."""
    start = year_of(priced)
    return np.array([factor(params, group, start, year_of(d)) for d in _days(paid)], dtype=float)


def group(cost: Cost, categories, params: Parameters) -> str:
    """The price group a cost moves with: its `index`, else that of what it is counted in."""
    if cost.index:
        return cost.index
    if cost.per in ("homes", "households"):
        return GROUPS[0] if cost.per == "homes" else GROUPS[1]
    if cost.per and cost.per.startswith("children:"):
        ids = categories.resolve(cost.per.split(":", 1)[1])
        return params.group_of(ids[0]) if ids else GROUPS[2]
    return GROUPS[2]


def _days(paid) -> list[dt.date]:
    return [d.date() if hasattr(d, "date") else d for d in
            (np.asarray(paid, dtype="datetime64[D]").astype(object).tolist())]


def price(cost: Cost, params: Parameters) -> tuple[float, dt.date, str]:
    """(amount, the date it is priced at, where it comes from)."""
    if cost.amount is not None:
        where = cost.source.title if cost.source else f"assumption: {cost.note}"
        return cost.amount, cost.prices or cost.start, where
    found = params.at(cost.parameter_name, cost.prices or cost.start)
    where = found.reference.title if found.reference else f"assumption: {found.note}"
    return found.value, cost.prices or found.start, f"{cost.parameter_name} ({where})"


def spend(cost: Cost, params: Parameters, dates: np.ndarray, units: dict[str, np.ndarray],
          placed: np.ndarray | None = None, group: str = "other") -> np.ndarray:
    """GBP paid for `cost` in each interval between the month ends `dates` (at the year's
    prices), (runs, intervals) or (1, intervals). `units`: the reform's own homes open and
    households recruited on each date; `placed`: children by category (runs, dates, ids) with
    the category indices for `children:` in units['children:...']; `group`: the prices it moves
    with."""
    amount, priced, _ = price(cost, params)
    ends = np.asarray(dates, dtype="datetime64[D]")[1:]
    gap = np.diff(np.asarray(dates, dtype="datetime64[D]")).astype(float)
    rate = amount * index(params, priced, ends, group) * cost.count
    live = ramp(dates, cost.start, cost.ramp_months)[1:]
    if cost.until is not None:
        live = live * (months_since(dates, cost.until)[1:] < 0)
    if cost.per and cost.per.startswith("children:"):
        children = placed[:, 1:, units[cost.per]].sum(axis=2)
        per_unit = children
    elif cost.per:
        per_unit = np.asarray(units[cost.per], dtype=float)[None, 1:]
    else:
        per_unit = None
    if cost.every == "once":
        if per_unit is None:
            first = np.zeros(len(ends))
            after = months_since(dates, cost.start)
            hit = np.flatnonzero((after[1:] >= 0) & (after[:-1] < 0))
            if len(hit):
                first[hit[0]] = 1.0
            return (rate * first)[None, :]
        opened = np.diff(np.asarray(units[cost.per], dtype=float))  # opened (or approved) in each interval
        return (rate * np.maximum(opened, 0.0))[None, :]
    share = gap / (7.0 if cost.every == "week" else 365.25)
    out = (rate * share * live)[None, :]
    return out * per_unit if per_unit is not None else out
