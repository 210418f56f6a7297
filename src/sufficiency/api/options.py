"""The options of each library function, validated when they are made.

Every model forbids unknown names; a bad value raises `OptionError` naming the option and the
value given ("runs must be at least 1 (got 0)."), never pydantic's own error. Checks that need
the data (an as-of date inside the years loaded) are made by the function that reads it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from ..errors import OptionError

MAX_YEARS = 10  # years ahead a forecast or comparison may run
MAX_TREND = 0.5  # the largest yearly change in entrants an entry trend may ask for, either way

Runs = Annotated[int, Field(ge=1)]
YearsAhead = Annotated[int, Field(ge=1, le=MAX_YEARS)]
Seed = Annotated[int, Field(ge=0)]

_PROBLEMS = {
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "too_short": "must not be empty",
}


def _option_error(exc: ValidationError) -> OptionError:
    """The first problem pydantic found, as a sentence naming the option."""
    err = exc.errors()[0]
    option = str(err["loc"][0]) if err["loc"] else "options"
    kind, ctx = err["type"], err.get("ctx", {})
    if kind == "extra_forbidden":
        return OptionError(option, "is not an option.")
    if kind == "missing":
        return OptionError(option, "is needed.")
    if kind == "value_error":
        return OptionError(option, str(ctx["error"]))
    shown = {k: f"{v:g}" if isinstance(v, float) else v for k, v in ctx.items()}
    problem = _PROBLEMS.get(kind, err["msg"].lower()).format(**shown)
    return OptionError(option, f"{problem} (got {err['input']!r}).")


class Options(BaseModel):
    """Base of every options model: unknown names forbidden, values fixed once made, and
    problems raised as `OptionError`."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # built on first use: quick start

    def __init__(self, **values):
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _option_error(exc) from None


def parse_trend(value) -> float:
    """An entry trend as a fraction: 0.05, "0.05" and "5%" are all 5% more a year."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise ValueError(f"must be a share such as 0.05 or a percentage such as 5% (got {value!r}).") from None
    return float(value)


def parse_date(value):
    """A date from ISO (2025-03-31) or UK (31/03/2025) text; dates pass through."""
    if not isinstance(value, str):
        return value
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value.strip(), form).date()
        except ValueError:
            continue
    raise ValueError(f"must be a date such as 2025-03-31 or 31/03/2025 (got {value!r}).")


def _entry_trend(value) -> float:
    trend = parse_trend(value)
    if abs(trend) <= MAX_TREND:
        return trend
    nobody = ", which would leave nobody entering care" if trend <= -1 else ""
    meant = f" Did you mean {trend:g}%?" if abs(trend) < 100 else ""
    raise ValueError(f"must be at most {MAX_TREND:.0%} a year either way, as a share (0.05) or a percentage "
                     f"(5%): {value} is {trend:+.0%} a year{nobody}.{meant}")


# a yearly change in entrants: a fraction (0.05) or a percentage ("5%"), at most MAX_TREND either way
EntryTrend = Annotated[float, BeforeValidator(_entry_trend)]


class ReturnsOptions(Options):
    """Where returns are read from, and the council they belong to."""

    path: Path
    la: str | None = None  # council name or ONS code; inferred from the returns if None


class ValidateOptions(ReturnsOptions):
    """`validate`: check returns against the SSDA903 rules."""


class LoadOptions(ReturnsOptions):
    """`load`: read, validate and clean returns into the store `db`."""

    db: Path = Path("la.duckdb")
    allow_incomplete: bool = False  # go on when a year's Header or Episodes cannot be read
    categories: Path | None = None  # the council's map of placement categories (YAML); None: built-in


class IndicatorsOptions(Options):
    """`indicators`: every indicator, every year, as a CSV or XLSX file."""

    db: Path = Path("la.duckdb")
    out: Path = Path("indicators.csv")
    suppression: bool = True  # counts of 1-4 hidden, as for publication
    child_population: Annotated[int, Field(ge=1)] | None = None

    @field_validator("out")
    @classmethod
    def _table_file(cls, value: Path) -> Path:
        if value.suffix.lower() not in (".csv", ".xlsx"):
            raise ValueError(f"must be a .csv or .xlsx file (got {str(value)!r}).")
        return value


class ReportOptions(Options):
    """`report`: the HTML report, with an optional PDF and workbook."""

    db: Path = Path("la.duckdb")
    out: Path = Path("report.html")
    pdf: Path | None = None
    xlsx: Path | None = None
    suppression: bool = True
    child_population: Annotated[int, Field(ge=1)] | None = None
    params: Path | None = None  # the council's own unit costs: a parameter file or folder
    board: bool = False  # the board paper (a few pages for councillors) in place of the analyst's report


class ForecastOptions(Options):
    """`forecast`: children in care by placement and age, with intervals, into the store.

    as_of: the start date (default: the last 31 March loaded); it must lie between the first
    and the last 31 March loaded. window: years of history the rates are estimated from (as
    many as the returns cover). entry_trend: yearly change in entrants other than UASC, a
    fraction (0.05) or a percentage ("5%"), at most 50% either way. out: also write a .xlsx
    workbook or a .csv of the quantiles."""

    db: Path = Path("la.duckdb")
    years: YearsAhead = 5
    runs: Runs = 1000
    seed: Seed = 1
    as_of: dt.date | None = None
    window: Annotated[float, Field(gt=0)] = 5.0
    entry_trend: EntryTrend = 0.0
    out: Path | None = None

    @field_validator("as_of", mode="before")
    @classmethod
    def _date(cls, value):
        return parse_date(value)

    @field_validator("out")
    @classmethod
    def _forecast_file(cls, value: Path | None) -> Path | None:
        if value is not None and value.suffix.lower() not in (".csv", ".xlsx"):
            raise ValueError(f"must be a .xlsx workbook or a .csv file (got {str(value)!r}).")
        return value


class RunOptions(LoadOptions):
    """`run`: the whole job on a council's returns in one command: `load` into `db`, then a
    `forecast` (years, runs, seed, entry_trend as ForecastOptions has them) and, if `report` names
    an HTML file, the report (counts of 1-4 hidden, as for publication)."""

    years: YearsAhead = 5
    runs: Runs = 1000
    seed: Seed = 1
    entry_trend: EntryTrend = 0.0
    report: Path | None = None

    @field_validator("report")
    @classmethod
    def _html(cls, value: Path | None) -> Path | None:
        if value is not None and value.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"must be an .html file (got {str(value)!r}).")
        return value


class BacktestOptions(Options):
    """`backtest`: fit on the past at each 31 March, forecast and compare with what happened."""

    db: Path = Path("la.duckdb")
    runs: Runs = 500
    window: Annotated[float, Field(gt=0)] = 5.0
    min_history: Annotated[int, Field(ge=1)] = 3
    horizons: Annotated[tuple[YearsAhead, ...], Field(min_length=1)] = (1, 2, 3)
    seed: Seed = 1
    out: Path | None = None  # also write every result row to this CSV


def _workbook(value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() != ".xlsx":
        raise ValueError(f"must be a .xlsx workbook (got {str(value)!r}).")
    return value


Workbook = Annotated[Path | None, AfterValidator(_workbook)]  # an optional .xlsx to write


class CompareOptions(Options):
    """`compare`: the baseline beside each scenario. A scenario is 'baseline', a reform file
    or shipped example name, or several joined with '+' to run together."""

    scenarios: Annotated[tuple[str, ...], Field(min_length=1)]
    db: Path = Path("la.duckdb")
    years: YearsAhead = 5
    runs: Runs = 1000
    seed: Seed = 1
    params: Path | None = None  # the council's own parameters: places, homes, costs, workforce
    out: Workbook = None  # also write the comparison to this workbook


def parse_years(value) -> tuple[int, int]:
    """Collection years from "2018-2025", "2025" or a pair."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*", value)
        if not m:
            raise ValueError(f"must be a year or a range of years such as 2018-2025 (got {value!r}).")
        value = (int(m.group(1)), int(m.group(2) or m.group(1)))
    first, last = value
    if last < first:
        raise ValueError(f"must run forwards, such as {last}-{first} (got {first}-{last}).")
    return first, last


class SynthOptions(Options):
    """`synth`: synthetic returns for a real English council (no real child data)."""

    la: str = "Leeds"
    years: tuple[int, int] = (2018, 2025)  # collection years by the 31 March they end
    seed: Seed = 1
    out: Path = Path("returns")
    params: Path | None = None  # a YAML file overriding the generator's parameters
    children: Annotated[int, Field(ge=1)] | None = None  # children looked after on 31 March

    @field_validator("years", mode="before")
    @classmethod
    def _years(cls, value) -> tuple[int, int]:
        return parse_years(value)


class DemoOptions(Options):
    """`demo`: a synthetic council loaded, forecast, backtested, reforms compared, reported."""

    out: Path = Path("demo-output")
    la: str = "Leeds"
    seed: Seed = 1
