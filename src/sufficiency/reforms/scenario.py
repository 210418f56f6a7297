"""From reforms to a plan month by month: the levers on the model's flows (entries, hazards,
kinship share) and the supply (in-house places, homes, block beds, prices, distance, agency cap).

A change reaches full effect `ramp_months` after its `from` date, growing in a straight line;
several changes of one kind combine: factors multiply, kinship shares combine as independent
chances (1 - (1 - a)(1 - b)), places and homes add, the tightest agency cap holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..forecast.simulate import Levers
from ..forecast.states import DAY0
from .schema import (
    AgencyCap,
    BlockContract,
    Entries,
    FosterRecruitment,
    Hazard,
    KinshipFirst,
    Price,
    Reform,
    ResidentialHomes,
)
from .supply import foster_places

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


@dataclass
class Block:
    category: str
    beds: np.ndarray  # (dates,)
    weekly_price: float
    local: bool


@dataclass
class Plan:
    """What the reforms do, on the model's month ends (`dates`, stock dates 0..months)."""

    dates: np.ndarray  # datetime64[D], months + 1
    levers: Levers
    extra_foster_places: np.ndarray  # (dates,)
    retained_share: np.ndarray | None = None  # (dates,): today's places kept by retention, as a share
    homes: list[Homes] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    price_factor: np.ndarray | None = None  # (dates, categories)
    far_points: np.ndarray | None = None  # (dates, categories): percentage points
    agency_cap: np.ndarray | None = None  # (dates,) percent, NaN: none
    converted: np.ndarray | None = None  # (dates,) percent
    reforms: list[Reform] = field(default_factory=list)

    @property
    def is_baseline(self) -> bool:
        return not self.reforms


def plan(reforms: list[Reform], categories: tuple[str, ...], days: np.ndarray) -> Plan:
    """The plan of `reforms` on the month ends `days` (day numbers, the forecast's dates)."""
    dates = as_dates(days)
    months = len(dates) - 1
    ends = dates[1:]  # a month's levers are those in force at its end
    cats = list(categories)
    dests = [*cats, "home", "special_guardianship", "adoption", "other"]
    n_cat, n_dest = len(cats), len(dests)
    entry = np.ones(months)
    hazard = np.ones((months, n_cat, n_dest))
    keep_kin = np.ones(months)
    extra = np.zeros(len(dates))
    retained = np.zeros(len(dates))
    price = np.ones((len(dates), n_cat))
    far = np.zeros((len(dates), n_cat))
    cap = np.full(len(dates), np.nan)
    conv = np.full(len(dates), 100.0)
    homes, blocks = [], []
    touched = set()
    for reform in reforms:
        for ch in reform.changes:
            touched.add(type(ch).__name__)
            if isinstance(ch, Entries):
                entry *= 1 + ch.change_percent / 100.0 * ramp(ends, ch.start, ch.ramp_months)
            elif isinstance(ch, Hazard):
                src = list(range(n_cat)) if ch.from_categories == "any" else [cats.index(c) for c in ch.from_categories]
                dst = [dests.index(d) for d in ch.to]
                f = 1 + (ch.factor - 1) * ramp(ends, ch.start, ch.ramp_months)
                for i in src:
                    for j in dst:
                        hazard[:, i, j] *= f
            elif isinstance(ch, KinshipFirst):
                keep_kin *= 1 - ch.share * ramp(ends, ch.start, ch.ramp_months)
            elif isinstance(ch, FosterRecruitment):
                extra += foster_places(0.0, months_since(dates, ch.start), ch.households_per_year,
                                       ch.places_per_household, ch.leavers_percent)
                retained += ch.fewer_leavers_points / 100.0 * np.maximum(months_since(dates, ch.start), 0) / 12
            elif isinstance(ch, ResidentialHomes):
                m = months_since(dates, ch.start)
                if ch.stagger_months:
                    opened = np.clip(np.floor(m / ch.stagger_months) + 1, 0, ch.homes) * (m >= 0)
                else:
                    opened = np.where(m >= 0, ch.homes, 0)
                homes.append(Homes(ch.label, ch.beds_per_home, opened.astype(float), ch.weekly_cost_per_bed))
            elif isinstance(ch, BlockContract):
                beds = ch.beds * ramp(dates, ch.start, ch.ramp_months)
                blocks.append(Block(ch.category, np.floor(beds), ch.weekly_price, ch.local))
            elif isinstance(ch, Price):
                f = ramp(dates, ch.start, ch.ramp_months)
                for c in ch.categories:
                    price[:, cats.index(c)] *= 1 + ch.change_percent / 100.0 * f
                    far[:, cats.index(c)] += ch.far_percent_points * f
            elif isinstance(ch, AgencyCap):
                # the cap holds once its ramp (a notice period) is over; the tightest cap holds
                full = ramp(dates, ch.start, ch.ramp_months) >= 1
                cap = np.where(full, np.fmin(cap, ch.max_agency_percent), cap)
                conv = np.where(full, ch.converted_percent, conv)
    kin = 1 - keep_kin
    levers = Levers(entry=None if "Entries" not in touched else entry,
                    hazard=None if "Hazard" not in touched else hazard,
                    kinship=None if "KinshipFirst" not in touched else kin)
    return Plan(dates, levers, extra, retained, homes, blocks, price, far, cap, conv, list(reforms))
