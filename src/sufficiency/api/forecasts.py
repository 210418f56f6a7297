"""Forecasts from a loaded store: forecast, backtest and compare. Each writes its tables into
the store (`sufficiency.store.add_tables`) after any file it was asked for, and returns what a
face shows; none prints or exits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import OptionError, SchemaError, StoreError
from .options import BacktestOptions, CompareOptions, ForecastOptions
from .returns import Progress

if TYPE_CHECKING:
    import duckdb

    from ..forecast.backtest import Backtest
    from ..reforms.compare import Comparison


def _steps(progress: Progress | None, total: int):
    """A callback(step) that reports each step in turn as done of `total`."""
    done = iter(range(total + 1))

    def step(name: str) -> None:
        n = next(done)
        if progress:
            progress(name, n, total)

    return step


def check_as_of(db: Path, as_of: dt.date | None) -> None:
    """An as-of date must lie between the first and the last 31 March loaded into `db`."""
    if as_of is None:
        return
    from ..store import Store

    with Store(db) as store:
        years = sorted(int(y) for y in store.meta().get("years", []))
    if not years:
        raise StoreError(f"{db} records no collection years: load the returns again with `sufficiency load`.")
    first, last = dt.date(years[0], 3, 31), dt.date(years[-1], 3, 31)
    if as_of > last:
        raise OptionError("as_of", f"must be on or before {_day(last)}, the last 31 March loaded into {db} "
                                   f"(got {_day(as_of)}).")
    if as_of < first:
        raise OptionError("as_of", f"must be on or after {_day(first)}, the first 31 March loaded into {db} "
                                   f"(got {_day(as_of)}).")


def _day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


@dataclass
class ForecastResult:
    """A forecast: its tables (forecast_quantiles, forecast_flows, forecast_costs), the meta
    recorded with them, the total's range on each 31 March (date, low, median, high), what it
    assumes of entrants and exits (sentences), and the files written."""

    db: Path
    tables: dict[str, pd.DataFrame]
    meta: dict
    totals: pd.DataFrame
    assumptions: list[str]
    out: Path | None = None


def forecast(options: ForecastOptions, progress: Progress | None = None) -> ForecastResult:
    """Forecast children in care by placement and age, with 5-95% ranges, into the store."""
    check_as_of(options.db, options.as_of)
    return forecast_from(options, options.db, progress)


def forecast_from(options: ForecastOptions, source, progress: Progress | None = None,
                  before_store: Callable[[], duckdb.DuckDBPyConnection | None] | None = None) -> ForecastResult:
    """`forecast`, fitted on `source`: the store `options.db`, or its returns as a `StoreData`
    already in hand (a load's, `StoreData.of_load`); `before_store` is called before the
    tables go into the store (to wait for that load's write), and may give the store opened
    (`store.open_store`)."""
    from ..forecast import fit, simulate
    from ..forecast.results import assumptions, forecast_tables, total_range
    from ..forecast.simulate import entry_trend
    from ..parameters import load_parameters
    from ..store import add_tables

    o = options
    step = _steps(progress, 3)
    step("fitting the model")
    model = fit(source, as_of=None if o.as_of is None else str(o.as_of), window_years=o.window)
    step(f"simulating {o.runs:,} runs")
    levers = entry_trend(12 * o.years, o.entry_trend) if o.entry_trend else None
    fc = simulate(model, years=o.years, runs=o.runs, seed=o.seed, levers=levers)
    step("writing the results")
    tables, meta = forecast_tables(model, fc, load_parameters(), seed=o.seed, runs=o.runs, years=o.years,
                                   entry_trend=o.entry_trend)
    if o.out:
        _write_forecast_file(o.out, tables, meta["forecast"])
    add_tables(o.db, tables, meta, con=before_store() if before_store else None)
    step("done")
    return ForecastResult(Path(o.db), tables, meta, total_range(tables["forecast_quantiles"]), assumptions(model), o.out)


def _write_forecast_file(out: Path, tables: dict[str, pd.DataFrame], meta: dict) -> None:
    """A workbook (README, quantiles, flows, costs) or, for .csv, the quantiles alone."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        tables["forecast_quantiles"].to_csv(out, index=False)
        return
    trend = meta["entry_trend_per_year"]
    about = [
        f"Forecast by sufficiency: {meta['runs']:,} simulated runs of {meta['years']} years from {meta['as_of']}, "
        f"fitted on {meta['window_years']} years of the council's returns (random seed {meta['seed']}: the same "
        "seed gives the same figures).",
        "quantiles: children in care on each 31 March, in total, by placement and by age band "
        "(5, 25, 50, 75 and 95% of the runs).",
        "flows: children entering and leaving care (by route, and at 18) in each year ahead.",
        "costs: weekly cost on each 31 March and cost over each year, from the dated unit costs.",
        f"Entrants other than UASC change by {trend:+.1%} a year (--entry-trend)." if trend else
        "Entrants at the level estimated from the returns' whole years (UASC apart), with its seasonal pattern.",
        "Forecasts, not counts of real children: nothing here identifies a child."]
    with pd.ExcelWriter(out, engine="openpyxl") as xl:
        pd.DataFrame({"About": about}).to_excel(xl, sheet_name="README", index=False)
        for name, frame in tables.items():
            frame.to_excel(xl, sheet_name=name.removeprefix("forecast_"), index=False)


@dataclass
class BacktestResult:
    """A backtest: every result row (`backtest.results`), the headline (error of the total by
    years ahead and method, and how often the model's 50% and 90% ranges held), the error by
    placement category, and the CSV written."""

    db: Path
    backtest: Backtest
    headline: pd.DataFrame
    by_category: pd.DataFrame
    origins: list[int]
    out: Path | None = None


def backtest(options: BacktestOptions, progress: Progress | None = None) -> BacktestResult:
    """Fit on the past at each 31 March, forecast 1-3 years and compare with what happened,
    beside naive baselines; results into the store (backtest_results, backtest_summary)."""
    from ..forecast.backtest import CATEGORIES
    from ..forecast.backtest import backtest as run_backtest

    o = options
    bt = run_backtest(o.db, runs=o.runs, window_years=o.window, min_history=o.min_history,
                      horizons=o.horizons, seed=o.seed, progress=progress)
    if not len(bt):
        raise StoreError(f"{o.db} has too few years to backtest: it needs {o.min_history} years of returns "
                         f"before a 31 March and {min(o.horizons)} after it.")
    if o.out:
        bt.to_csv(o.out)
    bt.write(o.db)
    head = bt.headline()
    cat = bt.summary()
    cat = cat[cat["series"] == CATEGORIES].pivot_table(index="horizon", columns="method", values="wape")
    return BacktestResult(Path(o.db), bt, head, cat[[c for c in head.columns if c in cat.columns]],
                          list(bt.params["origins"]), o.out)


@dataclass
class CompareResult:
    """Reforms compared with the baseline: the comparison (measures, differences), its summary,
    the headline table as text (measure by scenario), notes on the baseline, the workbook."""

    db: Path
    comparison: Comparison
    summary: pd.DataFrame
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    out: Path | None = None


def scenarios_from(args, categories=None) -> dict:
    """Scenario arguments: 'baseline', a reform file or shipped example name, or several joined
    with '+' to run together; each named from its reforms' own names."""
    from ..reforms.schema import load_reform

    out = {}
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


def compare(options: CompareOptions, progress: Progress | None = None) -> CompareResult:
    """Compare reforms with the baseline, every scenario from one model and one seed: children
    looked after, placements, the sufficiency gap, distance from home, cost and social workers."""
    from ..parameters import load_parameters
    from ..reforms.compare import compare as run_compare
    from ..reforms.present import headline_table, write_workbook
    from ..store import StoreData

    o = options
    if Path(o.db).exists():
        from ..store import Store

        with Store(o.db) as store:
            if store.meta().get("kind") == "region":
                raise OptionError("db", f"{o.db} is a regional store: compare reforms across the region with "
                                        f"`sufficiency region compare REFORMS.yaml --db {o.db}`.")
    params = load_parameters(o.params)
    data = StoreData.read(o.db, parameters=params)
    todo = scenarios_from(o.scenarios, data.categories)

    def simulating(name: str, done: int, total: int) -> None:
        if progress:
            progress(f"simulating {name}", done, total)

    cmp = run_compare(data, todo, years=o.years, runs=o.runs, seed=o.seed, parameters=params, progress=simulating)
    if o.out:
        write_workbook(cmp, todo, o.out)
    cmp.write(o.db)
    summary = cmp.summary()
    return CompareResult(Path(o.db), cmp, summary, headline_table(summary), list(cmp.baseline.notes), o.out)
