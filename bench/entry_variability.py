"""How much councils' entries to care move from year to year, from the DfE figures shipped in
reference/data/local_authorities.csv (starts in 2020/21 to 2024/25, councils with more than 20
starts every year): the spread of year-on-year changes in log starts beyond Poisson chance, and
how consecutive changes correlate once each year's national change is taken out (0 for a random
walk, -0.5 for yearly noise around a steady level). With a local-level model (a persistent walk
plus yearly noise) the two give the walk's step and the noise.

    .venv/bin/python bench/entry_variability.py

The forecast lets the entry rate follow a random walk with a step of 8% a year (prior,
forecast/estimate.py PRIOR_SIGMA) and no yearly noise beyond Poisson chance.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd


def main() -> None:
    path = resources.files("sufficiency.reference") / "data" / "local_authorities.csv"
    d = pd.read_csv(str(path))
    cols = [f"starts_{y}" for y in range(2021, 2026)]
    x = d[cols].dropna()
    x = x[(x > 20).all(axis=1)].to_numpy(float)
    steps = np.diff(np.log(x), axis=1)
    chance = (1 / x[:, 1:] + 1 / x[:, :-1]).mean()
    centred = steps - steps.mean(axis=0)  # each year's national change taken out
    excess = max(centred.var() - chance, 0.0)
    a = np.concatenate([centred[:, i] for i in range(centred.shape[1] - 1)])
    b = np.concatenate([centred[:, i + 1] for i in range(centred.shape[1] - 1)])
    rho = float(np.corrcoef(a, b)[0, 1])
    # local level: var(step) = walk^2 + 2 noise^2 (beyond chance), corr = -noise^2 / var(step)
    noise2 = max(-rho, 0.0) * (excess + chance) - chance / 2
    walk2 = max(excess - 2 * max(noise2, 0.0), 0.0)
    print(f"{len(x)} councils, starts 2020/21-2024/25")
    print("| measure | value |\n|---|---:|")
    print(f"| sd of year-on-year change in log starts (national change out) | {np.sqrt(centred.var()):.3f} |")
    print(f"| of which Poisson chance alone | {np.sqrt(chance):.3f} |")
    print(f"| beyond chance | {np.sqrt(excess):.3f} |")
    print(f"| correlation of consecutive changes | {rho:.2f} |")
    print(f"| local level: yearly noise around the level | {np.sqrt(max(noise2, 0.0)):.3f} |")
    print(f"| local level: step of the persistent walk | {np.sqrt(walk2):.3f} |")


if __name__ == "__main__":
    main()
