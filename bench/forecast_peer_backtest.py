"""Backtests of the total beside cs-demand-model 0.5.1 on the same synthetic councils.

    bash bench/peers/setup.sh      # once: bench/.demand-venv with cs-demand-model 0.5.1
    .venv/bin/python bench/forecast_peer_backtest.py [--seeds 3]

For each seed: synthetic Leeds 2018-2025, loaded; our backtest (forecast.backtest, 300 runs)
at origins 31 March 2020-2024; cs-demand-model (bench/peers/demand_model_run.py, in its own venv)
fitted on the same 3-year windows. Mean absolute % error of the total at 1-3 years.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PEER = ROOT / "bench" / ".demand-venv" / "bin" / "python"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    a = ap.parse_args()
    from sufficiency.forecast.backtest import backtest
    from sufficiency.pipeline import load
    from sufficiency.synth.council import synthesise

    rows, peer_seconds = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, a.seeds + 1):
            out = Path(tmp) / f"s{seed}"
            synthesise("Leeds", 2018, 2025, seed, out / "returns")
            load(out / "returns", db=out / "la.duckdb", la_code="E08000035")
            r = backtest(out / "la.duckdb", runs=300, seed=seed)
            tot = r[r["series"] == "all"]
            rows += tot[["origin", "horizon", "method", "ape", "realised"]].assign(seed=seed).to_dict("records")
            for origin in sorted(tot["origin"].unique()):
                hs = sorted(tot.loc[tot["origin"] == origin, "horizon"].unique())
                p = subprocess.run([str(PEER), str(ROOT / "bench/peers/demand_model_run.py"), str(out / "returns"),
                                    str(origin), "--horizons", *map(str, hs)], capture_output=True, text=True, check=True)
                res = json.loads(p.stdout.strip().splitlines()[-1])
                peer_seconds.append(res["seconds"])
                for h, v in res["forecast"].items():
                    truth = tot[(tot["origin"] == origin) & (tot["horizon"] == int(h))]["realised"].iloc[0]
                    rows.append({"origin": origin, "horizon": int(h), "method": "cs-demand-model",
                                 "ape": abs(v - truth) / truth * 100, "realised": truth, "seed": seed})
    df = pd.DataFrame(rows)
    t = df.pivot_table(index="horizon", columns="method", values="ape", aggfunc="mean")
    cols = ["model", "last_value", "linear_trend", "cs-demand-model"]
    print(f"{a.seeds} seeds, origins 2020-2024; mean absolute % error of the total\n")
    print("| years ahead | " + " | ".join(cols) + " |\n|---|" + "---:|" * len(cols))
    for h, r in t.iterrows():
        print(f"| {h} | " + " | ".join(f"{r[c]:.1f}" for c in cols) + " |")
    print(f"\ncs-demand-model run time per origin (fit + 3 years day by day): "
          f"{min(peer_seconds):.1f}-{max(peer_seconds):.1f} s")


if __name__ == "__main__":
    main()
