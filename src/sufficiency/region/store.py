"""The regional store: the shares of the member councils in one DuckDB file, and its log.

Tables (each data table is a council's share table with a `council` column, its ONS code, first):
  children, episodes, placements, periods, reviews, missing, oc3   the shared care histories
  councils    council, name, share (SHA-256 of the file), agreement_version, uses, years,
              made_at, imported_at, keep_until, key_check, children (rows)
  agreement   region, version, source, text (the YAML as written), set_at
  share_log   logged_at, action (import, remove, agreement, results), council, name, file, share, detail
  meta        key, value: kind 'region', region, agreement_version (so `Store` opens it);
              region_forecast: the settings of the forecast in the store; returns: the
              fingerprint of the shares held (council -> share)
  region_forecast       council (ONS code or 'region'), date, measure (children, weekly_cost, residential),
                        quantile, value
  region_forecast_runs  run, date, council, children, weekly_cost, residential: every combined run

The forecast tables are made from the shares held when it ran: importing or removing a share
drops them (in the same transaction), so a forecast of other shares is never shown.

A council's new share replaces all its rows (a share holds the council's whole history); its
children keep their pseudonyms while the council keeps its key. Every import, removal and change
of agreement is a row of share_log, written in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd

from .. import __version__
from ..errors import StoreError
from ..store import lineage
from ..store.lineage import fingerprint
from .agreement import Agreement, parse_agreement

DATA_TABLES = ("children", "episodes", "placements", "periods", "reviews", "missing", "oc3")
LOG, COUNCILS, AGREEMENT = "share_log", "councils", "agreement"
RESULTS = ("region_forecast", "region_forecast_runs")
LOG_COLUMNS = ["logged_at", "action", "council", "name", "file", "share", "detail"]


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def connect(db: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = Path(db)
    if read_only and not path.exists():
        raise StoreError(f"{db} does not exist: import shares with `sufficiency region add *.share --db {db}`.")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"Cannot open {db} as a DuckDB store: {exc}") from exc
    names = tables(con)
    if names and "meta" in names:
        kind = con.execute("SELECT value FROM meta WHERE key = 'kind'").fetchone()
        if not kind or json.loads(kind[0]) != "region":
            con.close()
            raise StoreError(f"{db} is a council's store, not a regional one; give another --db.")
    elif names:
        con.close()
        raise StoreError(f"{db} is a DuckDB file but not a regional store; give another --db.")
    elif read_only:
        con.close()
        raise StoreError(f"{db} holds no shares: import some with `sufficiency region add *.share --db {db}`.")
    return con


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = "
                                      "current_database()").fetchall()}


def stored_agreement(con: duckdb.DuckDBPyConnection) -> Agreement | None:
    if AGREEMENT not in tables(con):
        return None
    row = con.execute(f"SELECT text, source FROM {AGREEMENT}").fetchone()
    return parse_agreement(row[0], f"{row[1]} (kept in the regional store)") if row else None


def log(con: duckdb.DuckDBPyConnection, action: str, council: str = "", name: str = "", file: str = "",
        share: str = "", detail: str = "") -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {LOG} (logged_at VARCHAR, action VARCHAR, council VARCHAR, name VARCHAR, "
                "file VARCHAR, share VARCHAR, detail VARCHAR)")
    con.execute(f"INSERT INTO {LOG} VALUES (?, ?, ?, ?, ?, ?, ?)", [_now(), action, council, name, file, share, detail])


def set_agreement(con: duckdb.DuckDBPyConnection, agreement: Agreement) -> None:
    """Keep `agreement` as the region's (logged when it is new or changed)."""
    old = stored_agreement(con)
    if old is not None and old.text == agreement.text:
        return
    con.execute(f"CREATE OR REPLACE TABLE {AGREEMENT} (region VARCHAR, version VARCHAR, source VARCHAR, "
                "text VARCHAR, set_at VARCHAR)")
    con.execute(f"INSERT INTO {AGREEMENT} VALUES (?, ?, ?, ?, ?)",
                [agreement.region, agreement.version, agreement.source, agreement.text, _now()])
    was = f" (was version {old.version})" if old else ""
    log(con, "agreement", detail=f"{agreement.region} agreement version {agreement.version} from {agreement.source}{was}")
    _meta(con, {"kind": "region", "region": agreement.region, "agreement_version": agreement.version})


def _meta(con: duckdb.DuckDBPyConnection, values: dict) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    lineage.upsert(con, "meta", ["key", "value"],
                   [[k, json.dumps(v)] for k, v in {**values, "version": __version__, "written_at": _now()}.items()])


def replace_council(con: duckdb.DuckDBPyConnection, council: str, frames: dict[str, pd.DataFrame]) -> None:
    """Put `frames` in place of every row the council had (each table rebuilt, so a field one
    council shares and another does not is blank for the other)."""
    have = tables(con)
    for name in DATA_TABLES:
        new = frames.get(name)
        old = (con.execute(f'SELECT * FROM "{name}" WHERE council <> ?', [council]).df()
               if name in have else pd.DataFrame())
        parts = [f for f in (old, None if new is None else new.assign(council=council)) if f is not None and len(f.columns)]
        if not parts:
            continue
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        frame = frame[["council", *[c for c in frame.columns if c != "council"]]]
        con.register("_frame", frame)
        con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _frame')
        con.unregister("_frame")


def record_council(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {COUNCILS} (council VARCHAR PRIMARY KEY, name VARCHAR, share VARCHAR, "
                "agreement_version VARCHAR, uses VARCHAR, years VARCHAR, made_at VARCHAR, imported_at VARCHAR, "
                "keep_until VARCHAR, key_check VARCHAR, children BIGINT)")
    con.execute(f"INSERT OR REPLACE INTO {COUNCILS} VALUES ($council, $name, $share, $agreement_version, $uses, "
                "$years, $made_at, $imported_at, $keep_until, $key_check, $children)", row)


def councils(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The councils whose shares the store holds (empty, with its columns, when none)."""
    if COUNCILS not in tables(con):
        return pd.DataFrame(columns=["council", "name", "share", "agreement_version", "uses", "years", "made_at",
                                     "imported_at", "keep_until", "key_check", "children"])
    return con.execute(f"SELECT * FROM {COUNCILS} ORDER BY name").df()


def drop_council(con: duckdb.DuckDBPyConnection, council: str) -> dict[str, int]:
    """Delete every row of the council; the rows deleted, by table."""
    have = tables(con)
    gone = {}
    for name in (*DATA_TABLES, COUNCILS):
        if name in have:
            gone[name] = int(con.execute(f'SELECT count(*) FROM "{name}" WHERE council = ?', [council]).fetchone()[0])
            con.execute(f'DELETE FROM "{name}" WHERE council = ?', [council])
    return gone


def read_log(db: str | Path) -> pd.DataFrame:
    """The store's log of imports, removals and agreements, oldest first."""
    con = connect(db, read_only=True)
    try:
        if LOG not in tables(con):
            return pd.DataFrame(columns=LOG_COLUMNS)
        return con.execute(f"SELECT * FROM {LOG} ORDER BY logged_at").df()
    finally:
        con.close()


def drop_results(con: duckdb.DuckDBPyConnection) -> bool:
    """Drop the results made from the shares held until now; whether there were any. The store
    is stamped with the shares it now holds (meta 'returns'), so results kept with their lineage
    (the capacity plan's, in `results`) are stale once made from other shares."""
    had = bool(set(RESULTS) & tables(con))
    for name in RESULTS:
        con.execute(f'DROP TABLE IF EXISTS "{name}"')
    if "meta" in tables(con):
        con.execute("DELETE FROM meta WHERE key = 'region_forecast'")
    held = councils(con)
    _meta(con, {"returns": fingerprint(dict(zip(held["council"], held["share"], strict=True)))})
    return had


def write_results(db: str | Path, frames: dict[str, pd.DataFrame], settings: dict) -> None:
    """Replace the forecast tables and record their settings, in one transaction."""
    con = connect(db)
    try:
        con.execute("BEGIN TRANSACTION")
        for name, frame in frames.items():
            con.register("_frame", frame)
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _frame')
            con.unregister("_frame")
        _meta(con, {"region_forecast": settings})
        con.execute("COMMIT")
    finally:
        con.close()


def read_results(db: str | Path) -> tuple[pd.DataFrame, dict] | None:
    """The forecast quantiles and their settings, or None when the store holds no forecast."""
    con = connect(db, read_only=True)
    try:
        if "region_forecast" not in tables(con):
            return None
        row = con.execute("SELECT value FROM meta WHERE key = 'region_forecast'").fetchone()
        return con.execute("SELECT * FROM region_forecast").df(), json.loads(row[0]) if row else {}
    finally:
        con.close()
