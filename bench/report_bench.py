"""Time the report for a 2,000-child council over 7 years (issue: under 10 s on 2 cores).

    .venv/bin/python bench/report_bench.py

Generates synthetic Leeds scaled to 2,000 children looked after, 2019-2025 (seed 1), loads it,
then times, each in a fresh process under /usr/bin/time: `sufficiency indicators` and
`sufficiency report` (HTML + workbook), and the report with `--pdf` as well.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(cmd: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return wall, rss // 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        subprocess.run([str(BIN / "sufficiency"), "synth", "--la", "Leeds", "--years", "2019-2025", "--seed", "1",
                        "--children", "2000", "--out", str(d / "returns")], check=True, capture_output=True)
        subprocess.run([str(BIN / "sufficiency"), "load", str(d / "returns"), "--db", str(d / "la.duckdb")],
                       check=True, capture_output=True)
        db = str(d / "la.duckdb")
        cases = {
            "indicators (CSV)": ["indicators", "--db", db, "--out", str(d / "i.csv")],
            "report (HTML + XLSX)": ["report", "--db", db, "--out", str(d / "r.html"), "--xlsx", str(d / "t.xlsx")],
            "report (HTML + XLSX + PDF)": ["report", "--db", db, "--out", str(d / "r.html"), "--xlsx",
                                           str(d / "t.xlsx"), "--pdf", str(d / "r.pdf")],
        }
        print("| command | wall time (s) | peak memory (MB) |\n|---|---:|---:|")
        for name, args in cases.items():
            wall, mb = timed([str(BIN / "sufficiency"), *args])
            print(f"| {name} | {wall:.2f} | {mb:,} |")


if __name__ == "__main__":
    main()
