"""Commands on returns and what is counted from them: validate, load, synth, indicators, report."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .app import err, guarded, out, plural, progress, table, warn_if_shown

RETURNS = "A folder or .zip of SSDA903 returns (CSV, XLSX or the DfE's XML export)."
LA = "Council (name or ONS code); inferred from the returns if omitted."
DB = "Store written by `sufficiency load`."
CATEGORIES = ("The council's map of placement categories (YAML shaped like the built-in one, "
              "docs/how-to/placement-categories.md); kept in the store for every later command.")


class Format(StrEnum):
    text = "text"
    csv = "csv"
    json = "json"
    html = "html"


@guarded
def validate(
    path: Annotated[Path, typer.Argument(help=RETURNS)],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here.")] = None,
    la: Annotated[str | None, typer.Option(help=LA)] = None,
) -> None:
    """Check returns against the SSDA903 rules; exit 1 if there are errors."""
    from .. import api

    with progress() as bar:
        result = api.validate(api.ValidateOptions(path=path, la=la), bar)
    report = result.report
    text = {"text": report.to_text, "csv": report.to_csv, "json": report.to_json, "html": report.to_html}[fmt.value]()
    if output:
        output.write_text(text, encoding="utf-8")
        err.print(f"{plural(len(report.errors), 'error')}, {plural(len(report.warnings), 'warning')}: "
                  f"report in {output}")
    else:
        out.print(text, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(0 if result.ok else 1)


@guarded
def load(
    path: Annotated[Path, typer.Argument(help=RETURNS)],
    db: Annotated[Path, typer.Option(help="DuckDB store to write.")] = Path("la.duckdb"),
    la: Annotated[str | None, typer.Option(help=LA)] = None,
    allow_incomplete: Annotated[bool, typer.Option(
        "--allow-incomplete", help="Go on when a year's Header or Episodes cannot be read (every report then "
                                   "says the returns are incomplete).")] = False,
    categories: Annotated[Path | None, typer.Option(help=CATEGORIES)] = None,
) -> None:
    """Read, validate and clean returns into a DuckDB store for every later command."""
    from .. import api

    with progress() as bar:
        result = api.load(api.LoadOptions(path=path, db=db, la=la, allow_incomplete=allow_incomplete,
                                          categories=categories), bar)
    print_load(result)


def print_load(result) -> None:
    """The tables loaded, the cleaning log and the count of validation problems."""
    err.print(table(result.tables, f"Loaded into {result.db}", {"rows": ","}))
    if len(result.cleaning):
        err.print(table(result.cleaning.fillna("").astype(str), "Cleaning log (rows changed or dropped, by rule)",
                        left=len(result.cleaning.columns)))
    err.print(f"Validation: {plural(result.errors, 'error')}, {plural(result.warnings, 'warning')} "
              f"(table validation_issues in {result.db}).")


@guarded
def synth(
    la: Annotated[str, typer.Option(help="A real English council, by name or ONS code.")] = "Leeds",
    years: Annotated[str, typer.Option(help="Collection years by the 31 March they end, e.g. 2018-2025.")] = "2018-2025",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same files.")] = 1,
    output: Annotated[Path, typer.Option("--out", "-o", help="Folder to write returns to.")] = Path("returns"),
    params: Annotated[Path | None, typer.Option(help="YAML file overriding the generator's parameters.")] = None,
    children: Annotated[int | None, typer.Option(help="Children looked after on 31 March (default: the "
                                                      "council's published figure).")] = None,
) -> None:
    """Write realistic synthetic SSDA903 returns for a council (no real child data)."""
    from .. import api

    options = api.SynthOptions(la=la, years=years, seed=seed, out=output, params=params, children=children)
    with progress() as bar:
        result = api.synth(options, bar)
    err.print(f"Synthetic returns for {result.la}, {result.first_year}-{result.last_year}: {result.out}")


@guarded
def report(
    db: Annotated[Path, typer.Option(help=DB)] = Path("la.duckdb"),
    output: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("report.html"),
    pdf: Annotated[Path | None, typer.Option(help="Also write the report as PDF here.")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="Also write every table to this workbook.")] = None,
    no_suppression: Annotated[bool, typer.Option(
        "--no-suppression", help="Show counts of 1-4 (for use inside the council only; marked not for publication).")] = False,
    child_population: Annotated[int | None, typer.Option(
        help="Children under 18 in the council, for the rate per 10,000 (default: DfE's figure).")] = None,
    params: Annotated[Path | None, typer.Option(help="Your own unit costs: a parameter file or folder.")] = None,
    board: Annotated[bool, typer.Option(
        "--board", help="Write the board paper (at most 8 pages for councillors) instead of the analyst's report.")] = False,
) -> None:
    """Write the report a scrutiny board reads: self-contained HTML, optional PDF and workbook."""
    from .. import api

    options = api.ReportOptions(db=db, out=output, pdf=pdf, xlsx=xlsx, suppression=not no_suppression,
                                child_population=child_population, params=params, board=board)
    with err.status("Writing the report"):
        files = api.report(options)
    print_report(files)


def print_report(files) -> None:
    """The report's files, and a warning when small numbers are shown."""
    for label, path in (("Report", files.html), ("PDF", files.pdf), ("Tables", files.xlsx)):
        if path:
            out.print(f"{label}: {path}")
    warn_if_shown(files.suppressed)


@guarded
def indicators(
    db: Annotated[Path, typer.Option(help=DB)] = Path("la.duckdb"),
    output: Annotated[Path, typer.Option("--out", "-o", help="CSV or XLSX file to write.")] = Path("indicators.csv"),
    no_suppression: Annotated[bool, typer.Option(
        "--no-suppression", help="Keep counts of 1-4 (for use inside the council only).")] = False,
    child_population: Annotated[int | None, typer.Option(
        help="Children under 18 in the council, for the rate per 10,000 (default: DfE's figure).")] = None,
) -> None:
    """Write every indicator, every year, as one tidy table (CSV or XLSX)."""
    from .. import api

    options = api.IndicatorsOptions(db=db, out=output, suppression=not no_suppression,
                                    child_population=child_population)
    with err.status("Counting"):
        result = api.indicators(options)
    out.print(f"{len(result.frame):,} rows ({plural(result.indicators, 'indicator')}, "
              f"{plural(len(result.years), 'year')}): {result.out}")
