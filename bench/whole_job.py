"""A user's whole job, as whole processes, beside cs-demand-model 0.5.1 on the same returns.

    make test                        # once: downloads the cs-demand-model wheel into .venv/peer-wheels
    bash bench/peers/setup.sh        # once: bench/.demand-venv with cs-demand-model 0.5.1
    .venv/bin/python bench/whole_job.py [--repeats 3] [--runs 1000] [--years 1]

Data: the sample returns shipped in the cs-demand-model wheel (cs_demand_model_samples/v1.zip,
five years of Header, Episodes and the other tables), copied out of the wheel once per run.

- ours, two commands: `sufficiency load v1.zip --db job.duckdb` (a fresh store each time), then
  `sufficiency forecast --db job.duckdb --runs 1000 --years 1`: two processes.
- ours, one command: `sufficiency run v1.zip --db job.duckdb --runs 1000 --years 1`, the same
  load and forecast in one process (it starts once).
- theirs: `demand-model predict sample://v1.zip`, its own CLI on its own copy of the same
  zip, in bench/.demand-venv (it pins pandas<2, so it never shares our venv).

Each process is timed from spawn to exit (wall seconds) and its peak resident memory is its own
(`os.wait4`'s ru_maxrss), with its CPU seconds (user and system: less disturbed than wall time
when others share the machine). A job's times are the sums over its processes, its memory the
largest of them. The table gives the medians of `--repeats` jobs, run alternately (ours, ours in one, theirs, ours, ...)
so both see the same machine load. `sufficiency` is the console script beside this Python; set
PYTHONPATH to measure a source tree other than the installed one; its bytecode is written
first, as an installed package has it. The postcode directory's cache (~/.cache/sufficiency)
is assumed built, as after any earlier load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from run import machine  # bench/run.py

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PEER_BIN = ROOT / "bench" / ".demand-venv" / "bin"


def sample_zip(out: Path) -> Path:
    """Copy cs_demand_model_samples/v1.zip out of the cs-demand-model wheel into `out`."""
    folder = Path(os.environ.get("SUFFICIENCY_PEER_WHEELS", ROOT / ".venv" / "peer-wheels"))
    found = sorted(folder.glob("cs_demand_model-0.5.1-*.whl"))
    if not found:
        sys.exit(f"cs-demand-model 0.5.1 wheel not found in {folder}: run `make test` (it downloads it)")
    path = out / "v1.zip"
    with zipfile.ZipFile(found[0]) as wheel:
        path.write_bytes(wheel.read("cs_demand_model_samples/v1.zip"))
    return path


def run(cmd: list[str], cwd: Path) -> tuple[float, float, float]:
    """Run `cmd` to its end: wall seconds, CPU seconds and peak resident MB of that process alone."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{err.read().decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def ours(data: Path, work: Path, runs: int, years: int) -> list[tuple[float, float, float]]:
    """Load then forecast, each a fresh process: [(wall, CPU, MB) of load, (...) of forecast]."""
    db = work / "job.duckdb"
    db.unlink(missing_ok=True)
    exe = str(BIN / "sufficiency")
    return [run([exe, "load", str(data), "--db", str(db)], work),
            run([exe, "forecast", "--db", str(db), "--runs", str(runs), "--years", str(years)], work)]


def ours_in_one(data: Path, work: Path, runs: int, years: int) -> list[tuple[float, float, float]]:
    """The same job as `ours` by `sufficiency run`: [(wall, CPU, MB)]."""
    db = work / "job.duckdb"
    db.unlink(missing_ok=True)
    return [run([str(BIN / "sufficiency"), "run", str(data), "--db", str(db), "--runs", str(runs),
                 "--years", str(years)], work)]


def theirs(work: Path) -> list[tuple[float, float, float]]:
    return [run([str(PEER_BIN / "demand-model"), "predict", "sample://v1.zip"], work)]


def summary(jobs: list[list[tuple[float, float, float]]]) -> tuple[float, float, float, list[tuple[float, float]]]:
    """Median job wall time, CPU time and peak MB, and each step's median wall time and peak MB."""
    walls = [sum(w for w, _, _ in job) for job in jobs]
    cpus = [sum(c for _, c, _ in job) for job in jobs]
    peaks = [max(mb for _, _, mb in job) for job in jobs]
    steps = [(statistics.median(job[i][0] for job in jobs), statistics.median(job[i][2] for job in jobs))
             for i in range(len(jobs[0]))]
    return statistics.median(walls), statistics.median(cpus), statistics.median(peaks), steps


def compile_ours() -> None:
    """Write the bytecode of the `sufficiency` this Python imports (an installed package has
    it), so no process is timed compiling it."""
    where = subprocess.run([sys.executable, "-c", "import sufficiency, os; print(os.path.dirname(sufficiency.__file__))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([sys.executable, "-m", "compileall", "-q", where], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--years", type=int, default=1)
    ap.add_argument("--no-peer", action="store_true", help="time ours only")
    args = ap.parse_args()
    peer = not args.no_peer
    if peer and not (PEER_BIN / "demand-model").exists():
        sys.exit(f"{PEER_BIN / 'demand-model'} not found: run `bash bench/peers/setup.sh`")
    compile_ours()
    with tempfile.TemporaryDirectory(prefix="whole-job-") as tmp:
        work = Path(tmp)
        data = sample_zip(work)
        mine, one, peers = [], [], []
        for _ in range(args.repeats):
            mine.append(ours(data, work, args.runs, args.years))
            one.append(ours_in_one(data, work, args.runs, args.years))
            if peer:
                peers.append(theirs(work))
    wall, cpu, mb, ((load_s, load_mb), (forecast_s, forecast_mb)) = summary(mine)
    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nMachine: {machine()} ({time.strftime('%Y-%m-%d')}); medians of {args.repeats} jobs; "
          f"load average {load_avg}\n")
    print("| tool | command | wall time (s) | CPU time (s) | peak memory (MB) |")
    print("|---|---|---:|---:|---:|")
    print(f"| sufficiency | `sufficiency load v1.zip --db job.duckdb` ({load_s:.2f} s, {load_mb:.0f} MB), then "
          f"`sufficiency forecast --db job.duckdb --runs {args.runs} --years {args.years}` "
          f"({forecast_s:.2f} s, {forecast_mb:.0f} MB) "
          f"| {wall:.2f} | {cpu:.2f} | {mb:.0f} |")
    wall, cpu, mb, _ = summary(one)
    print(f"| sufficiency | `sufficiency run v1.zip --db job.duckdb --runs {args.runs} --years {args.years}` "
          f"| {wall:.2f} | {cpu:.2f} | {mb:.0f} |")
    if peer:
        wall, cpu, mb, _ = summary(peers)
        print(f"| cs-demand-model 0.5.1 | `demand-model predict sample://v1.zip` | {wall:.2f} | {cpu:.2f} | {mb:.0f} |")


if __name__ == "__main__":
    main()
