"""What each part of the whole job (bench/whole_job.py) costs: each command's start, and each
stage of its work, in CPU seconds (user and system: little disturbed when others share the
machine) and peak resident memory.

    .venv/bin/python bench/job_parts.py [--repeats 5]

Start: a fresh process that imports what the command imports before its work (the command line,
the library and the command's own modules) and opens a DuckDB database, as every command does;
medians of --repeats processes. Stages: load's read, validate, clean and store write, then the
forecast's fit, simulation (1,000 runs, one year; on every core, so its CPU seconds exceed its
wall time) and results written to the store, run in one process on the sample returns of the
cs-demand-model wheel (whole_job.sample_zip); each stage's best of --repeats.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from whole_job import sample_zip  # bench/whole_job.py

STARTS = {
    "load": "import sufficiency.cli, sufficiency.api, sufficiency.pipeline",
    "forecast": "import sufficiency.cli, sufficiency.api, sufficiency.forecast, sufficiency.forecast.results",
}


def start(imports: str) -> tuple[float, float]:
    """CPU seconds and peak MB of a process that imports `imports` and opens a DuckDB database."""
    code = f"{imports}; import duckdb; duckdb.connect(':memory:').close()"
    proc = subprocess.Popen([sys.executable, "-c", code])
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{code} failed")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def stages(data: Path, work: Path) -> dict[str, float]:
    """CPU seconds of each stage of load then forecast, in this process."""
    from sufficiency import pipeline
    from sufficiency.forecast import fit, simulate
    from sufficiency.forecast.results import forecast_tables
    from sufficiency.parameters import load_parameters
    from sufficiency.ssda903.clean import clean
    from sufficiency.ssda903.reader import read_returns
    from sufficiency.ssda903.validate import validate
    from sufficiency.store import add_tables, fingerprint_tables, write_returns

    cpu: dict[str, float] = {}

    def timed(name, f, *args, **kwargs):
        t = time.process_time()
        out = f(*args, **kwargs)
        cpu[name] = time.process_time() - t
        return out

    db = work / "parts.duckdb"
    db.unlink(missing_ok=True)
    returns = timed("load: read", read_returns, data)
    report = timed("load: validate", validate, returns)
    history = timed("load: clean", clean, returns)
    tables = {**history.tables, "validation_issues": report.issues, "cleaning_log": history.log,
              "source_files": pipeline._source_files(returns)}
    meta = {"la_code": history.la_code, "years": returns.years,
            "returns": fingerprint_tables(history.tables, la_code=history.la_code)}
    timed("load: write the store", write_returns, db, tables, meta)
    model = timed("forecast: fit", fit, db)
    fc = timed("forecast: simulate", simulate, model, years=1, runs=1000, seed=1)
    t = time.process_time()
    out, meta = forecast_tables(model, fc, load_parameters(), seed=1, runs=1000, years=1)
    add_tables(db, out, meta)
    cpu["forecast: results into the store"] = time.process_time() - t
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")  # as the command line sets it
    print(f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    print("| part | CPU (s) | peak memory (MB) |\n|---|---:|---:|")
    for command, imports in STARTS.items():
        runs = [start(imports) for _ in range(args.repeats)]
        print(f"| {command}: start | {statistics.median(c for c, _ in runs):.2f} "
              f"| {statistics.median(mb for _, mb in runs):.0f} |")
    with tempfile.TemporaryDirectory(prefix="job-parts-") as tmp:
        work = Path(tmp)
        data = sample_zip(work)
        best = [stages(data, work) for _ in range(args.repeats)]
    for name in best[0]:
        print(f"| {name} | {min(b[name] for b in best):.2f} | |")


if __name__ == "__main__":
    main()
