"""Defaults a reform rests on when it does not give its own size, each from a sourced parameter
scaled to the council, resolved before the plan is made so every measure and cost reads one
figure, and said in words beside the results.

    reforms, notes, used = with_defaults(reforms, params, foster_now, day)

A foster recruitment change without `households_per_year` recruits the Independent Review's
ambition for England (reforms.foster_households_england: 9,000 more foster carers over three
years) times the council's share of England's children in foster care: its own children in
foster care on the origin (every category with the foster role, kinship too, as the DfE counts
them) over England's (children looked after on 31 March times the share in foster placements,
the shipped published figures for the latest year to the origin's).
"""

from __future__ import annotations

import datetime as dt

from ..errors import SchemaError
from ..parameters import Parameters
from ..reference.benchmarks import england
from .kinds import FosterRecruitment
from .schema import Reform

ENGLAND_HOUSEHOLDS = "reforms.foster_households_england"


def england_in_foster_care(year: int) -> tuple[float, int]:
    """(England's children in foster care on 31 March, the year): the latest published year to
    `year` that has both children looked after and the share in foster placements (else the
    first after it)."""
    e = england()
    cla = e[e["indicator"] == "cla_31_march"].set_index("year")["value"]
    share = e[e["indicator"] == "pct_placed_foster"].set_index("year")["value"]
    years = sorted(set(cla.index) & set(share.index))
    if not years:
        raise SchemaError("the shipped England figures have no children in foster care (cla_31_march, pct_placed_foster)")
    before = [y for y in years if y <= year]
    y = before[-1] if before else years[0]
    return float(cla[y] * share[y] / 100.0), int(y)


def foster_households(params: Parameters, foster_now: float, day: dt.date) -> tuple[float, str]:
    """(new foster households a year, the sentence saying what it rests on) for a council with
    `foster_now` children in foster care on `day`."""
    per_year = params.at(ENGLAND_HOUSEHOLDS, max(day, params.get(ENGLAND_HOUSEHOLDS).values[0].start)).value
    england_now, year = england_in_foster_care(day.year + (1 if day.month > 3 else 0))
    share = foster_now / england_now
    households = per_year * share
    return households, (f"{households:.1f} new foster households a year: the Independent Review's {per_year:,.0f} a "
                        f"year for England ({ENGLAND_HOUSEHOLDS}; 9,000 more foster carers over three years) times "
                        f"the council's {100 * share:.2f}% share of England's children in foster care ({foster_now:,.0f} "
                        f"on {day:%d %B %Y} of {england_now:,.0f} on 31 March {year}); set households_per_year in the "
                        "reform for your own plan")


def with_defaults(reforms: list[Reform], params: Parameters, foster_now: float,
                  day: dt.date) -> tuple[list[Reform], list[str], list[str]]:
    """The reforms with each default filled in, a note per reform that rests on one, and the
    parameters used."""
    out, notes, used = [], [], []
    for r in reforms:
        if not any(isinstance(ch, FosterRecruitment) and ch.households_per_year is None for ch in r.changes):
            out.append(r)
            continue
        households, why = foster_households(params, foster_now, day)
        changes = [ch.model_copy(update={"households_per_year": households})
                   if isinstance(ch, FosterRecruitment) and ch.households_per_year is None else ch for ch in r.changes]
        out.append(r.model_copy(update={"changes": changes}))
        notes.append(f"{r.name} rests on a default: {why}.")
        used.append(ENGLAND_HOUSEHOLDS)
    return out, notes, list(dict.fromkeys(used))
