"""The published figures a synthetic council is calibrated to: the council's own where the DfE
publishes them, England's where it does not.

Every target the synthesiser reads comes through `target()`, from one shipped table,
`synth/data/council_targets.csv` (cut from the DfE's LA-level open data by
`scripts/build_synth_targets.py`; columns area (the council's DfE three-digit number, or
"england"), year, measure, numerator, denominator, value). Measures: cla, starts, ceased,
pct_3plus_placements, pct_3plus_placements_2_years, pct_long_term_stability,
care_leavers_17_18/19_21, pct_suitable_/pct_unsuitable_/pct_no_information_17_18/19_21,
new_placements, pct_new_inside_near/inside_far/outside_near/outside_far/not_known,
pct_status_change_only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

ENGLAND = "england"


@dataclass(frozen=True)
class Target:
    value: float
    year: int
    area: str  # the council's DfE number, or "england"

    @property
    def own(self) -> bool:
        """Whether this is the council's own published figure (not England's)."""
        return self.area != ENGLAND


@cache
def _table() -> dict[tuple[str, str], pd.Series]:
    """(area, measure) -> value by year."""
    with resources.files(__package__).joinpath("data", "council_targets.csv").open("rb") as fh:
        frame = pd.read_csv(fh, dtype={"area": str, "measure": str})
    return {key: g.set_index("year")["value"].astype(float).sort_index()
            for key, g in frame.groupby(["area", "measure"])}


def target(area: str, measure: str, year: int | None = None, *, england: bool = True) -> Target | None:
    """The published `measure` for council `area` (DfE number) in collection `year`: the
    council's figure that year, else its nearest published year's (the later of two equally
    near), else England's the same way (unless `england` is False); None if none is published.
    `year` None: the latest published."""
    for where in (area, ENGLAND) if england else (area,):
        by_year = _table().get((where, measure))
        if by_year is None or not len(by_year):
            continue
        years = by_year.index.to_numpy()
        pick = int(years.max()) if year is None else int(min(years, key=lambda y: (abs(y - year), -y)))
        return Target(float(by_year[pick]), pick, where)
    return None


def mean_target(area: str, measure: str, years: range, *, england: bool = True) -> Target | None:
    """The mean of the council's published `measure` over `years` (those published), else
    `target()` for the last of them; `year` of the result is the last year averaged."""
    by_year = _table().get((area, measure))
    if by_year is not None:
        inside = by_year[(by_year.index >= years.start) & (by_year.index < years.stop)]
        if len(inside):
            return Target(float(inside.mean()), int(inside.index.max()), area)
    return target(area, measure, years.stop - 1, england=england)


def published_years(area: str, measure: str) -> list[int]:
    """Years in which the council itself publishes `measure`."""
    by_year = _table().get((area, measure))
    return [] if by_year is None else [int(y) for y in by_year.index]


def leaver_rates(area: str, year: int) -> dict[str, tuple[float, float]]:
    """Care leavers by age group ("17-18", "19-21"): (share with no information, share of the
    others in suitable accommodation), from the published suitability of `year` (the DfE's
    denominator, "Suitability total", includes those with no information)."""
    out = {}
    for group in ("17_18", "19_21"):
        none = target(area, f"pct_no_information_{group}", year)
        suitable = target(area, f"pct_suitable_{group}", year)
        no_info = none.value / 100 if none else 0.0
        share = suitable.value / 100 / max(1 - no_info, 1e-9) if suitable else 1.0
        out[group.replace("_", "-")] = (no_info, float(min(share, 1.0)))
    return out


def location_aim(area: str, years: range) -> tuple[float, float] | None:
    """(share of new placements with a known location placed outside the council, share of
    those more than 20 miles from home), from the published location of new placements
    averaged over `years`; None where it is not published."""
    parts = {k: mean_target(area, f"pct_new_{k}", years) for k in ("outside_near", "outside_far", "not_known")}
    if parts["outside_near"] is None or parts["outside_far"] is None:
        return None
    unknown = parts["not_known"].value if parts["not_known"] else 0.0
    outside = parts["outside_near"].value + parts["outside_far"].value
    known = max(100.0 - unknown, 1e-9)
    return outside / known, parts["outside_far"].value / max(outside, 1e-9)
