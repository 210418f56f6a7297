"""The expected-value forecast in closed form: the expected number of children in each state,
carried forward month by month, with no simulation.

The state is UASC x age in completed months (0-215) x placement category x months in care
(0-23, and 24 or more). Each month, the children in each state move as the simulation moves
them: where a child is a month on is the exponential of the generator of moves and exits
(exact in continuous time, however many events happen in the month), with every hazard at its
estimate; then everyone is a month older and a month longer in care; children reaching 216
months (18) leave. Entrants arrive at each year's expected level (times the month's seasonal factor)
with the ages, first placements and UASC status of the children who entered in the reference
window, and have half a month at risk in their first month (they arrive, on average,
mid-month). The levers of a reform apply as in the simulation.

Ages and times in care are held in whole months here, where the simulation holds exact dates:
a child changes age band in the month of the birthday, not on the day. The expected stock
agrees with the mean of many simulated runs to within a per cent or two
(tests/test_forecast.py::test_closed_form_projection_agrees_with_the_simulations_mean).
"""

from __future__ import annotations

import numpy as np

from .estimate import Model
from .simulate import Forecast, Levers, entry_season, month_ends
from .states import AGE_BANDS, AGE_EDGES, DAY0, EXITS, TIC_EDGES

MONTHS_18 = 216
TIC_MONTHS = 25  # 0..23 months in care, and 24 or more
AVG_MONTH = 365.25 / 12


def _months(days_from: np.ndarray, day: int) -> np.ndarray:
    """Completed calendar months from each day number to `day` (a birthday month counts whole
    on the day of the month it falls on)."""
    d0 = (DAY0 + np.asarray(days_from, dtype=np.int64).astype("timedelta64[D]")).astype("datetime64[D]")
    d1 = (DAY0 + np.timedelta64(int(day), "D")).astype("datetime64[D]")
    m0, m1 = d0.astype("datetime64[M]"), d1.astype("datetime64[M]")
    dom0 = (d0 - m0.astype("datetime64[D]")).astype(np.int64)
    dom1 = (d1 - m1.astype("datetime64[D]")).astype(np.int64)
    return (m1 - m0).astype(np.int64) - (dom1 < dom0)


def _powers(base: np.ndarray, exponents) -> dict[int, np.ndarray]:
    """base (..., n, n) raised to each of the positive whole `exponents`, by squaring: the
    squares are made once and shared."""
    exponents = sorted(set(int(e) for e in exponents))
    squares = [base]
    while (1 << len(squares)) <= exponents[-1]:
        squares.append(squares[-1] @ squares[-1])
    out = {}
    for e in exponents:
        got = None
        for i, sq in enumerate(squares):
            if e >> i & 1:
                got = sq if got is None else got @ sq
        out[e] = got
    return out


def project(model: Model, *, years: int = 5, levers: Levers | None = None) -> Forecast:
    """Expected children by category and age band on each month end for `years` years, and
    expected entries and exits: a Forecast with a single run."""
    steps = 12 * years
    dates = month_ends(model.as_of, steps)
    cats = list(model.space.categories)
    n_cat, n_dest = len(cats), len(model.space.destinations)
    n_age, n_tic = len(AGE_BANDS), len(TIC_EDGES) + 1
    levers = levers or Levers()
    levers.check(steps, n_cat, n_dest)
    # per day, at their estimates: (2, age band, time-in-care band, category, destination)
    rates = model.rates.reshape(2, n_age, n_cat, n_tic, n_dest).transpose(0, 1, 3, 2, 4)
    # the band of each age in months and of each month in care
    age_m = np.arange(MONTHS_18)
    band_of_age = np.searchsorted(AGE_EDGES * 12, age_m, side="right")
    tic_days = np.arange(TIC_MONTHS) * AVG_MONTH
    tic_of_month = np.searchsorted(TIC_EDGES, tic_days + AVG_MONTH / 2, side="right")
    kin = cats.index(levers.kin) if levers.kinship is not None and levers.kin in cats else None
    foster = [cats.index(c) for c in levers.foster if c in cats]

    def lever_state(k: int) -> tuple:
        return (None if levers.hazard is None else levers.hazard[k].tobytes(),
                None if levers.kinship is None else float(levers.kinship[k]))

    generators: dict = {}

    def generator(k: int) -> np.ndarray:
        """(2, age band, time-in-care band, dest, dest): the generator of moves and exits per
        day (exits absorb), under the levers of month k."""
        key = lever_state(k)
        if key in generators:
            return generators[key]
        lam = rates if levers.hazard is None else rates * levers.hazard[k]
        if kin is not None and levers.kinship[k] > 0:
            lam = lam.copy()
            share = levers.kinship[k]
            for f in foster:  # moves into stranger fostering made with family instead
                move = lam[..., f].copy()
                move[..., f] = 0.0  # a child already there stays
                lam[..., f] -= share * move
                lam[..., kin] += share * move
        q = np.zeros((*lam.shape[:-2], n_dest, n_dest))
        q[..., :n_cat, :] = lam
        idx = np.arange(n_cat)
        q[..., idx, idx] = 0.0
        q[..., idx, idx] = -q[..., :n_cat, :].sum(axis=-1)
        generators[key] = q
        return q

    # where a child is after a month (and after the half month an entrant is at risk): the
    # exponential of the generator times the days, exact however many events happen in them.
    # Months are whole days long, so every length is a whole number of half days: the
    # exponential of half a day for each state of the levers, in one call, raised to each
    # length's power (`_powers`: squarings shared by every length)
    halves: dict = {}
    for k in range(steps):
        n = int(dates[k + 1] - dates[k])
        halves.setdefault(lever_state(k), (k, set()))[1].update((2 * n, n))
    half_day = np.stack([generator(k) * 0.5 for k, _ in halves.values()])
    from scipy.linalg import expm  # imported here: only the closed form needs SciPy

    bases = expm(half_day)
    cache = {}
    for base, (key, (_, lengths)) in zip(bases, halves.items(), strict=True):
        for n, chance in _powers(base, lengths).items():
            cache[(n / 2, key)] = np.clip(chance[..., :n_cat, :], 0.0, None)

    def transitions(k: int, gap: float) -> np.ndarray:
        """(2, age band, time-in-care band, cat, dest): the chance of being in each destination
        `gap` days on, under the levers of month k."""
        return cache[(gap, lever_state(k))]

    # the ages in months of each age band, and the months in care of each time-in-care band
    age_spans = [(int(np.searchsorted(band_of_age, b)), int(np.searchsorted(band_of_age, b, side="right")))
                 for b in range(n_age)]
    tic_spans = [(int(np.searchsorted(tic_of_month, t)), int(np.searchsorted(tic_of_month, t, side="right")))
                 for t in range(n_tic)]

    def step(x: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Where the children of x (2, ages, months in care, cat) are a month on: (..., dest)."""
        y = np.empty((*x.shape[:3], n_dest))
        for u in range(2):
            for b, (a0, a1) in enumerate(age_spans):
                for t, (t0, t1) in enumerate(tic_spans):
                    if a1 > a0 and t1 > t0:
                        y[u, a0:a1, t0:t1] = x[u, a0:a1, t0:t1] @ p[u, b, t]
        return y

    # the children in care on the start date
    s = model.stock
    start = int(dates[0])
    x = np.zeros((2, MONTHS_18, TIC_MONTHS, n_cat))
    age0 = np.clip(_months(s["dob"].to_numpy(), start), 0, None)
    tic0 = np.clip(_months(s["start"].to_numpy(), start), 0, TIC_MONTHS - 1)
    ok = age0 < MONTHS_18
    np.add.at(x, (s["uasc"].to_numpy(np.int64)[ok], age0[ok], tic0[ok], s["cat"].to_numpy(np.int64)[ok]), 1.0)
    # entrants: the mix of the window's entrants by age in months and first category, within
    # each group (others, UASC), times the group's rate
    prof = model.entrants
    mix = np.zeros((2, MONTHS_18, n_cat))
    if len(prof):
        pa = np.clip((prof["age_days"].to_numpy(float) / AVG_MONTH).astype(np.int64), 0, MONTHS_18 - 1)
        np.add.at(mix, (prof["uasc"].to_numpy(np.int64), pa, prof["cat"].to_numpy(np.int64)), 1.0)
        per_group = mix.sum(axis=(1, 2))
        mix /= np.where(per_group > 0, per_group, 1.0)[:, None, None]
    mix *= np.array(model.entry_rates)[:, None, None]
    season = entry_season(model, dates)
    ahead = model.entry_factors(-(-steps // 12))  # each year's entrants against the rate at as_of
    out_cat = np.zeros((1, steps + 1, n_cat))
    out_age = np.zeros((1, steps + 1, n_age))
    entries = np.zeros((1, steps))
    exits = np.zeros((1, steps, len(EXITS) + 1))

    def record(k: int) -> None:
        out_cat[0, k] = x.reshape(-1, n_cat).sum(axis=0)
        by_age = x.reshape(2, MONTHS_18, -1).sum(axis=2).sum(axis=0)
        out_age[0, k] = np.bincount(band_of_age, weights=by_age, minlength=n_age)

    record(0)
    for k in range(steps):
        gap = float(dates[k + 1] - dates[k])
        p = transitions(k, gap)
        y = step(x, p)
        exits[0, k, : len(EXITS)] = y[..., n_cat:].sum(axis=(0, 1, 2))
        x = y[..., :n_cat]
        # a month older and a month longer in care; at 18, out of care
        exits[0, k, len(EXITS)] = x[:, -1].sum()
        x = np.concatenate([np.zeros_like(x[:, :1]), x[:, :-1]], axis=1)
        x[:, :, -1] += x[:, :, -2]
        x[:, :, 1:-1] = x[:, :, :-2].copy()
        x[:, :, 0] = 0.0
        # entrants: half a month at risk on average, then in care at the month's end
        mult = 1.0 if levers.entry is None else float(levers.entry[k])
        # a factor on entries changes the arrivals of children other than UASC (whose arrival a
        # council's services do not change)
        new = gap * season[k] * mix * (np.array([mult, 1.0]) * ahead[:, k // 12])[:, None, None]  # (2, age, cat)
        entries[0, k] = new.sum()
        if kin is not None and levers.kinship[k] > 0:
            for f in foster:
                moved = levers.kinship[k] * new[..., f]
                new[..., f] -= moved
                new[..., kin] += moved
        y_new = step(new[:, :, None, :], transitions(k, gap / 2))[:, :, 0]  # 0 months in care
        exits[0, k, : len(EXITS)] += y_new[..., n_cat:].sum(axis=(0, 1))
        x[:, :, 0] += y_new[..., :n_cat]
        record(k + 1)
    return Forecast(model, dates, out_cat, out_age, entries, exits, None, False)


__all__ = ["project"]
