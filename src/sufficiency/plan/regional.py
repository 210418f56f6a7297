"""The planner's tables from a regional store (`sufficiency region add --use planning`, then
`sufficiency region forecast`): every council whose share the store holds is a home council and
a site. The agreement must cover planning for every council held.

Demand comes from the regional forecast's combined runs (region_forecast_runs): run r of the
region is run r of every council, paired as the forecast paired them, so councils whose
children come into care together rise and fall together in the plan's scenarios too. The
plan's scenarios are the first `scenarios` combined runs. A combined run holds each council's
children looked after, those in children's homes (the residential categories) and those in
foster care other than kinship. Age bands are split in the shares of each council's
children in each need today, as for a council's store.

Supply (in-house homes and foster places today) is counted from each council's share: its
children in in-house children's homes, in homes of capacity.inhouse_residential.beds_per_home
beds, and its children with in-house foster carers other than kinship. A bought place is
inside the region in the share of today's children in bought places whose placement is in a
member council (of those whose placement's council is known).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SchemaError, StoreError
from ..parameters import Parameters
from .demand import (
    NEEDS,
    age_shares,
    council_code,
    council_points,
    demand_from_runs,
    need_categories,
    own_places,
)
from .options import PlanOptions

RUNS = "region_forecast_runs"


def is_regional(db: str | Path) -> bool:
    """Whether `db` is a regional store (meta kind 'region')."""
    import duckdb

    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(f"Cannot open {db} as a DuckDB store: {exc}") from exc
    try:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'meta'").fetchone()[0]:
            return False
        row = con.execute("SELECT value FROM meta WHERE key = 'kind'").fetchone()
        return bool(row) and json.loads(row[0]) == "region"
    finally:
        con.close()


def _runs(db: str | Path, options: PlanOptions) -> tuple[pd.DataFrame, dict, str]:
    """The combined runs the plan uses, the forecast's settings and the store's shares'
    fingerprint (meta 'returns', '' in a store stamped before it was kept)."""
    from ..region.store import connect, tables

    con = connect(db, read_only=True)
    try:
        if RUNS not in tables(con):
            raise StoreError(f"{db} holds no regional forecast: run `sufficiency region forecast --db {db}` first.")
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        settings = json.loads(meta.get("region_forecast", "{}"))
        returns = json.loads(meta["returns"]) if "returns" in meta else ""
        runs, years = int(settings.get("runs", 0)), int(settings.get("years", 0))
        if options.scenarios > runs:
            raise SchemaError(f"{options.file}: scenarios: {options.scenarios} is more than the regional forecast's "
                              f"{runs} runs; ask for fewer, or forecast again with --runs {options.scenarios}.")
        if options.years > years:
            raise SchemaError(f"{options.file}: years: {options.years} is more than the regional forecast's {years} "
                              f"years; ask for fewer, or forecast again with --years {options.years}.")
        if "foster" not in {c[0] for c in con.execute(f"DESCRIBE {RUNS}").fetchall()}:
            raise StoreError(f"{db}: the regional forecast was made by an earlier version that did not count children "
                             f"in foster care; run `sufficiency region forecast --db {db}` again.")
        frame = con.execute(f"SELECT run, date, council, children, residential, foster FROM {RUNS} "
                            "WHERE run < ? AND council <> 'region' ORDER BY run, council, date",
                            [options.scenarios]).df()
    finally:
        con.close()
    dates = sorted(frame["date"].unique())[:options.years + 1]
    return frame[frame["date"].isin(dates)], settings, returns


def region_tables(db: str | Path, options: PlanOptions, params: Parameters) -> dict:
    """From a regional store: demand, supply and councils (tables), the forecast's start date
    (start), the shares' placement categories, the shares' fingerprint (returns), and where
    places are (inside: site -> in the region; spot_inside: share of bought places in it)."""
    from ..region.indicators import RegionData

    data = RegionData.read(db)
    data.require("planning")
    runs, settings, returns = _runs(db, options)
    held = dict(zip(data.councils["council"], data.councils["share"], strict=True))
    if settings.get("shares") != held:
        raise StoreError(f"{db}: the regional forecast was made from other shares than those held; run "
                         f"`sufficiency region forecast --db {db}` again.")
    start = pd.Timestamp(runs["date"].min()).date()
    beds = int(params.value("capacity.inhouse_residential.beds_per_home", start))
    demand, supply, categories = [], [], None
    for code in data.codes:
        share = data.council(code)
        categories = share.categories
        today = share.cla(start.year)
        needs = need_categories(categories)
        mine = runs[runs["council"] == code]
        paths = pd.concat([mine.assign(category="residential", value=mine["residential"]),
                           mine.assign(category="foster", value=mine["foster"])], ignore_index=True)
        demand.append(demand_from_runs(paths[["run", "date", "category", "value"]], code, NEEDS,
                                       age_shares(today, needs)))
        homes, places = own_places(today, categories, beds)
        supply.append({"council": code, "homes": homes, "foster_places": places})
    sites = list(dict.fromkeys([*data.codes, *(council_code(s, options.file, "sites") for s in options.sites)]))
    members = {m.code for m in data.agreement.councils}
    return {"demand": pd.concat(demand, ignore_index=True), "supply": pd.DataFrame(supply),
            "councils": council_points(sites), "start": start, "categories": categories, "returns": returns,
            "inside": np.array([s in members for s in sites]), "spot_inside": _spot_inside(data, categories, start.year)}


def _spot_inside(data, categories, year: int) -> float:
    """Of today's children in bought places (children's homes and foster carers other than the
    councils' own) whose placement's council is known, the share placed in a member council."""
    from ..region.location import UNKNOWN, where

    bought = (*categories.select("residential", "external"), *categories.select("foster", "external",
                                                                                  without=("kinship",)))
    live = where(data, year)
    live = live[live["category"].isin(bought) & (live["place"] != UNKNOWN)]
    return float(live["place"].isin(["own council", "elsewhere in region"]).mean()) if len(live) else 0.0
