"""The store's tables as the indicators need them, read once, and the census helpers they share.

Every indicator is a pure function of a `StoreData` and a year (the year ending 31 March).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from ..errors import StoreError
from ..parameters import Parameters, PlacementCategories, load_parameters
from ..vocab import age_on, census, year_start

COLUMNS = ["indicator", "family", "year", "dimension", "category", "value", "numerator", "denominator", "unit",
           "note"]
TABLES = ("episodes", "placements", "periods", "children", "reviews", "missing", "oc3", "meta")


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
        """From a store path or an open DuckDB connection; `tables`: only these (and meta);
        `columns`: {table: [columns]} to read only those columns of a table."""
        own = not isinstance(source, duckdb.DuckDBPyConnection)
        if own:  # opened (and checked to be a store) where every reader opens one
            from ..store import Store

            store = Store(source)
            con, names = store.con, store.names
        else:
            con = source
            names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        try:
            missing = [t for t in ("episodes", "children", "meta") if t not in names]
            if missing:
                raise StoreError(f"the store has no {', '.join(missing)} table: load returns with `sufficiency load`.")
            want = TABLES if tables is None else (*tables, "meta")
            cols = columns or {}

            def select(t):
                return ", ".join(f'"{c}"' for c in cols[t]) if t in cols else "*"

            tables = {t: frame(con, f'SELECT {select(t)} FROM "{t}"') for t in TABLES if t in names and t in want}
        finally:
            if own:
                store.close()
        import json

        meta = {}
        for k, v in tables.pop("meta")[["key", "value"]].itertuples(index=False):
            try:
                meta[k] = json.loads(v)
            except (TypeError, ValueError):
                meta[k] = v
        cats = categories or PlacementCategories.load()
        for name in ("episodes", "placements"):
            if name in tables:
                t = tables[name]
                t["category"] = cats.assign_column(t["place"], t["place_provider"])
        years = sorted(int(y) for y in meta.get("years") or [])
        if not years and "episodes" in tables and len(tables["episodes"]):
            years = sorted(tables["episodes"]["source_year"].dropna().astype(int).unique().tolist())
        return cls(tables, meta, cats, parameters or load_parameters(), years)

    @property
    def la_code(self) -> str | None:
        return self.meta.get("la_code")

    def open_on(self, day: pd.Timestamp, table: str = "episodes") -> pd.DataFrame:
        """Rows (episodes or placements) open on `day`: started on or before it and not ended
        before it, one per child (the latest start). An episode closed by cleaning at the end of
        the data (end_censored) was open on its end day; one with a real DEC on the day was not."""
        t = self.tables[table]
        start, end = ("decom", "dec") if table == "episodes" else ("start", "end")
        open_ = (t[start] <= day) & (t[end].isna() | (t[end] > day) | (t["end_censored"] & (t[end] == day)))
        rows = t[open_.fillna(False).to_numpy(bool)]
        return rows.sort_values(["child", start]).drop_duplicates("child", keep="last")

    def cla(self, year: int) -> pd.DataFrame:
        """Children looked after on 31 March of `year`: their open episode, with dob and age."""
        ep = self.open_on(census(year))
        kids = self.tables["children"].drop_duplicates("child").set_index("child")
        ep = ep.assign(dob=ep["child"].map(kids["dob"]), uasc=ep["child"].map(kids["uasc"]).fillna(False))
        ep["age"] = age_on(pd.to_datetime(ep["dob"]), census(year))
        return ep

    def looked_after_during(self, year: int) -> pd.Index:
        """Children with an episode open on any day of the year."""
        ep = self.tables["episodes"]
        hit = (ep["decom"] <= census(year)) & (ep["dec"].isna() | (ep["dec"] >= year_start(year)))
        return pd.Index(ep.loc[hit.fillna(False).to_numpy(bool), "child"].unique())


def row(indicator: str, family: str, year: int, value, numerator=None, denominator=None,
        unit: str = "count", dimension: str = "", category: str = "all", note: str = "") -> dict:
    """One tidy row; `note` says why a value is missing (e.g. the returns loaded are too few)."""
    v = float(value) if value is not None and not (isinstance(value, float) and np.isnan(value)) else np.nan
    return {"indicator": indicator, "family": family, "year": int(year), "dimension": dimension,
            "category": category, "value": v, "numerator": numerator, "denominator": denominator, "unit": unit,
            "note": note}


def pct(num: int, den: int) -> float:
    return 100.0 * num / den if den else np.nan


def breakdown(indicator: str, family: str, year: int, values: pd.Series, dimension: str,
              order: list[str]) -> list[dict]:
    """Counts of each category (all of `order`, zeros included) and their share of the total."""
    counts = values.value_counts()
    total = int(len(values))
    return [row(indicator, family, year, int(counts.get(c, 0)), int(counts.get(c, 0)), total,
                "count", dimension, c) for c in order]
