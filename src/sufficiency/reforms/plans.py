"""What reforms do month by month: the Plan every reform kind writes into, and the calendar
helpers they share (months since a start, a straight-line ramp to full effect).

A change reaches full effect `ramp_months` after its `from` date, growing in a straight line;
several changes of one kind combine: factors multiply, kinship shares combine as independent
chances (1 - (1 - a)(1 - b)), places and homes add, the tightest agency cap holds, and
parameter changes apply in the order written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..forecast.simulate import Levers
from ..forecast.states import DAY0, EXITS
from ..parameters import PlacementCategories

DAYS_PER_MONTH = 365.25 / 12


def as_dates(days: np.ndarray) -> np.ndarray:
    return (DAY0 + np.asarray(days).astype("timedelta64[D]")).astype("datetime64[D]")


def months_since(dates: np.ndarray, start: dt.date) -> np.ndarray:
    """Calendar months from `start` to each date (negative before it): whole months, plus the
    days beyond the start's day of the month as a fraction of an average month."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    month = dates.astype("datetime64[M]")
    whole = (month - np.datetime64(start, "M")).astype(float)
    day = (dates - month.astype("datetime64[D]")).astype(float)  # 0 on the 1st
    return whole + (day - (start.day - 1)) / DAYS_PER_MONTH


def ramp(dates: np.ndarray, start: dt.date, ramp_months: int) -> np.ndarray:
    """Share of full effect on each date: 0 before `start`, rising in a straight line to 1
    over `ramp_months` (at once when 0)."""
    m = months_since(dates, start)
    if ramp_months <= 0:
        return (m >= 0).astype(float)
    return np.clip(m / ramp_months, 0.0, 1.0) * (m >= 0)


@dataclass
class Homes:
    label: str
    beds: int
    homes: np.ndarray  # (dates,)
    weekly_cost_per_bed: float | None  # None: the in-house residential unit cost
    priced: dt.date | None = None  # the date weekly_cost_per_bed is priced at


@dataclass
class Block:
    category: str
    beds: np.ndarray  # (dates,)
    weekly_price: float | None  # None: the spot price less `discount` percent
    local: bool
    priced: dt.date | None = None  # the date weekly_price is priced at
    discount: float | None = None  # percent below the spot price (None: market.block_discount_percent)


@dataclass(frozen=True)
class ParameterSet:
    """A parameter set from a date by a reform: to `value`, or scaled by `factor`."""

    name: str  # dotted
    start: dt.date
    value: float | None
    factor: float | None
    note: str
    source: str = ""  # the reform's file (or name)


@dataclass
class Plan:
    """What the reforms do, on the model's month ends (`dates`, stock dates 0..months): the
    levers on the children's flows (by month) and the supply and prices (by date)."""

    dates: np.ndarray  # datetime64[D], months + 1
    categories: PlacementCategories
    entry: np.ndarray  # (months,) factor on entries
    hazard: np.ndarray  # (months, categories, destinations) factor on each move and exit
    keep_kin: np.ndarray  # (months,) share of new foster placements not sent to kinship care
    extra_foster_places: np.ndarray  # (dates,)
    retained_share: np.ndarray  # (dates,): today's places kept by retention, as a share
    price_factor: np.ndarray  # (dates, categories)
    far_points: np.ndarray  # (dates, categories): percentage points
    agency_cap: np.ndarray  # (dates,) percent, NaN: none
    converted: np.ndarray  # (dates,) percent
    homes: list[Homes] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    parameters: list[ParameterSet] = field(default_factory=list)
    recruited: np.ndarray | None = None  # (dates,) foster households approved since the start, gross of leavers
    touched: set[str] = field(default_factory=set)  # the lever kinds some change moved
    reforms: list = field(default_factory=list)

    @classmethod
    def empty(cls, dates: np.ndarray, categories: PlacementCategories) -> Plan:
        """The plan that changes nothing."""
        months, n = len(dates) - 1, len(categories.ids)
        return cls(dates, categories, np.ones(months), np.ones((months, n, n + len(EXITS))), np.ones(months),
                   np.zeros(len(dates)), np.zeros(len(dates)), np.ones((len(dates), n)), np.zeros((len(dates), n)),
                   np.full(len(dates), np.nan), np.full(len(dates), 100.0))

    @property
    def ends(self) -> np.ndarray:
        """The month ends (a month's levers are those in force at its end)."""
        return self.dates[1:]

    @property
    def destinations(self) -> list[str]:
        return [*self.categories.ids, *EXITS]

    @property
    def levers(self) -> Levers:
        return Levers(entry=self.entry if "entry" in self.touched else None,
                      hazard=self.hazard if "hazard" in self.touched else None,
                      kinship=1 - self.keep_kin if "kinship" in self.touched else None,
                      foster=self.categories.select("foster", without=("kinship",)),
                      kin=self.categories.first("kinship"))

    @property
    def is_baseline(self) -> bool:
        return not self.reforms
