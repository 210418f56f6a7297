"""Interval coverage on councils generated with known, constant hazards (tests/test_forecast.py
`known_store`): fit to 31 March 2022, forecast one year, count how often the 90% interval holds
the realised number of children on 31 March 2023, in total and in each of the two categories.
Entries are steady (a constant rate), or with `--varying` move from year to year as the
forecast's prior says councils' entries do.

    PYTHONPATH=tests .venv/bin/python studies/forecast_coverage_known.py [--seeds 20] [--varying]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from test_forecast import known_store

from sufficiency.forecast import fit, simulate
from sufficiency.forecast.backtest import realised
from sufficiency.store import StoreData


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--varying", action="store_true")
    a = ap.parse_args()
    held, z = {"all": [], "inhouse_foster": [], "ifa": []}, {"all": [], "inhouse_foster": [], "ifa": []}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(a.first_seed, a.first_seed + a.seeds):
            data = StoreData.read(known_store(Path(tmp) / f"s{seed}.duckdb", n=1500, seed=seed, varying=a.varying))
            fc = simulate(fit(data, as_of="2022-03-31", window_years=2.9), years=1, runs=300, seed=seed)
            truth = realised(data, 2023)
            stock = fc.stock_cat[:, 12]
            sims = {"all": stock.sum(axis=1), "inhouse_foster": stock[:, 1], "ifa": stock[:, 2]}
            for k, v in sims.items():
                lo, hi = np.quantile(v, [0.05, 0.95])
                held[k].append(lo <= truth[k] <= hi)
                z[k].append((truth[k] - v.mean()) / v.std())
    print("| series | 90% interval held | mean z | sd of z |\n|---|---:|---:|---:|")
    for k in held:
        print(f"| {k} | {sum(held[k])}/{len(held[k])} | {np.mean(z[k]):.2f} | {np.std(z[k]):.2f} |")
    every = [h for v in held.values() for h in v]
    print(f"\nall series: {100 * np.mean(every):.1f}% held")


if __name__ == "__main__":
    main()
