"""The capacity plan from a store: demand from the forecast's runs (a council's store: its own
forecast, run here; a regional store: the regional forecast's combined runs, each council a
site), the plan solved, its answers written into the store (tables plan_*) and, if asked, a page
with the picture and the tables."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import StoreError
from .options import Options
from .returns import Progress


class PlanCommandOptions(Options):
    """db: the store; options: the plan's YAML options file (sufficiency.plan.options); out: a
    page (.html) with the picture and the tables, a workbook (.xlsx), or None."""

    db: Path
    options: Path
    out: Path | None = None


@dataclass
class PlanResult:
    """A plan: the outcome (sufficiency.plan.Outcome), the tables written, sentences for a
    board, the picture (SVG) and the page written."""

    db: Path
    outcome: object
    tables: dict[str, pd.DataFrame]
    notes: list[str]
    svg: str = ""
    out: Path | None = None
    meta: dict = field(default_factory=dict)


def plan(options: PlanCommandOptions, progress: Progress | None = None) -> PlanResult:
    """Plan homes, foster carers and block beds against the forecast (see sufficiency.plan)."""
    from ..parameters import load_parameters
    from ..plan.demand import council_tables, plan_inputs
    from ..plan.options import read_options
    from ..plan.picture import plan_html, plan_svg
    from ..plan.regional import is_regional, region_tables
    from ..plan.run import solve_plan
    from ..store import add_tables

    def step(name, done):
        if progress:
            progress(name, done, 4)

    o = read_options(options.options)
    params = load_parameters(_beside(options.options, o.parameters))
    if not Path(options.db).exists():
        raise StoreError(f"{options.db} does not exist: give a council's store (`sufficiency load`) or a region's "
                         "(`sufficiency region add`).")
    regional = is_regional(options.db)
    step(f"reading {o.scenarios} runs of the regional forecast" if regional else f"forecasting {o.scenarios} scenarios", 0)
    got = (region_tables if regional else council_tables)(options.db, o, params)
    inputs = plan_inputs(got["demand"], got["supply"], got["councils"], o, params, got["categories"], got["start"])
    if regional:
        inputs = dataclasses.replace(inputs, inside=got["inside"], spot_inside=got["spot_inside"])
    step("solving the plan", 1)
    outcome = solve_plan(inputs, time_limit=o.solver.time_limit, gap=o.solver.gap)
    step("writing the results", 2)
    notes = plan_notes(outcome, inputs)
    tables = result_tables(outcome, got["demand"], got["councils"])
    meta = {"plan": {"options": o.model_dump(mode="json"), "status": outcome.status, "gap": outcome.gap,
                     "seconds": round(outcome.seconds, 2), "start": got["start"].isoformat(),
                     "region": regional}}
    svg = plan_svg(got["councils"], outcome.decisions) if outcome.feasible else ""
    if options.out:
        _write_page(options.out, svg, tables, notes, plan_html)
    add_tables(options.db, tables, meta, stage="plan", returns=got["returns"],
               command=f"sufficiency plan --options {options.options}")
    step("done", 4)
    return PlanResult(Path(options.db), outcome, tables, notes, svg, options.out, meta)


def _write_page(out: Path, svg: str, tables: dict, notes: list[str], plan_html) -> None:
    """A page (.html: notes, picture, tables) or a workbook (.xlsx: notes, then a sheet a table)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    shown = {k: v for k, v in tables.items()  # the plan's decisions even when it adds nothing (headers only)
             if k not in ("plan_demand", "plan_councils") and (len(v) or k == "plan_decisions")}
    if out.suffix.lower() == ".xlsx":
        with pd.ExcelWriter(out, engine="openpyxl") as xl:
            pd.DataFrame({"About": notes}).to_excel(xl, sheet_name="README", index=False)
            for name, frame in shown.items():
                frame.to_excel(xl, sheet_name=name.removeprefix("plan_")[:31], index=False)
        return
    out.write_text(plan_html("Capacity plan", svg, shown, notes), encoding="utf-8")


def _beside(options_file: Path, parameters: str | None) -> Path | None:
    """A parameters path given in the options file, read relative to that file."""
    if parameters is None:
        return None
    p = Path(parameters)
    return p if p.is_absolute() else Path(options_file).parent / p


def result_tables(outcome, demand: pd.DataFrame, councils: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The tables written into the store (plan_councils: the sites and where they are, for the
    picture)."""
    if not outcome.feasible:
        return {"plan_slack": outcome.slack, "plan_demand": demand, "plan_councils": councils}
    return {"plan_decisions": outcome.decisions, "plan_summary": outcome.summary(), "plan_costs": outcome.costs,
            "plan_placed": outcome.placed, "plan_shadow_prices": outcome.shadow, "plan_binding": outcome.binding,
            "plan_binding_rows": outcome.binding_counts, "plan_demand": demand, "plan_councils": councils}


def _cost(value: float) -> str:
    return "no placements that meet the share near home" if np.isnan(value) else f"{value:,.0f}"


def plan_notes(outcome, inputs) -> list[str]:
    """What a board reads first, a sentence each."""
    if not outcome.feasible:
        from ..plan.answers import no_plan_note

        return [no_plan_note(outcome.slack)]
    s = outcome.summary().set_index("policy")
    placed = outcome.placed
    near = placed["near"].sum() / max(placed["children"].sum(), 1e-9)
    unmet = placed.groupby("scenario")["bought"].sum() / len(inputs.years)
    from ..plan.answers import gap_note

    notes = [gap_note(outcome.status, outcome.gap, outcome.seconds),
             f"Expected cost over {len(inputs.years)} years (discounted): GBP {s.loc['plan', 'expected']:,.0f} "
             f"(90% range {s.loc['plan', 'low']:,.0f} to {s.loc['plan', 'high']:,.0f}), against "
             f"{_cost(s.loc['no plan', 'expected'])} with no plan and {_cost(s.loc['simple rule', 'expected'])} "
             "opening where today's gap is largest.",
             f"{100 * near:.0f}% of children placed within {inputs.prices.near_miles:g} miles of home"
             + (f", {100 * placed['inside'].sum() / max(placed['children'].sum(), 1e-9):.0f}% inside the region."
                if "inside" in placed else "."),
             f"Children in bought places (in-house need unmet), a year: {np.median(unmet):.1f} "
             f"(90% range {np.quantile(unmet, 0.05):.1f} to {np.quantile(unmet, 0.95):.1f})."]
    if not len(outcome.decisions):
        notes.append("The plan adds nothing: no home, carer or block bed saves more than it costs.")
    return notes
