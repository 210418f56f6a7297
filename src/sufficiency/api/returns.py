"""The returns and what is counted from them: validate, load, synth, indicators and report.

Each function takes its options and an optional progress callback(step, done, total), and
returns a result object; none prints or exits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .options import IndicatorsOptions, LoadOptions, ReportOptions, SynthOptions, ValidateOptions

if TYPE_CHECKING:
    from ..ssda903.report import ValidationReport

Progress = Callable[[str, int, int], None]


def la_code_of(la: str | None) -> str | None:
    """The council code of `la` (a name or code), or None."""
    from ..reference.authorities import find_authority

    return find_authority(la).code if la else None


@dataclass
class ValidateResult:
    """The validation report of the returns at `path` (report.errors, report.warnings,
    report.to_text/to_csv/to_json/to_html)."""

    path: Path
    report: ValidationReport

    @property
    def ok(self) -> bool:
        return bool(self.report.ok)


def validate(options: ValidateOptions, progress: Progress | None = None) -> ValidateResult:
    """Read the returns and check them against the SSDA903 rules (problems are reported, not raised)."""
    from .. import pipeline

    _returns, report = pipeline.validate_path(options.path, la_code=la_code_of(options.la), progress=progress)
    return ValidateResult(options.path, report)


@dataclass
class LoadResult:
    """A load: the store written, rows in each table, the cleaning log by rule and the
    validation report (errors and warnings, also in the store's validation_issues)."""

    db: Path
    tables: pd.DataFrame  # table, rows
    cleaning: pd.DataFrame  # rule, action, table, rows
    report: ValidationReport

    @property
    def errors(self) -> int:
        return len(self.report.errors)

    @property
    def warnings(self) -> int:
        return len(self.report.warnings)


def load(options: LoadOptions, progress: Progress | None = None) -> LoadResult:
    """Read, validate and clean the returns into the store `db` for every later function."""
    from .. import pipeline

    whole = {"allow_incomplete": True} if options.allow_incomplete else {}
    result = pipeline.load(options.path, options.db, la_code=la_code_of(options.la), progress=progress,
                           categories=options.categories, **whole)
    return loaded(options, result)


def loaded(options: LoadOptions, result) -> LoadResult:
    """What a face shows of `pipeline.load`'s (or `prepare`'s) result."""
    tables = pd.DataFrame([(name, len(frame)) for name, frame in sorted(result.history.tables.items())],
                          columns=["table", "rows"])
    return LoadResult(Path(options.db), tables, result.history.summary(), result.report)


@dataclass
class SynthResult:
    """Synthetic returns written to `out` for council `la`, collection years first-last."""

    out: Path
    la: str
    first_year: int
    last_year: int
    seed: int


def synth(options: SynthOptions, progress: Progress | None = None) -> SynthResult:
    """Write realistic synthetic SSDA903 returns for a council (no real child data)."""
    from ..synth import synthesise

    first, last = options.years
    result = synthesise(la=options.la, first_year=first, last_year=last, seed=options.seed, out=options.out,
                        params_path=options.params, children=options.children, progress=progress)
    return SynthResult(Path(result.out), options.la, first, last, options.seed)


@dataclass
class IndicatorsResult:
    """Every indicator, every year, as one tidy table, and the file it was written to."""

    out: Path
    frame: pd.DataFrame
    years: list[int]

    @property
    def indicators(self) -> int:
        return int(self.frame["indicator"].nunique())


def indicators(options: IndicatorsOptions, progress: Progress | None = None) -> IndicatorsResult:
    """Compute every indicator from the store and write them to a CSV or XLSX file, counts of
    1-4 suppressed unless `suppression` is False."""
    from ..indicators import compute_all
    from ..report.suppress import MARK, suppress

    if progress:
        progress("counting", 0, 1)
    ind = compute_all(options.db, child_population=options.child_population)
    frame = ind.frame
    if options.suppression:
        frame = suppress(frame)
        for col in ("value", "numerator", "denominator"):
            frame[col] = frame[col].astype(object).where(~frame["suppressed"], MARK)
        frame = frame.drop(columns=["suppressed"])
    out = options.out
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        frame.to_csv(out, index=False)
    else:
        frame.to_excel(out, index=False, engine="openpyxl")
    return IndicatorsResult(out, frame, list(ind.years))


@dataclass
class ReportResult:
    """The report's files (pdf and xlsx None when not asked for); `suppressed` False marks a
    report with small numbers shown, not for publication."""

    html: Path
    pdf: Path | None
    xlsx: Path | None
    suppressed: bool


def report(options: ReportOptions, progress: Progress | None = None) -> ReportResult:
    """Write the report a scrutiny board reads: self-contained HTML, optional PDF and workbook."""
    from ..parameters import load_parameters
    from ..report import write_report

    parameters = load_parameters(options.params) if options.params else None
    if progress:
        progress("writing the report", 0, 1)
    files = write_report(options.db, options.out, pdf=options.pdf, xlsx=options.xlsx,
                         suppression=options.suppression, child_population=options.child_population,
                         parameters=parameters, board=options.board)
    return ReportResult(files.html, files.pdf, files.xlsx, options.suppression)
