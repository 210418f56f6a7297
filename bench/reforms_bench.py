"""Speed of `sufficiency compare`: the baseline and 5 reforms, 1,000 runs each, 5 years, for a
council of about 2,000 children looked after.

    .venv/bin/python bench/reforms_bench.py [--repeats 3] [--runs 1000]

Data: `sufficiency synth --la Leeds --years 2019-2025 --seed 1 --children 2000`, loaded with
`sufficiency load`. Timed: the whole `sufficiency compare` command in a fresh process under
/usr/bin/time (wall seconds and peak memory): read the store, fit once, simulate and measure
each scenario, write the tables and a workbook.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from run import machine, timed  # bench/run.py: under /usr/bin/time, wall and peak memory

BIN = Path(sys.executable).parent
REFORMS = ["family-help", "kinship-first", "foster-recruitment", "small-group-living", "agency-cap"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--children", type=int, default=2000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        subprocess.run([str(BIN / "sufficiency"), "synth", "--la", "Leeds", "--years", "2019-2025", "--seed", "1",
                        "--children", str(a.children), "--out", str(d / "returns")], check=True, capture_output=True)
        subprocess.run([str(BIN / "sufficiency"), "load", str(d / "returns"), "--db", str(d / "la.duckdb")],
                       check=True, capture_output=True)
        import duckdb

        con = duckdb.connect(str(d / "la.duckdb"), read_only=True)
        n = con.execute("SELECT count(DISTINCT child) FROM episodes WHERE decom <= DATE '2025-03-31' AND "
                        "(dec IS NULL OR dec > DATE '2025-03-31' OR (end_censored AND dec = DATE '2025-03-31'))"
                        ).fetchone()[0]
        con.close()
        cmd = [str(BIN / "sufficiency"), "compare", "baseline", *REFORMS, "--db", str(d / "la.duckdb"),
               "--runs", str(a.runs), "--years", "5", "--xlsx", str(d / "cmp.xlsx")]
        results = [timed(cmd) for _ in range(a.repeats)]
    walls = sorted(r["seconds"] for r in results)
    print(f"Machine: {machine()}.")
    print(f"Council: synthetic Leeds scaled to {a.children:,} children ({n:,} looked after on 31 March 2025).\n")
    print("| command | wall s (median; min-max) | peak memory |\n|---|---:|---:|")
    print(f"| compare: baseline + {len(REFORMS)} reforms x {a.runs:,} runs x 5 years | {walls[len(walls) // 2]:.1f} "
          f"({walls[0]:.1f}-{walls[-1]:.1f}) | {max(r['peak_mb'] for r in results):,} MB |")
    print(f"\nreforms: {', '.join(REFORMS)}")


if __name__ == "__main__":
    main()
