"""Capacity-constrained sufficiency: the places a council has, filled by the children who need them.

Children needing foster care with strangers (in-house or agency) fill the council's in-house
foster places first; the rest go to independent fostering agencies. Children needing a
children's home fill in-house beds first, the rest go to external homes (block-contracted beds
before spot purchases). A child who must live alone takes a whole home: in a 4-bed home that
blocks 3 beds, whose children must be placed elsewhere (Leeds: an extra GBP 13,500 a week at
GBP 4,500 a bed; in a 2-bed home, GBP 4,500). Homes are filled smallest first by children who
must live alone, so small homes spare beds.

Every function works on arrays of any shape (runs x dates), so the allocation is done for
every run of a forecast at once; the sufficiency gap is capacity minus need (negative: a
shortfall of in-house places).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def blocked_beds(beds_per_home: int, children_alone: int = 1) -> int:
    """Beds left empty when each of `children_alone` children lives alone in a home of
    `beds_per_home` beds."""
    if beds_per_home < 1 or children_alone < 0:
        raise ValueError("a home has at least one bed and the number of children is not negative")
    return children_alone * (beds_per_home - 1)


def block_cost(beds_per_home: int, weekly_price_per_bed: float, children_alone: int = 1) -> float:
    """Weekly cost of the beds blocked by children living alone, bought again elsewhere."""
    return blocked_beds(beds_per_home, children_alone) * float(weekly_price_per_bed)


@dataclass(frozen=True)
class HomeType:
    """In-house children's homes of one size: `homes` (array over dates, or a number) of `beds` beds."""

    label: str
    beds: int
    homes: np.ndarray | float
    weekly_cost_per_bed: float | np.ndarray


@dataclass
class ResidentialAllocation:
    inhouse: np.ndarray  # children in in-house homes
    external: np.ndarray  # children who need a home and are placed outside
    blocked: np.ndarray  # beds left empty by children living alone
    beds: np.ndarray  # in-house beds open
    homes_alone: np.ndarray  # homes taken by a child living alone


def allocate_residential(need, alone, types: list[HomeType]) -> ResidentialAllocation:
    """Place `need` children (of whom `alone` must live alone) in in-house homes.

    Children living alone take the smallest homes first, one home each; the others fill the
    beds of the homes left; whoever does not fit is placed externally."""
    need = np.asarray(need, dtype=float)
    alone = np.minimum(np.asarray(alone, dtype=float), need)
    others = need - alone
    alone_left = alone.copy()
    free_beds = np.zeros_like(need)
    blocked = np.zeros_like(need)
    beds = np.zeros_like(need)
    taken = np.zeros_like(need)
    for t in sorted(types, key=lambda t: t.beds):
        homes = np.broadcast_to(np.asarray(t.homes, dtype=float), need.shape)
        solo = np.minimum(alone_left, homes)
        alone_left = alone_left - solo
        taken = taken + solo
        blocked = blocked + solo * (t.beds - 1)
        free_beds = free_beds + (homes - solo) * t.beds
        beds = beds + homes * t.beds
    placed_others = np.minimum(others, free_beds)
    inhouse = taken + placed_others
    return ResidentialAllocation(inhouse, need - inhouse, blocked, beds, taken)


def allocate(need, capacity):
    """In-house places filled first: (in-house, overflow, gap = capacity - need)."""
    need = np.asarray(need, dtype=float)
    capacity = np.broadcast_to(np.asarray(capacity, dtype=float), need.shape)
    inhouse = np.minimum(need, capacity)
    return inhouse, need - inhouse, capacity - need


def foster_places(base, months_from_start, households_per_year: float, places_per_household: float = 1.0,
                  leavers_percent: float = 0.0):
    """In-house foster places after recruitment: `base` plus the places of households recruited
    at `households_per_year` (spread evenly over each month since the start), each household
    leaving at `leavers_percent` a year. `months_from_start`: array of months since the
    recruitment began (negative or zero: not yet)."""
    m = np.maximum(np.asarray(months_from_start, dtype=float), 0.0)
    per_month = households_per_year / 12.0
    if leavers_percent <= 0:
        households = per_month * m
    else:
        q = (1 - leavers_percent / 100.0) ** (1 / 12)  # share of households still there a month on
        households = per_month * (1 - q**m) / (1 - q)
    return np.asarray(base, dtype=float) + households * places_per_household
