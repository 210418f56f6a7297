"""Commands that forecast from a loaded store: forecast, backtest and compare."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import SEED, YEARS, err, guarded, out, progress, table

DB = "Store written by `sufficiency load`."
RUNS = "Simulation runs (more runs give steadier ranges and take longer)."
TREND = ("Change in children entering care each year from the start date: 3% (or 0.03) for 3% more each year, "
         "at most 50% either way (default 0: the level estimated from the returns' whole years, with its "
         "seasonal pattern). Unaccompanied asylum-seeking children arrive as estimated.")


@guarded
def forecast(
    db: Annotated[Path, typer.Option(help=DB)] = Path("la.duckdb"),
    years: Annotated[int, typer.Option(help=YEARS)] = 5,
    runs: Annotated[int, typer.Option(help=RUNS)] = 1000,
    seed: Annotated[int, typer.Option(help=SEED)] = 1,
    as_of: Annotated[str | None, typer.Option(
        help="Start date, e.g. 2024-03-31 or 31/03/2024, between the first and the last 31 March loaded "
             "(default: the last).")] = None,
    window: Annotated[float, typer.Option(
        help="Years of history the rates are estimated from (at most: as much as the returns cover).")] = 5,
    output: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Also write the results here: a .xlsx workbook (quantiles, flows, costs) or a CSV "
                            "of the quantiles.")] = None,
    entry_trend: Annotated[str, typer.Option(
        help=TREND)] = "0",
) -> None:
    """Forecast children in care by placement and age, with 5-95% ranges, into the store."""
    from .. import api

    options = api.ForecastOptions(db=db, years=years, runs=runs, seed=seed, as_of=as_of, window=window,
                                  out=output, entry_trend=entry_trend)
    with progress() as bar:
        result = api.forecast(options, bar)
    print_forecast(result)


def print_forecast(result) -> None:
    """The total's range on each 31 March, the assumptions, and where the results went."""
    runs = result.meta["forecast"]["runs"]
    totals = result.totals.rename(columns={"low": "5%", "high": "95%"})
    totals["date"] = totals["date"].astype(str)
    err.print(table(totals, f"Children in care on 31 March ({runs:,} runs; 5%, median, 95%)",
                    dict.fromkeys(("5%", "median", "95%"), ",.0f"), left=0))
    for sentence in result.assumptions:
        out.print(sentence)
    if result.out:
        out.print(f"{'Workbook' if result.out.suffix.lower() == '.xlsx' else 'Quantiles'}: {result.out}")
    out.print(f"Tables forecast_quantiles, forecast_flows, forecast_costs written to {result.db}")


@guarded
def backtest(
    db: Annotated[Path, typer.Option(help=DB)] = Path("la.duckdb"),
    runs: Annotated[int, typer.Option(help="Simulation runs at each 31 March forecast from.")] = 500,
    window: Annotated[float, typer.Option(help="Years of history (at most) the model is fitted on each time.")] = 5,
    min_history: Annotated[int, typer.Option(help="Years of returns needed before a 31 March to forecast from it.")] = 3,
    horizon: Annotated[list[int] | None, typer.Option(
        "--horizon", help="Years ahead to score (repeat the option); default 1, 2 and 3.")] = None,
    seed: Annotated[int, typer.Option(help=SEED)] = 1,
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Also write every result row to this CSV.")] = None,
) -> None:
    """Fit on the past at each 31 March, forecast 1-3 years and compare with what happened,
    beside naive baselines (no change, linear trend, trend with shares); results into the store
    (backtest_results, backtest_summary)."""
    from .. import api

    options = api.BacktestOptions(db=db, runs=runs, window=window, min_history=min_history, seed=seed,
                                  out=output, **({"horizons": tuple(horizon)} if horizon else {}))
    with progress() as bar:
        result = api.backtest(options, bar)
    print_backtest(result)


LABELS = {"model": "model", "model_mean": "mean", "last_value": "no change", "linear_trend": "trend",
          "trend_shares": "shares", "coverage_50": "in 50%", "coverage_90": "in 90%"}


def print_backtest(result) -> None:
    """The error of the total and the ranges' hits by years ahead, then the error by category."""
    first, last = result.origins[0], result.origins[-1]
    origins = f"31 March {first}" if first == last else f"31 March {first}-{last}"
    for frame, title in (
            (result.headline, f"Error of the total (mean absolute %) forecasting from {origins}, "
                              "and how often the model's 50% and 90% ranges held what happened (%)"),
            (result.by_category, "Error by placement category (sum of absolute errors / sum of what happened, %)")):
        shown = frame.rename(columns=LABELS).rename_axis("years ahead").reset_index()
        shown["years ahead"] = shown["years ahead"].astype(str)
        out.print(table(shown, title, dict.fromkeys(shown.columns[1:], ".1f")))
    if result.out:
        out.print(f"Results: {result.out}")
    out.print(f"Tables backtest_results and backtest_summary written to {result.db}")


def _scenarios_help() -> str:
    """The shipped example reforms, listed without importing the library."""
    examples = Path(__file__).parent.parent / "reforms" / "examples"
    names = ", ".join(sorted(p.stem for p in examples.glob("*.yaml")))
    return f"'baseline', reform YAML files or shipped examples ({names}); join with '+' to run reforms together."


@guarded
def compare(
    scenarios: Annotated[list[str], typer.Argument(help=_scenarios_help())],
    db: Annotated[Path, typer.Option(help=DB)] = Path("la.duckdb"),
    years: Annotated[int, typer.Option(help=YEARS)] = 5,
    runs: Annotated[int, typer.Option(help="Simulation runs for each scenario.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed, the same for every scenario.")] = 1,
    params: Annotated[Path | None, typer.Option(
        help="Your own parameters (a YAML file or folder): places, homes, costs, workforce.")] = None,
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Also write the comparison to this "
                                                                    "workbook (.xlsx).")] = None,
) -> None:
    """Compare reforms with the baseline: children looked after, placements once in-house places
    are filled, the sufficiency gap, distance from home, cost and social workers (90% ranges)."""
    from .. import api

    options = api.CompareOptions(scenarios=tuple(scenarios), db=db, years=years, runs=runs, seed=seed,
                                 params=params, out=output)
    with progress() as bar:
        result = api.compare(options, bar)
    print_compare(result)


def print_compare(result) -> None:
    """The headline table, the notes on the baseline, and where the results went."""
    params = result.comparison.params
    out.print(table(result.table.rename(columns={"measure": ""}),
                    f"Scenarios after {params['years']} years ({params['runs']:,} runs each): median, and change "
                    "from the baseline with its 90% range"))
    for note in result.notes:
        err.print(f"[dim]{note}[/]", soft_wrap=True, highlight=False)
    out.print(f"Tables scenario_summary, scenario_measures, scenario_differences written to {result.db}"
              + (f"; workbook {result.out}" if result.out else "") + ". `sufficiency report` shows them.")
