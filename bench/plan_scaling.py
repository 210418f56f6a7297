"""Time the capacity planner's solve on synthetic regions: ten councils x 5 years x 100
scenarios to within 1% of optimal, and how the time grows with scenarios and with councils.

    .venv/bin/python bench/plan_scaling.py [--gap 0.01] [--time-limit 600] [--seed 1]
                                           [--scenarios 25,50,100,200] [--councils 5,10,15,20]

Each region: councils on a random layout about 60 miles across, each with 20-80 children
needing a children's home and 100-300 a foster place today, growing by a random 0-4% a year
with a random walk of the region's level (8% a year) and noise by council in each
scenario; a few in-house homes and foster places today; the built-in
parameters' prices; two home sizes (2 and 4 beds); limits 1 home, 10 households and 4 block
beds per council a year; a capital budget of 1m a council a year; 10% must live alone.
Prints, for each size, the model's size, the build time, the solve time (HiGHS) and the gap
reached. Figures go in docs/benchmarks.md with this command; nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np

from sufficiency.parameters import PlacementCategories, load_parameters
from sufficiency.plan import HighsSolver, PlanInputs, build_model
from sufficiency.plan.inputs import prices_from
from sufficiency.reference.postcodes import miles

YEARS = tuple(range(2026, 2031))


def region(councils: int, scenarios: int, seed: int) -> PlanInputs:
    """A synthetic region (see the module)."""
    rng = np.random.default_rng(seed)
    N, W, T = councils, scenarios, len(YEARS)
    e, n = rng.uniform(0, 96_000, N), rng.uniform(0, 96_000, N)  # metres: about 60 miles across
    growth = rng.uniform(0.0, 0.04, N)
    t = np.arange(1, T + 1)

    def demand(low, high):
        today = rng.uniform(low, high, N)
        trend = today[None, None, :] * (1 + growth[None, None, :]) ** t[None, :, None]
        walk = np.exp(np.cumsum(rng.normal(0.0, 0.08, (W, T)), axis=1))[:, :, None]  # the region's path
        return trend * walk * rng.lognormal(0.0, 0.05, (W, T, N))

    params = load_parameters()
    start = dt.date(YEARS[0] - 1, 3, 31)
    codes = tuple(f"C{i:02d}" for i in range(N))
    return PlanInputs(
        councils=codes, years=YEARS, demand_res=demand(20, 80), demand_foster=demand(100, 300), alone_share=0.1,
        homes=rng.integers(0, 4, N).astype(float), foster_places=rng.uniform(40, 150, N),
        miles=miles(e[:, None], n[:, None], e[None, :], n[None, :]), sizes=(2, 4),
        prices=prices_from(params, PlacementCategories.load(), YEARS, start),
        limit_homes=np.ones((N, T)), limit_recruits=np.full((N, T), 10.0), limit_block=np.full((N, T), 4.0),
        budget=np.full(T, 1e6 * N))


def run(councils: int, scenarios: int, seed: int, gap: float, time_limit: float) -> dict:
    p = region(councils, scenarios, seed)
    t0 = time.perf_counter()
    model = build_model(p)
    built = time.perf_counter() - t0
    sol = HighsSolver().solve(model, time_limit=time_limit, gap=gap)
    return {"councils": councils, "scenarios": scenarios, "variables": model.n, "constraints": model.m,
            "integers": int(model.integer.sum()), "build_s": built, "solve_s": sol.seconds, "status": sol.status,
            "gap": sol.gap}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenarios", default="25,50,100,200")
    ap.add_argument("--councils", default="5,10,15,20")
    a = ap.parse_args()
    cases = [(10, 100)] + [(10, int(s)) for s in a.scenarios.split(",") if int(s) != 100]
    cases += [(int(c), 100) for c in a.councils.split(",") if int(c) != 10]
    print("| councils | scenarios | variables | constraints | integer | build (s) | solve (s) | status | gap |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for c, s in cases:
        r = run(c, s, a.seed, a.gap, a.time_limit)
        gap = "" if r["gap"] is None else f"{100 * r['gap']:.2f}%"
        print(f"| {c} | {s} | {r['variables']:,} | {r['constraints']:,} | {r['integers']} | {r['build_s']:.1f} | "
              f"{r['solve_s']:.1f} | {r['status']} | {gap} |", flush=True)


if __name__ == "__main__":
    main()
