"""Speed of the expected-value forecast against cs-demand-model 0.5.1 on the same data: the sample
returns shipped in its wheel, replicated x40 (new child ids in each copy).

    make test                        # once: downloads the wheel into .venv/peer-wheels
    bash bench/peers/setup.sh        # once: bench/.demand-venv with cs-demand-model 0.5.1
    .venv/bin/python bench/forecast_peer_bench.py [--copies 40] [--years 1 5] [--repeats 3]

Data: cs_demand_model_samples/v1.zip (returns labelled 2017-2021, the years ending 31 March
2018-2022), every table copied `--copies` times with CHILD + k x 10,000,000 in copy k, written
as year folders of CSV. Both fit on the 3 years to 31 March 2022 and forecast `--years` ahead.

- cs-demand-model (bench/peers/demand_model_run.py, its shipped configuration, every return in
  the folder): reading the CSVs into its enriched view, fitting (stock, transition rates,
  entrants) and predicting day by day (its CLI's step; also with its web app's 90-day step).
- ours: `fit(store, as_of=2022-03-31, window_years=3)` then `expected(model, years=...)`, from a
  store made once by `sufficiency.pipeline.load` (read, validate, clean: timed apart, since the
  peer does no validation or cleaning).
Each measurement is a fresh process; wall and CPU seconds (CPU of all threads) of the timed
part, `--repeats` times; the ratio uses the medians.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd
from run import machine  # bench/run.py

ROOT = Path(__file__).resolve().parents[1]
PEER_PY = ROOT / "bench" / ".demand-venv" / "bin" / "python"
PEER_RUN = ROOT / "bench" / "peers" / "demand_model_run.py"
ORIGIN = 2022

OURS = r"""
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
from sufficiency.forecast import expected, fit
t1, c1 = time.perf_counter(), time.process_time()
model = fit(sys.argv[1], as_of=sys.argv[3], window_years=3)
t2, c2 = time.perf_counter(), time.process_time()
fc = expected(model, years=int(sys.argv[2]))
q = fc.quantiles(None) if hasattr(fc, "quantiles") else None
t3, c3 = time.perf_counter(), time.process_time()
print(json.dumps({"import_s": t1 - t0, "fit_s": t2 - t1, "forecast_s": t3 - t2, "wall_s": t3 - t1,
                  "cpu_s": c3 - c1, "stock": float(len(model.stock)) if hasattr(model, "stock") else None}))
"""


def wheel() -> Path:
    folder = Path(os.environ.get("SUFFICIENCY_PEER_WHEELS", ROOT / ".venv" / "peer-wheels"))
    found = sorted(folder.glob("cs_demand_model-0.5.1-*.whl"))
    if not found:
        sys.exit(f"cs-demand-model 0.5.1 wheel not found in {folder}: run `make test` (it downloads it)")
    return found[0]


def replicate(out: Path, copies: int) -> dict:
    """Write the sample returns `copies` times over into out/<year>/<table>.csv."""
    with zipfile.ZipFile(wheel()) as w:
        inner = zipfile.ZipFile(io.BytesIO(w.read("cs_demand_model_samples/v1.zip")))
    counts = {"episodes": 0, "header": 0}
    for info in inner.infolist():
        if info.is_dir():
            continue
        year, name = info.filename.split("/")
        raw = inner.read(info)
        dest = out / year / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if len(raw) < 2:  # empty tables (ad1, placed_for_adoption) stay empty
            dest.write_bytes(raw)
            continue
        df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
        child = pd.to_numeric(df["CHILD"]).astype("int64")
        parts = [df.assign(CHILD=(child + k * 10_000_000).astype(str)) for k in range(copies)]
        big = pd.concat(parts, ignore_index=True)
        big.to_csv(dest, index=False)
        stem = name.removesuffix(".csv")
        if stem in counts:
            counts[stem] += len(big)
    return counts


def children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def timed(cmd: list[str]) -> tuple[dict, float, float]:
    t, c = time.perf_counter(), children_cpu()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(p.stderr[-3000:])
    return json.loads(p.stdout.strip().splitlines()[-1]), time.perf_counter() - t, children_cpu() - c


def med(xs):
    return float(pd.Series(xs).median())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=40)
    ap.add_argument("--years", type=int, nargs="+", default=[1, 5])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--peer-steps", type=int, nargs="+", default=[1, 90], help="cs-demand-model step sizes (days)")
    ap.add_argument("--keep", type=Path, help="keep the replicated returns and store in this folder")
    a = ap.parse_args()
    if not PEER_PY.exists():
        sys.exit(f"{PEER_PY} is missing: run `bash bench/peers/setup.sh`")
    from sufficiency.pipeline import load

    tmp = a.keep or Path(tempfile.mkdtemp(prefix="peer-speed-"))
    returns, db = tmp / "returns", tmp / "sample.duckdb"
    if not (returns / ".done").exists():
        counts = replicate(returns, a.copies)
        (returns / ".done").write_text(json.dumps(counts))
    counts = json.loads((returns / ".done").read_text())
    t, c = time.perf_counter(), time.process_time()
    if db.exists():
        db.unlink()
    load(returns, db=db)
    load_s, load_cpu = time.perf_counter() - t, time.process_time() - c
    print(f"sample x{a.copies}: {counts['episodes']:,} episode rows, {counts['header']:,} header rows; "
          f"load (read, validate, clean, store) {load_s:.1f} s wall, {load_cpu:.1f} s CPU", file=sys.stderr)
    rows = []
    for years in a.years:
        ours = []
        for _ in range(a.repeats):
            r, wall, cpu = timed([sys.executable, "-c", OURS, str(db), str(years), f"{ORIGIN}-03-31"])
            ours.append({**r, "process_wall_s": wall, "process_cpu_s": cpu})
        rows.append({"tool": "ours: fit + expected", "years": years, "step": "month",
                     "wall": [o["wall_s"] for o in ours], "cpu": [o["cpu_s"] for o in ours],
                     "detail": f"fit {med([o['fit_s'] for o in ours]):.2f} s, forecast "
                               f"{med([o['forecast_s'] for o in ours]):.2f} s; whole process "
                               f"{med([o['process_wall_s'] for o in ours]):.1f} s",
                     "stock": ours[0]["stock"]})
        for step in a.peer_steps:
            peer = []
            for _ in range(a.repeats):
                r, wall, cpu = timed([str(PEER_PY), str(PEER_RUN), str(returns), str(ORIGIN), "--window", "3",
                                      "--horizons", str(years), "--config", "standard", "--all-returns",
                                      "--step-days", str(step)])
                peer.append({**r, "process_wall_s": wall, "process_cpu_s": cpu})
            rows.append({"tool": "cs-demand-model 0.5.1: read + fit + predict", "years": years,
                         "step": f"{step} day" + ("s" if step > 1 else ""),
                         "wall": [p["wall_s"] for p in peer], "cpu": [p["cpu_s"] for p in peer],
                         "detail": f"read {med([p['read_s'] for p in peer]):.1f} s, fit "
                                   f"{med([p['fit_s'] for p in peer]):.1f} s, predict "
                                   f"{med([p['predict_s'] for p in peer]):.1f} s; whole process "
                                   f"{med([p['process_wall_s'] for p in peer]):.1f} s",
                         "stock": peer[0]["stock"]})
            print(f"{years} years, peer step {step}: {med(rows[-1]['wall']):.1f} s", file=sys.stderr)
    print(f"Machine: {machine()}. Sample x{a.copies}: {counts['episodes']:,} episode rows; "
          f"our load (once, not in the ratio) {load_s:.1f} s wall / {load_cpu:.1f} s CPU.\n")
    print("| years ahead | tool | step | wall s (median; min-max) | CPU s (median) | stock on origin | detail |")
    print("|---:|---|---|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['years']} | {r['tool']} | {r['step']} | {med(r['wall']):.2f} ({min(r['wall']):.2f}-"
              f"{max(r['wall']):.2f}) | {med(r['cpu']):.2f} | {r['stock'] or 0:,.0f} | {r['detail']} |")
    print()
    for years in a.years:
        ours = next(r for r in rows if r["years"] == years and r["tool"].startswith("ours"))
        for r in rows:
            if r["years"] == years and not r["tool"].startswith("ours"):
                print(f"{years} years, cs-demand-model step {r['step']}: ours is {med(r['wall']) / med(ours['wall']):.0f}x "
                      f"faster (wall), {med(r['cpu']) / med(ours['cpu']):.0f}x (CPU); with our load counted: "
                      f"{med(r['wall']) / (med(ours['wall']) + load_s):.1f}x")


if __name__ == "__main__":
    main()
