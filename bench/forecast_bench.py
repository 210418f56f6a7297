"""Forecast speed and accuracy on synthetic councils.

    .venv/bin/python bench/forecast_bench.py [--seeds 5] [--runs 300]

Speed: `sufficiency forecast` (fit + 5 years x 1,000 runs) in a fresh process under
/usr/bin/time, for synthetic Leeds scaled to 2,000 children looked after (2019-2025).
Accuracy: rolling-origin backtests (forecast.backtest) on synthetic Leeds 2018-2025 for each
seed: mean absolute % error of the total at 1-3 years for the model, the last value and the
linear trend, and the share of realised values (total and each category) inside the model's
50% and 90% intervals.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

BIN = Path(sys.executable).parent


def timed(cmd):
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, check=True)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return time.perf_counter() - t, rss // 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--no-speed", action="store_true")
    a = ap.parse_args()
    from sufficiency.forecast.backtest import backtest, headline
    from sufficiency.pipeline import load
    from sufficiency.synth.council import synthesise

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        if not a.no_speed:
            subprocess.run([str(BIN / "sufficiency"), "synth", "--la", "Leeds", "--years", "2019-2025", "--seed",
                            "1", "--children", "2000", "--out", str(d / "big")], check=True, capture_output=True)
            subprocess.run([str(BIN / "sufficiency"), "load", str(d / "big"), "--db", str(d / "big.duckdb")],
                           check=True, capture_output=True)
            wall, mb = timed([str(BIN / "sufficiency"), "forecast", "--db", str(d / "big.duckdb"), "--runs", "1000"])
            print(f"| forecast, 2,000 children, 5 years x 1,000 runs | {wall:.1f} s | {mb:,} MB |\n")
        if not a.seeds:
            return
        results = []
        for seed in range(1, a.seeds + 1):
            out = d / f"s{seed}"
            synthesise("Leeds", 2018, 2025, seed, out / "returns")
            load(out / "returns", db=out / "la.duckdb", la_code="E08000035")
            r = backtest(out / "la.duckdb", runs=a.runs, seed=seed).results
            results.append(r.assign(seed=seed))
        r = pd.concat(results)
        origins = ", ".join(str(int(o)) for o in sorted(r["origin"].unique()))
        print(f"Backtests: {a.seeds} seeds, origins {origins}, {a.runs} runs each\n")
        s = headline(r)
        cols = ["model", "last_value", "linear_trend", "coverage_50", "coverage_90"]
        print("| years ahead | " + " | ".join(cols) + " |\n|---|" + "---:|" * len(cols))
        for h, row in s.iterrows():
            print(f"| {h} | " + " | ".join(f"{row[c]:.1f}" for c in cols) + " |")
        n = r[r["method"] == "model"].groupby("horizon").size()
        print("\nrows (total and each category, all origins and seeds) per horizon: "
              + ", ".join(f"{h}: {k}" for h, k in n.items()))


if __name__ == "__main__":
    main()
