"""The DuckDB store: where stages meet. Loading writes the cleaned tables and the validation
report; later stages read tables, never model objects, and write their results beside them.

Tables written by `sufficiency load`: every table of the cleaned history (children, episodes,
placements, periods, short_breaks, reviews, missing, ...), `validation_issues`,
`cleaning_log`, `source_files` and `meta` (key, value: version, la_code, years, loaded_at,
returns: the returns' fingerprint, incomplete: what could not be read). A later stage's tables
are stamped in `results` (see lineage.py); a result built on other returns is never shown.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from .. import __version__
from ..errors import StoreError
from . import lineage

META_TABLE = "meta"


def _connect(db: Path, read_only: bool = False, **config) -> duckdb.DuckDBPyConnection:
    """A connection to `db` with DuckDB's settings `config` (none: its defaults, shared with any
    connection to `db` this process holds)."""
    try:
        return duckdb.connect(str(db), read_only=read_only, config=config)
    except duckdb.Error as exc:
        raise StoreError(f"Cannot open {db} as a DuckDB store: {exc}") from exc


def _arrow(frame: pd.DataFrame):
    """`frame` as an Arrow table DuckDB stores with the same types and values as the frame
    itself (text in Arrow as it stands; numbers, true/false and times (any unit) from NumPy,
    NaN and NaT as blanks, as DuckDB reads them from a frame; Int64 and boolean with their
    blanks), which it scans several times faster; None if a column is of another type."""
    import pyarrow as pa

    if not frame.columns.is_unique or not all(isinstance(c, str) for c in frame.columns):
        return None
    columns = {}
    for name, col in frame.items():
        dtype = col.dtype
        if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" or dtype.name in ("Int64", "boolean"):
            columns[name] = pa.array(col.array)
        elif isinstance(dtype, np.dtype) and (dtype.kind in "biuM" or dtype in (np.float32, np.float64)):
            columns[name] = pa.array(col.to_numpy(), from_pandas=True)
        else:
            return None
    return pa.table(columns) if columns else None


def _put(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame], meta: dict) -> None:
    """Replace `tables` (through Arrow where `_arrow` can) and set the keys of `meta` (with the
    version and the time)."""
    for name, frame in tables.items():
        arrow = _arrow(frame)
        con.register("_frame", frame if arrow is None else arrow)
        con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _frame')
        con.unregister("_frame")
    rows = {**meta, "version": __version__, "written_at": dt.datetime.now().isoformat(timespec="seconds")}
    con.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)")
    lineage.upsert(con, META_TABLE, ["key", "value"], [[k, json.dumps(v, default=str)] for k, v in rows.items()])


def _meta(con: duckdb.DuckDBPyConnection, schema: str = "main") -> dict:
    out = {}
    for key, value in con.execute(f'SELECT key, value FROM "{schema}".{META_TABLE}').fetchall():
        try:
            out[key] = json.loads(value)
        except (TypeError, ValueError):
            out[key] = value
    return out


def write_tables(db: str | Path, tables: dict[str, pd.DataFrame], meta: dict) -> None:
    """Replace the given tables in the store (created if absent) and record `meta`, in one
    transaction."""
    con = _connect(Path(db))
    try:
        con.execute("BEGIN TRANSACTION")
        _put(con, tables, meta)
        con.execute("COMMIT")
    finally:
        con.close()


def open_store(db: str | Path) -> duckdb.DuckDBPyConnection:
    """A connection to the existing store at `db` for `add_tables(..., con=)`: DuckDB takes tens
    of milliseconds to open a database, which a caller can spend while it works out the tables."""
    path = Path(db)
    if not path.exists():
        raise StoreError(f"{path} does not exist: create it with `sufficiency load RETURNS --db {path}`.")
    return _connect(path)


def add_tables(db: str | Path, tables: dict[str, pd.DataFrame], meta: dict, *, stage: str | None = None,
               returns: str | None = None, parameters=None, command: str | None = None,
               con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Replace the given result tables in an existing store (a later stage's output: forecast,
    backtest, scenarios), leaving its other tables alone, and stamp each in `results`. The
    stage's tables of an earlier run that this one does not write are dropped.

    stage: what wrote them (default: the one key of `meta`, e.g. 'forecast').
    returns: the fingerprint of the returns they were built from (StoreData.fingerprint); the
      store's own by default. A store loaded with other returns since is an error.
    parameters: what they were made with, fingerprinted (default: `meta`).
    command: the command that makes them again (default: `sufficiency <stage>`).
    con: the store opened already (`open_store(db)`); closed here as a connection of its own is."""
    path = Path(db)
    con = open_store(path) if con is None else con
    try:
        current = _meta(con).get("returns", "") if _has(con, META_TABLE) else ""
        stage = stage or (next(iter(meta)) if len(meta) == 1 else "results")
        if returns is not None and returns != current:
            raise StoreError(f"{path} was loaded with other returns while the {stage} ran; run it again.")
        con.execute("BEGIN TRANSACTION")
        lineage.drop_earlier(con, stage, tables)
        _put(con, tables, meta)
        lineage.record(con, tables, stage=stage, returns=current, command=command,
                       parameters=lineage.fingerprint(meta if parameters is None else parameters))
        con.execute("COMMIT")
    finally:
        con.close()


def _has(con: duckdb.DuckDBPyConnection, table: str, database: str | None = None) -> bool:
    """Whether `table` is in the database `database` (default: the connection's own)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
                            "AND database_name = coalesce(?, current_database())", [table, database]).fetchone()[0])


def write_returns(db: str | Path, tables: dict[str, pd.DataFrame], meta: dict) -> None:
    """Write a newly loaded store at `db` in one step: the tables and `meta` (which holds the
    returns' fingerprint under 'returns') go into a new file beside `db`, the results of the
    store already at `db` are carried over when built on the same returns (recorded as stale
    otherwise), and the new file is renamed over `db`. If anything fails or is interrupted,
    `db` is left as it was."""
    path = Path(db)
    if path.with_name(path.name + ".wal").exists():  # a writer stopped before its checkpoint: fold
        con = _connect(path)                         # its log into `db` (same content), or the log
        con.execute("CHECKPOINT")                    # would be replayed onto the new file
        con.close()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.loading")
    _remove(tmp)
    try:
        # the new file is this connection's alone: one thread copies the frames in order, at less
        # cost than DuckDB's pool of threads handing small tables between them
        con = _connect(tmp, threads=1)
        try:
            con.execute("SET wal_autocheckpoint = '0KB'")  # the commit writes the new file itself, not a log first
            con.execute("BEGIN TRANSACTION")
            carried = _carry(con, path, meta["returns"], set(tables)) if path.exists() else {}
            _put(con, tables, {**carried, **meta})
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)
    finally:
        _remove(tmp)


def _remove(tmp: Path) -> None:
    for p in (tmp, tmp.with_name(tmp.name + ".wal")):
        p.unlink(missing_ok=True)


def _carry(con: duckdb.DuckDBPyConnection, old: Path, returns: str, loaded: set[str]) -> dict:
    """Copy into `con` the results of the store `old` built on `returns`, and the rows of its
    `results` table (those on other returns, or on returns unknown because written without a
    row in `results`, stay as records of what to run again); return the meta of the stages
    kept."""
    quoted = str(old).replace("'", "''")
    try:
        con.execute(f"ATTACH '{quoted}' AS old (READ_ONLY)")
    except duckdb.Error as exc:
        raise StoreError(f"{old} cannot be opened to be replaced ({exc}): if it is a store, close any program "
                         "using it; otherwise give another --db.") from exc
    if not _has(con, META_TABLE, "old"):
        raise StoreError(f"{old} is a DuckDB file but not a sufficiency store; give another --db.")
    meta = _meta(con, "old")
    same = meta.get("returns") == returns
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'old'")
             .fetchall()}
    lineage.ensure(con)
    if lineage.RESULTS_TABLE in names:
        con.execute(f"INSERT INTO {lineage.RESULTS_TABLE} SELECT * FROM old.{lineage.RESULTS_TABLE}")
    recorded = {r[0] for r in con.execute(f'SELECT "table" FROM {lineage.RESULTS_TABLE}').fetchall()}
    unrecorded = [n for n in names - recorded - loaded if lineage.stage_of(n) != n]
    for name in unrecorded:  # built on returns unknown
        lineage.record(con, [name], stage=lineage.stage_of(name), returns="", parameters="")
    if not same:
        return {}
    keep = con.execute(f'SELECT "table", stage FROM {lineage.RESULTS_TABLE} WHERE returns = ?', [returns]).fetchall()
    for name, _stage in keep:
        if name in names and name not in loaded:
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM old."{name}"')
    stages = {stage for _name, stage in keep}
    return {k: v for k, v in meta.items() if k in stages}


class Store:
    """Read-only access to a store written by `sufficiency load`. Result tables built on other
    returns than the store's are hidden: `names` leaves them out, `table` names the command
    that makes them again, `stale()` lists them by stage."""

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
        self._meta = _meta(self.con)
        results = lineage.read(self.con, names)
        old = results[(results["returns"] != self.fingerprint) | ~results["table"].isin(names)]
        self._stale = old.set_index("table")
        self.names = names - set(old["table"])

    @property
    def fingerprint(self) -> str:
        """The fingerprint of the returns loaded ('' in a store written without one)."""
        return str(self._meta.get("returns", ""))

    def meta(self) -> dict:
        return dict(self._meta)

    def stale(self, in_words: bool = False) -> dict[str, str]:
        """Stage -> the sentence that says its results were made from other returns and which
        command makes them again (`in_words`: for a report, the command named in words)."""
        rows = self._stale.drop_duplicates("stage")
        if in_words:
            return {r.stage: lineage.notice_in_words(r.stage, r.command) for r in rows.itertuples()}
        return {r.stage: lineage.notice(r.stage, r.command, self.path) for r in rows.itertuples()}

    def table(self, name: str) -> pd.DataFrame:
        if name in self._stale.index:
            r = self._stale.loc[name]
            raise StoreError(lineage.notice(r["stage"], r["command"], self.path))
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
