"""The planner's data as tables, and the arrays the model reads.

Demand is a table by home council, so one council's store is a region of one and a regional
store gives several councils in the same shape:
  demand:   scenario, council, need (residential | foster), age_band, year, children
  supply:   council, homes, foster_places          (in-house, today)
  councils: council, name, easting, northing       (where children come from and places are)
From a council's store, demand comes from the forecast engine's runs (`forecast.simulate`, the
paths by placement category): children in the residential categories need a children's home,
those in the foster categories other than kinship a foster place; each year's figure is the
mean of its two 31 Marches, split by age band in the shares of the children there today.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..errors import SchemaError, StoreError
from ..parameters import Parameters
from ..parameters.categories import PlacementCategories
from ..vocab import age_band, date_of
from .inputs import PlanInputs, prices_from
from .options import PlanOptions

NEEDS = {"residential": ("residential",), "foster": ("foster",)}


def need_categories(categories: PlacementCategories) -> dict[str, tuple[str, ...]]:
    """need -> the placement categories whose children have it (kinship care is no foster place
    the council recruits)."""
    return {"residential": categories.select("residential"),
            "foster": categories.select("foster", without=("kinship",))}


def demand_from_runs(paths: pd.DataFrame, council: str, needs: dict, age_shares: pd.DataFrame) -> pd.DataFrame:
    """The demand table from a forecast's yearly paths (run, date, category, value: the first
    date the start, then each 31 March) for one home council. `age_shares`: need, age_band, share."""
    p = paths.assign(need=paths["category"].map({c: n for n, cs in needs.items() for c in cs}))
    p = p.dropna(subset=["need"]).groupby(["run", "date", "need"])["value"].sum().reset_index()
    p = p.sort_values(["run", "need", "date"])
    p["mean"] = p.groupby(["run", "need"])["value"].transform(lambda v: (v + v.shift(1)) / 2)
    p = p.dropna(subset=["mean"])
    p["year"] = pd.to_datetime(p["date"]).dt.year
    out = p.merge(age_shares, on="need")
    out["children"] = out["mean"] * out["share"]
    out = out.rename(columns={"run": "scenario"}).assign(council=council)
    return out[["scenario", "council", "need", "age_band", "year", "children"]].reset_index(drop=True)


def age_shares(today: pd.DataFrame, needs: dict) -> pd.DataFrame:
    """need, age_band, share: the age bands of the children in each need's categories today
    (`today`: category, age); a need with nobody in it today counts all at 16 and over."""
    rows = []
    for need, cats in needs.items():
        bands = age_band(today.loc[today["category"].isin(cats), "age"]).value_counts(normalize=True)
        if bands.empty:
            bands = pd.Series({age_band(pd.Series([16])).iloc[0]: 1.0})
        rows += [{"need": need, "age_band": str(b), "share": float(s)} for b, s in bands.items()]
    return pd.DataFrame(rows)


def council_tables(db, options: PlanOptions, params: Parameters) -> dict:
    """From a council's store: demand, supply and councils (tables), the forecast's start date
    (start), the store's placement categories and the returns' fingerprint."""
    from ..forecast import fit, simulate
    from ..store import StoreData

    data = StoreData.read(db, parameters=params)
    code = data.la_code
    if not code:
        raise StoreError(f"{db} does not record its council (la_code): load the returns again with --la.")
    model = fit(data)
    start = date_of(int(model.as_of))
    fc = simulate(model, years=options.years, runs=options.scenarios, seed=options.seed)
    needs = need_categories(data.categories)
    today = data.cla(start.year)
    demand = demand_from_runs(fc.paths("category"), code, needs, age_shares(today, needs))
    homes, places = own_places(today, data.categories, int(params.value("capacity.inhouse_residential.beds_per_home",
                                                                         start)))
    if "capacity.inhouse_residential.homes" in params:
        homes = int(params.value("capacity.inhouse_residential.homes", start))
    if "capacity.inhouse_foster.places" in params:
        places = float(params.value("capacity.inhouse_foster.places", start))
    supply = pd.DataFrame({"council": [code], "homes": [homes], "foster_places": [places]})
    sites = [code, *(council_code(s, options.file, "sites") for s in options.sites)]
    councils = council_points(list(dict.fromkeys(sites)))
    return {"demand": demand, "supply": supply, "councils": councils, "start": start,
            "categories": data.categories, "returns": data.fingerprint}


def own_places(today: pd.DataFrame, categories: PlacementCategories, beds_per_home: int) -> tuple[int, float]:
    """The council's own homes and foster places, counted from its children today (`today`:
    category): enough homes of `beds_per_home` beds for its children in in-house children's
    homes, and a place for each child with its own foster carers other than kinship."""
    own = int(today["category"].isin(categories.select("residential", "inhouse")).sum())
    foster = float(today["category"].isin(categories.select("foster", "inhouse", without=("kinship",))).sum())
    return int(np.ceil(own / beds_per_home)), foster


def council_points(codes: list[str]) -> pd.DataFrame:
    """council, name, easting, northing: each council's centroid (the mean of its postcodes)."""
    from ..reference.authorities import authorities
    from ..reference.postcodes import directory

    rows = []
    for code in codes:
        pcs = directory().in_council(code)
        if not len(pcs):
            raise SchemaError(f"council {code} has no postcodes to place it on the map")
        la = authorities().get(code)
        rows.append({"council": code, "name": la.name if la else code,
                     "easting": float(pcs["easting"].mean()), "northing": float(pcs["northing"].mean())})
    return pd.DataFrame(rows)


def council_code(name: str, file: str, key: str) -> str:
    """The ONS code of a council named in the options file (`key` names where, in errors)."""
    from ..errors import InputError
    from ..reference.authorities import find_authority

    try:
        return find_authority(str(name)).code
    except InputError as exc:
        raise SchemaError(f"{file}: {key}: {exc}") from None


def plan_inputs(demand: pd.DataFrame, supply: pd.DataFrame, councils: pd.DataFrame, options: PlanOptions,
                params: Parameters, categories: PlacementCategories, start: dt.date) -> PlanInputs:
    """The model's arrays from the tables (a council in `councils` without supply or demand has
    none), the options and the parameters."""
    from ..reference.postcodes import miles

    codes = tuple(councils["council"])
    years = tuple(sorted(int(y) for y in demand["year"].unique()))
    W = int(demand["scenario"].max()) + 1

    def grid(need):
        d = demand[demand["need"] == need].groupby(["scenario", "year", "council"])["children"].sum()
        full = pd.MultiIndex.from_product([range(W), years, codes], names=["scenario", "year", "council"])
        return d.reindex(full, fill_value=0.0).to_numpy().reshape(W, len(years), len(codes))

    sup = supply.set_index("council").reindex(list(codes)).fillna(0.0)
    e, n = councils["easting"].to_numpy(), councils["northing"].to_numpy()
    lim = options.limits
    alone = options.must_live_alone_share
    dist = options.distance
    return PlanInputs(
        councils=codes, years=years, demand_res=grid("residential"), demand_foster=grid("foster"),
        alone_share=params.value("placements.must_live_alone_share", start) if alone is None else alone,
        homes=sup["homes"].to_numpy(float), foster_places=sup["foster_places"].to_numpy(float),
        miles=miles(e[:, None], n[:, None], e[None, :], n[None, :]), sizes=tuple(options.home_sizes),
        prices=prices_from(params, categories, years, start),
        limit_homes=_by_council(lim.homes_per_council_per_year, "homes_per_council_per_year", codes, years,
                                params, start, options.file),
        limit_recruits=_by_council(lim.foster_recruits_per_council_per_year, "foster_recruits_per_council_per_year",
                                   codes, years, params, start, options.file),
        limit_block=_by_council(lim.block_beds_per_council_per_year, "block_beds_per_council_per_year", codes,
                                years, params, start, options.file),
        budget=_budget(lim.capital_budget, years, options.file), min_near_share=dist.min_share_within_20_miles,
        distance_cost=dist.cost_per_mile, risk_weight=options.risk.weight, risk_tail=options.risk.tail,
        names=dict(zip(codes, councils["name"], strict=True)), xy={c: (x, y) for c, x, y in zip(codes, e, n, strict=True)})


def _by_council(value, key: str, codes, years, params: Parameters, start, file: str) -> np.ndarray:
    """A limit by [council, year]: the options' number, or mapping by council (others: the
    parameter plan.limits.<key>), or the parameter."""
    default = params.value(f"plan.limits.{key}", start)
    out = np.full((len(codes), len(years)), float(default))
    if isinstance(value, dict):
        for name, v in value.items():
            code = council_code(name, file, f"limits.{key}.{name}")
            if code not in codes:
                raise SchemaError(f"{file}: limits.{key}.{name}: not one of the councils planned for "
                                  f"({', '.join(codes)}); add it to sites")
            out[codes.index(code)] = v
    elif value is not None:
        out[:] = value
    return out


def _budget(value, years, file: str) -> np.ndarray:
    """The capital budget by year (inf: no limit); a mapping must name plan years."""
    if value is None:
        return np.full(len(years), np.inf)
    if not isinstance(value, dict):
        return np.full(len(years), float(value))
    out = np.full(len(years), np.inf)
    for year, v in value.items():
        if int(year) not in years:
            raise SchemaError(f"{file}: limits.capital_budget.{year}: not a year of the plan "
                              f"(years ending 31 March {years[0]} to {years[-1]})")
        out[years.index(int(year))] = v
    return out
