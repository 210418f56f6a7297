"""`run`: the whole job on a council's own returns in one call (and one process): load, then
forecast, then (if asked) the report, through the same functions the separate commands call."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Interrupted
from .forecasts import ForecastResult, forecast
from .options import ForecastOptions, LoadOptions, ReportOptions, RunOptions
from .returns import LoadResult, Progress, ReportResult, load, report


@dataclass
class RunResult:
    """What `load` and `forecast` returned, and the report's files if one was asked for."""

    loaded: LoadResult
    forecast: ForecastResult
    report: ReportResult | None = None


def run(options: RunOptions, progress: Progress | None = None) -> RunResult:
    """Load the returns into the store, forecast from them and, if `options.report` names a
    file, write the report there. Every option is checked before anything is read."""
    o = options
    loaded = load(LoadOptions(path=o.path, la=o.la, db=o.db, allow_incomplete=o.allow_incomplete,
                              categories=o.categories), progress)
    try:
        fc = forecast(ForecastOptions(db=o.db, years=o.years, runs=o.runs, seed=o.seed,
                                      entry_trend=o.entry_trend), progress)
    except KeyboardInterrupt:
        raise Interrupted(f"Interrupted: the returns were loaded into {o.db}, but no forecast was made "
                          f"(`sufficiency forecast --db {o.db}` makes it).") from None
    try:
        files = report(ReportOptions(db=o.db, out=o.report), progress) if o.report else None
    except KeyboardInterrupt:
        raise Interrupted(f"Interrupted: the returns were loaded and forecast into {o.db}, but the report "
                          f"was not written (`sufficiency report --db {o.db} --out {o.report}` writes it).") from None
    return RunResult(loaded, fc, files)
