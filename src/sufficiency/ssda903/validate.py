"""Validate SSDA903 returns: every failure collected into a report, nothing raised.

    report = validate(returns)          # returns from reader.read_returns(...)
    report.issues                       # one row per issue; see report.py
    catalogue()["DEC_BEFORE_DECOM"]     # severity, title, fix

Checks run vectorised over every year at once, in three groups (package `checks`):
values column by column from the schema (blank, date, code for the year, number, UPN, URN,
postcode); episodes (dates, sequence, provider, age, first episode); and across tables
(repeated rows, Header against Episodes and the other tables, Missing, Reviews). Every code is
declared in schema/checks.yaml. A row whose date could not be read is left out of the checks
that need that date: its DATE_INVALID issue already names it.

`python -m sufficiency.ssda903.validate > docs/validation.md` regenerates the catalogue page.
"""

from __future__ import annotations

import pandas as pd

from .checks.catalogue import catalogue
from .checks.context import Context
from .checks.cross import cross_checks
from .checks.episodes import episode_checks
from .checks.values import value_checks
from .report import Issues, ValidationReport
from .returns import Returns

__all__ = ["catalogue", "catalogue_markdown", "validate"]


def validate(returns: Returns, la_code: str | None = None) -> ValidationReport:
    """Check every table of `returns`; the report holds the reader's file-level issues too.

    `la_code` (ONS code of the council) is accepted for checks that depend on the council;
    none of the current checks does.
    """
    ctx = Context(returns)
    parts: list[pd.DataFrame | Issues] = [_catalogued_severity(returns.issues)]
    for group in (value_checks, episode_checks, cross_checks):
        parts.extend(group(ctx))
    return ValidationReport(returns.locate(ValidationReport.combine(parts).issues))


def _catalogued_severity(issues: pd.DataFrame) -> pd.DataFrame:
    """The reader's issues with the severity checks.yaml gives their code (the catalogue is the
    one place a severity is decided); a code not in the catalogue keeps its own."""
    if not len(issues):
        return issues
    declared = {code: c["severity"] for code, c in catalogue().items()}
    severity = [declared.get(code, own) if isinstance(code, str) else own
                for code, own in zip(issues["code"].tolist(), issues["severity"].tolist(), strict=True)]
    return issues.assign(severity=pd.array(severity, dtype="string"))


def catalogue_markdown() -> str:
    """docs/validation.md, generated from schema/checks.yaml."""
    checks = catalogue()
    lines = [
        "# Validation checks",
        "",
        "Generated from `src/sufficiency/ssda903/schema/checks.yaml` by",
        "`.venv/bin/python -m sufficiency.ssda903.validate > docs/validation.md`; edit the YAML, "
        "not this page.",
        "",
        "`sufficiency validate PATH` reads a folder or zip of returns and reports every issue "
        "below; `sufficiency load` stores the same report as the table `validation_issues`. "
        "Each issue names the file, the row as a spreadsheet shows it (the header is row 1), "
        "the column, the value and the child, with a message that names the values, e.g. "
        '"DEC 03/02/2021 is before DECOM 05/02/2021 for child 1234."',
        "",
        "**Errors** mean a row cannot be trusted for analysis as it stands; **warnings** are "
        "worth fixing, but the row is used. A row whose date cannot be read is left out of the "
        "checks that need that date (its DATE_INVALID issue names it). Codes are stable: "
        "reports, dashboards and tests refer to them.",
        "",
    ]
    for source, heading in (("reader", "Reading files"), ("validate", "Checking the data")):
        n_err = sum(c["severity"] == "error" for c in checks.values() if c["source"] == source)
        n = sum(c["source"] == source for c in checks.values())
        lines += [
            f"## {heading} ({n} codes: {n_err} errors, {n - n_err} warnings)",
            "",
            "| code | severity | what it means | what to do |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{code}` | {c['severity']} | {c['title']} | {c['fix']} |"
            for code, c in checks.items()
            if c["source"] == source
        ]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(catalogue_markdown(), end="")
