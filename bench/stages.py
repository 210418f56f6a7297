"""Time and peak memory of each loading stage in one process (read, validate, clean).

    .venv/bin/python bench/stages.py bench/out/data/england [--la E08000035]

Peak memory is the process's high-water mark after each stage (so it never falls).
"""

from __future__ import annotations

import argparse
import resource
import time

from sufficiency.ssda903.clean import clean
from sufficiency.ssda903.reader import read_returns
from sufficiency.ssda903.validate import validate


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--la", default="E08000035")
    a = ap.parse_args()
    t = time.perf_counter()
    returns = read_returns(a.path)
    marks = [("read", time.perf_counter() - t, peak_mb())]
    t = time.perf_counter()
    report = validate(returns, la_code=a.la)
    marks.append(("validate", time.perf_counter() - t, peak_mb()))
    del report
    t = time.perf_counter()
    clean(returns, la_code=a.la)
    marks.append(("clean", time.perf_counter() - t, peak_mb()))
    print("| stage | seconds | peak memory so far (MB) |\n|---|---:|---:|")
    for name, secs, mb in marks:
        print(f"| {name} | {secs:.1f} | {mb:,.0f} |")


if __name__ == "__main__":
    main()
