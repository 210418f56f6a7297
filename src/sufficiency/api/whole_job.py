"""`run`: the whole job on a council's own returns in one call (and one process): load, then
forecast, then (if asked) the report, through the same functions the separate commands call.

The forecast is fitted on the cleaned returns in memory while they are written to the store
(on a thread of its own: DuckDB works without holding Python's lock), and its tables are
added once that write is done, so the store ends as `load` then `forecast` leave it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import Interrupted
from .forecasts import ForecastResult, forecast_from
from .options import ForecastOptions, LoadOptions, ReportOptions, RunOptions
from .returns import LoadResult, Progress, ReportResult, la_code_of, loaded, report


@dataclass
class RunResult:
    """What `load` and `forecast` returned, and the report's files if one was asked for."""

    loaded: LoadResult
    forecast: ForecastResult
    report: ReportResult | None = None


class _Writing(threading.Thread):
    """`store.write_returns(db, tables, meta)` on its own thread, the returns' fingerprint
    made there first (`pipeline.fingerprint_load`), which then opens the store for the
    forecast's tables (`store.open_store`)."""

    def __init__(self, db: Path, tables: dict, meta: dict):
        super().__init__(name="sufficiency store writer")
        self.job = (db, tables, dict(meta))
        self.error: BaseException | None = None
        self.store = None

    def run(self) -> None:
        from ..pipeline import fingerprint_load
        from ..store import open_store, write_returns

        try:
            db, tables, meta = self.job
            meta["returns"] = fingerprint_load(tables, meta)
            write_returns(db, tables, meta)
            self.store = open_store(self.job[0])
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by wait()
            self.error = exc

    def wait(self):
        """Wait for the write to end, even through Ctrl-C (it takes a moment, and the store must
        be whole to be described), then raise what it raised, or the interrupt; else give the
        store opened, once (the caller closes it)."""
        interrupted = False
        while self.is_alive():
            try:
                self.join()
            except KeyboardInterrupt:
                interrupted = True
        store, self.store = self.store, None
        if self.error is None and not interrupted:
            return store
        if store is not None:
            store.close()
        if self.error is not None:
            raise self.error
        raise KeyboardInterrupt

    def close(self) -> None:
        """Wait for the write, and close the store if it was not given out."""
        store = self.wait()
        if store is not None:
            store.close()


def run(options: RunOptions, progress: Progress | None = None) -> RunResult:
    """Load the returns into the store, forecast from them and, if `options.report` names a
    file, write the report there. Every option is checked before anything is read."""
    o = options
    lo = LoadOptions(path=o.path, la=o.la, db=o.db, allow_incomplete=o.allow_incomplete, categories=o.categories)
    fo = ForecastOptions(db=o.db, years=o.years, runs=o.runs, seed=o.seed, entry_trend=o.entry_trend)
    done, fc = _load_and_forecast(lo, fo, progress)
    try:
        files = report(ReportOptions(db=o.db, out=o.report), progress) if o.report else None
    except KeyboardInterrupt:
        raise Interrupted(f"Interrupted: the returns were loaded and forecast into {o.db}, but the report "
                          f"was not written (`sufficiency report --db {o.db} --out {o.report}` writes it).") from None
    return RunResult(done, fc, files)


def _load_and_forecast(lo: LoadOptions, fo: ForecastOptions, progress: Progress | None):
    """`load` then `forecast`, the forecast fitted while the store is written. The returns as
    read are let go before the forecast (the load's result keeps what a face shows)."""
    from .. import pipeline
    from ..forecast.estimate import FIT_COLUMNS, FIT_TABLES
    from ..parameters import Parameters
    from ..store import StoreData

    prepared = pipeline.prepare(lo.path, la_code_of(lo.la), progress, allow_incomplete=lo.allow_incomplete,
                                categories=lo.categories, db=lo.db, fingerprint=False)
    done, tables, meta = loaded(lo, prepared), prepared.tables, prepared.meta
    del prepared
    if progress:
        progress("writing store", 0, 1)
    writing = _Writing(lo.db, tables, meta)
    writing.start()
    try:
        data = StoreData.of_load({t: tables[t] for t in FIT_TABLES}, meta, FIT_COLUMNS,
                                 parameters=Parameters({}))
        fc = forecast_from(fo, data, progress, before_store=writing.wait)
    except KeyboardInterrupt:
        writing.close()
        raise Interrupted(f"Interrupted: the returns were loaded into {lo.db}, but no forecast was made "
                          f"(`sufficiency forecast --db {lo.db}` makes it).") from None
    except BaseException:
        writing.close()  # the store's write is whole, or its own error is raised
        raise
    return done, fc
