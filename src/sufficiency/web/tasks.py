"""What each kind of job does, through `sufficiency.api` (never the command line): load,
forecast, backtest, compare and plan on a council's store, then the council's report files
written again so its pages show the new results.

`run(job, progress)` returns the sentence shown beside the finished job; a user's bad file or
option raises a `SufficiencyError`, whose sentence is shown instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from .. import api
from ..errors import SufficiencyError
from . import region_import, region_plan, region_work

Progress = Callable[[str, int, int], None]


def run(job, progress: Progress) -> str:
    """Do the job's work and write the council's reports again; the sentence saying what was done.
    The region's jobs are region_work's (a share, the regional forecast), region_plan's and
    region_import's."""
    if job.kind in region_work.KINDS:
        return region_work.run(job, progress)
    if job.kind in REGIONAL:
        return REGIONAL[job.kind](job, region_work.current(), progress)
    council = job.council
    council.folder.mkdir(parents=True, exist_ok=True)
    try:
        kind = KINDS[job.kind]
    except KeyError:
        raise SufficiencyError(f"There is no job of kind {job.kind!r}.") from None
    done = kind(job, council, progress)
    progress("writing the report", 0, 1)
    write_reports(council)
    return done


def _load(job, council, progress) -> str:
    result = api.load(api.LoadOptions(path=job.upload.folder, db=council.store, la=council.code), progress)
    return (f"Loaded {result.tables['rows'].sum():,} rows into the store "
            f"({result.errors:,} errors, {result.warnings:,} warnings).")


def _forecast(job, council, progress) -> str:
    options = api.ForecastOptions(db=council.store, **job.options)
    result = api.forecast(options, progress)
    last = result.totals.iloc[-1]
    return (f"Forecast {options.years} years, {options.runs:,} runs: about {last['median']:,.0f} children "
            f"in care on {last['date']:%d %B %Y} ({last['low']:,.0f} to {last['high']:,.0f}).")


def _backtest(job, council, progress) -> str:
    from ..forecast.backtest import MODEL

    result = api.backtest(api.BacktestOptions(db=council.store, **job.options), progress)
    origins = result.origins
    head = result.headline
    error = f"; the model's error of the total one year ahead: {head[MODEL].iloc[0]:.1f}%" if MODEL in head else ""
    return (f"Backtest from {len(origins)} 31 March{'es' if len(origins) > 1 else ''} "
            f"({origins[0]}-{origins[-1]}){error}.")


def _compare(job, council, progress) -> str:
    result = api.compare(api.CompareOptions(db=council.store, **job.options), progress)
    names = [name for name in result.comparison.scenarios if name != "baseline"]
    return (f"Compared {', '.join(names)} with the baseline "
            f"({job.options.get('years', 5)} years, {job.options.get('runs', 1000):,} runs).")


def _plan(job, council, progress) -> str:
    result = api.plan(api.PlanCommandOptions(db=council.store, options=Path(job.options["options"])), progress)
    return " ".join(result.notes[:2])


REGIONAL = {"region_plan": region_plan.work, "region_import": region_import.run}  # (job, region, progress)
KINDS = {"load": _load, "forecast": _forecast, "backtest": _backtest, "compare": _compare, "plan": _plan}


def write_reports(council) -> None:
    """The council's report, suppressed (public) and with small numbers (internal), as HTML,
    PDF and workbook, and the board paper (HTML and PDF, suppressed only); each set written
    beside the old one and then moved over it."""
    for small in (False, True):
        html = council.report_file("html", small)
        new = html.parent.with_name(f".new-{html.parent.name}")
        shutil.rmtree(new, ignore_errors=True)
        names = {"html": html.name, "pdf": council.report_file("pdf", small).name,
                 "xlsx": council.report_file("xlsx", small).name}
        api.report(api.ReportOptions(db=council.store, out=new / names["html"], pdf=new / names["pdf"],
                                     xlsx=new / names["xlsx"], suppression=not small))
        if not small:
            names["board.html"], names["board.pdf"] = "board.html", "board.pdf"
            api.report(api.ReportOptions(db=council.store, out=new / "board.html", pdf=new / "board.pdf",
                                         board=True))
        html.parent.mkdir(parents=True, exist_ok=True)
        for name in names.values():
            os.replace(new / name, html.parent / name)
        shutil.rmtree(new, ignore_errors=True)
