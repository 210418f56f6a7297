"""Price inflation by kind of placement: one index per group of placement categories, so every
price of one kind (spot, block, in-house, capital) moves together and comparisons stay on one
basis.

    price_group(category)            # "residential", "fostering" or "other", by the category's roles
    rate(params, "fostering", 2026)  # percent a year in force in the financial year to 31 March 2026
    factor(params, "fostering", 2024, 2026)   # what moves a 2023-24 price to 2025-26

A category with the residential role is on costs.uplift.residential, one with the foster role on
costs.uplift.fostering, every other on costs.uplift.other (each the S251 series' growth, see the
parameter files). A council that gives costs.annual_uplift in its own parameters puts every price
on that one rate instead.
"""

from __future__ import annotations

import datetime as dt

from .categories import Category

UPLIFT = "costs.annual_uplift"  # one rate for every price: only a council's own parameters hold it
GROUP = "costs.uplift."  # costs.uplift.<group>
GROUPS = ("residential", "fostering", "other")


def price_group(category: Category) -> str:
    """The index a category's prices move by, from its roles (never its id)."""
    if "residential" in category.roles:
        return "residential"
    return "fostering" if "foster" in category.roles else "other"


def name_of(params, group: str) -> str:
    """The parameter that moves `group`'s prices: the council's one rate when it gives one."""
    if group not in GROUPS:
        raise KeyError(f"unknown price group {group!r}; one of {', '.join(GROUPS)}")
    return UPLIFT if UPLIFT in params else GROUP + group


def rate(params, group: str, year: int) -> float:
    """Percent a year in force on 1 October of the financial year ending 31 March `year` (the
    first dated rate for a year before it)."""
    param = params.get(name_of(params, group))
    found = param.at(dt.date(year - 1, 10, 1)) or param.values[0]
    return found.value


def factor(params, group: str, start: int, end: int) -> float:
    """What moves a price of the financial year ending 31 March `start` to that ending `end`:
    each year's rate in turn (divided out going back)."""
    out = 1.0
    for y in range(start + 1, end + 1):
        out *= 1 + rate(params, group, y) / 100.0
    for y in range(end + 1, start + 1):
        out /= 1 + rate(params, group, y) / 100.0
    return out


def rates(params, day) -> dict[str, float]:
    """Each group's rate in force on `day` (percent a year), by group."""
    return {g: rate(params, g, day.year + (1 if day.month > 3 else 0)) for g in GROUPS}


def text(uplift: dict[str, float]) -> str:
    """The inflation assumed, in words: each group's rate, or the one rate of every price."""
    if not uplift:
        return ""
    values = set(uplift.values())
    if len(values) == 1:
        return f"{values.pop():g}% a year for every price"
    words = {"residential": "children's homes", "fostering": "fostering", "other": "other placements and costs"}
    return ", ".join(f"{words.get(g, g)} {v:g}%" for g, v in uplift.items()) + " a year"
