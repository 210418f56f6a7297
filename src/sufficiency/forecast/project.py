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
mid-month). The levers of a reform apply as in the simulation (levers.Schedule: the same
factors, and the kinship share moving expected numbers where the simulation moves children).

Ages and times in care are held in whole months here, where the simulation holds exact dates:
a child changes age band in the month of the birthday, not on the day. The expected stock
agrees with the mean of many simulated runs to within a per cent or two
(tests/test_forecast.py::test_closed_form_projection_agrees_with_the_simulations_mean).
"""

from __future__ import annotations

import numpy as np

from .estimate import Model
from .levers import Levers, Schedule
from .result import Forecast, month_ends
from .states import AGE_BANDS, AGE_EDGES, DAY0, EXITS, TIC_EDGES

MONTHS_18 = 216
TIC_MONTHS = 25  # 0..23 months in care, and 24 or more
AVG_MONTH = 365.25 / 12
N_AGE, N_TIC = len(AGE_BANDS), len(TIC_EDGES) + 1
BAND_OF_AGE = np.searchsorted(AGE_EDGES * 12, np.arange(MONTHS_18), side="right")  # each age in months
TIC_OF_MONTH = np.searchsorted(TIC_EDGES, np.arange(TIC_MONTHS) * AVG_MONTH + AVG_MONTH / 2, side="right")


def _spans(band_of: np.ndarray, n: int) -> list[tuple[int, int]]:
    """(first, last + 1) of the ages (or months in care) in each of n bands."""
    return [(int(np.searchsorted(band_of, b)), int(np.searchsorted(band_of, b, side="right"))) for b in range(n)]


AGE_SPANS, TIC_SPANS = _spans(BAND_OF_AGE, N_AGE), _spans(TIC_OF_MONTH, N_TIC)


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
    n_cat = len(model.space.categories)
    schedule = Schedule(levers, model.space.categories, len(model.space.destinations), steps)
    moves = _Transitions(model, schedule, dates)
    x = _start(model, int(dates[0]))
    mix = _entrant_mix(model)
    season = model.season(dates)
    ahead = model.entry_factors(-(-steps // 12))  # each year's entrants against the rate at as_of
    out_cat = np.zeros((1, steps + 1, n_cat))
    out_age = np.zeros((1, steps + 1, N_AGE))
    entries = np.zeros((1, steps))
    exits = np.zeros((1, steps, len(EXITS) + 1))

    def record(k: int) -> None:
        out_cat[0, k] = x.reshape(-1, n_cat).sum(axis=0)
        by_age = x.reshape(2, MONTHS_18, -1).sum(axis=2).sum(axis=0)
        out_age[0, k] = np.bincount(BAND_OF_AGE, weights=by_age, minlength=N_AGE)

    record(0)
    for k in range(steps):
        gap = float(dates[k + 1] - dates[k])
        y = _step(x, moves(k, gap))
        exits[0, k, : len(EXITS)] = y[..., n_cat:].sum(axis=(0, 1, 2))
        x = y[..., :n_cat]
        exits[0, k, len(EXITS)] = x[:, -1].sum()  # at 18, out of care
        x = _older(x)
        # entrants (the entry lever on children other than UASC): half a month at risk on
        # average, then in care at the month's end
        new = gap * season[k] * mix * (np.array([schedule.entry(k), 1.0]) * ahead[:, k // 12])[:, None, None]
        entries[0, k] = new.sum()
        schedule.kin_counts(new, k)
        y_new = _step(new[:, :, None, :], moves(k, gap / 2))[:, :, 0]  # 0 months in care
        exits[0, k, : len(EXITS)] += y_new[..., n_cat:].sum(axis=(0, 1))
        x[:, :, 0] += y_new[..., :n_cat]
        record(k + 1)
    return Forecast(model, dates, out_cat, out_age, entries, exits, None, False)


class _Transitions:
    """The chance of being in each destination after `gap` days (a month, or the half month an
    entrant is at risk) under the levers of month k: (2, age band, time-in-care band, category,
    destination), as `moves(k, gap)`.

    The exponential of the generator times the days, exact however many events happen in them.
    Months are whole days long, so every length is a whole number of half days: the
    exponential of half a day for each state of the levers, in one call, raised to each
    length's power (`_powers`: squarings shared by every length)."""

    def __init__(self, model: Model, schedule: Schedule, dates: np.ndarray):
        n_cat, n_dest = len(model.space.categories), len(model.space.destinations)
        # per day, at their estimates: (2, age band, time-in-care band, category, destination)
        rates = model.rates.reshape(2, N_AGE, n_cat, N_TIC, n_dest).transpose(0, 1, 3, 2, 4)
        self.schedule = schedule
        halves: dict = {}
        for k in range(len(dates) - 1):
            n = int(dates[k + 1] - dates[k])
            halves.setdefault(schedule.key(k), (k, set()))[1].update((2 * n, n))
        half_day = np.stack([_generator(rates, schedule, k, n_cat) * 0.5 for k, _ in halves.values()])
        from scipy.linalg import expm  # imported here: only the closed form needs SciPy

        self.cache = {}
        for base, (key, (_, lengths)) in zip(expm(half_day), halves.items(), strict=True):
            for n, chance in _powers(base, lengths).items():
                self.cache[(n / 2, key)] = np.clip(chance[..., :n_cat, :], 0.0, None)

    def __call__(self, k: int, gap: float) -> np.ndarray:
        return self.cache[(gap, self.schedule.key(k))]


def _generator(rates: np.ndarray, schedule: Schedule, k: int, n_cat: int) -> np.ndarray:
    """(2, age band, time-in-care band, dest, dest): the generator of moves and exits per day
    (exits absorb), under the levers of month k."""
    factor = schedule.hazard(k)
    lam = schedule.kin_rates(rates if factor is None else rates * factor, k)
    n_dest = lam.shape[-1]
    q = np.zeros((*lam.shape[:-2], n_dest, n_dest))
    q[..., :n_cat, :] = lam
    idx = np.arange(n_cat)
    q[..., idx, idx] = 0.0
    q[..., idx, idx] = -q[..., :n_cat, :].sum(axis=-1)
    return q


def _step(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Where the children of x (2, ages, months in care, cat) are a month on: (..., dest)."""
    y = np.empty((*x.shape[:3], p.shape[-1]))
    for u in range(2):
        for b, (a0, a1) in enumerate(AGE_SPANS):
            for t, (t0, t1) in enumerate(TIC_SPANS):
                if a1 > a0 and t1 > t0:
                    y[u, a0:a1, t0:t1] = x[u, a0:a1, t0:t1] @ p[u, b, t]
    return y


def _older(x: np.ndarray) -> np.ndarray:
    """Everyone a month older and a month longer in care (24 months or more stay there); those
    reaching 18 gone."""
    x = np.concatenate([np.zeros_like(x[:, :1]), x[:, :-1]], axis=1)
    x[:, :, -1] += x[:, :, -2]
    x[:, :, 1:-1] = x[:, :, :-2].copy()
    x[:, :, 0] = 0.0
    return x


def _start(model: Model, start: int) -> np.ndarray:
    """The children in care on the start date: (2, age in months, months in care, category)."""
    s = model.stock
    x = np.zeros((2, MONTHS_18, TIC_MONTHS, len(model.space.categories)))
    age0 = np.clip(_months(s["dob"].to_numpy(), start), 0, None)
    tic0 = np.clip(_months(s["start"].to_numpy(), start), 0, TIC_MONTHS - 1)
    ok = age0 < MONTHS_18
    np.add.at(x, (s["uasc"].to_numpy(np.int64)[ok], age0[ok], tic0[ok], s["cat"].to_numpy(np.int64)[ok]), 1.0)
    return x


def _entrant_mix(model: Model) -> np.ndarray:
    """Expected entrants a day at as_of by (UASC, age in months, first category): the mix of the
    window's entrants within each group (others, UASC) times the group's rate."""
    prof = model.entrants
    mix = np.zeros((2, MONTHS_18, len(model.space.categories)))
    if len(prof):
        pa = np.clip((prof["age_days"].to_numpy(float) / AVG_MONTH).astype(np.int64), 0, MONTHS_18 - 1)
        np.add.at(mix, (prof["uasc"].to_numpy(np.int64), pa, prof["cat"].to_numpy(np.int64)), 1.0)
        per_group = mix.sum(axis=(1, 2))
        mix /= np.where(per_group > 0, per_group, 1.0)[:, None, None]
    return mix * np.array(model.entry_rates)[:, None, None]


__all__ = ["project"]
