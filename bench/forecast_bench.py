"""Forecast speed: `sufficiency forecast` (fit + 5 years x 1,000 runs + tables written to the
store) in a fresh process under /usr/bin/time, for synthetic Leeds scaled to 2,000 children
looked after (returns 2018/19 to 2024/25).

    .venv/bin/python bench/forecast_bench.py [--repeats 3]

Accuracy is a study (studies/backtest.py); England scale by bench/forecast_england.py.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from run import machine, timed  # bench/run.py: under /usr/bin/time, wall and peak memory

BIN = Path(sys.executable).parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        subprocess.run([str(BIN / "sufficiency"), "synth", "--la", "Leeds", "--years", "2019-2025", "--seed",
                        "1", "--children", "2000", "--out", str(d / "big")], check=True, capture_output=True)
        subprocess.run([str(BIN / "sufficiency"), "load", str(d / "big"), "--db", str(d / "big.duckdb")],
                       check=True, capture_output=True)
        runs = [timed([str(BIN / "sufficiency"), "forecast", "--db", str(d / "big.duckdb"), "--runs", "1000"])
                for _ in range(a.repeats)]
    walls = ", ".join(f"{r['seconds']:.1f}" for r in runs)
    print(f"Machine: {machine()}.\n")
    print("| command | wall s (each run) | peak memory |\n|---|---:|---:|")
    print(f"| forecast, 2,000 children, 5 years x 1,000 runs | {walls} | {max(r['peak_mb'] for r in runs):,} MB |")


if __name__ == "__main__":
    main()
