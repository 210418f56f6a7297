"""A region's whole job, as whole processes: ten councils share, the region imports, forecasts and
reports.

    .venv/bin/python bench/region_job.py [--region "Greater Manchester"] [--runs 1000] [--years 5]

Data (made once into bench/out/region/, not timed): each member council of the shipped agreement
generated with `sufficiency synth` at its published size (returns 2021-2025) and loaded into its
own store. Timed, each a fresh process as a user runs it: `sufficiency share` for every council,
one `sufficiency region add` of all the shares, `sufficiency region forecast --runs R --years Y`
and `sufficiency region report`. Wall and CPU seconds and peak resident memory per process
(`os.wait4`), summed by step; the job's total is their sum. `sufficiency` is the console script
beside this Python; set PYTHONPATH to measure another source tree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from run import machine  # bench/run.py
from whole_job import run  # bench/whole_job.py

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).parent / "sufficiency")


def prepare(region: str, out: Path) -> tuple[list[Path], int]:
    """Each member council's store (made once): the stores, and the children looked after on
    the last 31 March in all of them."""
    from sufficiency import api
    from sufficiency.region.agreement import load_agreement
    from sufficiency.store import StoreData

    stores, cla = [], 0
    for i, member in enumerate(load_agreement(region).councils):
        db = out / member.code / "la.duckdb"
        if not db.exists():
            api.synth(api.SynthOptions(la=member.code, years=(2021, 2025), seed=1 + i, out=out / member.code / "returns"))
            api.load(api.LoadOptions(path=out / member.code / "returns", db=db, la=member.code))
        stores.append(db)
        cla += len(StoreData.read(db).cla(2025))
    return stores, cla


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", default="Greater Manchester")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--years", type=int, default=5)
    args = ap.parse_args()
    out = ROOT / "bench" / "out" / "region"
    out.mkdir(parents=True, exist_ok=True)
    stores, cla = prepare(args.region, out)
    shares = [db.parent / "council.share" for db in stores]
    region_db = out / "region.duckdb"
    region_db.unlink(missing_ok=True)
    steps = {"share (each council)": [run([EXE, "share", "--db", str(db), "--region", args.region, "--out", str(s)], out)
                                      for db, s in zip(stores, shares, strict=True)],
             "region add": [run([EXE, "region", "add", *map(str, shares), "--db", str(region_db), "--agreement",
                                 args.region, "--use", "indicators", "--use", "forecast"], out)],
             f"region forecast ({args.runs:,} runs, {args.years} years)":
                 [run([EXE, "region", "forecast", "--db", str(region_db), "--runs", str(args.runs), "--years",
                       str(args.years)], out)],
             "region report": [run([EXE, "region", "report", "--db", str(region_db), "--out", str(out / "region.html")],
                                   out)]}
    print(f"{args.region}: {len(stores)} councils, {cla:,} children looked after on 31 March 2025\n{machine()}\n")
    print("| step | processes | wall | CPU | peak memory |\n|---|---:|---:|---:|---:|")
    total = [0.0, 0.0, 0.0]
    for name, times in steps.items():
        wall, cpu, mb = sum(t[0] for t in times), sum(t[1] for t in times), max(t[2] for t in times)
        total = [total[0] + wall, total[1] + cpu, max(total[2], mb)]
        print(f"| {name} | {len(times)} | {wall:.1f} s | {cpu:.1f} s | {mb / 1024:.2f} GB |")
    print(f"| **whole job** | {sum(len(t) for t in steps.values())} | {total[0]:.1f} s | {total[1]:.1f} s | "
          f"{total[2] / 1024:.2f} GB |")


if __name__ == "__main__":
    main()
