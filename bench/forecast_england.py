"""The forecast at England scale: 85,000 children looked after, 1,000 runs, 5 years.

    .venv/bin/python bench/forecast_england.py [--data bench/out/data/england] [--repeats 2]

Data: `sufficiency synth --la Leeds --years 2016-2025 --children 85000 --seed 1` (the England
case of bench/run.py; reused if the folder exists), loaded once with `sufficiency load`
(timed apart: see the load benchmark). Timed: `sufficiency forecast --db england.duckdb
--runs 1000 --years 5` in a fresh process under /usr/bin/time: read the store, fit, simulate
1,000 runs (blocks of 250 runs on the machine's cores), write the quantiles, flows and costs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from run import machine, timed  # bench/run.py: under /usr/bin/time, wall and peak memory

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT / "bench" / "out" / "data" / "england")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1000)
    a = ap.parse_args()
    if not a.data.exists():
        t = time.perf_counter()
        subprocess.run([str(BIN / "sufficiency"), "synth", "--la", "Leeds", "--years", "2016-2025", "--children",
                        "85000", "--seed", "1", "--out", str(a.data)], check=True, capture_output=True)
        print(f"generated {a.data} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    db = a.data.parent / "england.duckdb"
    if not db.exists():
        r = timed([str(BIN / "sufficiency"), "load", str(a.data), "--db", str(db)])
        print(f"loaded in {r['seconds']:.0f} s, {r['peak_mb']:,} MB", file=sys.stderr)
    cmd = [str(BIN / "sufficiency"), "forecast", "--db", str(db), "--runs", str(a.runs), "--years", "5"]
    results = [timed(cmd) for _ in range(a.repeats)]
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    stock = con.execute("SELECT value FROM forecast_quantiles WHERE breakdown = 'total' AND quantile = 0.5 "
                        "ORDER BY date LIMIT 1").fetchone()[0]
    con.close()
    walls = sorted(r["seconds"] for r in results)
    print(f"Machine: {machine()}.")
    print(f"Store: {db} ({stock:,.0f} children looked after on 31 March 2025).\n")
    print("| command | wall s (each run) | peak memory |\n|---|---:|---:|")
    print(f"| forecast: fit + 5 years x {a.runs:,} runs + tables | {', '.join(f'{w:.1f}' for w in walls)} | "
          f"{max(r['peak_mb'] for r in results):,} MB |")


if __name__ == "__main__":
    main()
