"""Stage one end to end: read -> validate -> clean -> store.

A load is whole or it says so: if a year's Header or Episodes cannot be read, `load` raises
and writes nothing, unless `allow_incomplete` is given; then what was missing is recorded in
the store (meta key 'incomplete') and every report carries it in a banner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import InputError
from .reference.postcodes import directory
from .ssda903.clean import CleanHistory, clean
from .ssda903.reader import Progress, read_returns
from .ssda903.report import ValidationReport
from .ssda903.returns import Returns
from .ssda903.validate import validate
from .store import fingerprint_tables, write_returns
from .vocab import year_label

# the tables without which a year cannot be counted
WHOLE = ("header", "episodes")
# reader errors that say a file or table was not read at all (a missing column is judged apart)
NOT_READ_APART = ("COLUMN_MISSING", "NO_TABLES")
# the tables a load writes beside the history's (not part of the returns' fingerprint)
LOAD_TABLES = ("validation_issues", "cleaning_log", "source_files")


@dataclass
class LoadResult:
    returns: Returns
    report: ValidationReport
    history: CleanHistory
    db: Path | None
    incomplete: list[str] = field(default_factory=list)  # what could not be read (allow_incomplete)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # what the store is given
    meta: dict = field(default_factory=dict)  # and its meta (the returns' fingerprint under 'returns')


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


def unread(returns: Returns) -> list[str]:
    """What of the returns could not be read, one phrase each: every file the reader could not
    read or recognise, every Header or Episodes file without a required column, and every year
    (of any table read) with no Header or no Episodes. Empty when the load is whole."""
    out = []
    issues = returns.issues
    errors = issues[(issues["severity"] == "error") & ~issues["code"].isin(NOT_READ_APART)]
    out += [str(m) for m in errors["message"]]
    for f in returns.files:
        if f.table in WHOLE and f.year is not None:
            spec = returns.schema.table(f.table)
            lost = [c for c in f.missing_columns if spec.columns[c].required]
            if lost:
                out.append(f"{year_label(f.year)} {spec.title}: {f.path} has no {', '.join(lost)} column "
                           f"({'; '.join(spec.columns[c].title for c in lost)})")
    read = {(f.table, f.year) for f in returns.files}
    for y in returns.years:
        out += [f"{year_label(y)} {returns.schema.table(t).title}: no file was read" for t in WHOLE
                if (t, y) not in read]
    return out


def load(path: str | Path, db: str | Path | None, la_code: str | None = None,
         progress: Progress | None = None, *, allow_incomplete: bool = False,
         categories: str | Path | None = None) -> LoadResult:
    """Read, validate and clean the returns at `path`; write everything to the store `db` in
    one step (a failure leaves `db` as it was). Returns that are not whole (see `unread`)
    raise InputError and write nothing, unless `allow_incomplete`. `categories`: the council's
    map of placement categories (a YAML file like the built-in one), kept in the store for every
    later stage; its content is part of the returns' fingerprint."""
    result = prepare(path, la_code, progress, allow_incomplete=allow_incomplete, categories=categories,
                     db=db)
    if db is not None:
        if progress:
            progress("writing store", 0, 1)
        write_returns(db, result.tables, result.meta)
    return result


def prepare(path: str | Path, la_code: str | None = None, progress: Progress | None = None, *,
            allow_incomplete: bool = False, categories: str | Path | None = None,
            db: str | Path | None = None, fingerprint: bool = True) -> LoadResult:
    """Everything `load` does but the write: the result holds the tables and meta to pass
    to `store.write_returns(db, result.tables, result.meta)` (`db` names the store in
    messages only). `fingerprint=False` leaves the returns' fingerprint out of the meta, for
    a caller that sets it later (`meta["returns"] = fingerprint_load(tables, meta)`)."""
    kept = _categories(categories)
    returns, report = validate_path(path, la_code=la_code, progress=progress)
    if not returns.frames:
        found = report.issues[report.issues["code"] == "NO_TABLES"]["message"]
        raise InputError(found.iloc[0] if len(found) else f"{path}: no 903 table was found.")
    missing = unread(returns)
    if missing and not allow_incomplete:
        where = f"; nothing was written to {db}" if db is not None else ""
        raise InputError(f"The returns at {path} are not whole{where}: {'; '.join(missing)}. Fix or remove "
                         "these files, or load with --allow-incomplete to go on without them (every report "
                         "will then say so).")
    if progress:
        progress("cleaning", 0, 1)
    history = clean(returns, la_code=la_code)
    directory().release()  # validating and cleaning are done with the postcode directory
    tables = dict(history.tables)
    tables["validation_issues"] = report.issues
    tables["cleaning_log"] = history.log
    tables["source_files"] = _source_files(returns)
    meta = {
        "la_code": history.la_code, "years": returns.years, "source": str(path),
        "input_rows": returns.input_rows, "errors": len(report.errors),
        "warnings": len(report.warnings), "incomplete": missing,
        **({"categories": kept} if kept else {}),
    }
    if fingerprint:
        meta["returns"] = fingerprint_load(tables, meta)
    return LoadResult(returns, report, history, Path(db) if db else None, missing, tables, meta)


def fingerprint_load(tables: dict[str, pd.DataFrame], meta: dict) -> str:
    """The fingerprint of the returns in a load's `tables` and `meta` (`prepare`'s): the
    history's tables, the council and its map of placement categories, if it gave one."""
    kept = meta.get("categories")
    return fingerprint_tables({name: t for name, t in tables.items() if name not in LOAD_TABLES},
                              la_code=meta["la_code"], **({"categories": kept["map"]} if kept else {}))


def _categories(path: str | Path | None) -> dict | None:
    """{file, map} of a council's categories file, checked before anything is read (a bad
    file raises SchemaError naming what is wrong)."""
    if path is None:
        return None
    from .parameters import PlacementCategories
    from .yamlfile import read_yaml

    PlacementCategories.load(path)
    return {"file": str(path), "map": read_yaml(Path(path))}
