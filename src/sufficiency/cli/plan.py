"""The `plan` command: where and when to open homes, recruit foster carers and buy block beds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import guarded, out, progress, table


@guarded
def plan(
    db: Annotated[Path, typer.Option(help="Store written by `sufficiency load` (a council's or a region's).")]
    = Path("la.duckdb"),
    options: Annotated[Path, typer.Option(help="The plan's options (YAML): years, scenarios, home sizes, "
                                               "limits, budget, distance, risk, solver.")] = Path("plan.yaml"),
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Also write a page (.html) with the plan's "
                                                                    "picture and tables, or a workbook (.xlsx).")] = None,
) -> None:
    """Plan new homes, foster carers and block beds by council and year against the forecast's
    runs, at the least expected discounted cost; into the store (tables plan_*)."""
    from .. import api
    from ..api.planning import PlanCommandOptions

    with progress() as bar:
        result = api.plan(PlanCommandOptions(db=db, options=options, out=output), bar)
    outcome = result.outcome
    if outcome.feasible and len(outcome.decisions):
        out.print(table(outcome.decisions.drop(columns="council"), "The plan",
                        {"places": ",.1f", "capital": ",.0f"}, left=2))
    elif not outcome.feasible:
        from ..plan.answers import slack_summary

        out.print(table(slack_summary(outcome.slack), "Limits that must give, by kind",
                        {"total": ",.2f", "by": ",.2f"}, left=1))
    for note in result.notes:
        out.print(note, soft_wrap=True, highlight=False)
    out.print(f"Tables {', '.join(result.tables)} written to {result.db}"
              + (f"; and {result.out}" if result.out else "") + ".")
