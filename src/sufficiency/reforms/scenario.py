"""From reforms to a plan month by month: each change written into one Plan by its kind's
`apply` (kinds.KINDS), and the reform's own copy of the parameters.

    p = plan(reforms, categories, days)       # the levers, supply, prices and parameter changes
    params_s = reformed(params, p)            # the baseline's parameters are never changed
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import SchemaError
from ..parameters import Parameters, PlacementCategories
from .kinds import KINDS
from .plans import Plan, as_dates, months_since, ramp  # noqa: F401 - the calendar helpers, re-exported
from .schema import Reform


def plan(reforms: list[Reform], categories: PlacementCategories, days: np.ndarray) -> Plan:
    """The plan of `reforms` on the month ends `days` (day numbers, the forecast's dates), for
    the council's map of placement categories."""
    p = Plan.empty(as_dates(days), categories)
    p.reforms = list(reforms)
    for reform in reforms:
        done = len(p.parameters)
        for ch in reform.changes:
            KINDS[ch.kind].apply(ch, p)
        p.parameters[done:] = [replace(s, source=reform.file or reform.name) for s in p.parameters[done:]]
    return p


def reformed(params: Parameters, p: Plan) -> Parameters:
    """A copy of `params` with the plan's parameter changes, in the order written; a name the
    parameters do not have is an error naming the reform's file."""
    out = params
    for s in p.parameters:
        try:
            out = out.set_from(s.name, s.start, value=s.value, factor=s.factor, note=s.note or f"reform {s.source}")
        except SchemaError as exc:
            raise SchemaError(f"{s.source}: {exc}") from None
    return out
