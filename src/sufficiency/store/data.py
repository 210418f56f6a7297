"""The store's tables as the later stages need them, read once: `StoreData`, and `frame`, the
Arrow reader behind it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from ..errors import StoreError
from ..parameters import Parameters, PlacementCategories, load_parameters
from . import counting
from .db import Store

TABLES = ("episodes", "placements", "periods", "children", "reviews", "missing", "oc2", "oc3", "ad1",
          "placed_adoption", "sw_episodes", "meta")


def frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """The rows of `sql` as the DataFrame DuckDB's `.df()` gives, through Arrow (several times
    faster for text columns): integer columns with blanks become Int64 and true/false columns
    with blanks `boolean`, and text columns with no value at all objects, as `.df()`
    makes them."""
    import pyarrow as pa

    table = con.sql(sql).to_arrow_table()
    if table.num_rows == 0:
        return con.execute(sql).df()
    out = table.to_pandas()
    for spec in table.schema:
        col = table.column(spec.name)
        if col.null_count and pa.types.is_integer(spec.type):
            out[spec.name] = col.to_pandas(types_mapper={spec.type: pd.Int64Dtype()}.get)
        elif col.null_count and pa.types.is_boolean(spec.type):
            out[spec.name] = col.to_pandas(types_mapper={spec.type: pd.BooleanDtype()}.get)
        elif col.null_count == len(col) and pa.types.is_string(spec.type):  # all blank: objects
            out[spec.name] = pd.Series([None] * len(col), dtype=object)
    return out


def _read(con: duckdb.DuckDBPyConnection, names: set[str], tables, columns: dict | None) -> dict[str, pd.DataFrame]:
    missing = [t for t in ("episodes", "children", "meta") if t not in names]
    if missing:
        raise StoreError(f"the store has no {', '.join(missing)} table: load returns with `sufficiency load`.")
    want = TABLES if tables is None else (*tables, "meta")
    cols = columns or {}

    def select(t):
        return ", ".join(f'"{c}"' for c in cols[t]) if t in cols else "*"

    return {t: frame(con, f'SELECT {select(t)} FROM "{t}"') for t in TABLES if t in names and t in want}


@dataclass
class StoreData:
    """The tables of a store, typed, with the placement category of each episode and placement."""

    tables: dict[str, pd.DataFrame]
    meta: dict
    categories: PlacementCategories
    parameters: Parameters
    years: list[int] = field(default_factory=list)

    @classmethod
    def read(cls, source, categories: PlacementCategories | None = None,
             parameters: Parameters | None = None, tables=None, columns: dict | None = None) -> StoreData:
        """From a store path, an open `Store` or an open DuckDB connection; `tables`: only
        these (and meta); `columns`: {table: [columns]} to read only those columns of a table."""
        if isinstance(source, Store):
            got = _read(source.con, source.names, tables, columns)
        elif isinstance(source, duckdb.DuckDBPyConnection):
            names = {r[0] for r in source.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
            got = _read(source, names, tables, columns)
        else:
            with Store(source) as store:  # opened (and checked to be a store) where every reader opens one
                got = _read(store.con, store.names, tables, columns)
        meta = {}
        for k, v in got.pop("meta")[["key", "value"]].itertuples(index=False):
            try:
                meta[k] = json.loads(v)
            except (TypeError, ValueError):
                meta[k] = v
        return cls._typed(got, meta, categories, parameters)

    @classmethod
    def of_load(cls, tables: dict[str, pd.DataFrame], meta: dict, columns: dict | None = None,
                parameters: Parameters | None = None) -> StoreData:
        """The tables and meta a load is writing (`pipeline.prepare`'s result), as `read` would give
        them back from the store, without reading it: `columns` as `read` takes them. The
        frames are not changed (a writer may be storing them meanwhile)."""
        cols = columns or {}
        got = {t: (frame[cols[t]] if t in cols else frame).copy(deep=False) for t, frame in tables.items()}
        return cls._typed(got, json.loads(json.dumps(meta, default=str)), None, parameters)

    @classmethod
    def _typed(cls, got: dict[str, pd.DataFrame], meta: dict, categories: PlacementCategories | None,
               parameters: Parameters | None) -> StoreData:
        cats = categories or stored_categories(meta) or PlacementCategories.load()
        for name in ("episodes", "placements"):
            if name in got:
                t = got[name]
                t["category"] = cats.assign_column(t["place"], t["place_provider"])
        years = sorted(int(y) for y in meta.get("years") or [])
        if not years and "episodes" in got and len(got["episodes"]):
            years = sorted(got["episodes"]["source_year"].dropna().astype(int).unique().tolist())
        return cls(got, meta, cats, (parameters or load_parameters()).with_categories(cats), years)

    @property
    def la_code(self) -> str | None:
        return self.meta.get("la_code")

    @property
    def fingerprint(self) -> str:
        """The fingerprint of the returns these tables came from: pass it to `add_tables` with
        the results made from them."""
        return str(self.meta.get("returns", ""))

    def open_on(self, day: pd.Timestamp, table: str = "episodes") -> pd.DataFrame:
        """Episodes (or placements) open on `day`, one per child: `counting.open_on`."""
        start, end = ("decom", "dec") if table == "episodes" else ("start", "end")
        return counting.open_on(self.tables[table], day, start=start, end=end)

    def cla(self, year: int) -> pd.DataFrame:
        """Children looked after on 31 March of `year`: `counting.cla`."""
        return counting.cla(self.tables["episodes"], self.tables["children"], year)

    def looked_after_during(self, year: int) -> pd.Index:
        """Children with an episode open on any day of the year: `counting.looked_after_during`."""
        return counting.looked_after_during(self.tables["episodes"], year)


def stored_categories(meta: dict) -> PlacementCategories | None:
    """The council's map of placement categories the returns were loaded with (meta key
    'categories': {file, map}), or None for the built-in map."""
    kept = meta.get("categories")
    if not isinstance(kept, dict) or "map" not in kept:
        return None
    return PlacementCategories.from_data(kept["map"], f"{kept.get('file', 'categories')} (kept in the store)")
