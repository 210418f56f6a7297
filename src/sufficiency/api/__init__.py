"""The public library: what the command line and the web application call.

Each function takes a validated options object and an optional progress callback(step, done,
total), returns a result object with everything a face shows (tables as DataFrames, sentences,
file paths), never prints and never exits. Bad options raise `OptionError` naming the option;
anything else that cannot be done raises another `SufficiencyError` with a sentence.

    from sufficiency import api
    api.load(api.LoadOptions(path="returns", db="la.duckdb"))
    fc = api.forecast(api.ForecastOptions(db="la.duckdb", years=3, entry_trend="5%"))
    fc.totals          # date, low, median, high: children in care on each 31 March
    fc.assumptions     # what it assumes of entrants and exits, a sentence each

Each name is imported from its module when first used (PEP 562), so a command imports only
what it runs on: `api.run` does not import the regional edition.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .demos import DemoResult, demo
    from .forecasts import BacktestResult, CompareResult, ForecastResult, backtest, compare, forecast
    from .options import (
        BacktestOptions,
        CompareOptions,
        DemoOptions,
        ForecastOptions,
        IndicatorsOptions,
        LoadOptions,
        ReportOptions,
        RunOptions,
        SynthOptions,
        ValidateOptions,
    )
    from .planning import PlanCommandOptions, PlanResult, plan
    from .region import (
        RegionAddOptions,
        RegionAddResult,
        RegionCompareOptions,
        RegionCompareResult,
        RegionForecastOptions,
        RegionForecastResult,
        RegionRemoveOptions,
        RegionRemoveResult,
        RegionReportOptions,
        RegionReportResult,
        ShareOptions,
        ShareResult,
        region_add,
        region_compare,
        region_forecast,
        region_remove,
        region_report,
        share,
    )
    from .returns import (
        IndicatorsResult,
        LoadResult,
        Progress,
        ReportResult,
        SynthResult,
        ValidateResult,
        indicators,
        load,
        report,
        synth,
        validate,
    )
    from .whole_job import RunResult, run

_MODULES = {  # name -> the module of this package that defines it, imported on first use
    **dict.fromkeys([
        "DemoResult", "demo",
    ], "demos"),
    **dict.fromkeys([
        "BacktestResult", "CompareResult", "ForecastResult", "backtest", "compare", "forecast",
    ], "forecasts"),
    **dict.fromkeys([
        "BacktestOptions", "CompareOptions", "DemoOptions", "ForecastOptions", "IndicatorsOptions",
        "LoadOptions", "ReportOptions", "RunOptions", "SynthOptions", "ValidateOptions",
    ], "options"),
    **dict.fromkeys([
        "PlanCommandOptions", "PlanResult", "plan",
    ], "planning"),
    **dict.fromkeys([
        "RegionAddOptions", "RegionAddResult", "RegionCompareOptions", "RegionCompareResult",
        "RegionForecastOptions", "RegionForecastResult", "RegionRemoveOptions", "RegionRemoveResult",
        "RegionReportOptions", "RegionReportResult", "ShareOptions", "ShareResult", "region_add",
        "region_compare", "region_forecast", "region_remove", "region_report", "share",
    ], "region"),
    **dict.fromkeys([
        "IndicatorsResult", "LoadResult", "Progress", "ReportResult", "SynthResult", "ValidateResult",
        "indicators", "load", "report", "synth", "validate",
    ], "returns"),
    **dict.fromkeys([
        "RunResult", "run",
    ], "whole_job"),
}


def __getattr__(name: str):
    if name in _MODULES:
        from importlib import import_module

        value = getattr(import_module(f".{_MODULES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sufficiency.api' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULES})


__all__ = [
    "BacktestOptions", "BacktestResult", "CompareOptions", "CompareResult", "DemoOptions", "DemoResult",
    "ForecastOptions", "ForecastResult", "PlanCommandOptions", "PlanResult", "plan", "IndicatorsOptions", "IndicatorsResult", "LoadOptions", "LoadResult",
    "Progress", "ReportOptions", "ReportResult", "SynthOptions", "SynthResult", "ValidateOptions",
    "ValidateResult", "backtest", "compare", "demo", "forecast", "indicators", "load", "report", "synth",
    "validate",
    "RegionAddOptions", "RegionAddResult", "RegionForecastOptions", "RegionForecastResult", "RegionRemoveOptions", "RegionRemoveResult", "RegionReportOptions",
    "RegionReportResult", "ShareOptions", "ShareResult", "region_add", "region_forecast", "region_remove", "region_report", "share",
    "RegionCompareOptions", "RegionCompareResult", "region_compare", "RunOptions", "RunResult", "run",
]
