"""`sufficiency compare`: the baseline beside each reform (or reforms together), into the store,
a workbook and the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ..errors import SchemaError, SufficiencyError
from .schema import Reform, example_names, load_reform

MONEY = {"weekly_cost", "total_cost"}


def scenarios_from(args: list[str], categories=None) -> dict[str, list[Reform]]:
    """Scenario arguments: 'baseline', a reform file or shipped example name, or several joined
    with '+' to run together. Names come from the reforms' own names."""
    out: dict[str, list[Reform]] = {}
    for arg in args:
        if arg.strip().lower() == "baseline":
            continue
        reforms = [load_reform(part.strip(), categories) for part in arg.split("+") if part.strip()]
        if not reforms:
            raise SchemaError(f"scenario {arg!r} names no reform")
        name = " + ".join(r.name for r in reforms)
        if name in out or name == "baseline":
            raise SchemaError(f"two scenarios are both called {name!r}: give one of the reforms another name")
        out[name] = reforms
    return out


def fmt(value: float, measure: str) -> str:
    if pd.isna(value):
        return ""
    if measure in MONEY:
        return f"£{value / 1e6:,.1f}m" if abs(value) >= 1e6 else f"£{value:,.0f}"
    if measure.startswith("pct_"):
        return f"{value:.1f}%"
    return f"{value:,.0f}"


def signed(value: float, measure: str) -> str:
    """A change: +/- and the amount; percentages change by points."""
    text = fmt(abs(value), measure)
    if measure.startswith("pct_") and text:
        text = text.rstrip("%") + " pts"
    return ("+" if value > 0 else "-" if value < 0 else "±") + text if text else ""


def write_workbook(cmp, reforms: dict[str, list[Reform]], path: Path) -> Path:
    """Summary, yearly medians and ranges, run-by-run differences and the reforms' definitions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    m = cmp.measures.copy()
    m["date"] = pd.to_datetime(m["date"]).dt.date
    yearly = m[pd.to_datetime(m["date"]).map(lambda d: (d.month, d.day) == (3, 31))]
    wide = yearly.pivot_table(index=["scenario", "measure", "date"], columns="quantile", values="value").reset_index()
    wide.columns = [c if isinstance(c, str) else f"q{int(round(c * 100)):02d}" for c in wide.columns]
    defs = [{"scenario": name, "reform": r.name, "file": r.file, "description": r.description,
             "source": r.source.title if r.source else "", "changes": "; ".join(
                 f"{c.kind} from {c.start}" + (f" over {c.ramp_months} months" if c.ramp_months else "")
                 for c in r.changes)} for name, rs in reforms.items() for r in rs]
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame({"About": [
            "Reforms compared by sufficiency: every scenario simulated from one model fitted to the council's returns.",
            f"{cmp.params['runs']} runs each, seed {cmp.params['seed']}, {cmp.params['years']} years from "
            f"{cmp.params['as_of']}. Medians with 90% ranges (5% and 95% of the runs).",
            "Changes from the baseline are taken run by run before their ranges.",
            "Forecasts, not counts of real children: nothing here identifies a child.",
            *cmp.baseline.notes]}).to_excel(xl, sheet_name="README", index=False)
        cmp.summary().to_excel(xl, sheet_name="summary", index=False)
        wide.to_excel(xl, sheet_name="by_year", index=False)
        cmp.differences.to_excel(xl, sheet_name="changes", index=False)
        pd.DataFrame(defs, columns=["scenario", "reform", "file", "description", "source", "changes"]).to_excel(
            xl, sheet_name="reforms", index=False)
    return path


def compare_command(
    scenarios: Annotated[list[str], typer.Argument(
        help="'baseline', reform YAML files or shipped examples (" + ", ".join(example_names())
             + "); join with '+' to run reforms together.")],
    db: Annotated[Path, typer.Option(help="Store written by `sufficiency load`.")] = Path("la.duckdb"),
    years: Annotated[int, typer.Option(help="Years ahead.")] = 5,
    runs: Annotated[int, typer.Option(help="Monte Carlo runs per scenario.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed, the same for every scenario.")] = 1,
    parameters: Annotated[Path | None, typer.Option(
        help="Your own parameters (a YAML file or folder): places, homes, costs, workforce.")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="Also write the comparison to this workbook.")] = None,
) -> None:
    """Compare reforms with the baseline: children looked after, placements once in-house places
    are filled, the sufficiency gap, distance from home, cost and social workers (90% ranges)."""
    from rich.console import Console
    from rich.table import Table

    from ..parameters import load_parameters
    from ..store import StoreData
    from .compare import HEADLINE, compare

    err, out = Console(stderr=True), Console()
    try:
        params = load_parameters(parameters)
        data = StoreData.read(db, parameters=params)
        todo = scenarios_from(scenarios, data.categories)
        from ..progress import progress_bar

        with progress_bar(err, prefix="simulating ") as progress:
            cmp = compare(data, todo, years=years, runs=runs, seed=seed, parameters=params, progress=progress)
        cmp.write(db)
        if xlsx:
            write_workbook(cmp, todo, xlsx)
    except SufficiencyError as exc:
        err.print(f"[bold red]Error:[/] {exc}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None
    s = cmp.summary()
    t = Table(title=f"Scenarios after {years} years ({runs:,} runs each): median, and change from the baseline "
                    "with its 90% range")
    t.add_column("")
    names = list(dict.fromkeys(s["scenario"]))
    for n in names:
        t.add_column(n, justify="right")
    for key, label, _how in HEADLINE:
        rows = s[s["measure"] == key].set_index("scenario")
        if not len(rows):
            continue
        cells = []
        for n in names:
            r = rows.loc[n]
            cell = fmt(r["median"], key)
            if n != "baseline":
                cell += f"\n{signed(r['change'], key)} ({signed(r['change_lo90'], key)} to {signed(r['change_hi90'], key)})"
            cells.append(cell)
        t.add_row(label, *cells)
    out.print(t)
    for note in cmp.baseline.notes:
        err.print(f"[dim]{note}[/]", soft_wrap=True, highlight=False)
    out.print(f"Tables scenario_summary, scenario_measures, scenario_differences written to {db}"
              + (f"; workbook {xlsx}" if xlsx else "") + ". `sufficiency report` shows them.")
