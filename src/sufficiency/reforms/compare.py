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
from ..parameters import Parameters, load_parameters
from ..store import StoreData
from .scenario import Plan, as_dates, plan
from .schema import Reform, check_categories
from .supply import HomeType, allocate, allocate_residential
from .workforce import project

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
FOSTER = ("inhouse_foster", "ifa")  # in-house first, agency for the rest
HOMES = ("inhouse_residential", "external_residential")
FAR_MILES = 20
# measures shown in the summary: (measure, label, on the last date or summed over the years)
HEADLINE = [
    ("children_looked_after", "Children looked after", "end"),
    ("pct_external_residential", "% in external children's homes", "end"),
    ("pct_over_20_miles", "% placed more than 20 miles from home", "end"),
    ("weekly_cost", "Weekly cost of placements (GBP)", "end"),
    ("total_cost", "Cost over the years: placements and social workers (GBP)", "sum"),
    ("foster_gap", "In-house foster places spare (+) or short (-)", "end"),
    ("residential_gap", "In-house children's home beds spare (+) or short (-)", "end"),
]


@dataclass
class Baseline:
    """What the council has on the forecast origin, from its data and parameters."""

    foster_places: float
    homes: float
    beds_per_home: int
    alone_share: float
    far_share: dict[str, float]  # category -> share of children more than 20 miles from home
    posts: float
    children_now: float
    notes: list[str] = field(default_factory=list)


def value(params: Parameters, name: str, day) -> float:
    """The value in force on `day`, or the first one when the day is before it (dated series
    such as the workforce survey start later than some councils' data)."""
    found = params.get(name).at(pd.Timestamp(day).date())
    return (found or params.get(name).values[0]).value


def baseline_supply(data: StoreData, model, params: Parameters) -> Baseline:
    """In-house places and homes today (the council's parameters, else the children placed
    in-house on the origin), the share of each category placed far from home on the origin,
    and the social work posts."""
    cats = list(model.space.categories)
    origin = pd.Timestamp(as_dates([model.as_of])[0])
    stock = model.stock["cat"].value_counts().reindex(range(len(cats)), fill_value=0)
    by_cat = dict(zip(cats, stock.to_numpy(float), strict=True))
    notes = []
    day = origin.date()
    if "capacity.inhouse_foster.places" in params:
        foster = params.value("capacity.inhouse_foster.places", day)
    else:
        foster = by_cat.get("inhouse_foster", 0.0)
        notes.append(f"In-house foster places: {foster:.0f}, the children in in-house foster care on "
                     f"{day:%d %B %Y} (set capacity.inhouse_foster.places to give your own).")
    beds = int(params.value("capacity.inhouse_residential.beds_per_home", day))
    if "capacity.inhouse_residential.homes" in params:
        homes = params.value("capacity.inhouse_residential.homes", day)
    else:
        homes = float(math.ceil(by_cat.get("inhouse_residential", 0.0) / beds))
        notes.append(f"In-house children's homes: {homes:.0f} of {beds} beds, enough for the children in them on "
                     f"{day:%d %B %Y} (set capacity.inhouse_residential.homes to give your own).")
    alone = params.value("placements.must_live_alone_share", day)
    # distance: children looked after on the origin whose placement is known to be > 20 miles away
    ep = data.open_on(origin)
    far_share = {}
    if "pl_distance" in ep and ep["pl_distance"].notna().any():
        known = ep[ep["pl_distance"].notna()]
        overall = float((known["pl_distance"] > FAR_MILES).mean())
        for c in cats:
            k = known[known["category"] == c]
            far_share[c] = float((k["pl_distance"] > FAR_MILES).mean()) if len(k) >= 5 else overall
    else:
        notes.append("No placement distances in the store: % more than 20 miles from home is not shown.")
    children_now = float(len(model.stock))
    if "workforce.fte" in params:
        posts = params.value("workforce.fte", day)
    else:
        in_post = children_now * value(params, "workforce.fte_per_child_looked_after", day)
        posts = in_post / (1 - value(params, "workforce.vacancy_rate", day) / 100.0)
        notes.append(f"Social work posts: {posts:.0f} FTE, from England's social workers per child looked after "
                     "(set workforce.fte to give your own).")
    return Baseline(foster, homes, beds, alone, far_share, posts, children_now, notes)


def measure(fc, p: Plan, base: Baseline, params: Parameters) -> dict[str, np.ndarray]:
    """Every measure of one scenario's forecast, (runs, dates) each."""
    cats = list(fc.model.space.categories)
    ix = {c: i for i, c in enumerate(cats)}
    stock = fc.stock_cat.astype(float)  # (runs, dates, categories)
    runs, n_dates, _ = stock.shape
    dates = pd.to_datetime(as_dates(fc.dates))
    out: dict[str, np.ndarray] = {}
    placed = stock.copy()
    # fostering: in-house places first, agencies for the rest
    f_need = stock[:, :, ix["inhouse_foster"]] + stock[:, :, ix["ifa"]]
    kept = 0.0 if p.retained_share is None else p.retained_share[None, :]
    f_cap = base.foster_places * (1 + kept) + p.extra_foster_places[None, :]
    f_in, f_out, f_gap = allocate(f_need, f_cap)
    placed[:, :, ix["inhouse_foster"]], placed[:, :, ix["ifa"]] = f_in, f_out
    out["foster_gap"] = f_gap
    # children's homes: in-house homes first (children who must live alone take a home each)
    r_need = stock[:, :, ix["inhouse_residential"]] + stock[:, :, ix["external_residential"]]
    alone = np.floor(r_need * base.alone_share + 0.5)
    types = [HomeType("existing", base.beds_per_home, base.homes, np.nan)]
    types += [HomeType(h.label, h.beds, h.homes[None, :], np.nan) for h in p.homes]
    res = allocate_residential(r_need, alone, types)
    placed[:, :, ix["inhouse_residential"]], placed[:, :, ix["external_residential"]] = res.inhouse, res.external
    out["residential_gap"] = res.beds - res.blocked - r_need  # beds a child can use, less the children needing one
    out["blocked_beds"] = res.blocked
    out["inhouse_beds"] = res.beds
    # prices and unit costs by financial year (ending 31 March)
    fy = np.array([t.year + (1 if t.month > 3 else 0) for t in dates])
    unit = np.array([[params.weekly_cost(c, int(y)) for c in cats] for y in fy])  # (dates, categories)
    unit = unit * (p.price_factor if p.price_factor is not None else 1.0)
    # block contracts: beds paid whether filled or not, filled before spot purchases
    block_cost = np.zeros((runs, n_dates))
    local_block = np.zeros((runs, n_dates))
    spot = placed.copy()
    for b in p.blocks:
        used = np.minimum(spot[:, :, ix[b.category]], b.beds[None, :])
        spot[:, :, ix[b.category]] -= used
        block_cost += b.beds[None, :] * b.weekly_price
        if b.local:
            local_block += used
    # in-house children's homes cost what their beds cost, filled or not
    ir = ix["inhouse_residential"]
    home_cost = base.homes * base.beds_per_home * unit[:, ir]
    for h in p.homes:
        per_bed = unit[:, ir] if h.weekly_cost_per_bed is None else h.weekly_cost_per_bed
        home_cost = home_cost + h.homes * h.beds * per_bed
    per_child = spot.copy()
    per_child[:, :, ir] = 0.0
    weekly = (per_child * unit[None]).sum(axis=2) + block_cost + home_cost[None, :]
    out["weekly_cost"] = weekly
    for c in cats:
        out[c] = placed[:, :, ix[c]]
    total = stock.sum(axis=2)
    out["children_looked_after"] = total
    safe = np.where(total > 0, total, 1.0)
    out["pct_external_residential"] = 100.0 * placed[:, :, ix["external_residential"]] / safe
    if base.far_share:
        share = np.array([base.far_share[c] for c in cats])[None, :] + (
            p.far_points / 100.0 if p.far_points is not None else 0.0)
        far = (spot * np.clip(share, 0, 1)[None]).sum(axis=2) + local_block * base.far_share["inhouse_residential"]
        out["pct_over_20_miles"] = 100.0 * far / safe
    # social workers: posts follow the children; an agency cap where one holds
    origin = dates[0].date()
    wf = project(total, base.children_now, base.posts,
                 vacancy_percent=value(params, "workforce.vacancy_rate", origin),
                 agency_percent=value(params, "workforce.agency_rate", origin),
                 caseload_now=value(params, "workforce.caseload", origin),
                 cost_permanent=value(params, "workforce.cost.permanent_fte", origin),
                 cost_agency=value(params, "workforce.cost.agency_fte", origin),
                 cap_percent=None if p.agency_cap is None else p.agency_cap[None, :],
                 converted_percent=None if p.converted is None else p.converted[None, :])
    out["social_workers_permanent"] = wf.permanent
    out["social_workers_agency"] = wf.agency
    out["agency_percent"] = wf.agency_percent
    out["caseload"] = wf.caseload
    out["workforce_cost_per_year"] = wf.annual_cost
    # money spent between each month end and the next: placements weekly x weeks, workforce / 12
    gap = np.diff(fc.dates).astype(float)
    spend = np.zeros((runs, n_dates))
    spend[:, 1:] = weekly[:, 1:] * gap[None] / 7 + wf.annual_cost[:, 1:] * gap[None] / 365.25
    out["total_cost"] = spend  # summed over dates for the period
    return out


@dataclass
class Comparison:
    measures: pd.DataFrame  # scenario, date, measure, quantile, value
    differences: pd.DataFrame  # scenario, measure, quantile, value: scenario minus baseline, run by run
    summary_frame: pd.DataFrame
    baseline: Baseline
    scenarios: dict[str, list[str]]  # name -> files of its reforms
    params: dict

    def summary(self) -> pd.DataFrame:
        return self.summary_frame

    def write(self, db) -> None:
        """Tables scenario_measures, scenario_summary and scenario_differences in the store,
        stamped with the command that compares the same plans again."""
        from ..store import add_tables
        from .schema import EXAMPLES

        tables = {"scenario_measures": self.measures, "scenario_summary": self.summary_frame,
                  "scenario_differences": self.differences}
        plans = ["+".join(Path(f).stem if Path(f).parent == EXAMPLES else f for f in files)
                 for files in self.scenarios.values() if files]
        add_tables(db, tables, {"compare": {**self.params, "scenarios": self.scenarios, "notes": self.baseline.notes}},
                   command=shlex.join(["sufficiency", "compare", "baseline", *plans]))


def _quantiles(values: np.ndarray, q=QUANTILES) -> np.ndarray:
    return np.quantile(values, q, axis=0)


def compare(source, scenarios: Mapping[str, list[Reform]], *, years: int = 5, runs: int = 1000, seed: int = 1,
            parameters: Parameters | None = None, as_of=None, window_years: float = 5,
            progress: Callable[[str, int, int], None] | None = None) -> Comparison:
    """Fit once, simulate the baseline and every scenario with one seed, measure and compare.
    `scenarios`: name -> its reforms; the baseline (no reforms) is always run first."""
    params = parameters or load_parameters()
    data = source if isinstance(source, StoreData) else StoreData.read(source, parameters=params)
    for name, reforms in scenarios.items():
        for r in reforms:
            check_categories(r, data.categories)
        if not name:
            raise SchemaError("every scenario needs a name")
    model = fit(data, as_of=as_of, window_years=window_years)
    base = baseline_supply(data, model, params)
    todo = {"baseline": [], **{k: v for k, v in scenarios.items() if k != "baseline"}}
    rows, diffs, per_run = [], [], {}
    for i, (name, reforms) in enumerate(todo.items()):
        if progress:
            progress(name, i, len(todo))
        p = plan(reforms, model.space.categories, month_ends(model.as_of, 12 * years))
        fc = simulate(model, years=years, runs=runs, seed=seed, levers=p.levers, common=True)
        m = measure(fc, p, base, params)
        per_run[name] = m
        dates = pd.to_datetime(as_dates(fc.dates))
        for key, arr in m.items():
            if key == "total_cost":
                continue
            qs = _quantiles(arr)
            for j, qq in enumerate(QUANTILES):
                rows.append(pd.DataFrame({"scenario": name, "date": dates, "measure": key, "quantile": qq,
                                          "value": qs[j]}))
        # yearly spend (placements and workforce) and the total over the years
        spend = m["total_cost"]
        year_of = (np.arange(spend.shape[1]) - 1) // 12  # month k (1..) belongs to year (k-1)//12
        for y in range(years):
            s = spend[:, year_of == y].sum(axis=1)
            for qq, v in zip(QUANTILES, np.quantile(s, QUANTILES), strict=True):
                rows.append(pd.DataFrame({"scenario": [name], "date": [dates[12 * (y + 1)]],
                                          "measure": ["annual_cost"], "quantile": [qq], "value": [v]}))
    if progress:
        progress("done", len(todo), len(todo))
    measures = pd.concat(rows, ignore_index=True)
    base_runs = per_run["baseline"]
    for name, m in per_run.items():
        for key, _label, how in HEADLINE:
            if key not in m:
                continue
            a = _at(m[key], how)
            b = _at(base_runs[key], how)
            for qq, v in zip(QUANTILES, np.quantile(a - b, QUANTILES), strict=True):
                diffs.append({"scenario": name, "measure": key, "quantile": qq, "value": float(v)})
    differences = pd.DataFrame(diffs)
    summary = _summary(per_run, differences, model, years)
    info = {"years": years, "runs": runs, "seed": seed, "as_of": str(as_dates([model.as_of])[0]),
            "window_years": round(model.window_years, 2)}
    files = {k: [r.file or r.name for r in v] for k, v in todo.items()}
    return Comparison(measures, differences, summary, base, files, info)


def _at(arr: np.ndarray, how: str) -> np.ndarray:
    return arr.sum(axis=1) if how == "sum" else arr[:, -1]


def _summary(per_run, differences, model, years) -> pd.DataFrame:
    rows = []
    for name, m in per_run.items():
        for key, label, how in HEADLINE:
            if key not in m:
                continue
            lo, med, hi = np.quantile(_at(m[key], how), (0.05, 0.5, 0.95))
            d = differences[(differences["scenario"] == name) & (differences["measure"] == key)].set_index("quantile")
            rows.append({"scenario": name, "measure": key, "label": label,
                         "when": "over the years" if how == "sum" else "at the end",
                         "median": med, "lo90": lo, "hi90": hi,
                         "change": d.loc[0.5, "value"], "change_lo90": d.loc[0.05, "value"],
                         "change_hi90": d.loc[0.95, "value"]})
    return pd.DataFrame(rows)
