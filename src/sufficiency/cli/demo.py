"""The whole job in one command: `run` on a council's own returns (load, forecast, report) and
`demo` on a synthetic council (every step to the report), each step shown as its own command
shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import SEED, YEARS, guarded, out, progress
from .forecasts import RUNS, TREND, print_backtest, print_compare, print_forecast
from .returns import CATEGORIES, LA, RETURNS, print_load, print_report


@guarded
def run(
    path: Annotated[Path, typer.Argument(help=RETURNS)],
    db: Annotated[Path, typer.Option(help="DuckDB store to write.")] = Path("la.duckdb"),
    la: Annotated[str | None, typer.Option(help=LA)] = None,
    years: Annotated[int, typer.Option(help=YEARS)] = 5,
    runs: Annotated[int, typer.Option(help=RUNS)] = 1000,
    seed: Annotated[int, typer.Option(help=SEED)] = 1,
    entry_trend: Annotated[str, typer.Option(help=TREND)] = "0",
    report: Annotated[Path | None, typer.Option(
        help="Also write the report (HTML, counts of 1-4 hidden) to this file.")] = None,
    allow_incomplete: Annotated[bool, typer.Option(
        "--allow-incomplete", help="Go on when a year's Header or Episodes cannot be read.")] = False,
    categories: Annotated[Path | None, typer.Option(help=CATEGORIES)] = None,
) -> None:
    """Load returns, forecast them and (with --report) write the report: `load`, `forecast` and
    `report` in one command."""
    from .. import api

    options = api.RunOptions(path=path, db=db, la=la, years=years, runs=runs, seed=seed, entry_trend=entry_trend,
                             report=report, allow_incomplete=allow_incomplete, categories=categories)
    with progress() as bar:
        result = api.run(options, bar)
    print_load(result.loaded)
    print_forecast(result.forecast)
    if result.report:
        print_report(result.report)


@guarded
def demo(
    output: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo's files.")] = Path("demo-output"),
    la: Annotated[str, typer.Option(help="Council to imitate.")] = "Leeds",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same council and figures.")] = 1,
    region: Annotated[str | None, typer.Option(help="A region with a shipped agreement (e.g. \"Greater Manchester\"): "
                                                    "every member council generated, shared, imported, forecast "
                                                    "and reported as a region.")] = None,
) -> None:
    """Generate a synthetic council, load it, forecast it, backtest the forecast on its past years,
    compare example reforms, and write its report (with --region: a region of synthetic councils)."""
    from .. import api

    if region is not None:
        _region_demo(region, output, seed)
        return

    with progress() as bar:
        result = api.demo(api.DemoOptions(out=output, la=la, seed=seed), bar)
    print_load(result.loaded)
    print_forecast(result.forecast)
    print_backtest(result.backtest)
    print_compare(result.compare)
    out.print(f"Synthetic returns: {result.returns}\nStore: {result.db}\nValidation report: {result.validation}\n"
              f"Tables: {result.report.xlsx}\nReforms compared: {result.compare.out}\n"
              f"Board paper: {result.board.html.resolve()}\n"
              f"Report (open in a browser): {result.report.html.resolve()}")


def _region_demo(region: str, output: Path, seed: int) -> None:
    from ..api.region_demo import RegionDemoOptions, region_demo

    options = RegionDemoOptions(region=region, out=output, seed=seed)
    with progress() as bar:
        result = region_demo(options, bar)
    out.print(f"{len(result.councils)} synthetic councils of {region} ({options.years[0]}-{options.years[1]} returns, "
              f"{options.runs:,} runs {options.horizon} years ahead; fewer than a council's demo)\n"
              f"Shares: {result.shares[0].parent}\nRegional store: {result.db}\n"
              f"Regional report (open in a browser): {result.report.html.resolve()}")
