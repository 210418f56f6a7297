"""Run the baseline and each scenario (one or more reforms together) on one fitted model and
compare them: children looked after, placements after the council's own places are filled,
the sufficiency gap, distance from home, cost, and the social work workforce, with intervals.

    cmp = compare("la.duckdb", {"baseline": [], "Family Help": [load_reform("family-help")]},
                  years=5, runs=1000, seed=1)
    cmp.summary()      # one row per scenario: medians and 90% intervals, differences from baseline
    cmp.measures       # tidy: scenario, date, measure, quantile, value
    cmp.write("la.duckdb")

Every scenario is simulated from the same fitted model with the same seed and common random
numbers (`simulate(..., common=True)`): each run draws the same rates, and each child the same
chances month by month, so a child a reform does not touch does the same in every scenario and
a difference between scenarios is the reform's, not the dice's. Differences from the baseline
are taken run by run (run i of a scenario against run i of the baseline) before their
quantiles.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ..forecast import fit, simulate
from ..forecast.simulate import month_ends
from ..parameters import Parameters, PlacementCategories, load_parameters, uplift
from ..store import StoreData
from ..vocab import year_of
from .assumptions import assumptions
from .census import CASES, with_council_workforce
from .defaults import with_defaults
from .measure import Baseline, groups, measure, value
from .money import (
    DISCOUNT,
    INFLATION,
    cash_flows,
    finance_rows,
    flows_table,
    investment,
    items_table,
    npv,
    payback,
)
from .plans import as_dates
from .scenario import plan, reformed
from .schema import Reform, check_categories

__all__ = ["compare", "Comparison", "Baseline", "baseline_supply", "measure", "HEADLINE"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
FAR = "distance.far_from_home_miles"
# measures shown in the summary: (measure, label, on the last date or summed over the years)
HEADLINE = [
    ("children_looked_after", "Children looked after", "end"),
    ("pct_external_residential", "% in external children's homes", "end"),
    ("pct_over_20_miles", "% placed far from home", "end"),
    ("weekly_cost", "Weekly cost of placements (GBP)", "end"),
    ("total_cost", "Cost over the years: placements and social workers (GBP)", "sum"),
    ("foster_gap", "In-house foster places spare (+) or short (-)", "end"),
    ("residential_gap", "In-house children's home beds spare (+) or short (-)", "end"),
]


def _capacity(by_role: dict[str, float], params: Parameters, day, notes: list[str]) -> tuple[float, float, int]:
    """(in-house foster places, in-house homes, beds per home): the council's parameters, else
    the children placed in-house on the origin."""
    if "capacity.inhouse_foster.places" in params:
        foster = params.value("capacity.inhouse_foster.places", day)
    else:
        foster = by_role["foster"]
        notes.append(f"In-house foster places: {foster:.0f}, the children in in-house foster care on "
                     f"{day:%d %B %Y} (the council's own figure replaces it: see the assumptions).")
    beds = int(params.value("capacity.inhouse_residential.beds_per_home", day))
    if "capacity.inhouse_residential.homes" in params:
        homes = params.value("capacity.inhouse_residential.homes", day)
    else:
        homes = float(math.ceil(by_role["residential"] / beds))
        notes.append(f"In-house children's homes: {homes:.0f} of {beds} beds, enough for the children in them on "
                     f"{day:%d %B %Y} (the council's own figure replaces it: see the assumptions).")
    return foster, homes, beds


def _far_shares(data: StoreData, origin, cats: list[str], params: Parameters, notes: list[str]) -> dict[str, float]:
    """Each category's share of children looked after on the origin whose placement is known to
    be far from home (a category with too few known takes the share of all)."""
    ep = data.open_on(origin)
    day = origin.date()
    if "pl_distance" not in ep or not ep["pl_distance"].notna().any():
        notes.append("No placement distances in the store: % placed far from home is not shown.")
        return {}
    miles = params.value(FAR, day)
    fewest = params.value("distance.min_children_for_category_share", day)
    known = ep[ep["pl_distance"].notna()]
    overall = float((known["pl_distance"] > miles).mean())
    out = {}
    for c in cats:
        k = known[known["category"] == c]
        out[c] = float((k["pl_distance"] > miles).mean()) if len(k) >= fewest else overall
    return out


def baseline_supply(data: StoreData, model, params: Parameters) -> Baseline:
    """In-house places and homes today, the share of each category placed far from home on
    the origin, and the social work posts."""
    cats = list(model.space.categories)
    origin = pd.Timestamp(as_dates([model.as_of])[0])
    day = origin.date()
    stock = model.stock["cat"].value_counts().reindex(range(len(cats)), fill_value=0)
    by_cat = dict(zip(cats, stock.to_numpy(float), strict=True))
    by_role = {kind: sum(by_cat[c] for c in inhouse) for kind, (inhouse, _) in groups(data.categories).items()}
    notes: list[str] = []
    foster, homes, beds = _capacity(by_role, params, day, notes)
    alone = params.value("placements.must_live_alone_share", day)
    far_share = _far_shares(data, origin, cats, params, notes)
    children_now = float(len(model.stock))
    if "workforce.fte" in params:
        posts = params.value("workforce.fte", day)
    else:
        in_post = children_now * value(params, "workforce.fte_per_child_looked_after", day)
        posts = in_post / (1 - value(params, "workforce.vacancy_rate", day) / 100.0)
        notes.append(f"Social work posts: {posts:.0f} FTE, from England's social workers per child looked after "
                     "(the council's own figure replaces it: see the assumptions).")
    if CASES in params:
        cases = value(params, CASES, day)
    else:
        cases = children_now * value(params, "workforce.cases_per_child_looked_after", day)
        notes.append(f"Cases held by social workers: {cases:,.0f}, the children looked after times England's cases "
                     "per child looked after (the workforce census gives a council's own).")
    return Baseline(foster, homes, beds, alone, far_share, posts, children_now, notes, cases)


@dataclass
class Comparison:
    measures: pd.DataFrame  # scenario, date, measure, quantile, value
    differences: pd.DataFrame  # scenario, measure, quantile, value: scenario minus baseline, run by run
    summary_frame: pd.DataFrame
    baseline: Baseline
    scenarios: dict[str, list[str]]  # name -> files of its reforms
    params: dict
    money: pd.DataFrame = field(default_factory=pd.DataFrame)  # scenario, date, measure, quantile, value by year
    finance: pd.DataFrame = field(default_factory=pd.DataFrame)  # scenario, measure, median, lo90, hi90
    costs: pd.DataFrame = field(default_factory=pd.DataFrame)  # each reform cost: scenario, reform, item, ...
    assumptions: pd.DataFrame = field(default_factory=pd.DataFrame)  # parameter, value, unit, basis, ...
    runs: dict = field(default_factory=dict, repr=False)  # scenario -> measure -> (runs, dates): every run, not stored

    def summary(self) -> pd.DataFrame:
        return self.summary_frame

    def write(self, db) -> None:
        """Tables scenario_measures, scenario_summary and scenario_differences in the store,
        stamped with the command that compares the same plans again."""
        from ..store import add_tables
        from .schema import EXAMPLES

        tables = {"scenario_measures": self.measures, "scenario_summary": self.summary_frame,
                  "scenario_differences": self.differences, "scenario_money": self.money,
                  "scenario_finance": self.finance, "scenario_costs": self.costs,
                  "scenario_assumptions": self.assumptions}
        plans = ["+".join(Path(f).stem if Path(f).parent == EXAMPLES else f for f in files)
                 for files in self.scenarios.values() if files]
        add_tables(db, tables, {"compare": {**self.params, "scenarios": self.scenarios, "notes": self.baseline.notes}},
                   command=shlex.join(["sufficiency", "compare", "baseline", *plans]))


def _quantiles(values: np.ndarray, q=QUANTILES) -> np.ndarray:
    return np.quantile(values, q, axis=0)


def compare(source, scenarios: Mapping[str, list[Reform]], *, years: int = 5, runs: int = 1000, seed: int = 1,
            parameters: Parameters | None = None, as_of=None, window_years: float = 5,
            progress: Callable[[str, int, int], None] | None = None,
            categories: PlacementCategories | None = None) -> Comparison:
    """Fit once, simulate the baseline and every scenario with one seed, measure and compare.
    `scenarios`: name -> its reforms; the baseline (no reforms) is always run first.
    `categories`: the council's map of placement categories (default the built-in one, or the
    map `source` was read with when it is a StoreData); each scenario's parameter changes
    apply to its own copy of `parameters`."""
    params = parameters or load_parameters()
    data = source if isinstance(source, StoreData) else StoreData.read(source, categories, parameters=params)
    params = params.with_categories(data.categories)
    for name, reforms in scenarios.items():
        for r in reforms:
            check_categories(r, data.categories)
        if not name:
            raise SchemaError("every scenario needs a name")
    model = fit(data, as_of=as_of, window_years=window_years)
    params, census_notes = with_council_workforce(params, data.la_code, pd.Timestamp(as_dates([model.as_of])[0]).date())
    base = baseline_supply(data, model, params)
    base.notes[:0] = census_notes
    todo, defaults = _resolved(scenarios, data, model, params, base)
    days = month_ends(model.as_of, 12 * years)
    rows, per_run, plans, items = [], {}, {}, {}
    for i, (name, reforms) in enumerate(todo.items()):
        if progress:
            progress(name, i, len(todo))
        p = plans[name] = plan(reforms, data.categories, days)
        own = reformed(params, p)  # the baseline's parameters stay as they are
        supply = baseline_supply(data, model, own) if p.parameters else base
        fc = simulate(model, years=years, runs=runs, seed=seed, levers=p.levers, common=True)
        m = per_run[name] = measure(fc, p, supply, own)
        placed = np.stack([m[c] for c in data.categories.ids], axis=2)
        m["investment"], items[name] = investment(p, own, days, placed, plan)
        rows += _tidy(name, m, pd.to_datetime(as_dates(fc.dates)), years)
    if progress:
        progress("done", len(todo), len(todo))
    differences = _differences(per_run)
    origin = as_dates([model.as_of])[0]
    miles = value(params, FAR, origin)
    summary = _summary(per_run, differences, miles)
    info = {"years": years, "runs": runs, "seed": seed, "as_of": str(origin),
            "window_years": round(model.window_years, 2), "far_from_home_miles": miles,
            "uplift_percent": uplift.rates(params, pd.Timestamp(origin).date()),
            "discount_rate_percent": value(params, DISCOUNT, origin),
            "general_inflation_percent": value(params, INFLATION, origin), "prices": _prices(params, data, days)}
    files = {k: [r.file or r.name for r in v] for k, v in todo.items()}
    money, finance, costs = _money(per_run, items, params, pd.to_datetime(as_dates(days)), years)
    return Comparison(pd.concat(rows, ignore_index=True), differences, summary, base, files, info, money, finance,
                      costs, assumptions(params, data.categories, plans, origin, defaults), per_run)


def _resolved(scenarios, data: StoreData, model, params: Parameters, base: Baseline) -> tuple[dict, list[str]]:
    """The scenarios to run (the baseline first) with each reform's defaults filled in for this
    council (reforms.defaults), their notes added to the baseline's, and the parameters used."""
    day = pd.Timestamp(as_dates([model.as_of])[0]).date()
    foster = set(data.categories.select("foster"))
    codes = [i for i, c in enumerate(model.space.categories) if c in foster]
    foster_now = float(model.stock["cat"].isin(codes).sum())
    todo, used = {"baseline": []}, []
    for name, reforms in scenarios.items():
        if name != "baseline":
            todo[name], notes, names = with_defaults(list(reforms), params, foster_now, day)
            base.notes += [n for n in notes if n not in base.notes]
            used += names
    return todo, list(dict.fromkeys(used))


def _prices(params: Parameters, data: StoreData, days) -> dict:
    """The weekly price of every placement category in the first forecast year, by label."""
    year = year_of(pd.Timestamp(as_dates(days)[1]))
    labels = data.categories.labels()
    return {"year": f"{year - 1}-{str(year)[2:]}",
            "weekly": {labels.get(c, c): round(params.weekly_cost(c, year), 2) for c in data.categories.ids}}


def _money(per_run, items, params, dates: pd.DatetimeIndex, years: int):
    """Each plan's cash flows by year against the baseline, its totals, net present value and
    payback, and its cost items: (money, finance, costs) tables."""
    year_ends = [dates[12 * (y + 1)] for y in range(years)]
    base = per_run["baseline"]["total_cost"]
    money, finance, costs = [], [], []
    for name, m in per_run.items():
        if name == "baseline":
            continue
        flows = cash_flows(base, m["total_cost"], m["investment"], years)
        money.append(flows_table(name, flows, year_ends, QUANTILES))
        finance += finance_rows(name, flows, npv(flows["net_saving"], params, dates[0].date()),
                                payback(flows["cumulative_net"]))
        costs.append(items_table(name, items[name]))
    cols = ["scenario", "date", "measure", "quantile", "value"]
    return (pd.concat(money, ignore_index=True) if money else pd.DataFrame(columns=cols),
            pd.DataFrame(finance, columns=["scenario", "measure", "median", "lo90", "hi90"]),
            pd.concat(costs, ignore_index=True) if costs else items_table("", []))


def _tidy(name: str, m: dict[str, np.ndarray], dates: pd.DatetimeIndex, years: int) -> list[pd.DataFrame]:
    """One scenario's quantiles over runs on every date, and its yearly spend (placements and
    workforce): scenario, date, measure, quantile, value."""
    rows = []
    for key, arr in m.items():
        if key in ("total_cost", "investment"):
            continue
        qs = _quantiles(arr)
        for j, qq in enumerate(QUANTILES):
            rows.append(pd.DataFrame({"scenario": name, "date": dates, "measure": key, "quantile": qq,
                                      "value": qs[j]}))
    spend = m["total_cost"]
    year = (np.arange(spend.shape[1]) - 1) // 12  # month k (1..) belongs to year (k-1)//12
    for y in range(years):
        s = spend[:, year == y].sum(axis=1)
        for qq, v in zip(QUANTILES, np.quantile(s, QUANTILES), strict=True):
            rows.append(pd.DataFrame({"scenario": [name], "date": [dates[12 * (y + 1)]],
                                      "measure": ["annual_cost"], "quantile": [qq], "value": [v]}))
    return rows


def _differences(per_run: dict[str, dict[str, np.ndarray]]) -> pd.DataFrame:
    """Each scenario's headline measures less the baseline's, run by run, as quantiles."""
    base_runs = per_run["baseline"]
    diffs = []
    for name, m in per_run.items():
        for key, _label, how in HEADLINE:
            if key not in m:
                continue
            d = _at(m[key], how) - _at(base_runs[key], how)
            for qq, v in zip(QUANTILES, np.quantile(d, QUANTILES), strict=True):
                diffs.append({"scenario": name, "measure": key, "quantile": qq, "value": float(v)})
    return pd.DataFrame(diffs)


def _at(arr: np.ndarray, how: str) -> np.ndarray:
    return arr.sum(axis=1) if how == "sum" else arr[:, -1]


def _summary(per_run, differences, far_miles: float) -> pd.DataFrame:
    rows = []
    for name, m in per_run.items():
        for key, label, how in HEADLINE:
            if key not in m:
                continue
            if key == "pct_over_20_miles":
                label = f"% placed more than {far_miles:g} miles from home"
            lo, med, hi = np.quantile(_at(m[key], how), (0.05, 0.5, 0.95))
            d = differences[(differences["scenario"] == name) & (differences["measure"] == key)].set_index("quantile")
            rows.append({"scenario": name, "measure": key, "label": label,
                         "when": "over the years" if how == "sum" else "at the end",
                         "median": med, "lo90": lo, "hi90": hi,
                         "change": d.loc[0.5, "value"], "change_lo90": d.loc[0.05, "value"],
                         "change_hi90": d.loc[0.95, "value"]})
    return pd.DataFrame(rows)
