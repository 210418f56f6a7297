"""Where each result came from: fingerprints of returns and parameters, and the `results` table.

The returns' fingerprint is a SHA-256 of the cleaned tables' content (every table `load`
writes for the later stages: names, columns, types and values, row by row, leaving out where
each row was read from: `source_file`, `source_row`) and the load options that shape them (the
council code). It is taken from the cleaned tables rather than
the source files' bytes because they are what every later stage reads: the same returns saved
again as XLSX, re-zipped or renamed give the same tables and keep their results, while a
change the cleaning makes differently does not.

Every table a later stage writes (forecast_*, backtest_*, scenario_*) has a row in `results`:
  table, stage, returns (fingerprint), parameters (fingerprint), command, written_at
A result is current while its `returns` is the store's (meta key 'returns'); otherwise it is
stale and readers are told which command makes it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping

import duckdb
import pandas as pd

RESULTS_TABLE = "results"
RESULT_COLUMNS = ["table", "stage", "returns", "parameters", "command", "written_at"]

# what each stage is called in a sentence, and the command that makes its tables
STAGES = {
    "forecast": ("The forecast", "sufficiency forecast"),
    "backtest": ("The backtest", "sufficiency backtest"),
    "compare": ("The comparison of reforms", "sufficiency compare"),
    "plan": ("The capacity plan", "sufficiency plan"),
}
# stages of tables written before the results table existed, by name
PREFIXES = {"forecast_": "forecast", "backtest_": "backtest", "scenario_": "compare", "plan_": "plan"}
# where a row was read from: not part of what the returns say
PROVENANCE = ("source_file", "source_row")


def fingerprint_tables(tables: Mapping[str, pd.DataFrame], **options) -> str:
    """SHA-256 of the tables (in name order: name, columns, dtypes, every row's values, the
    PROVENANCE columns left out) and of `options` (JSON). The same content gives the same
    fingerprint whatever the row index and whichever files it was read from."""
    h = hashlib.sha256()
    h.update(fingerprint(options).encode())
    for name in sorted(tables):
        t = tables[name].drop(columns=list(PROVENANCE), errors="ignore")
        h.update(json.dumps([name, [str(c) for c in t.columns], [str(d) for d in t.dtypes]]).encode())
        if len(t.columns) and len(t):
            h.update(pd.util.hash_pandas_object(t, index=False).to_numpy().tobytes())
    return h.hexdigest()


def fingerprint(value) -> str:
    """SHA-256 of `value` as canonical JSON (sorted keys; dates and paths as text)."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def stage_of(table: str) -> str:
    """The stage that writes a result table of this name (for stores older than `results`)."""
    return next((stage for prefix, stage in PREFIXES.items() if table.startswith(prefix)), table)


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f'CREATE TABLE IF NOT EXISTS {RESULTS_TABLE} ("table" VARCHAR PRIMARY KEY, stage VARCHAR, '
                "returns VARCHAR, parameters VARCHAR, command VARCHAR, written_at VARCHAR)")


def record(con: duckdb.DuckDBPyConnection, names, *, stage: str, returns: str, parameters: str,
           command: str | None = None) -> None:
    """Stamp the tables `names` as written now by `stage` from `returns` with `parameters`."""
    ensure(con)
    now = dt.datetime.now().isoformat(timespec="seconds")
    command = command or STAGES.get(stage, ("", f"sufficiency {stage}"))[1]
    upsert(con, RESULTS_TABLE, RESULT_COLUMNS, [[name, stage, returns, parameters, command, now] for name in names])


def upsert(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: list[list]) -> None:
    """Set `rows` in `table`, keyed by its first column: a key already there is updated where it
    stands, the others are added in the order given. Two statements whatever the number of
    rows (a statement per row costs milliseconds each; a batched INSERT OR REPLACE reorders)."""
    if not rows:
        return
    quoted = [f'"{c}"' for c in columns]
    key, *rest = quoted
    values = f"(VALUES {', '.join(['(' + ', '.join('?' * len(columns)) + ')'] * len(rows))}) v({', '.join(quoted)})"
    flat = [x for row in rows for x in row]
    if rest:
        con.execute(f'UPDATE {table} SET {", ".join(f"{c} = v.{c}" for c in rest)} FROM {values} '
                    f"WHERE {table}.{key} = v.{key}", flat)
    con.execute(f"INSERT INTO {table} SELECT * FROM {values} WHERE v.{key} NOT IN (SELECT {key} FROM {table})", flat)


def drop_earlier(con: duckdb.DuckDBPyConnection, stage: str, keep) -> list[str]:
    """Drop the tables an earlier run of `stage` wrote that this run, writing `keep`, does not,
    with their stamps (a plan that found none leaves no plan behind); the names dropped. Only a
    stage of STAGES, which writes all its results each time."""
    if stage not in STAGES:
        return []
    ensure(con)
    gone = [r[0] for r in con.execute(f'SELECT "table" FROM {RESULTS_TABLE} WHERE stage = ?', [stage]).fetchall()
            if r[0] not in keep]
    for name in gone:
        con.execute(f'DROP TABLE IF EXISTS "{name}"')
        con.execute(f'DELETE FROM {RESULTS_TABLE} WHERE "table" = ?', [name])
    return gone


def read(con: duckdb.DuckDBPyConnection, names: set[str]) -> pd.DataFrame:
    """The results table (empty with its columns in a store without one)."""
    if RESULTS_TABLE not in names:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return con.execute(f"SELECT * FROM {RESULTS_TABLE}").df()


def notice(stage: str, command: str, db) -> str:
    """The sentence a reader sees in place of a stale result."""
    noun = STAGES.get(stage, (f"The {stage}",))[0]
    return f"{noun} was made from other returns; run `{command} --db {db}` again."


def notice_in_words(stage: str, command: str) -> str:
    """The same sentence for a page a person reads: the command named in words, with the plans
    it compares, and no command line."""
    import shlex

    noun = STAGES.get(stage, (f"The {stage}",))[0]
    words = shlex.split(command or "")[1:]
    name = words[0] if words else stage
    plans = words[1:next((i for i, w in enumerate(words) if w.startswith("-")), len(words))]
    named = (f", with the plans {', '.join(plans[:-1])} and {plans[-1]}" if len(plans) > 1
             else f", with the plan {plans[0]}" if plans else "")
    return f"{noun} was made from other returns: make it again from these returns (the {name} command{named})."
