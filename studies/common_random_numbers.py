"""How much common random numbers narrow the range of a reform's change.

    .venv/bin/python studies/common_random_numbers.py [--runs 400]

Synthetic Leeds 2016-2025 (seed 1), fitted on 31 March 2023; 10% fewer entrants (other than
UASC, whom a factor on entries leaves alone) for 3 years, against the baseline, with the same
seed: once with `common=True` (every chance keyed by run, child and month, as `sufficiency
compare` runs) and once with each scenario's own chance. Prints the mean and standard deviation
across runs of the change in children in care after 3 years.
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import tempfile

import numpy as np

from sufficiency.forecast import Levers, fit, simulate
from sufficiency.pipeline import load
from sufficiency.synth.council import synthesise


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=400)
    a = ap.parse_args()
    d = pathlib.Path(tempfile.mkdtemp())
    try:
        synthesise("Leeds", 2016, 2025, 1, d / "r")
        load(d / "r", db=d / "s.duckdb")
        m = fit(d / "s.duckdb", as_of="2023-03-31")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    fewer = Levers(entry=np.full(36, 0.9))
    print("| chance | change in children in care after 3 years: mean | standard deviation across runs |")
    print("|---|---:|---:|")
    for label, common in (("common (keyed by run, child, month)", True), ("each scenario its own", False)):
        base = simulate(m, years=3, runs=a.runs, seed=7, common=common)
        plan = simulate(m, years=3, runs=a.runs, seed=7, common=common, levers=fewer)
        change = (plan.stock_cat.sum(axis=2) - base.stock_cat.sum(axis=2))[:, -1]
        print(f"| {label} | {change.mean():.1f} | {change.std():.1f} |")


if __name__ == "__main__":
    main()
