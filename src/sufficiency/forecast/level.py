"""The level of a yearly count: the model of a council's entrants to care, and of its exits
before 18 against those its hazards expect.

Each year's count n_y is Poisson around exp(level_y + e_y) x its exposure (a year, for
entrants; the exits the window's hazards expect, for exits). The log level is the council's own
mean plus a departure from it: each year the departure is pulled back towards the mean by a
factor (the pull: 1 keeps it for good, a new front door; 0 lets it go at once, a sibling group's
year) and steps by a walk of sd `walk`, and e_y is yearly noise of sd `noise`. On the log scale,
log(n_y / exposure) = mean + departure_y + e_y + an error of variance about 1/n_y (Poisson
chance). For each (pull, walk, noise) on a grid, a Kalman filter gives the mean and the departure
at the end of the last year (their means and covariance) and the likelihood of the counts. The
posterior over the grid is that likelihood times a prior (priors.LevelPrior: scaled inverse
chi-squared on walk^2 and noise^2, the pulls equally likely): a council with a few years of
returns cannot tell a steady rate from a wandering one, nor a lasting change from one that
fades, and its own years only move the prior as far as they show. With a pull of 1 alone this
is a local level: a random walk plus noise.

The filter weighs the years by how much the counts show the level moving against the noise
around it, and the pull by how long the council's departures have lasted; an average over the
years would lag behind a change of level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .priors import LevelPrior

# grid of the walk's step and of the yearly noise (sd on the log scale, per year)
GRID = np.round(np.arange(0.005, 0.40, 0.01), 3)


@dataclass(frozen=True)
class LevelPosterior:
    """Posterior of the level at the end of the data: one row per (pull, walk, noise) grid point
    with real weight. For entrants the level is a rate (entrants a year); for exits, a ratio (exits
    against those the window's hazards expect: 1 is the window's pace).

    The log level is the council's own mean `base` plus a departure `dep` from it (their joint
    posterior: means and covariance p11, p12, p22 at the last period's middle, `lag` years before
    the end of the data); ahead, the departure shrinks by `pull` a year and steps by the walk.
    With pull 1 the departure never shrinks and `base` only marks where the first year stood."""

    weight: np.ndarray
    walk: np.ndarray
    noise: np.ndarray
    base: np.ndarray  # the council's own mean level (log)
    dep: np.ndarray  # the departure from it at the last period's middle
    p11: np.ndarray
    p12: np.ndarray
    p22: np.ndarray
    pull: np.ndarray  # the yearly pull of each grid point
    lag: float = 0.5  # years from the last period's middle to the end of the data

    @property
    def mean(self) -> np.ndarray:
        """The log level at the last period's middle, each grid point: the mean plus the departure."""
        return self.base + self.dep

    @property
    def var(self) -> np.ndarray:
        """Its variance, each grid point."""
        return self.p11 + 2 * self.p12 + self.p22

    @property
    def value(self) -> float:
        """The expected level (entrants a year, or the exit ratio): the filtered level on the
        natural scale, exp(mean), averaged over the grid. Draws of the level spread around it
        with that mean (see `draw`), without the log-normal term exp(var / 2): exp of a noisy
        log count already leans upwards."""
        return float(self.weight @ np.exp(self.mean))

    @property
    def mean_pull(self) -> float:
        """The posterior mean of the yearly pull: how much of a departure from the council's own
        mean is expected to last into the next year (1: all of it)."""
        return float(self.weight @ self.pull)

    @property
    def sd_walk(self) -> float:
        return float(np.sqrt(self.weight @ self.walk**2))

    @property
    def sd_noise(self) -> float:
        return float(np.sqrt(self.weight @ self.noise**2))

    def ahead(self, t) -> np.ndarray:
        """The expected level at times `t` (years after the end of the data): the departure from
        the council's mean shrunk by pull to the power of the years since the last period's
        middle (with pull 1, `value` at every time)."""
        shrink = self.pull[:, None] ** (self.lag + np.asarray(t, float))[None]
        return np.exp(self.base[:, None] + shrink * self.dep[:, None]).T @ self.weight

    def draw(self, rng: np.random.Generator, runs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each run: (the level at the end of the data, walk step, yearly noise), a draw from
        the posterior (grid point, then the level given it, log-normal with mean exp(mean) so
        that the runs' mean is `value`)."""
        g = self._points(rng, runs)
        mean, var = self.mean[g], self.var[g]
        level = mean - var / 2 + np.sqrt(var) * rng.standard_normal(runs)
        return np.exp(level), self.walk[g], self.noise[g]

    def draw_paths(self, rng: np.random.Generator, runs: int, t) -> np.ndarray:
        """(runs, len(t)) levels at times `t` (years after the end of the data, increasing; each
        the middle of a forecast year): a grid point, the council's mean and departure drawn from
        their posterior given it, the departure pulled back and stepping by the walk from one
        time to the next, and yearly noise that does not persist. Each time's level is
        log-normal with mean exp(base + pull^h x dep) given the grid point, so that the runs'
        mean at each time is `ahead(t)`."""
        t = np.asarray(t, float)
        g = self._points(rng, runs)
        w2, n2, pull = self.walk[g] ** 2, self.noise[g] ** 2, self.pull[g]
        p11, p12, p22 = self.p11[g], self.p12[g], self.p22[g]
        a11 = np.sqrt(np.maximum(p11, 1e-12))
        z1, z2 = rng.standard_normal(runs), rng.standard_normal(runs)
        mu = self.base[g] + a11 * z1
        a = self.dep[g] + p12 / a11 * z1 + np.sqrt(np.maximum(p22 - p12 * p12 / a11**2, 0.0)) * z2
        out = np.empty((runs, len(t)))
        h = np.concatenate([[0.0], self.lag + t])  # years after the last period's middle
        for j in range(len(t)):
            phi, q = _step(pull, h[j + 1] - h[j], w2)
            a = phi * a + np.sqrt(q) * rng.standard_normal(runs)
            shrink, added = _step(pull, h[j + 1], w2)
            spread = p11 + 2 * shrink * p12 + shrink**2 * p22 + added
            out[:, j] = mu + a - spread / 2 + np.sqrt(n2) * rng.standard_normal(runs) - n2 / 2
        return np.exp(out)

    def _points(self, rng: np.random.Generator, runs: int) -> np.ndarray:
        cum = np.cumsum(self.weight)
        return np.minimum(np.searchsorted(cum, rng.random(runs) * cum[-1], side="right"), len(cum) - 1)


def year_middles(years: int) -> np.ndarray:
    """The middle of each of `years` forecast years, in years after the end of the data: where
    a forecast reads the level for each year's entrants."""
    return np.arange(years) + 0.5


def _step(pull: np.ndarray, dt, walk2: np.ndarray):
    """(shrink, variance added) of the departure over dt years: the yearly pull and walk taken
    dt years at a time (pull 1: a random walk, variance walk^2 x dt)."""
    phi = pull**dt
    damped = pull < 1
    return phi, np.where(damped, walk2 * (1 - phi * phi) / np.where(damped, 1 - pull * pull, 1.0), walk2 * dt)


def kalman(y: np.ndarray, r: np.ndarray, step: np.ndarray, walk2: np.ndarray, noise2: np.ndarray,
           pull: np.ndarray | float = 1.0):
    """Filter for observations y (log counts) with chance variances r, over parameter vectors
    walk2, noise2 and pull (same shape, or one pull for all): y_t = base + dep_t + noise +
    chance, the departure dep pulled back by `pull` a year and stepping by the walk (pull 1: a
    local level, the departure a random walk). `step[t]` is the time from observation t-1 to t
    in years. The council's mean `base` is unknown (diffuse) and the departure starts from its
    stationary spread (none when pull is 1), so the first observation only sets where the level
    stands. Returns (base, dep, p11, p12,
    p22, log likelihood of the later observations): the means and covariance of (base, dep) at
    the last observation."""
    pull = np.broadcast_to(np.asarray(pull, float), walk2.shape)
    stationary = np.where(pull < 1, walk2 / np.where(pull < 1, 1 - pull * pull, 1.0), 0.0)
    base, dep = np.full(walk2.shape, y[0], float), np.zeros(walk2.shape)
    p11, p12, p22 = stationary + noise2 + r[0], -stationary, stationary.copy()
    ll = np.zeros(walk2.shape)
    for t in range(1, len(y)):
        phi, q = _step(pull, step[t], walk2)
        dep, p12, p22 = phi * dep, phi * p12, phi * phi * p22 + q
        s = p11 + 2 * p12 + p22 + noise2 + r[t]
        v = y[t] - base - dep
        ll -= 0.5 * (np.log(2 * np.pi * s) + v * v / s)
        k1, k2 = (p11 + p12) / s, (p12 + p22) / s
        base, dep = base + k1 * v, dep + k2 * v
        p11, p12, p22 = p11 - k1 * (p11 + p12), p12 - k1 * (p12 + p22), p22 - k2 * (p12 + p22)
    return base, dep, p11, p12, p22, ll


def log_prior(sd: np.ndarray, centre: float, df: float) -> np.ndarray:
    """Log density of sd when sd^2 is scaled inverse chi-squared (df, centre^2), up to a constant."""
    v = sd * sd
    return -(df / 2 + 1) * np.log(v) - df * centre**2 / (2 * v) + np.log(2 * sd)


def fit_level(counts, spans=None, middles=None, *, prior: LevelPrior, end: float | None = None,
              grid: np.ndarray = GRID) -> LevelPosterior:
    """Posterior of the level from yearly `counts` (oldest first). `spans` gives each count's
    exposure: the length of its period in years (default 1: a part year's count is scaled to a
    year), or the count expected of it (exits), with the chance variance of the count it holds.
    `middles` gives each period's middle in years (default: periods end to end), so a year
    missing from the data lets the level walk for two; `end` the end of the data in the same
    years (default: half a year after the last middle). `prior`: the prior of the walk and the
    noise, and the pulls (how far a year the level's departure from the council's own mean may
    persist; 1: for good), equally likely before the counts are seen."""
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
    lag = end - float(middles[-1]) if end is not None and middles is not None else 0.5
    a, w, s = (x.ravel() for x in np.meshgrid(np.asarray(prior.pulls, float), grid, grid, indexing="ij"))
    base, dep, p11, p12, p22, ll = kalman(y, r, step, w * w, s * s, a)
    post = ll + log_prior(w, prior.walk, prior.df) + log_prior(s, prior.noise, prior.df)
    weight = np.exp(post - post.max())
    weight /= weight.sum()
    keep = weight > 1e-6 * weight.max()
    wt = weight[keep] / weight[keep].sum()
    return LevelPosterior(wt, w[keep], s[keep], base[keep], dep[keep], p11[keep], p12[keep], p22[keep], a[keep],
                      float(lag))
