"""How much councils' entries to care move from year to year, from the DfE figures shipped in
reference/data/local_authorities.csv (starts in 2020/21 to 2024/25, councils with more than 20
starts every year), read with the forecast's own local-level model (forecast/level.py: a
persistent random walk plus yearly noise, with Poisson chance on top):

1. the walk and noise under which all councils' starts are likeliest together (one pair for all),
   with the pull of 1 (the walk on) and with the forecast's pulls integrated out;
2. the prior the forecast uses (read under its pulls): a scaled inverse chi-squared distribution of each council's walk^2
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
   the pulls), with a single pull of 0.5, last year's count and the mean of the years so far:
   mean absolute % error, and between councils of one origin how far the starts that
   came depart from the years' mean against how far each guess does (slope 1: the right size).

    .venv/bin/python studies/entry_variability.py
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources

import numpy as np
import pandas as pd

from sufficiency.forecast.level import GRID, fit_level, kalman, log_prior
from sufficiency.forecast.priors import LevelPrior, read_priors
from sufficiency.reference.benchmarks import england

DFS = [2, 3, 4, 6, 8, 12, 20, 50]
# the entry level before the pulls: the walk on, with the prior read under it (the first reading above)
WALK_ON = LevelPrior(walk=0.10, noise=0.08, df=8.0, pulls=(1.0,))
PRIORS = read_priors()  # the forecast's priors (parameters forecast.*)
PULLS = PRIORS.entry.pulls
CENTRES = np.round(np.arange(0.02, 0.2001, 0.005), 3)


def likelihoods(x: np.ndarray, per: np.ndarray | None = None, pulls=(1.0,)):
    """Log likelihood of each council's counts (rows) at each (walk, noise) grid point; with
    `per`, of the counts per unit of it (e.g. exits per child in care); with several `pulls`,
    each equally likely (the entry level's model), integrated over them."""
    w, s = (a.ravel() for a in np.meshgrid(GRID, GRID, indexing="ij"))
    per = np.ones_like(x) if per is None else per
    step = np.r_[0.0, np.ones(x.shape[1] - 1)]
    ll = np.stack([[kalman(np.log((r + 0.5) / d), 1 / (r + 0.5), step, w * w, s * s, pull)[-1]
                    for r, d in zip(x, per, strict=True)] for pull in pulls])
    top = ll.max(axis=0)
    return w, s, np.log(np.exp(ll - top).mean(axis=0)) + top


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
    origin by the entry level and simpler guesses."""
    guesses = ("entry level (ours)", "the walk on (pull 1)", "one pull of 0.5", "last year's count",
               "mean of the years so far")
    err: dict = {}
    dev: dict = {}
    held: dict = {}
    rng = np.random.default_rng(1)
    for o in range(2, x.shape[1]):  # the years before the origin: x[:, :o]
        mean = x[:, :o].mean(axis=1)
        ahead = np.arange(x.shape[1] - o) + 0.5  # years after the end of the data: each later year's middle
        fits = {"ours": [fit_level(row[:o], prior=PRIORS.entry) for row in x],
                "walk": [fit_level(row[:o], prior=WALK_ON) for row in x]}
        ours = np.array([lv.ahead(ahead) for lv in fits["ours"]])
        walk = np.array([lv.value for lv in fits["walk"]])
        for key, levels in fits.items():  # does the 90% interval of the count (drawn paths, Poisson) hold it?
            for lv, row in zip(levels, x, strict=True):
                lo, hi = np.quantile(rng.poisson(lv.draw_paths(rng, 4000, ahead)), [0.05, 0.95], axis=0)
                for h in range(1, len(ahead) + 1):
                    held.setdefault((h, key), []).append(lo[h - 1] <= row[o + h - 1] <= hi[h - 1])
        half = np.array([fit_level(row[:o], prior=replace(PRIORS.entry, pulls=(0.5,))).ahead(ahead) for row in x])
        for h in range(1, x.shape[1] - o + 1):
            came = x[:, o + h - 1]
            made = dict(zip(guesses, (ours[:, h - 1], walk, half[:, h - 1], x[:, o - 1], mean), strict=True))
            for name, g in made.items():
                err.setdefault((h, name), []).append(np.abs(g / came - 1))
                gx, gy = np.log(g / mean), np.log(came / mean)
                dev.setdefault((h, name), []).append((gx - gx.mean(), gy - gy.mean()))
    print("\nCouncils' starts foretold from their earlier years (origins after 2021/22, 2022/23 and 2023/24): "
          "mean absolute % error, and the slope of the starts' departure from the years' mean on the guess's "
          "(within each origin; 1: the right size), and how often the 90% interval of the count held it\n")
    print("| years ahead | cases | " + " | ".join(guesses) + " | " + " | ".join(f"slope: {g}" for g in guesses)
          + " | 90% held: entry level (ours) | 90% held: the walk on |\n|---:|---:|" + "---:|" * (2 * len(guesses) + 2))
    for h in sorted({k[0] for k in err}):
        e = [100 * np.concatenate(err[(h, g)]).mean() for g in guesses]
        sl = []
        for g in guesses:
            gx = np.concatenate([a for a, _ in dev[(h, g)]])
            gy = np.concatenate([b for _, b in dev[(h, g)]])
            sl.append(np.polyfit(gx, gy, 1)[0] if gx.std() > 0 else float("nan"))
        n = len(np.concatenate(err[(h, next(iter(guesses)))]))
        cover = " | ".join(f"{100 * np.mean(held[(h, k)]):.1f}" for k in ("ours", "walk"))
        print(f"| {h} | {n} | " + " | ".join(f"{v:.1f}" for v in e) + " | "
              + " | ".join("-" if np.isnan(v) else f"{v:.2f}" for v in sl) + f" | {cover} |")


def main() -> None:
    path = resources.files("sufficiency.reference") / "data" / "local_authorities.csv"
    d = pd.read_csv(str(path))
    x = d[[f"starts_{y}" for y in range(2021, 2026)]].dropna()
    x = x[(x > 20).all(axis=1)].to_numpy(float)
    national = x.sum(axis=0)
    print(f"{len(x)} councils, starts 2020/21-2024/25; England (these councils): "
          + ", ".join(f"{v:,.0f}" for v in national))
    print("\n| reading | walk (sd a year) | yearly noise (sd) | prior df |\n|---|---:|---:|---:|")
    for model, pulls in (("the walk on (pull 1)", (1.0,)), ("pulls 0-1, equally likely (the forecast's)", PULLS)):
        for name, xs in (("national change left in", x), ("national change taken out", x / (national / national[0]))):
            w, s, ll = likelihoods(xs, pulls=pulls)
            i = int(ll.sum(axis=0).argmax())
            print(f"| {model}, {name}: one pair for all councils (maximum likelihood) | {w[i]:.3f} | {s[i]:.3f} | |")
            total, df, cw, cn = empirical_bayes(w, s, ll)
            mean_w, mean_s = (np.sqrt(df * c * c / (df - 2)) if df > 2 else float("inf") for c in (cw, cn))
            print(f"| {model}, {name}: prior centre (empirical Bayes; log marginal likelihood {total:.1f}) | "
                  f"{cw:.3f} | {cn:.3f} | {df} |")
            print(f"| {model}, {name}: prior's root-mean-square | {mean_w:.3f} | {mean_s:.3f} | |")
    e = PRIORS.entry
    print(f"\nThe forecast's prior (parameters forecast.entry_level): walk {e.walk}, noise {e.noise}, df {e.df:g}.")
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
          f"walk {cw:.3f}, noise {cn:.3f}, df {df}; the forecast's exit prior: walk {PRIORS.exits.walk}, "
          f"noise {PRIORS.exits.noise}, df {PRIORS.exits.df:g}.")
    e = england()
    print("\n| England | year-on-year change | sd of the log changes |\n|---|---|---:|")
    for ind, name in (("started", "starts"), ("uasc_31_march", "UASC in care on 31 March")):
        v = e[e["indicator"] == ind].sort_values("year")["value"].to_numpy()
        steps = np.diff(np.log(v))
        print(f"| {name} | {', '.join(f'{100 * c:+.0f}%' for c in v[1:] / v[:-1] - 1)} | {steps.std(ddof=1):.2f} |")
    print(f"\nThe forecast's UASC prior: walk {PRIORS.uasc.walk}, noise {PRIORS.uasc.noise}, "
          f"df {PRIORS.uasc.df:g}.")


if __name__ == "__main__":
    main()
