"""Assumptions in the open: every figure a comparison's money rests on, whether it is the
council's own (its parameters, its workforce census) or a default (England's published figure
or an assumption), its value on the origin and the option or parameter that replaces it.

    assumptions(params, categories, plans, origin)   # parameter, value, unit, basis, source, override
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from ..parameters import Parameters, load_parameters
from ..parameters.uplift import UPLIFT
from .census import CASES, DERIVED

ALWAYS = ("costs.annual_uplift", "costs.uplift.residential", "costs.uplift.fostering", "costs.uplift.other",
          "finance.discount_rate", "finance.general_inflation",
          "placements.must_live_alone_share", "placements.new_placements_per_child",
          "placements.settled_moves_percent", "capacity.inhouse_residential.beds_per_home",
          "workforce.vacancy_rate", "workforce.agency_rate", "workforce.caseload",
          "workforce.cost.permanent_fte", "workforce.cost.agency_fte")
BY_DATA = {  # council-only parameters taken from the returns when the council gives none
    "capacity.inhouse_foster.places": "the children in in-house foster care on the origin",
    "capacity.inhouse_residential.homes": "enough homes for the children in them on the origin",
    "workforce.fte": "England's social workers per child looked after",
    CASES: "the children looked after times England's cases per child",
}
FIGURES = {  # what each council-only figure is, in words
    "capacity.inhouse_foster.places": "In-house foster places",
    "capacity.inhouse_residential.homes": "In-house children's homes",
    **DERIVED,
}
OVERRIDE = "--params FILE with {name}"


@cache
def _builtin() -> Parameters:
    return load_parameters()


def _basis(params: Parameters, name: str, origin) -> tuple[float, str, str]:
    """(value in force on the origin, basis, source) of one parameter."""
    param = params.get(name)
    found = param.at(origin) or param.values[0]
    source = found.reference.title if found.reference else ""
    note = found.note or ""
    builtin = _builtin()
    if param.file == "workforce census":
        basis = "the council's own (workforce census)"
    elif name in builtin and builtin.get(name) == param:
        assumed = not found.reference or note.lower().startswith(("assumption", "derived"))
        basis = "default: assumption" if assumed else "default: England's published figure"
    else:
        basis = f"the council's own ({param.file})"
    return found.value, basis, source or note


def _figure(params: Parameters, name: str) -> str:
    """A parameter in words: its description's first sentence."""
    text = (params.get(name).description or name).strip()
    return text.split(". ")[0].rstrip(".")


def names_used(params: Parameters, categories, plans: dict, defaults=()) -> list[str]:
    """The parameters a comparison's money reads: every category's price, the indices, the
    discount rate, the workforce, the placement rules, every parameter a reform prices by and
    the `defaults` a reform's size rests on (reforms.defaults)."""
    names = [f"costs.weekly.{c}" for c in categories.ids if f"costs.weekly.{c}" in params]
    names += [n for n in defaults if n in params]
    names += [n for n in ALWAYS if n in params and not (n.startswith("costs.uplift.") and UPLIFT in params)]
    for p in plans.values():
        if any(b.weekly_price is None and b.discount is None for b in p.blocks):
            names.append("market.block_discount_percent")
        for reform in p.reforms:
            names += [c.parameter_name for c in reform.costs if c.parameter_name]
    return list(dict.fromkeys(names))


def assumptions(params: Parameters, categories, plans: dict, origin, defaults=()) -> pd.DataFrame:
    """One row per figure the comparison rests on: parameter, value, unit, basis, source,
    override. Costs a reform file prices itself are listed with the file to edit."""
    origin = pd.Timestamp(origin).date()
    rows = []
    for name in names_used(params, categories, plans, defaults):
        v, basis, source = _basis(params, name, origin)
        rows.append({"parameter": name, "figure": _figure(params, name), "value": v, "unit": params.get(name).unit,
                     "basis": basis, "source": source, "override": OVERRIDE.format(name=name)})
    for name, how in BY_DATA.items():
        if name in params:
            v, basis, source = _basis(params, name, origin)
            if basis.startswith("the council's own"):
                rows.append({"parameter": name, "figure": FIGURES[name], "value": v, "unit": params.get(name).unit,
                             "basis": basis, "source": source, "override": OVERRIDE.format(name=name)})
        else:
            rows.append({"parameter": name, "figure": FIGURES[name], "value": float("nan"), "unit": "",
                         "basis": "from the returns", "source": how, "override": OVERRIDE.format(name=name)})
    for p in plans.values():
        for reform in p.reforms:
            for i, c in enumerate(reform.costs):
                if c.amount is not None:
                    rows.append({"parameter": f"{reform.name}: {c.item}", "figure": f"{reform.name}: {c.item}",
                                 "value": c.amount, "unit": "gbp",
                                 "basis": "the reform's own" + (" (assumption)" if c.source is None else ""),
                                 "source": c.source.title if c.source else (c.note or ""),
                                 "override": f"{reform.file}: costs[{i}].amount"})
    cols = ["parameter", "figure", "value", "unit", "basis", "source", "override"]
    return pd.DataFrame(rows, columns=cols).drop_duplicates(subset=["parameter"]).reset_index(drop=True)
