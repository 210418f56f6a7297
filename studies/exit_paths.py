"""Which path of exit hazards makes synthetic councils' children looked after follow England's
published figures? For every N-th council with published figures, synthesise 2019-2025 (one
seed, the synthesiser's defaults otherwise) with exit hazards steady or changing by a proportion
a year from a collection year, and print the synthetic 31 March counts over the published ones,
all councils together, by year.

    .venv/bin/python studies/exit_paths.py --every 4 --paths 0:2022 0.05:2024 0.05:2022
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from backtest import _all_councils  # studies/backtest.py

YEARS = range(2021, 2026)


def main() -> None:
    from sufficiency.reference.authorities import authorities
    from sufficiency.synth.council import synthesise

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--every", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--paths", nargs="+", default=["0:2022", "0.05:2024", "0.05:2022"],
                    help="CHANGE:FROM, e.g. 0.05:2024 (5%% a year quicker from 2023/24)")
    a = ap.parse_args()
    las = authorities()
    councils = _all_councils()[::a.every]
    print(f"{len(councils)} councils, seed {a.seed}: synthetic / published children looked after on 31 March\n")
    print("| exit hazards | " + " | ".join(map(str, YEARS)) + " |\n|---|" + "---:|" * len(YEARS))
    for path in a.paths:
        change, start = path.split(":")
        tmp = Path(tempfile.mkdtemp(prefix="exit-paths-"))
        try:
            params = tmp / "p.yaml"
            params.write_text(f"hazards:\n  exit_change:\n    value: {float(change)}\n"
                              f"  exit_change_from:\n    value: {int(start)}\n")
            synth = {y: 0.0 for y in YEARS}
            for code in councils:
                s = synthesise(code, 2019, 2025, a.seed, tmp / code, params_path=params).summary
                s = s.set_index("year")["looked_after_31_march"]
                for y in YEARS:
                    synth[y] += s[y]
                shutil.rmtree(tmp / code, ignore_errors=True)
            published = {y: sum(las[c].fact("cla", y) for c in councils) for y in YEARS}
            label = "steady" if float(change) == 0 else f"{float(change):+.0%} a year from {int(start) - 1}/{int(start) % 100:02d}"
            print(f"| {label} | " + " | ".join(f"{synth[y] / published[y]:.3f}" for y in YEARS) + " |")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
