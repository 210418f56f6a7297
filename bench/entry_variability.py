"""How much councils' entries to care move from year to year, from the DfE figures shipped in
reference/data/local_authorities.csv (starts in 2020/21 to 2024/25, councils with more than 20
starts every year), read with the forecast's own local-level model (forecast/level.py: a
persistent random walk plus yearly noise, with Poisson chance on top):

1. the walk and noise under which all councils' starts are likeliest together (one pair for all);
2. the prior the forecast uses: a scaled inverse chi-squared distribution of each council's walk^2
   and noise^2 (degrees of freedom and centres), the one under which the councils' starts are
   likeliest with each council's own pair integrated out (empirical Bayes on the grid);
3. the same with each year's national change taken out, for comparison;
4. England's year-on-year changes in starts and in UASC in care (reference/data/england.yaml),
   from which the forecast's weaker UASC prior is set (no council UASC series is shipped);
5. the prior of the exit level: the same empirical Bayes on councils' children ceasing to be
   looked after per child in care (ceased / the mean of the 31 March counts either side,
   2021/22-2024/25);
6. how well the entry level foretells a council's later starts from its earlier ones (origins
   2021/22-2023/24), beside the level with the walk on alone (pull 1: the forecast's level before
   the pulls), last year's count and the mean of the years so far: mean absolute % error, and between councils of one origin how far the starts that
   came depart from the years' mean against how far each guess does (slope 1: the right size).

    .venv/bin/python bench/entry_variability.py
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from sufficiency.forecast.level import (
    GRID,
    PRIOR_DF,
    PRIOR_EXIT,
    PRIOR_NOISE,
    PRIOR_UASC,
    PRIOR_WALK,
    PULLS,
    fit_level,
    kalman,
    log_prior,
)
from sufficiency.reference.benchmarks import england

DFS = [2, 3, 4, 6, 8, 12, 20, 50]
CENTRES = np.round(np.arange(0.02, 0.2001, 0.005), 3)


def likelihoods(x: np.ndarray, per: np.ndarray | None = None):
    """Log likelihood of each council's counts (rows) at each (walk, noise) grid point; with
    `per`, of the counts per unit of it (e.g. exits per child in care)."""
    w, s = (a.ravel() for a in np.meshgrid(GRID, GRID, indexing="ij"))
    per = np.ones_like(x) if per is None else per
    ll = np.array([kalman(np.log((r + 0.5) / d), 1 / (r + 0.5), np.r_[0.0, np.ones(len(r) - 1)], w * w, s * s)[-1]
                   for r, d in zip(x, per, strict=True)])
    return w, s, ll


def empirical_bayes(w, s, ll):
    """(log marginal likelihood, df, walk centre, noise centre) of the best prior."""
    top = ll.max(axis=1, keepdims=True)
    e = np.exp(ll - top)
    best = None
    for df in DFS:
        for cw in CENTRES:
            lw = log_prior(w, cw, df)
            for cn in CENTRES:
                lp = lw + log_prior(s, cn, df)
                p = np.exp(lp - lp.max())
                p /= p.sum()
                total = float((np.log(e @ p) + top[:, 0]).sum())
                if best is None or total > best[0]:
                    best = (total, df, cw, cn)
    return best


def foretell(x: np.ndarray) -> None:
    """Councils' published starts (rows, oldest year first) foretold from the years before an
    origin by the entry level and three simpler guesses."""
    guesses = ("entry level (ours)", "the walk on (pull 1)", "last year's count", "mean of the years so far")
    err: dict = {}
    dev: dict = {}
    for o in range(2, x.shape[1]):  # the years before the origin: x[:, :o]
        mean = x[:, :o].mean(axis=1)
        ahead = np.arange(x.shape[1] - o) + 0.5  # years after the end of the data: each later year's middle
        ours = np.array([fit_level(row[:o], pulls=PULLS).ahead(ahead) for row in x])
        walk = np.array([fit_level(row[:o]).value for row in x])
        for h in range(1, x.shape[1] - o + 1):
            came = x[:, o + h - 1]
            made = dict(zip(guesses, (ours[:, h - 1], walk, x[:, o - 1], mean), strict=True))
            for name, g in made.items():
                err.setdefault((h, name), []).append(np.abs(g / came - 1))
                gx, gy = np.log(g / mean), np.log(came / mean)
                dev.setdefault((h, name), []).append((gx - gx.mean(), gy - gy.mean()))
    print("\nCouncils' starts foretold from their earlier years (origins after 2021/22, 2022/23 and 2023/24): "
          "mean absolute % error, and the slope of the starts' departure from the years' mean on the guess's "
          "(within each origin; 1: the right size)\n")
    print("| years ahead | cases | " + " | ".join(guesses) + " | " + " | ".join(f"slope: {g}" for g in guesses)
          + " |\n|---:|---:|" + "---:|" * (2 * len(guesses)))
    for h in sorted({k[0] for k in err}):
        e = [100 * np.concatenate(err[(h, g)]).mean() for g in guesses]
        sl = []
        for g in guesses:
            gx = np.concatenate([a for a, _ in dev[(h, g)]])
            gy = np.concatenate([b for _, b in dev[(h, g)]])
            sl.append(np.polyfit(gx, gy, 1)[0] if gx.std() > 0 else float("nan"))
        n = len(np.concatenate(err[(h, next(iter(guesses)))]))
        print(f"| {h} | {n} | " + " | ".join(f"{v:.1f}" for v in e) + " | " + " | ".join("-" if np.isnan(v) else f"{v:.2f}" for v in sl) + " |")


def main() -> None:
    path = resources.files("sufficiency.reference") / "data" / "local_authorities.csv"
    d = pd.read_csv(str(path))
    x = d[[f"starts_{y}" for y in range(2021, 2026)]].dropna()
    x = x[(x > 20).all(axis=1)].to_numpy(float)
    national = x.sum(axis=0)
    print(f"{len(x)} councils, starts 2020/21-2024/25; England (these councils): "
          + ", ".join(f"{v:,.0f}" for v in national))
    print("\n| reading | walk (sd a year) | yearly noise (sd) | prior df |\n|---|---:|---:|---:|")
    for name, xs in (("national change left in", x), ("national change taken out", x / (national / national[0]))):
        w, s, ll = likelihoods(xs)
        i = int(ll.sum(axis=0).argmax())
        print(f"| {name}: one pair for all councils (maximum likelihood) | {w[i]:.3f} | {s[i]:.3f} | |")
        total, df, cw, cn = empirical_bayes(w, s, ll)
        mean_w, mean_s = (np.sqrt(df * c * c / (df - 2)) if df > 2 else float("inf") for c in (cw, cn))
        print(f"| {name}: prior centre (empirical Bayes) | {cw:.3f} | {cn:.3f} | {df} |")
        print(f"| {name}: prior's root-mean-square | {mean_w:.3f} | {mean_s:.3f} | |")
    print(f"\nThe forecast's prior (forecast/level.py): walk {PRIOR_WALK}, noise {PRIOR_NOISE}, df {PRIOR_DF:g}.")
    foretell(x)
    # exits: children ceasing per child in care (the mean of the 31 March counts either side)
    years = range(2022, 2026)
    cols = [f"ceased_{y}" for y in years] + [f"cla_{y}" for y in range(2021, 2026)]
    c = d[cols].dropna()
    c = c[(c[[f"ceased_{y}" for y in years]] > 20).all(axis=1)]
    ceased = c[[f"ceased_{y}" for y in years]].to_numpy(float)
    stock = np.column_stack([(c[f"cla_{y - 1}"] + c[f"cla_{y}"]).to_numpy(float) / 2 for y in years])
    w, s, ll = likelihoods(ceased, stock)
    total, df, cw, cn = empirical_bayes(w, s, ll)
    print(f"\n{len(c)} councils, children ceasing per child in care 2021/22-2024/25: prior centre (empirical Bayes) "
          f"walk {cw:.3f}, noise {cn:.3f}, df {df}; the forecast's exit prior: walk {PRIOR_EXIT['prior_walk']}, "
          f"noise {PRIOR_EXIT['prior_noise']}, df {PRIOR_EXIT['prior_df']:g}.")
    e = england()
    print("\n| England | year-on-year change | sd of the log changes |\n|---|---|---:|")
    for ind, name in (("started", "starts"), ("uasc_31_march", "UASC in care on 31 March")):
        v = e[e["indicator"] == ind].sort_values("year")["value"].to_numpy()
        steps = np.diff(np.log(v))
        print(f"| {name} | {', '.join(f'{100 * c:+.0f}%' for c in v[1:] / v[:-1] - 1)} | {steps.std(ddof=1):.2f} |")
    print(f"\nThe forecast's UASC prior: walk {PRIOR_UASC['prior_walk']}, noise {PRIOR_UASC['prior_noise']}, "
          f"df {PRIOR_UASC['prior_df']:g}.")


if __name__ == "__main__":
    main()
