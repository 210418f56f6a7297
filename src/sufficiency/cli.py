"""The `sufficiency` command: a thin face over the library.

Each command calls one library function and turns library errors into a sentence and an exit
code: 0 done, 1 the data has errors (validate), 2 the command could not run.
"""

from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from .errors import SufficiencyError
from .forecast.backtest import backtest_command
from .progress import progress_bar
from .reforms.command import compare_command

app = typer.Typer(
    help="See, forecast and plan the homes of children looked after, from SSDA903 returns.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()


class Format(StrEnum):
    text = "text"
    csv = "csv"
    json = "json"
    html = "html"


def _progress():
    """A Rich progress bar on stderr; yields a callback(step, done, total)."""
    return progress_bar(console)


def _entrants_line(model) -> str:
    """What the forecast assumes of entrants, in a sentence: the yearly rate at the start, the
    whole years it came from, and how much each group is expected to move."""
    years_seen = ", ".join(f"{y - 1}/{y % 100:02d}: {n:,}" for y, n in model.annual_entries.items())
    other, uasc = (r * 365.25 for r in model.entry_rates)
    parts = [f"Entrants: {other + uasc:,.0f} a year at the start (whole years: {years_seen or 'none'})"]
    factors = model.entry_factors(3)
    for name, level, rate, path in (("others", model.entry_level, other, factors[0]),
                                    ("UASC", model.uasc_level, uasc, factors[1])):
        if level is not None and rate > 0:
            third = rate * path[2]
            back = f", {third:,.0f} in the third year (towards the mean of its years)" if abs(third - rate) >= 0.5 else ""
            lasting = f" (about {level.mean_pull:.0%} of a move lasting into the next year)" if level.mean_pull < 0.995 else ""
            parts.append(f"{name} {rate:,.0f}{back}, moving by about {level.sd_walk:.0%} a year{lasting} and "
                         f"{level.sd_noise:.0%} more for one year")
    return "; ".join(parts) + "."


def _exits_line(model) -> str:
    """What the forecast assumes of exits before 18: their level against the window's hazards,
    and the years it came from (exits, and those the window's hazards expect)."""
    seen = ", ".join(f"{y - 1}/{y % 100:02d}: {o:,} of {e:,.0f}" for y, (o, e) in model.annual_exits.items())
    if model.exit_level is None:
        return "Exits before 18: at the window's hazards (no year to set their level on)."
    return (f"Exits before 18: at {model.exit_factor:.2f} times the window's hazards, the pace of recent years "
            f"(exits against those expected: {seen}).")


def _fail(exc: SufficiencyError) -> typer.Exit:
    console.print(f"[bold red]Error:[/] {exc}", soft_wrap=True, highlight=False)
    return typer.Exit(2)


def _years(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*", text)
    if not m:
        raise typer.BadParameter("give a year or a range of years, e.g. 2018-2025")
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    if last < first:
        raise typer.BadParameter(f"the range {text} runs backwards")
    return first, last


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="A folder or .zip of SSDA903 returns (CSV or XLSX).")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here.")] = None,
    la: Annotated[str | None, typer.Option(help="Council (name or ONS code); inferred if omitted.")] = None,
) -> None:
    """Check returns against the SSDA903 rules; exit 1 if there are errors."""
    from .pipeline import validate_path
    from .reference.authorities import find_authority

    try:
        la_code = find_authority(la).code if la else None
        with _progress() as progress:
            _returns, report = validate_path(path, la_code=la_code, progress=progress)
    except SufficiencyError as exc:
        raise _fail(exc) from None
    text = {"text": report.to_text, "csv": report.to_csv, "json": report.to_json,
            "html": report.to_html}[fmt.value]()
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(f"{len(report.errors)} errors, {len(report.warnings)} warnings: report in {output}")
    else:
        out.print(text, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def load(
    path: Annotated[Path, typer.Argument(help="A folder or .zip of SSDA903 returns (CSV or XLSX).")],
    db: Annotated[Path, typer.Option(help="DuckDB store to write.")] = Path("la.duckdb"),
    la: Annotated[str | None, typer.Option(help="Council (name or ONS code); inferred if omitted.")] = None,
) -> None:
    """Read, validate and clean returns into a DuckDB store for every later command."""
    from .pipeline import load as run_load
    from .reference.authorities import find_authority

    try:
        la_code = find_authority(la).code if la else None
        with _progress() as progress:
            result = run_load(path, db, la_code=la_code, progress=progress)
    except SufficiencyError as exc:
        raise _fail(exc) from None
    _print_load(result)


def _print_load(result) -> None:
    history, report = result.history, result.report
    table = Table(title=f"Loaded into {result.db}", show_header=True)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, frame in sorted(history.tables.items()):
        table.add_row(name, f"{len(frame):,}")
    console.print(table)
    summary = history.summary()
    if len(summary):
        log = Table(title="Cleaning log (rows changed or dropped, by rule)")
        for col in summary.columns:
            log.add_column(str(col))
        for row in summary.itertuples(index=False):
            log.add_row(*[str(v) for v in row])
        console.print(log)
    console.print(f"Validation: {len(report.errors)} errors, {len(report.warnings)} warnings "
                  f"(table validation_issues in {result.db}).")


@app.command()
def synth(
    la: Annotated[str, typer.Option(help="A real English council, by name or ONS code.")] = "Leeds",
    years: Annotated[str, typer.Option(help="Collection years by the 31 March they end, e.g. 2018-2025.")] = "2018-2025",
    seed: Annotated[int, typer.Option(help="Root random seed.")] = 1,
    output: Annotated[Path, typer.Option("--out", "-o", help="Folder to write returns to.")] = Path("returns"),
    params: Annotated[Path | None, typer.Option(help="YAML file overriding generator parameters.")] = None,
    children: Annotated[int | None, typer.Option(help="Override the children looked after on 31 March.")] = None,
) -> None:
    """Write realistic synthetic SSDA903 returns for a council (no real child data)."""
    first, last = _years(years)
    from .synth import synthesise

    try:
        with _progress() as progress:
            result = synthesise(la=la, first_year=first, last_year=last, seed=seed, out=output,
                                params_path=params, children=children, progress=progress)
    except SufficiencyError as exc:
        raise _fail(exc) from None
    console.print(f"Synthetic returns for {la}, {first}-{last}, seed {seed}: {result.out}")


# the plans the demo compares: shipped examples (src/sufficiency/reforms/examples)
DEMO_REFORMS = ["baseline", "family-help", "kinship-first", "foster-recruitment", "small-group-living",
                "regional-commissioning", "family-help+kinship-first+foster-recruitment"]


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo's files.")] = Path("demo-output"),
    la: Annotated[str, typer.Option(help="Council to imitate.")] = "Leeds",
    seed: Annotated[int, typer.Option(help="Root random seed.")] = 1,
) -> None:
    """Generate a synthetic council, load it, forecast it, backtest the forecast on its past years,
    compare example reforms, and write its report."""
    from .pipeline import load as run_load
    from .synth import synthesise

    output.mkdir(parents=True, exist_ok=True)
    returns_dir, db = output / "returns", output / "demo.duckdb"
    try:
        with _progress() as progress:
            synthesise(la=la, first_year=2018, last_year=2025, seed=seed, out=returns_dir,
                       progress=progress)
            result = run_load(returns_dir, db, progress=progress)
    except SufficiencyError as exc:
        raise _fail(exc) from None
    report_path = output / "validation.html"
    report_path.write_text(result.report.to_html(), encoding="utf-8")
    _print_load(result)
    from .report import write_report

    try:
        forecast(db=db, years=5, runs=1000, seed=seed, as_of=None, window=5, output=None)
        backtest_command(db=db, runs=300, window=5, min_history=3, horizon=None, seed=seed, output=None)
        compare_command(DEMO_REFORMS, db=db, years=5, runs=500, seed=seed, parameters=None,
                        xlsx=output / "reforms.xlsx")
        with console.status("Writing the report"):
            files = write_report(db, output / "report.html", xlsx=output / "tables.xlsx")
    except SufficiencyError as exc:
        raise _fail(exc) from None
    out.print(f"Synthetic returns: {returns_dir}\nStore: {db}\nValidation report: {report_path}\n"
              f"Tables: {files.xlsx}\nReforms compared: {output / 'reforms.xlsx'}\n"
              f"Report (open in a browser): {files.html.resolve()}")


@app.command()
def report(
    db: Annotated[Path, typer.Option(help="Store written by `sufficiency load`.")] = Path("la.duckdb"),
    output: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("report.html"),
    pdf: Annotated[Path | None, typer.Option(help="Also write the report as PDF here.")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="Also write every table to this workbook.")] = None,
    no_suppression: Annotated[bool, typer.Option(
        "--no-suppression", help="Show counts of 1-4 (for use inside the council only; marked not for publication).")] = False,
    child_population: Annotated[int | None, typer.Option(
        help="Children under 18 in the council, for the rate per 10,000 (default: DfE's figure).")] = None,
    params: Annotated[Path | None, typer.Option(help="Your own unit costs: a parameter file or folder.")] = None,
) -> None:
    """Write the report a scrutiny board reads: self-contained HTML, optional PDF and workbook."""
    from .parameters import load_parameters
    from .report import write_report

    try:
        parameters = load_parameters(params) if params else None
        with console.status("Writing the report"):
            files = write_report(db, output, pdf=pdf, xlsx=xlsx, suppression=not no_suppression,
                                 child_population=child_population, parameters=parameters)
    except SufficiencyError as exc:
        raise _fail(exc) from None
    for label, path in (("Report", files.html), ("PDF", files.pdf), ("Tables", files.xlsx)):
        if path:
            out.print(f"{label}: {path}")
    if no_suppression:
        console.print("Small numbers are shown: this report is not for publication.")


@app.command()
def indicators(
    db: Annotated[Path, typer.Option(help="Store written by `sufficiency load`.")] = Path("la.duckdb"),
    output: Annotated[Path, typer.Option("--out", "-o", help="CSV or XLSX file to write.")] = Path("indicators.csv"),
    no_suppression: Annotated[bool, typer.Option(
        "--no-suppression", help="Keep counts of 1-4 (for use inside the council only).")] = False,
    child_population: Annotated[int | None, typer.Option(help="Children under 18 in the council.")] = None,
) -> None:
    """Write every indicator, every year, as one tidy table (CSV or XLSX)."""
    from .indicators import compute_all
    from .report.suppress import MARK, suppress

    if output.suffix.lower() not in (".csv", ".xlsx"):
        raise _fail(SufficiencyError(f"{output}: give a .csv or .xlsx file name."))
    try:
        ind = compute_all(db, child_population=child_population)
    except SufficiencyError as exc:
        raise _fail(exc) from None
    frame = ind.frame
    if not no_suppression:
        frame = suppress(frame)
        for col in ("value", "numerator", "denominator"):
            frame[col] = frame[col].astype(object).where(~frame["suppressed"], MARK)
        frame = frame.drop(columns=["suppressed"])
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() == ".csv":
        frame.to_csv(output, index=False)
    else:
        frame.to_excel(output, index=False, engine="openpyxl")
    out.print(f"{len(frame):,} rows ({frame['indicator'].nunique()} indicators, {len(ind.years)} years): {output}")


@app.command()
def forecast(
    db: Annotated[Path, typer.Option(help="Store written by `sufficiency load`.")] = Path("la.duckdb"),
    years: Annotated[int, typer.Option(help="Years ahead.")] = 5,
    runs: Annotated[int, typer.Option(help="Monte Carlo runs.")] = 1000,
    seed: Annotated[int, typer.Option(help="Root random seed (recorded with the results).")] = 1,
    as_of: Annotated[str | None, typer.Option(help="Start date (default: the last 31 March loaded).")] = None,
    window: Annotated[float, typer.Option(
        help="Years of history the rates are estimated from (at most: as much as the returns cover).")] = 5,
    output: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Also write the results here: a .xlsx workbook (quantiles, flows, costs) or a CSV "
                            "of the quantiles.")] = None,
    entry_trend: Annotated[float, typer.Option(
        help="Change in children entering care each year from the start date, as a share: 0.03 for 3% more "
             "each year (default 0: the entry level estimated from the returns' whole years, with its "
             "seasonal pattern). "
             "Unaccompanied asylum-seeking children arrive as estimated.")] = 0.0,
) -> None:
    """Forecast children in care by placement and age, with 5-95% intervals, into the store."""

    import pandas as pd

    from .forecast import fit, simulate
    from .forecast.simulate import entry_trend as trend_levers
    from .parameters import load_parameters
    from .store import add_tables

    try:
        levers = trend_levers(12 * years, entry_trend) if entry_trend else None
        with console.status("Fitting the model"):
            model = fit(db, as_of=as_of, window_years=window)
        with console.status(f"Simulating {runs:,} futures"):
            fc = simulate(model, years=years, runs=runs, seed=seed, levers=levers)
        q = pd.concat([fc.quantiles(None).rename(columns={"total": "series"}).assign(breakdown="total"),
                       fc.quantiles("category").rename(columns={"category": "series"}).assign(breakdown="category"),
                       fc.quantiles("age_band").rename(columns={"age_band": "series"}).assign(breakdown="age_band")])
        tables = {"forecast_quantiles": q, "forecast_flows": fc.flows(), "forecast_costs": fc.costs(load_parameters())}
        meta = {"forecast": {"seed": seed, "runs": runs, "years": years, "window_years": round(model.window_years, 2),
                             "entry_trend_per_year": entry_trend,
                             "entrants_per_year": round(model.entry_rate * 365.25, 1),
                             "uasc_entrants_per_year": round(model.entry_rates[1] * 365.25, 1),
                             "entrants_third_year": round(float(np.array(model.entry_rates) @ model.entry_factors(3)[:, 2])
                                                          * 365.25, 1),
                             "exit_level": round(model.exit_factor, 3),
                             "as_of": str(pd.Timestamp(np.datetime64(int(model.as_of), "D")).date())}}
        add_tables(db, tables, meta)
    except SufficiencyError as exc:
        raise _fail(exc) from None
    total = q[(q["breakdown"] == "total") & (q["quantile"].isin([0.05, 0.5, 0.95]))]
    t = Table(title=f"Children in care on 31 March ({runs:,} runs; 5%, median, 95%)")
    for c in ("date", "5%", "median", "95%"):
        t.add_column(c, justify="right")
    for date, g in total.groupby("date"):
        v = g.set_index("quantile")["value"]
        t.add_row(str(pd.Timestamp(date).date()), f"{v[0.05]:,.0f}", f"{v[0.5]:,.0f}", f"{v[0.95]:,.0f}")
    console.print(t)
    out.print(_entrants_line(model))
    out.print(_exits_line(model))
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        if output.suffix.lower() == ".xlsx":
            with pd.ExcelWriter(output, engine="openpyxl") as xl:
                pd.DataFrame({"About": [
                    f"Forecast by sufficiency: {runs:,} simulated futures of {years} years from "
                    f"{meta['forecast']['as_of']}, seed {seed}, fitted on {meta['forecast']['window_years']} years "
                    "of the council's returns.",
                    "quantiles: children in care on each 31 March, in total, by placement and by age band "
                    "(5, 25, 50, 75 and 95% of the futures).",
                    "flows: children entering and leaving care (by route, and at 18) in each year ahead.",
                    "costs: weekly cost on each 31 March and cost over each year, from the dated unit costs.",
                    f"Entrants other than UASC change by {entry_trend:+.1%} a year (--entry-trend)." if entry_trend else
                    "Entrants at the level estimated from the returns' whole years (UASC apart), with its seasonal pattern.",
                    "Forecasts, not counts of real children: nothing here identifies a child."]}).to_excel(
                    xl, sheet_name="README", index=False)
                for name, frame in tables.items():
                    frame.to_excel(xl, sheet_name=name.removeprefix("forecast_"), index=False)
            out.print(f"Workbook: {output}")
        else:
            q.to_csv(output, index=False)
            out.print(f"Quantiles: {output}")
    out.print(f"Tables forecast_quantiles, forecast_flows, forecast_costs written to {db}")


# the backtest and compare commands live beside what they run
app.command("backtest")(backtest_command)
app.command("compare")(compare_command)


def main() -> None:
    """Console entry point: library errors are sentences; anything else is our bug, said so."""
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        console.print("Interrupted.")
        raise SystemExit(130) from None
    except Exception as exc:  # noqa: BLE001 - the last guard before a user sees a traceback
        console.print(
            f"[bold red]Internal error:[/] {type(exc).__name__}: {exc}\n"
            "This is a fault in sufficiency, not in your files. Please report it with the command "
            "you ran; set SUFFICIENCY_DEBUG=1 to see the traceback.", soft_wrap=True, highlight=False)
        if os.environ.get("SUFFICIENCY_DEBUG"):
            raise
        raise SystemExit(3) from None
