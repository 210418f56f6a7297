"""Reforms compared across a region: each council's comparison, its runs combined run by run.

    plan = load_regional("regional-reforms.yaml", data)
    rc = compare_region(data, plan, years=5, runs=1000, seed=1)
    rc.split      # who gets what of each reform's places (region/reforms.py)
    rc.finance    # scenario, council (ONS code or 'region'), measure, mean, median, lo90, hi90
    rc.runs       # scenario, council, run, measure, value: every combined run

Each council runs the comparison `sufficiency compare` runs for one council (reforms/compare.py:
one fitted model, the baseline and every scenario from one seed with common random numbers, the
money net of the reforms' own costs, priced from the parameters), with its part of each regional
reform. All councils start from the last 31 March every one of them holds. A split by need reads
each council's baseline forecast first (one more simulation of each council, with its own seed).

A run of the region is one run of every council added up. The councils' runs are paired as the
regional forecast pairs them (region/forecast.py: the correlation of the councils' monthly
entrants, the Iman-Conover reordering on each council's baseline children looked after), with
one order per council kept for all its scenarios, so that each council's scenario is still set
against its own baseline in the same run. The region's range is then that of the sum, not the
sum of the councils' ranges; its expected figures (means over runs) are the sums of the councils'.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..forecast import fit, simulate
from ..forecast.states import DAY0
from ..parameters import Parameters, load_parameters
from ..reforms.compare import compare
from ..reforms.money import FLOWS, cash_flows, npv, payback
from .forecast import MAX_RHO, entry_correlation, reorder
from .indicators import REGION, RegionData
from .reforms import RegionalPlan, capacity_split, council_reform, need_categories

TOTALS = ("gross_saving", "investment", "net_saving")
MEASURES = (*TOTALS, "npv", "payback_years", "children_change", "foster_gap", "residential_gap")
STAT_COLUMNS = ["mean", "median", "lo90", "hi90"]


@dataclass
class RegionComparison:
    split: pd.DataFrame  # scenario, change, kind, what, council, need, share, capacity, places, rule
    runs: pd.DataFrame  # scenario, council, run, measure, value
    money: pd.DataFrame  # scenario, council, date (year end), measure, mean, median, lo90, hi90
    finance: pd.DataFrame  # scenario, council, measure, mean, median, lo90, hi90
    costs: pd.DataFrame  # council, then each council's cost items (reforms.money.items_table)
    notes: list[str]
    settings: dict


def council_seeds(codes: list[str], seed: int) -> tuple[dict[str, int], np.random.SeedSequence]:
    """Each council's own seed (as the regional forecast spawns them) and the seed of the pairing."""
    spawned = np.random.SeedSequence(seed).spawn(len(codes) + 1)
    return {c: int(spawned[j].generate_state(1, np.uint32)[0]) for j, c in enumerate(codes)}, spawned[-1]


def origin(data: RegionData) -> str:
    """The last 31 March every council's share holds."""
    return f"{min(data.years(c)[-1] for c in data.codes)}-03-31"


def _need(plan: RegionalPlan, stores: dict, as_of: str, years: int, runs: int, seeds: dict[str, int]):
    """(scenario -> change -> {code: forecast children of its placement type}, {code: forecast
    children looked after}): each council's baseline forecast, mean over runs and month ends."""
    need: dict[str, dict[int, dict[str, float]]] = {r.reform.name: {j: {} for j in r.splits} for r in plan.reforms}
    children = {}
    for code, store in stores.items():
        model = fit(store, as_of=as_of)
        fc = simulate(model, years=years, runs=runs, seed=seeds[code])
        mean = fc.stock_cat.mean(axis=0)  # (dates, categories)
        dates = pd.to_datetime(DAY0 + fc.dates.astype("timedelta64[D]"))
        cats = list(model.space.categories)
        children[code] = float(mean[1:].sum(axis=1).mean())
        for r in plan.reforms:
            for j in r.splits:
                ch = r.reform.changes[j]
                idx = [cats.index(c) for c in need_categories(ch, store.categories) if c in cats]
                after = np.asarray(dates >= pd.Timestamp(ch.start))[1:]
                rows = mean[1:][after] if after.any() else mean[1:]
                need[r.reform.name][j][code] = float(rows[:, idx].sum(axis=1).mean()) if idx else 0.0
    return need, children


def compare_region(data: RegionData, plan: RegionalPlan, *, years: int = 5, runs: int = 1000, seed: int = 1,
                   parameters: Parameters | None = None,
                   progress: Callable[[str, int, int], None] | None = None) -> RegionComparison:
    data.require("forecast")
    params = parameters or load_parameters()
    as_of = origin(data)
    seeds, pairing = council_seeds(data.codes, seed)
    stores = {c: data.council(c, params) for c in data.codes}
    steps = 2 * len(stores)
    if progress:
        progress("forecasting each council's need", 0, steps)
    need, children = _need(plan, stores, as_of, years, runs, seeds)
    split = capacity_split(plan, need, children)
    cmps, notes = {}, []
    for j, (code, store) in enumerate(stores.items()):
        if progress:
            progress(f"comparing reforms in {data.name(code)}", len(stores) + j, steps)
        todo = {r.reform.name: [council_reform(r, code, split)] for r in plan.reforms}
        cmps[code] = compare(store, todo, years=years, runs=runs, seed=seeds[code], parameters=params, as_of=as_of)
        notes += [f"{data.name(code)}: {n}" for n in cmps[code].baseline.notes]
    measured, months = entry_correlation(data)
    rho = float(np.clip(measured, 0.0, MAX_RHO))
    keys = np.stack([cmps[c].runs["baseline"]["children_looked_after"].mean(axis=1) for c in data.codes], axis=1)
    order = reorder(keys, rho, np.random.default_rng(pairing))
    day = dt.date.fromisoformat(as_of)
    per_run, flows = _combine(data.codes, cmps, order, [r.reform.name for r in plan.reforms], years, params, day)
    year_ends = [pd.Timestamp(f"{day.year + k}-03-31") for k in range(1, years + 1)]
    costs = pd.concat([cmps[c].costs.assign(council=c) for c in data.codes], ignore_index=True)
    settings = {"file": plan.file, "years": years, "runs": runs, "seed": seed, "as_of": as_of, "rho": round(rho, 4),
                "measured_rho": round(measured, 4), "months": months,
                "scenarios": {r.reform.name: r.reform.description for r in plan.reforms},
                "shares": dict(zip(data.councils["council"], data.councils["share"], strict=True))}
    return RegionComparison(split, _runs_table(per_run), _money_table(flows, year_ends), _finance_table(per_run),
                            costs[["council", *[c for c in costs.columns if c != "council"]]],
                            list(dict.fromkeys(notes)), settings)


def _combine(codes, cmps, order, scenarios, years, params, day):
    """Every council's and the region's measures by combined run, {(scenario, council): {measure:
    (runs,)}}, and yearly flows, {(scenario, council): {flow: (runs, years)}}."""
    per_run, flows = {}, {}
    for s in scenarios:
        parts = []
        for j, code in enumerate(codes):
            base, m = cmps[code].runs["baseline"], cmps[code].runs[s]
            f = cash_flows(base["total_cost"], m["total_cost"], m["investment"], years)
            f = {k: v[order[:, j]] for k, v in f.items()}
            end = {"children_change": (m["children_looked_after"][:, -1] - base["children_looked_after"][:, -1])}
            end |= {g: m[g][:, -1] for g in ("foster_gap", "residential_gap") if g in m}
            parts.append((code, f, {k: v[order[:, j]] for k, v in end.items()}))
        shared = set.intersection(*(set(e) for _, _, e in parts))
        region_f = {k: sum(f[k] for _, f, _ in parts) for k in FLOWS}
        region_e = {k: sum(e[k] for _, _, e in parts) for k in shared}
        for code, f, e in [*parts, (REGION, region_f, region_e)]:
            flows[(s, code)] = f
            per_run[(s, code)] = {**{k: f[k].sum(axis=1) for k in TOTALS}, "npv": npv(f["net_saving"], params, day),
                                  "payback_years": payback(f["cumulative_net"]), **{k: e[k] for k in shared}}
    return per_run, flows


def _stats(values: np.ndarray, axis=0, lower: bool = False) -> list:
    lo, med, hi = np.quantile(values, (0.05, 0.5, 0.95), axis=axis, method="lower" if lower else "linear")
    return [values.mean(axis=axis), med, lo, hi]


def _runs_table(per_run) -> pd.DataFrame:
    parts = [pd.DataFrame({"scenario": s, "council": c, "run": np.arange(len(v)), "measure": k, "value": v})
             for (s, c), m in per_run.items() for k, v in m.items()]
    return pd.concat(parts, ignore_index=True)


def _finance_table(per_run) -> pd.DataFrame:
    rows = [{"scenario": s, "council": c, "measure": k,
             **dict(zip(STAT_COLUMNS, map(float, _stats(v, lower=k == "payback_years")), strict=True))}
            for (s, c), m in per_run.items() for k, v in m.items()]
    return pd.DataFrame(rows, columns=["scenario", "council", "measure", *STAT_COLUMNS])


def _money_table(flows, year_ends) -> pd.DataFrame:
    parts = [pd.DataFrame({"scenario": s, "council": c, "date": year_ends, "measure": k,
                           **dict(zip(STAT_COLUMNS, _stats(f[k], axis=0), strict=True))})
             for (s, c), f in flows.items() for k in FLOWS]
    return pd.concat(parts, ignore_index=True)
