"""Stage one end to end: read -> validate -> clean -> store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputError
from .ssda903.clean import CleanHistory, clean
from .ssda903.reader import Progress, read_returns
from .ssda903.report import ValidationReport
from .ssda903.returns import Returns
from .ssda903.validate import validate
from .store import write_tables


@dataclass
class LoadResult:
    returns: Returns
    report: ValidationReport
    history: CleanHistory
    db: Path | None


def validate_path(path: str | Path, la_code: str | None = None,
                  progress: Progress | None = None) -> tuple[Returns, ValidationReport]:
    """Read and validate the returns at `path`."""
    returns = read_returns(path, progress=progress)
    return returns, validate(returns, la_code=la_code)


def _source_files(returns: Returns) -> pd.DataFrame:
    return pd.DataFrame(
        [{"path": f.path, "table": f.table, "year": f.year, "rows": f.rows, "sheet": f.sheet,
          "extra_columns": ", ".join(map(str, f.extra_columns)),
          "missing_columns": ", ".join(f.missing_columns)} for f in returns.files],
        columns=["path", "table", "year", "rows", "sheet", "extra_columns", "missing_columns"],
    )


def load(path: str | Path, db: str | Path | None, la_code: str | None = None,
         progress: Progress | None = None) -> LoadResult:
    """Read, validate and clean the returns at `path`; write everything to the store `db`."""
    returns, report = validate_path(path, la_code=la_code, progress=progress)
    if not returns.frames:
        found = report.issues[report.issues["code"] == "NO_TABLES"]["message"]
        raise InputError(found.iloc[0] if len(found) else f"{path}: no 903 table was found.")
    if progress:
        progress("cleaning", 0, 1)
    history = clean(returns, la_code=la_code)
    if db is not None:
        if progress:
            progress("writing store", 0, 1)
        tables = dict(history.tables)
        tables["validation_issues"] = report.issues
        tables["cleaning_log"] = history.log
        tables["source_files"] = _source_files(returns)
        write_tables(db, tables, {
            "la_code": history.la_code, "years": returns.years, "source": str(path),
            "input_rows": returns.input_rows, "errors": len(report.errors),
            "warnings": len(report.warnings),
        })
    return LoadResult(returns, report, history, Path(db) if db else None)
