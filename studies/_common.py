"""What the studies share with the benchmarks: bench/run.py's markdown tables (`md`) and the
line naming the machine (`machine`), and where the studies write their results."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "studies" / "out"  # results of runs, never committed

sys.path.insert(0, str(ROOT / "bench"))
from run import machine, md  # noqa: E402  (bench/run.py)

__all__ = ["OUT", "ROOT", "machine", "md"]
