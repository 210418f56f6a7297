"""The report a scrutiny board reads: a self-contained HTML file (inline CSS and SVG, no
scripts, nothing fetched), an optional PDF of it, and every table in a workbook.

    write_report("la.duckdb", "report.html", pdf="report.pdf", xlsx="tables.xlsx")

Disclosure control is on by default (see suppress.py); `suppression=False` is for use inside
the council and marks the report "Not for publication".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from ..errors import InputError
from ..store import Store
from .board_paper import BoardPaper, build_board
from .build import Report, Section, Table, build_report, fy, read_figures
from .suppress import suppress
from .words import glossary

__all__ = ["write_report", "build_report", "build_board", "BoardPaper", "Report", "Section", "Table", "suppress",
           "ReportFiles"]


@dataclass
class ReportFiles:
    html: Path
    pdf: Path | None
    xlsx: Path | None
    report: Report
    board: BoardPaper | None = None  # the board paper, when one was written


def _template(name: str) -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("sufficiency.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True,
                             lstrip_blocks=True)
    return env.get_template(name)


def render_html(report: Report, unit_costs: pd.DataFrame | None = None) -> str:
    return _template("report.html.j2").render(
        r=report, fy=fy, unit_costs=unit_costs, glossary=glossary(),
    )


def render_board(paper: BoardPaper) -> str:
    return _template("board.html.j2").render(p=paper, fy=fy, glossary=glossary())


def _unit_costs(report: Report, parameters, categories=None) -> pd.DataFrame:
    from ..parameters import PlacementCategories, load_parameters

    cats = categories or report.categories or PlacementCategories.load()
    t = (parameters or load_parameters()).with_categories(cats).unit_costs([report.years[-1]], cats.ids)
    return t.assign(label=t["category"].map(cats.labels()))


def write_report(db: str | Path, out: str | Path, *, pdf: str | Path | None = None,
                 xlsx: str | Path | None = None, suppression: bool = True, child_population=None,
                 parameters=None, categories=None, board: bool = False) -> ReportFiles:
    """Write the report of the store `db` (opened once, read-only) to `out`, and optionally a
    PDF and a workbook of its tables; `board`: the board paper (a few pages for councillors)
    in place of the analyst's report."""
    with Store(db) as store:
        figures = read_figures(store, suppression, child_population, parameters, categories)
        report, frame = build_report(store, suppression=suppression, parameters=parameters, categories=categories,
                                     figures=figures)
        paper = build_board(store, report, *figures[:2]) if board else None
    html = render_board(paper) if paper else render_html(report, _unit_costs(report, parameters, categories))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    pdf_path = _pdf(html, Path(pdf)) if pdf else None
    xlsx_path = write_xlsx(report, frame, Path(xlsx), parameters) if xlsx else None
    return ReportFiles(out, pdf_path, xlsx_path, report, paper)


def _pdf(html: str, path: Path) -> Path:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise InputError(
            "cannot write a PDF: WeasyPrint needs the Pango library (on Debian or Ubuntu: "
            f"`apt-get install libpango-1.0-0 libpangoft2-1.0-0`; {exc}). The HTML report was written; "
            "print it to PDF from a browser instead.") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html).write_pdf(path, pdf_tags=True)
    return path


def write_xlsx(report: Report, frame: pd.DataFrame, path: Path, parameters=None) -> Path:
    """Every table of the report on its own sheet, the indicator data (suppressed) in long form,
    the council beside its published figures in long form, and a README sheet of definitions and sources."""
    from .benchmarks import published_sheet
    from .suppress import MARK

    path.parent.mkdir(parents=True, exist_ok=True)
    data = frame.copy()
    for col in ("value", "numerator", "denominator"):
        data[col] = data[col].astype(object).where(~data["suppressed"], MARK)
    data = data.drop(columns=["suppressed"])
    readme = report.definitions[["indicator", "title", "unit", "definition", "source", "source_url"]]
    used: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame({"About": [
            f"Children looked after: {report.council}, {fy(report.years[0])} to {fy(report.years[-1])}.",
            "Made by sufficiency from the council's SSDA903 returns.",
            *([f"This report is built on incomplete returns: {'; '.join(report.incomplete)}."]
              if report.incomplete else []),
            ("Counts of 1 to 4 and figures worked out from them are shown as 'c'." if report.suppressed
             else "NOT FOR PUBLICATION: small numbers are shown."),
            "Sheets 'indicators' and 'published' (the council beside its published figures) are in long form; the other sheets are the report's tables.",
        ]}).to_excel(xl, sheet_name="README", index=False)
        readme.to_excel(xl, sheet_name="definitions", index=False)
        data.to_excel(xl, sheet_name="indicators", index=False)
        published_sheet(frame, report.la_code, report.years, parameters).to_excel(xl, sheet_name="published", index=False)
        for section in report.sections:
            for t in section.tables:
                name = (t.name or section.id)[:31]
                while name in used:
                    name = name[:28] + f"_{len(used)}"
                used.add(name)
                pd.DataFrame(t.rows, columns=t.columns).to_excel(xl, sheet_name=name, index=False)
    return path
