"""The DuckDB store: where stages meet. Loading writes the cleaned tables and the validation
report; later stages read tables, never model objects.

Tables written by `sufficiency load`: every table of the cleaned history (children, episodes,
placements, periods, short_breaks, reviews, missing, ...), `validation_issues`,
`cleaning_log`, `source_files` and `meta` (key, value: version, la_code, years, loaded_at).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd

from . import __version__
from .errors import StoreError

META_TABLE = "meta"


def write_tables(db: str | Path, tables: dict[str, pd.DataFrame], meta: dict) -> None:
    """Replace the given tables in the store (created if absent) and record `meta`."""
    try:
        con = duckdb.connect(str(db))
    except duckdb.Error as exc:
        raise StoreError(f"Cannot open {db} as a DuckDB store: {exc}") from exc
    try:
        con.execute("BEGIN TRANSACTION")
        for name, frame in tables.items():
            con.register("_frame", frame)
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _frame')
            con.unregister("_frame")
        rows = {**meta, "version": __version__, "written_at": dt.datetime.now().isoformat(timespec="seconds")}
        con.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)")
        for key, value in rows.items():
            con.execute(
                f"INSERT OR REPLACE INTO {META_TABLE} VALUES (?, ?)", [key, json.dumps(value, default=str)]
            )
        con.execute("COMMIT")
    finally:
        con.close()


def add_tables(db: str | Path, tables: dict[str, pd.DataFrame], meta: dict) -> None:
    """Replace the given result tables in an existing store (a later stage's output: forecast,
    backtest, scenarios), leaving its other tables alone."""
    path = Path(db)
    if not path.exists():
        raise StoreError(f"{path} does not exist: create it with `sufficiency load RETURNS --db {path}`.")
    write_tables(path, tables, meta)


class Store:
    """Read-only access to a store written by `sufficiency load`."""

    def __init__(self, db: str | Path):
        path = Path(db)
        if not path.exists():
            raise StoreError(f"{db} does not exist: create it with `sufficiency load RETURNS --db {db}`.")
        try:
            self.con = duckdb.connect(str(path), read_only=True)
            names = {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        except duckdb.Error as exc:
            raise StoreError(f"{db} is not a DuckDB store ({exc}).") from exc
        if META_TABLE not in names:
            self.con.close()
            raise StoreError(f"{db} is a DuckDB file but not a sufficiency store (no {META_TABLE} table).")
        self.path = path
        self.names = names

    def meta(self) -> dict:
        return {k: json.loads(v) for k, v in self.con.execute(f"SELECT key, value FROM {META_TABLE}").fetchall()}

    def table(self, name: str) -> pd.DataFrame:
        if name not in self.names:
            raise StoreError(f"{self.path} has no table {name!r}; it has {', '.join(sorted(self.names))}.")
        return self.con.execute(f'SELECT * FROM "{name}"').df()

    def sql(self, query: str, params=None) -> pd.DataFrame:
        return self.con.execute(query, params or []).df()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
