"""Benchmarks for loading SSDA903 returns: read + validate + clean + store.

    .venv/bin/python bench/run.py [--only council|england|peer] [--keep]

Each case runs `sufficiency load` in a fresh process under /usr/bin/time, so the figures
include start-up and are the wall time and peak memory a user sees. Data comes from
`sufficiency synth` (generated once into bench/out/data and reused). The peer comparison runs
csc-validator-be-903 0.1.17, in its own venv (bench/peers/setup.sh), on the same files.
Results go to bench/out/results.json and are printed as the Markdown table that
docs/benchmarks.md records.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
PEER_PY = ROOT / "bench" / ".peers-venv" / "bin" / "python"

CASES = {
    # name: (council, first year, last year, children looked after on 31 March)
    "council": ("Leeds", 2016, 2025, 2000),
    "england": ("Leeds", 2016, 2025, 85000),
}


def timed(cmd: list[str], env: dict | None = None) -> dict:
    """Run a command under /usr/bin/time -v; wall seconds and peak RSS in MB."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return {"seconds": round(wall, 2), "peak_mb": round(int(rss.group(1)) / 1024) if rss else None,
            "stdout": proc.stdout[-3000:]}


def data_for(name: str) -> Path:
    la, first, last, children = CASES[name]
    folder = OUT / "data" / name
    if not (folder / ".done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        t = timed([str(BIN / "sufficiency"), "synth", "--la", la, "--years", f"{first}-{last}",
                   "--seed", "1", "--children", str(children), "--out", str(folder)])
        (folder / ".done").write_text(json.dumps(t))
        print(f"generated {name} in {t['seconds']} s")
    return folder


def count_rows(folder: Path, table: str) -> int:
    return sum(max(sum(1 for _ in f.open(encoding="utf-8")) - 1, 0) for f in folder.rglob(f"{table}.csv"))


def bench_load(name: str) -> dict:
    folder = data_for(name)
    db = OUT / f"{name}.duckdb"
    db.unlink(missing_ok=True)
    t = timed([str(BIN / "sufficiency"), "load", str(folder), "--db", str(db)])
    t.update(case=name, episodes=count_rows(folder, "episodes"), headers=count_rows(folder, "header"),
             files=sum(1 for _ in folder.rglob("*.csv")))
    return t


def bench_peer(name: str, years: tuple[int, ...] = (2024, 2025)) -> list[dict]:
    """csc-validator-be-903 on one year's return (with the previous year), beside ours on the same files."""
    if not PEER_PY.exists():
        raise SystemExit("peer venv missing: run bench/peers/setup.sh")
    folder = data_for(name)
    rows = []
    for year in years:
        same = OUT / "data" / f"{name}-{year}"
        shutil.rmtree(same, ignore_errors=True)
        for y in (year - 1, year):
            shutil.copytree(folder / str(y), same / str(y))
        peer = timed([str(PEER_PY), str(ROOT / "bench" / "peers" / "time_csc_validator.py"),
                      str(same), str(year)])
        db = OUT / f"{name}-{year}.duckdb"
        db.unlink(missing_ok=True)
        ours = timed([str(BIN / "sufficiency"), "load", str(same), "--db", str(db)])
        check = timed([str(BIN / "sufficiency"), "validate", str(same), "--format", "json"])
        rows.append({"case": f"{name} {year - 1}/{str(year)[-2:]} return (+ previous year)",
                     "episodes": count_rows(same, "episodes"), "peer": peer, "ours": ours, "validate": check,
                     "speedup": round(peer["seconds"] / ours["seconds"], 1),
                     "speedup_validate": round(peer["seconds"] / check["seconds"], 1)})
    return rows


def machine() -> str:
    cpu = ""
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["council", "england", "peer"], action="append")
    args = ap.parse_args()
    only = set(args.only or ["council", "england", "peer"])
    OUT.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "load": [], "peer": []}
    for name in ("council", "england"):
        if name in only:
            results["load"].append(bench_load(name))
    if "peer" in only:
        results["peer"] = bench_peer("council")
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    print(f"\nMachine: {results['machine']} ({results['date']})\n")
    print("| case | files | Header rows | Episodes rows | wall time (s) | peak memory (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results["load"]:
        print(f"| {r['case']} | {r['files']} | {r['headers']:,} | {r['episodes']:,} | {r['seconds']} | {r['peak_mb']:,} |")
    if results["peer"]:
        print("\n| same files | Episodes rows | csc-validator-be-903 (s) | sufficiency validate (s) | speed-up "
              "| sufficiency load (s) | speed-up |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in results["peer"]:
            print(f"| {r['case']} | {r['episodes']:,} | {r['peer']['seconds']} | {r['validate']['seconds']} "
                  f"| {r['speedup_validate']}x | {r['ours']['seconds']} | {r['speedup']}x |")


if __name__ == "__main__":
    main()


def md(df, fmt="{:.1f}") -> str:
    """A DataFrame as a markdown table (floats with `fmt`, blanks for NaN)."""
    cols = [str(c) for c in df.columns]
    head = "| " + " | ".join([df.index.name or "", *cols]) + " |\n|---|" + "---:|" * len(cols) + "\n"
    body = ""
    for i, r in df.iterrows():
        cells = [(fmt.format(v) if isinstance(v, float) and v == v else ("" if isinstance(v, float) else str(v)))
                 for v in r]
        body += f"| {i} | " + " | ".join(cells) + " |\n"
    return head + body
