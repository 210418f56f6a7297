"""Do councils' entries to care walk on, or go back towards the council's own mean? The entry
level of forecast/level.py weighs a few pulls back (PULLS) by each council's own years; this
asks whether all councils' years together can read one. It reads the DfE
council starts (reference/data/local_authorities.csv, 2020/21-2024/25, councils with more than
20 starts every year) with a damped walk that nests it:

    log n_y = mu + a_y + e_y + Poisson chance,   a_y = pull x a_(y-1) + step_y,

mu the council's own mean (unknown: a diffuse start), a_y its departure from it (stationary when
pull < 1; pull = 1 is the forecast's walk), e_y yearly noise. For each (pull, walk, noise) on a
grid the forecast's own filter (level.kalman) gives each council's likelihood; the table is the pull under which all
councils' starts are likeliest together (one triple for all), with the national change left in
and taken out, beside the best walk without a pull. A check on generated councils with a known
pull comes first, so the reading can be trusted.

    .venv/bin/python studies/entry_reversion.py
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from sufficiency.forecast.level import kalman

PULLS = np.round(np.arange(0.0, 1.0001, 0.1), 2)
SDS = np.round(np.arange(0.01, 0.301, 0.01), 3)


def best(x: np.ndarray) -> dict:
    """The (pull, walk, noise) under which all councils' counts (rows) are likeliest together,
    and the best with pull 1 (the walk on)."""
    g = np.array(np.meshgrid(PULLS, SDS, SDS, indexing="ij")).reshape(3, -1)
    step = np.r_[0.0, np.ones(x.shape[1] - 1)]
    total = sum(kalman(np.log(row + 0.5), 1 / (row + 0.5), step, g[1] ** 2, g[2] ** 2, g[0])[-1] for row in x)
    i = int(total.argmax())
    on = g[0] == 1.0
    j = int(np.flatnonzero(on)[total[on].argmax()])
    return {"pull": g[0, i], "walk": g[1, i], "noise": g[2, i], "ll": total[i],
            "walk on: walk": g[1, j], "walk on: noise": g[2, j], "walk on: ll": total[j]}


def generated(pull: float, walk: float, noise: float, councils: int = 146, years: int = 5, seed: int = 1) -> np.ndarray:
    """Councils' yearly counts from the damped walk, around 200 a year (a council's own mean
    spread 0.5 on the log scale), started from the stationary spread."""
    rng = np.random.default_rng(seed)
    mu = np.log(200) + 0.5 * rng.standard_normal(councils)
    a = rng.standard_normal(councils) * walk / np.sqrt(max(1 - pull * pull, 1e-9)) if pull < 1 else np.zeros(councils)
    out = []
    for _ in range(years):
        out.append(rng.poisson(np.exp(mu + a + noise * rng.standard_normal(councils))))
        a = pull * a + walk * rng.standard_normal(councils)
    return np.column_stack(out).astype(float)


def main() -> None:
    print("Generated councils (146 x 5 years, about 200 starts a year), the pull read back:\n")
    print("| pull, walk, noise (true) | read: pull | walk | noise | log likelihood gain over the walk on |\n"
          "|---|---:|---:|---:|---:|")
    for truth in ((0.5, 0.1, 0.08), (1.0, 0.1, 0.08), (0.0, 0.1, 0.05)):
        b = best(generated(*truth))
        print(f"| {truth[0]}, {truth[1]}, {truth[2]} | {b['pull']:.1f} | {b['walk']:.2f} | {b['noise']:.2f} | "
              f"{b['ll'] - b['walk on: ll']:.1f} |")
    d = pd.read_csv(str(resources.files("sufficiency.reference") / "data" / "local_authorities.csv"))
    x = d[[f"starts_{y}" for y in range(2021, 2026)]].dropna()
    x = x[(x > 20).all(axis=1)].to_numpy(float)
    national = x.sum(axis=0)
    print(f"\n{len(x)} councils' published starts, 2020/21-2024/25:\n")
    print("| reading | pull | walk | noise | log likelihood gain over the walk on | the walk on: walk, noise |\n"
          "|---|---:|---:|---:|---:|---|")
    for name, xs in (("national change left in", x), ("national change taken out", x / (national / national[0]))):
        b = best(xs)
        print(f"| {name} | {b['pull']:.1f} | {b['walk']:.2f} | {b['noise']:.2f} | {b['ll'] - b['walk on: ll']:.1f} | "
              f"{b['walk on: walk']:.2f}, {b['walk on: noise']:.2f} |")


if __name__ == "__main__":
    main()
