"""The level of a yearly count: a local-level model of a council's entrants to care, and of its
exits before 18 against those its hazards expect.

Each year's count n_y is Poisson around exp(level_y + e_y) x its exposure (a year, for
entrants; the exits the window's hazards expect, for exits): the level follows a random walk
with a step of sd `walk` a year (changes that persist: a new front door, a practice model, a
population moving) and e_y is yearly noise of sd `noise` (changes that do not: a sibling group,
a bad winter). On the log scale, log(n_y / exposure) = level_y + e_y + an error of variance about
1/n_y (Poisson chance). For each (walk, noise) on a grid, a Kalman filter gives the level at the
end of the last year (mean and variance) and the likelihood of the counts. The posterior over
the grid is that likelihood times a prior drawn from the DfE's figures for all councils
(bench/entry_variability.py): a council with a few years of returns cannot tell a steady rate
from a wandering one, and its own years only move the prior as far as they show.

Why not the window's average. A level that wanders is best told by its recent years; an average
over five years lags behind a change of level by two or three years, which then runs through
the forecast of children in care. The filter weighs the years by how much the counts show the
level moving against the noise around it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# grid of the walk's step and of the yearly noise (sd on the log scale, per year)
GRID = np.round(np.arange(0.005, 0.40, 0.01), 3)

# Prior: scaled inverse chi-squared on walk^2 and noise^2 (PRIOR_DF degrees of freedom, centred
# on PRIOR_WALK^2 and PRIOR_NOISE^2), the one under which the DfE's council starts 2020/21-2024/25
# are likeliest (empirical Bayes over 146 councils, each year's national change left in: a
# council's entrants move with it too; `bench/entry_variability.py`). Its mean spreads are about
# 11% a year for the walk and 9% for the noise.
PRIOR_WALK = 0.10
PRIOR_NOISE = 0.08
PRIOR_DF = 8.0
# Unaccompanied asylum-seeking children arrive with the routes and the National Transfer Scheme,
# not with a council's services: England's UASC in care moved by +37%, +30%, 0% and -12% a year
# in 2021-2025 (sd of the log changes 0.21, against 0.05 for all starts; DfE CLA 2025, printed by
# bench/entry_variability.py), and no council
# UASC series is shipped. Their prior is centred on England's spread, for the walk and a little
# less for the noise, and weak (4 degrees of freedom), so a council's own years move it.
PRIOR_UASC = {"prior_walk": 0.20, "prior_noise": 0.15, "prior_df": 4.0}
# The same model read on a council's yearly exits before 18 against those its window's hazards
# expect (forecast/estimate.py: the exit level). Its prior is the one under which the DfE's
# council figures of children ceasing to be looked after per child in care (ceased / the mean of
# the 31 March counts either side, 2021/22-2024/25, 146 councils) are likeliest: centres 0.06 and
# 0.045, 6 df (`bench/entry_variability.py`). That ratio also moves with the mix of children
# (more entrants, more quick exits), which the expected exits take out, so the prior errs wide.
PRIOR_EXIT = {"prior_walk": 0.06, "prior_noise": 0.045, "prior_df": 6.0}


@dataclass(frozen=True)
class LocalLevel:
    """Posterior of the level at the end of the data: one row per (walk, noise) grid point with
    real weight. For entrants the level is a rate (entrants a year); for exits, a ratio (exits
    against those the window's hazards expect: 1 is the window's pace)."""

    weight: np.ndarray
    walk: np.ndarray
    noise: np.ndarray
    mean: np.ndarray  # log of the level at the end of the data
    var: np.ndarray

    @property
    def value(self) -> float:
        """The expected level (entrants a year, or the exit ratio): the filtered level on the
        natural scale, exp(mean), averaged over the grid. Draws of the level spread around it
        with that mean (see `draw`): adding the log-normal term exp(var / 2) as well counted the
        level's uncertainty twice (exp of a noisy log count already leans upwards) and
        over-forecast steady councils' entrants by about 1% (bench/forecast_steady.py)."""
        return float(self.weight @ np.exp(self.mean))

    @property
    def sd_walk(self) -> float:
        return float(np.sqrt(self.weight @ self.walk**2))

    @property
    def sd_noise(self) -> float:
        return float(np.sqrt(self.weight @ self.noise**2))

    def draw(self, rng: np.random.Generator, runs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each run: (the level at the end of the data, walk step, yearly noise), a draw from
        the posterior (grid point, then the level given it, log-normal with mean exp(mean) so
        that the runs' mean is `value`)."""
        cum = np.cumsum(self.weight)
        g = np.minimum(np.searchsorted(cum, rng.random(runs) * cum[-1], side="right"), len(cum) - 1)
        level = self.mean[g] - self.var[g] / 2 + np.sqrt(self.var[g]) * rng.standard_normal(runs)
        return np.exp(level), self.walk[g], self.noise[g]


def kalman(y: np.ndarray, r: np.ndarray, step: np.ndarray, walk2: np.ndarray, noise2: np.ndarray):
    """Local-level filter for observations y (log counts) with chance variances r, over
    parameter vectors walk2, noise2 (same shape). `step[t]` is the time from observation t-1 to
    t in years (the walk's variance scales with it). Diffuse start: the first observation sets
    the level. Returns (mean, variance of the level at the last observation, log likelihood of
    the later observations)."""
    m = np.full(walk2.shape, y[0], float)
    p = noise2 + r[0]
    ll = np.zeros(walk2.shape)
    for t in range(1, len(y)):
        p_pred = p + walk2 * step[t]
        s = p_pred + noise2 + r[t]
        v = y[t] - m
        ll -= 0.5 * (np.log(2 * np.pi * s) + v * v / s)
        k = p_pred / s
        m = m + k * v
        p = (1 - k) * p_pred
    return m, p, ll


def log_prior(sd: np.ndarray, centre: float, df: float) -> np.ndarray:
    """Log density of sd when sd^2 is scaled inverse chi-squared (df, centre^2), up to a constant."""
    v = sd * sd
    return -(df / 2 + 1) * np.log(v) - df * centre**2 / (2 * v) + np.log(2 * sd)


def fit_level(counts, spans=None, middles=None, *, prior_walk: float = PRIOR_WALK,
              prior_noise: float = PRIOR_NOISE, prior_df: float = PRIOR_DF, grid: np.ndarray = GRID) -> LocalLevel:
    """Posterior of the level from yearly `counts` (oldest first). `spans` gives each count's
    exposure: the length of its period in years (default 1: a part year's count is scaled to a
    year), or the count expected of it (exits), with the chance variance of the count it holds.
    `middles` gives each period's middle in years (default: periods end to end), so a year
    missing from the data lets the level walk for two."""
    n = np.asarray(counts, float)
    if len(n) == 0:
        raise ValueError("no yearly counts to fit a level on")
    span = np.ones(len(n)) if spans is None else np.asarray(spans, float)
    y = np.log((n + 0.5) / span)
    r = 1.0 / (n + 0.5)
    if middles is None:  # years between the periods' middles
        step = np.concatenate([[0.0], (span[1:] + span[:-1]) / 2])
    else:
        step = np.concatenate([[0.0], np.diff(np.asarray(middles, float))])
    w, s = np.meshgrid(grid, grid, indexing="ij")
    w, s = w.ravel(), s.ravel()
    m, p, ll = kalman(y, r, step, w * w, s * s)
    post = ll + log_prior(w, prior_walk, prior_df) + log_prior(s, prior_noise, prior_df)
    weight = np.exp(post - post.max())
    weight /= weight.sum()
    keep = weight > 1e-6 * weight.max()
    wt = weight[keep] / weight[keep].sum()
    return LocalLevel(wt, w[keep], s[keep], m[keep], p[keep])
