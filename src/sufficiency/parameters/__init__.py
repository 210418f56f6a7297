"""Parameters as dated data with sources, and the placement categories they are keyed by.

    params = load_parameters()                 # built-in tree; load_parameters(path) overrides it
    params.value("costs.weekly.ifa", "2024-09-30")
    params.weekly_cost("ifa", 2025)            # year ending 31 March 2025
    params.group_of("ifa")                     # "fostering": the index its prices move by
    params.unit_costs(range(2021, 2031))       # a table with sources, estimated years flagged
    cats = PlacementCategories.load()
    params.with_categories(cats)               # costs.weekly.<id> for every category of a council's map
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import SchemaError
from ..vocab import year_of
from .categories import Category, PlacementCategories
from .tree import DatedValue, Parameter, Reference, as_date, check_value, read_overrides, read_tree
from .uplift import UPLIFT, factor, price_group

__all__ = ["Parameters", "Parameter", "PlacementCategories", "Category", "load_parameters"]

# Parameters only a council can give (no national value makes sense); when absent they are
# taken from the council's own data (e.g. in-house places = children placed in-house today).
COUNCIL_ONLY = {
    "capacity.inhouse_foster.places": ("count", "In-house foster places (approved households x children each)."),
    "capacity.inhouse_residential.homes": ("count", "The council's own children's homes."),
    "workforce.fte": ("fte", "Children and family social worker posts (FTE), filled or vacant."),
    UPLIFT: ("percent", "One yearly rise for every price, replacing the rates by kind of placement (costs.uplift.*)."),
}

OWN_COSTS = "costs.weekly."  # the weekly cost of a placement category: costs.weekly.<id>


@dataclass(frozen=True)
class Parameters:
    """Every parameter by dotted name, each with its dated values and sources; `groups`: the
    price group (parameters.uplift) of each category of the council's map."""

    items: dict[str, Parameter]
    groups: dict[str, str] = field(default_factory=dict)

    def __contains__(self, name: str) -> bool:
        return name in self.items

    def get(self, name: str) -> Parameter:
        try:
            return self.items[name]
        except KeyError:
            close = difflib.get_close_matches(name, self.items, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise SchemaError(f"unknown parameter {name!r}{hint}") from None

    def at(self, name: str, date: dt.date | str) -> DatedValue:
        found = self.get(name).at(as_date(date))
        if found is None:
            first = self.items[name].values[0].start
            raise SchemaError(f"parameter {name} has no value before {first.isoformat()} (asked for {date})")
        return found

    def value(self, name: str, date: dt.date | str) -> float:
        """The value of `name` in force on `date`."""
        return self.at(name, date).value

    def set_from(self, name: str, start: dt.date | str, *, value: float | None = None, factor: float | None = None,
                 note: str) -> Parameters:
        """A copy in which `name` is `value` from `start` on (later dated values dropped), or
        every value in force from `start` on is multiplied by `factor`; these parameters are
        not changed. `note` says where the change came from."""
        param, start = self.get(name), as_date(start)
        if value is not None:
            later = [DatedValue(start, float(value), None, note)]
        else:  # a weekly cost in force is its dated value raised by the uplift since
            current = (self._weekly(name[len(OWN_COSTS):], year_of(start))[0] if name.startswith(OWN_COSTS)
                       else (param.at(start) or param.values[0]).value)
            later = [DatedValue(start, current * factor, None, note)]
            later += [replace(v, value=v.value * factor, note=note) for v in param.values if v.start > start]
        for v in later:
            check_value(v.value, param.unit, f"{note}: {name} from {v.start.isoformat()}")
        values = tuple(v for v in param.values if v.start < start) + tuple(later)
        return replace(self, items={**self.items, name: replace(param, values=values)})

    def weekly_cost(self, category: str, year: int) -> float:
        """GBP per child per week in the financial year ending 31 March `year` (the value in force
        on 1 October of that year), raised by its group's yearly uplift (`group_of`) for each whole
        year since the value in force was dated (so a dated value stands until the next, uplifted
        while it is the latest for more than a year) and lowered by it for each year before the
        first."""
        return float(self._weekly(category, int(year))[0])

    def group_of(self, category: str) -> str:
        """The price group of a category (residential, fostering or other), by its roles in the
        council's map (`with_categories`), else in the built-in map; other for one in neither."""
        if category in self.groups:
            return self.groups[category]
        cats = PlacementCategories.load()
        return price_group(cats.get(category)) if category in cats.ids else "other"

    def _weekly(self, category: str, year: int) -> tuple[float, DatedValue, bool]:
        name = f"{OWN_COSTS}{category}"
        if name not in self.items:
            raise SchemaError(f"placement category {category!r} has no weekly cost: add {name} to your parameters, "
                              "or give the category `cost:` in your placement categories, naming one of "
                              f"{', '.join(k for k in sorted(self.items) if k.startswith(OWN_COSTS))}")
        mid = dt.date(year - 1, 10, 1)
        first = self.get(name).values[0]
        group = self.group_of(category)
        if mid < first.start:  # before the first dated value: taken back by the yearly uplift
            years = first.start.year - mid.year + (1 if first.start.month > mid.month else 0)
            return first.value * factor(self, group, year + years, year), first, True
        base = self.at(name, mid)
        years = (mid - dt.date(base.start.year, 10, 1)).days // 365
        if years >= 1:  # whole years since the value in force was dated: raised by the uplift
            return base.value * factor(self, group, year - years, year), base, True
        return base.value, base, False

    def with_categories(self, categories: PlacementCategories) -> Parameters:
        """These parameters with a weekly cost, costs.weekly.<id>, for every category of
        `categories`: a category whose `cost` names another parameter takes a copy of it (a
        category with neither has none, and `weekly_cost` says how to give it one)."""
        items = dict(self.items)
        for c in categories.categories:
            name = f"costs.weekly.{c.id}"
            if c.cost_parameter != name and c.cost_parameter in items:
                items[name] = replace(items[c.cost_parameter], name=name)
        return Parameters(items, {**self.groups, **{c.id: price_group(c) for c in categories.categories}})

    def unit_costs(self, years, categories=None) -> pd.DataFrame:
        """Weekly cost per category and year, with the source of each figure and whether it was
        estimated by the yearly uplift."""
        if categories is None:
            categories = PlacementCategories.load().ids
        rows = []
        for cat in categories:
            for year in years:
                weekly, dated, estimated = self._weekly(cat, int(year))
                ref = dated.reference.title if dated.reference else (dated.note or "")
                rows.append({"category": cat, "year": int(year), "weekly": round(weekly, 2),
                             "source": ref, "estimated": estimated})
        return pd.DataFrame(rows)


@functools.cache
def _built_in() -> dict[str, Parameter]:
    """The built-in tree, read once a process (its parameters are frozen; callers copy the dict)."""
    return read_tree(resources.files("sufficiency.parameters") / "data")


def load_parameters(overrides: str | Path | None = None, categories: PlacementCategories | None = None) -> Parameters:
    """The built-in parameters, with a council's overrides (a folder or one YAML file) on top.
    An override must name a parameter that exists and have the same unit, except the
    council-only ones (COUNCIL_ONLY) and, given the council's map of placement `categories`,
    the weekly costs of its own categories (costs.weekly.<id>); the result then has a weekly
    cost for every category of the map (`Parameters.with_categories`)."""
    items = dict(_built_in())
    own = {f"{OWN_COSTS}{c}": ("gbp_per_child_week", "") for c in (categories.ids if categories else ())}
    new_allowed = {**COUNCIL_ONLY, **own}
    if overrides is not None:
        for name, param in read_overrides(Path(overrides)).items():
            if name not in items and name not in new_allowed:
                close = difflib.get_close_matches(name, items, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise SchemaError(f"{param.file}: unknown parameter {name!r}{hint}")
            unit = items[name].unit if name in items else new_allowed[name][0]
            if param.unit != unit:
                raise SchemaError(f"{param.file}: {name}.unit is {param.unit!r} but the parameter is in {unit!r}")
            items[name] = param
    params = Parameters(items)
    return params.with_categories(categories) if categories is not None else params


__all__ += ["DatedValue", "Reference"]
