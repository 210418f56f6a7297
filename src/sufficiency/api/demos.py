"""The demo: a synthetic council generated, loaded, forecast, backtested, example reforms
compared and reported, every step through the same functions the commands call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .forecasts import BacktestResult, CompareResult, ForecastResult, backtest, compare, forecast
from .options import (
    BacktestOptions,
    CompareOptions,
    DemoOptions,
    ForecastOptions,
    LoadOptions,
    ReportOptions,
    SynthOptions,
)
from .returns import LoadResult, Progress, ReportResult, load, report, synth

# the plans the demo compares: shipped examples (src/sufficiency/reforms/examples)
DEMO_REFORMS = ("baseline", "family-help", "kinship-first", "foster-recruitment", "small-group-living",
                "regional-commissioning", "family-help+kinship-first+foster-recruitment")
YEARS = (2018, 2025)


@dataclass
class DemoResult:
    """Every step's result and the demo's files: returns folder, store, validation report."""

    returns: Path
    db: Path
    validation: Path
    loaded: LoadResult
    forecast: ForecastResult
    backtest: BacktestResult
    compare: CompareResult
    report: ReportResult
    board: ReportResult  # the board paper, from the same store


def demo(options: DemoOptions, progress: Progress | None = None) -> DemoResult:
    """Generate a synthetic council like `la`, load it, forecast it five years, backtest the
    forecast on its past years, compare example reforms and write its report into `out`."""
    out, seed = options.out, options.seed
    out.mkdir(parents=True, exist_ok=True)
    returns, db = out / "returns", out / "demo.duckdb"
    synth(SynthOptions(la=options.la, years=YEARS, seed=seed, out=returns), progress)
    loaded = load(LoadOptions(path=returns, db=db), progress)
    _mark_synthetic(db, options.la, seed)
    validation = out / "validation.html"
    validation.write_text(loaded.report.to_html(), encoding="utf-8")
    fc = forecast(ForecastOptions(db=db, years=5, runs=1000, seed=seed, window=5), progress)
    bt = backtest(BacktestOptions(db=db, runs=300, window=5, min_history=3, seed=seed), progress)
    cmp = compare(CompareOptions(scenarios=DEMO_REFORMS, db=db, years=5, runs=500, seed=seed,
                                 out=out / "reforms.xlsx"), progress)
    files = report(ReportOptions(db=db, out=out / "report.html", xlsx=out / "tables.xlsx"), progress)
    paper = report(ReportOptions(db=db, out=out / "board-paper.html", board=True), progress)
    return DemoResult(returns, db, validation, loaded, fc, bt, cmp, files, paper)


def _mark_synthetic(db: Path, la: str, seed: int) -> None:
    """Record in the store that its returns were generated (the report says so beside the
    council's published figures)."""
    from ..store import write_tables

    write_tables(db, {}, {"synthetic": {"like": la, "seed": seed}})
