"""Monte Carlo over individual children, vectorised across children and runs, in monthly steps.

Each run draws its own hazards (gamma posterior of every cell) and path of entries (the entry
level's posterior: where entries stand, how far they stay from the council's mean, and how they
move from year to year), so the spread of the runs carries the uncertainty of the estimates as well
as chance. In each calendar month a child in care either leaves care on their 18th birthday,
or has an event with probability 1 - exp(-total hazard x days), going to a destination in
proportion to its hazard; a child who moves may move again or leave in the rest of the month,
from the new placement's hazards (time in care and age band are held at the month's start
within it). Age band and time in care are exact (dates of birth and of entry are kept). New
children arrive as a Poisson (or negative binomial) number per month (at the run's rate for the year,
times the month's seasonal factor), each with the profile (age, first placement, UASC) of a
child who entered in the reference window, on a day drawn within the month; the rest of that
month is time in care, and they are counted from the end of the month.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from ..parameters.categories import PlacementCategories
from .estimate import PRIOR_DAYS, Model
from .level import year_middles
from .states import AGE_BANDS, DAY0, EXITS, TIC_EDGES, add_years


def month_ends(as_of: int, months: int) -> np.ndarray:
    """Day numbers of as_of and the same day of each following month (month ends stay ends)."""
    d = (DAY0 + np.timedelta64(int(as_of), "D")).astype("datetime64[D]")
    nxt = d + np.timedelta64(1, "D")
    month = nxt.astype("datetime64[M]")
    if (nxt - month.astype("datetime64[D]")).astype(int) == 0:  # as_of is a month end
        ends = (month + np.arange(months + 1)).astype("datetime64[D]") - np.timedelta64(1, "D")
    else:
        ends = np.array([add_years(np.array([as_of]), 0)[0]])  # pragma: no cover - month ends only
    return (ends - DAY0).astype(np.int64)


def entry_trend(months: int, per_year: float) -> Levers:
    """Levers for entrants changing by `per_year` (0.03: 3% more each year) from the start date,
    month by month (the analyst's assumption; the estimated rate is the first month's)."""
    if per_year <= -1:
        raise InputError(f"an entry trend of {per_year:+.0%} a year would leave nobody entering care: give a "
                         "share above -1, e.g. -0.05 for 5% fewer each year.")
    return Levers(entry=(1.0 + per_year) ** ((np.arange(months) + 0.5) / 12))


def entry_season(model: Model, dates: np.ndarray) -> np.ndarray:
    """The model's seasonal factor on entries for each month of a forecast (the calendar month
    each step ends in)."""
    months = (DAY0 + np.asarray(dates[1:], dtype=np.int64).astype("timedelta64[D]")).astype("datetime64[M]")
    return np.asarray(model.entry_season, float)[months.astype(np.int64) % 12]


@dataclass
class Levers:
    """Changes to the model month by month (what a reform does to the children's flows).

    entry: (months,) factor on the entry rate of children other than UASC (unaccompanied
    children's arrivals are not a council's to change). hazard: (months, categories, destinations) factor
    on the hazard of moving from each category to each destination (a category or an exit).
    kinship: (months,) share of moves and entries into the `foster` categories made with family
    (kinship) instead. None leaves that part of the model as estimated. `foster` and `kin`: the
    categories of those roles (default: the built-in map's; reforms give the council's)."""

    entry: np.ndarray | None = None
    hazard: np.ndarray | None = None
    kinship: np.ndarray | None = None
    foster: tuple[str, ...] = field(
        default_factory=lambda: PlacementCategories.load().select("foster", without=("kinship",)))
    kin: str | None = field(default_factory=lambda: PlacementCategories.load().first("kinship"))

    def check(self, months: int, n_cat: int, n_dest: int) -> None:
        for name, arr, shape in (("entry", self.entry, (months,)), ("hazard", self.hazard, (months, n_cat, n_dest)),
                                 ("kinship", self.kinship, (months,))):
            if arr is not None and (np.shape(arr)[0] < months or np.shape(arr)[1:] != shape[1:]):
                raise ValueError(f"levers.{name} has shape {np.shape(arr)}; expected at least {shape}")
            if arr is not None and np.any(np.asarray(arr) < 0):
                raise ValueError(f"levers.{name} has a negative factor")
        if self.kinship is not None and np.any(np.asarray(self.kinship) > 1):
            raise ValueError("levers.kinship is a share: at most 1")


@dataclass
class Forecast:
    model: Model
    dates: np.ndarray  # day numbers, dates[0] = as_of
    stock_cat: np.ndarray  # (runs, steps+1, categories)
    stock_age: np.ndarray  # (runs, steps+1, age bands)
    entries: np.ndarray  # (runs, steps)
    exits: np.ndarray  # (runs, steps, exits + aged 18)
    seed: int | None
    uncertainty: bool

    @property
    def runs(self) -> int:
        return self.stock_cat.shape[0]

    def _date_index(self, freq: str) -> np.ndarray:
        if freq == "month":
            return np.arange(len(self.dates))
        ts = pd.to_datetime(DAY0 + self.dates.astype("timedelta64[D]"))
        keep = [i for i, t in enumerate(ts) if i == 0 or (t.month == 3 and t.day == 31)]
        return np.array(keep)

    def paths(self, by: str | None = None, freq: str = "year") -> pd.DataFrame:
        """Every run's stock: run, date, [category|age_band], value."""
        idx = self._date_index(freq)
        dates = pd.to_datetime(DAY0 + self.dates[idx].astype("timedelta64[D]"))
        if by is None:
            arr, labels = self.stock_cat.sum(axis=2, keepdims=True)[:, idx], ["all"]
        elif by == "category":
            arr, labels = self.stock_cat[:, idx], list(self.model.space.categories)
        elif by == "age_band":
            arr, labels = self.stock_age[:, idx], list(AGE_BANDS)
        else:
            raise ValueError(f"by must be None, 'category' or 'age_band', not {by!r}")
        r, t, k = arr.shape
        return pd.DataFrame({"run": np.repeat(np.arange(r), t * k), "date": np.tile(np.repeat(dates, k), r),
                             by or "total": np.tile(labels, r * t), "value": arr.ravel()})

    def quantiles(self, by: str | None = None, q=(0.05, 0.25, 0.5, 0.75, 0.95), freq: str = "year") -> pd.DataFrame:
        """Tidy quantiles over runs: date, [by], quantile, value."""
        p = self.paths(by, freq)
        key = ["date", by or "total"]
        out = p.groupby(key)["value"].quantile(list(q)).rename("value").reset_index()
        return out.rename(columns={f"level_{len(key)}": "quantile"})

    def flows(self, q=(0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Entries and exits (by route, and at 18) per year after as_of: quantiles over runs."""
        year = np.arange(self.entries.shape[1]) // 12
        rows = []
        names = [*EXITS, "aged_18"]
        for y in np.unique(year):
            m = year == y
            series = {"entries": self.entries[:, m].sum(axis=1)}
            for i, n in enumerate(names):
                series[f"exit_{n}"] = self.exits[:, m, i].sum(axis=1)
            for name, v in series.items():
                for qq in q:
                    rows.append({"year_after": int(y) + 1, "flow": name, "quantile": qq, "value": float(np.quantile(v, qq))})
        return pd.DataFrame(rows)

    def costs(self, parameters, q=(0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
        """Weekly cost on each date and cost over each year after as_of: quantiles over runs."""
        ts = pd.to_datetime(DAY0 + self.dates.astype("timedelta64[D]"))
        fy = np.array([t.year + (1 if t.month > 3 else 0) for t in ts])
        unit = np.array([[parameters.weekly_cost(c, int(y)) for c in self.model.space.categories] for y in fy])
        weekly = (self.stock_cat * unit[None]).sum(axis=2)  # (runs, dates)
        gap = np.diff(self.dates).astype(float)
        annual_parts = weekly[:, 1:] * gap[None] / 7
        year = np.arange(len(gap)) // 12
        rows = []
        idx = self._date_index("year")
        for i in idx:
            for qq in q:
                rows.append({"date": ts[i], "measure": "weekly_cost", "quantile": qq,
                             "value": float(np.quantile(weekly[:, i], qq))})
        for y in np.unique(year):
            total = annual_parts[:, year == y].sum(axis=1)
            for qq in q:
                rows.append({"date": ts[min(12 * (y + 1), len(ts) - 1)], "measure": "annual_cost", "quantile": qq,
                             "value": float(np.quantile(total, qq))})
        return pd.DataFrame(rows)


_BIRTHDAY_AGES = (1, 5, 10, 16, 18)


class _Birthdays:
    """Day numbers of the 1st, 5th, 10th, 16th and 18th birthdays from a table made once for
    every date of birth in range (calendar arithmetic per child is slow): (5, children)."""

    def __init__(self, low: int, high: int):
        self.low = int(low)
        days_ = np.arange(self.low, int(high) + 1, dtype=np.int64)
        self.table = np.vstack([add_years(days_, a) for a in _BIRTHDAY_AGES]).astype(np.int32)

    def __call__(self, dob: np.ndarray) -> np.ndarray:
        return self.table[:, np.asarray(dob, dtype=np.int64) - self.low]


def _arrivals(rng, mean: np.ndarray, dispersion: float | None = None) -> np.ndarray:
    """Entrants in each run this month: Poisson, or negative binomial of size `dispersion`."""
    if dispersion is not None:
        return rng.negative_binomial(dispersion, dispersion / (dispersion + mean))
    return rng.poisson(mean)


def _draw_rates(model: Model, runs: int, rng, uncertainty: bool) -> np.ndarray:
    """Each run's hazards (runs, cells, destinations): at their estimates, or drawn from their
    gamma posteriors with the exit level drawn from its own (exits before 18 times it)."""
    if not uncertainty:
        return np.broadcast_to(model.rates, (runs, *model.rates.shape))
    shape = model.events + model.prior_mean * PRIOR_DAYS
    scale = 1.0 / (model.exposure[:, None] + PRIOR_DAYS)
    r = rng.gamma(shape[None] + 1e-12, scale[None], size=(runs, *shape.shape))
    if model.exit_level is not None:
        r[:, :, len(model.space.categories):] *= model.exit_level.draw(rng, runs)[0][:, None, None]
    return r


MAX_EVENTS = 6  # events a child can have in one month (more are vanishingly rare)
_GOLD = 0x9E3779B97F4A7C15
_U64 = 2**64
# what a keyed chance is for (with common random numbers): one number per child, month and use
P_EVENT, P_DEST, P_NEXT, P_KIN, P_KIN_ENTRY, P_KEEP, P_PICK, P_DAY = 0, 1, 8, 16, 24, 25, 26, 27
ARRIVALS = 2**20  # room for the arrivals of one run in one month in an entrant's identity


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on uint64 arrays (arithmetic wraps): spreads every input bit."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _child_keys(root: int, runs: np.ndarray, ident: np.ndarray) -> np.ndarray:
    """A key for each (run, child): the same in every scenario run with one seed."""
    z = _mix(np.uint64(root) + np.asarray(runs).astype(np.uint64) * np.uint64(_GOLD))
    return _mix(z + np.asarray(ident).astype(np.uint64) * np.uint64(_GOLD))


def _numbered(root: int, run0: int, counts: np.ndarray, first: int) -> tuple[np.ndarray, np.ndarray]:
    """(run, key) of each arrival when run r has counts[r] arrivals numbered first, first + 1, ..."""
    run = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    j = np.arange(len(run)) - np.repeat(np.cumsum(counts) - counts, counts)
    return run, _child_keys(root, run.astype(np.int64) + run0, first + j)


def _keyed(keys: np.ndarray, month: int, purpose: int) -> np.ndarray:
    """Uniform numbers in [0, 1), one per key, for this month and purpose."""
    z = _mix(keys + np.uint64(((month * 64 + purpose + 1) * _GOLD) % _U64))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53
BLOCK = 250  # runs simulated together; blocks run in parallel threads (numpy releases the GIL)


def simulate(model: Model, *, years: int = 5, runs: int = 1000, seed: int | None = 0,
             parameter_uncertainty: bool = True, levers: Levers | None = None,
             workers: int | None = None, common: bool = False) -> Forecast:
    """`runs` futures of `years` years from the model's as_of. `levers`: month-by-month factors
    on entries and hazards and a kinship share (what a reform changes). Each run's rates and
    entry rates are drawn before anything
    the levers touch, so scenarios run with one seed share them (common random numbers for the
    uncertainty of the estimates).

    `common=True` keys every other chance too, by (run, child, month, use): scenarios run with
    one seed then share each child's chance as well, so a child a reform does not touch does the
    same in both and the difference between them is the reform's, not chance's. Entrants are
    numbered by arrival within their run and month; fewer entrants (an entry factor below 1)
    keep a subset of the same arrivals, more add arrivals of their own. Slower (a hash per
    child a month): for comparing scenarios, not for a single forecast.

    Runs are simulated in blocks of BLOCK, each with its own random stream spawned from `seed`,
    on `workers` threads (default: the machine's cores): the result depends on the seed, not on
    the number of workers."""
    steps = 12 * years
    if levers is None:
        levers = Levers()
    levers.check(steps, len(model.space.categories), len(model.space.destinations))
    sizes = [min(BLOCK, runs - i) for i in range(0, runs, BLOCK)]
    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    workers = max(1, min(workers or os.cpu_count() or 1, len(sizes)))
    root = int(np.random.SeedSequence(seed).generate_state(1, np.uint64)[0]) if common else None
    first_run = np.cumsum([0, *sizes[:-1]])

    def one(i):
        extra = np.random.default_rng(streams[i].spawn(1)[0]) if common else None
        return _simulate_block(model, steps, sizes[i], np.random.default_rng(streams[i]), parameter_uncertainty,
                               levers, root, int(first_run[i]), extra)

    if workers == 1:
        parts = [one(i) for i in range(len(sizes))]
    else:
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(one, range(len(sizes))))
    dates = month_ends(model.as_of, steps)
    out_cat, out_age, entries, exits = (np.concatenate([p[j] for p in parts]) for j in range(4))
    return Forecast(model, dates, out_cat, out_age, entries, exits, seed, parameter_uncertainty)


def _simulate_block(model: Model, steps: int, runs: int, rng, parameter_uncertainty: bool, levers: Levers,
                    root: int | None = None, run0: int = 0, extra_rng=None):
    """One block of runs: stock by category and by age band, entries and exits (arrays by run).
    With `root` (common random numbers) chances are keyed by the run (`run0` + its place in the
    block) and child; `extra_rng` draws the arrivals an entry factor above 1 adds."""
    keyed = root is not None
    years = -(-steps // 12)
    dates = month_ends(model.as_of, steps)
    season = entry_season(model, dates)
    n_cat = len(model.space.categories)
    n_dest = len(model.space.destinations)
    lam0 = _draw_rates(model, runs, rng, parameter_uncertainty)  # (runs, cells, dest)
    cell_cat = model.space.unpack()["cat"]  # the category of each cell
    cats = list(model.space.categories)
    kin_to = cats.index(levers.kin) if levers.kinship is not None and levers.kin in cats else None
    foster_idx = np.array([cats.index(c) for c in levers.foster if c in cats], dtype=np.int32)

    n_age, n_tic = len(AGE_BANDS), len(TIC_EDGES) + 1
    n_catp = n_cat + 1  # one more category: children gone from care, whose chance of any event is 0
    GONE = np.int32(n_cat)

    def hazards(factor):
        """Total hazard and cumulative destination shares per (run, cell), laid out with the
        extra 'gone' category (hazard 0) so a child who has left needs no masking."""
        lam = lam0 if factor is None else lam0 * factor[cell_cat][None]
        total = lam.sum(axis=2)
        cum = np.cumsum(lam, axis=2) / np.where(total > 0, total, 1)[:, :, None]
        shape = (runs, 2, n_age, n_cat, n_tic)
        total = np.pad(total.reshape(shape), [(0, 0)] * 3 + [(0, 1), (0, 0)])
        cum = np.pad(cum.reshape(*shape, n_dest), [(0, 0)] * 3 + [(0, 1), (0, 0), (0, 0)], constant_values=1.0)
        return total.reshape(-1), cum.reshape(-1, n_dest)

    def kinship_first(k, dest_cat, where, keys=None, purpose=P_KIN):
        """Redirect a share of moves/entries into fostering to kinship care (in place)."""
        if kin_to is None or levers.kinship[k] <= 0 or not len(where):
            return
        into = where[np.isin(dest_cat[where], foster_idx)]
        u = rng.random(len(into)) if keys is None else _keyed(keys[into], k, purpose)
        to_kin = into[u < levers.kinship[k]]
        dest_cat[to_kin] = kin_to
    prof = model.entrants
    prof_age = prof["age_days"].to_numpy(np.int64)
    prof_cat = prof["cat"].to_numpy(np.int64)
    prof_uasc = prof["uasc"].to_numpy(np.int64)
    others = np.flatnonzero(prof_uasc == 0)  # profiles of children other than UASC
    uascs = np.flatnonzero(prof_uasc == 1)

    def entry_paths(level, rate: float, profiles: np.ndarray, expected: np.ndarray):
        """(entry rate per day, factor on it in each year ahead) of each run, for one group of
        entrants: a path of the level drawn from its posterior (estimate's entry_level: the
        council's mean and the departure from it, pulled back and walking a step a year, and
        yearly noise that does not persist), each year's mean the level's expected path, as in
        the closed-form expected value (`expected`: model.entry_factors of the group). No
        profiles to draw entrants from: none."""
        if not len(profiles) or rate <= 0:
            return np.zeros(runs), np.ones((runs, years))
        if level is None or not parameter_uncertainty:
            return np.full(runs, rate), np.tile(expected, (runs, 1))
        return np.full(runs, rate), level.draw_paths(rng, runs, year_middles(years)) / level.value

    # UASC arrive apart from the others, with their own level, walk and noise: they come with
    # the routes and the National Transfer Scheme, and a factor on entries leaves them alone
    rate_other, rate_uasc = model.entry_rates
    expected_o, expected_u = model.entry_factors(years)
    rate_o, walk_o = entry_paths(model.entry_level, rate_other, others, expected_o)
    rate_u, walk_u = entry_paths(model.uasc_level, rate_uasc, uascs, expected_u)
    entry_rate = rate_o + rate_u
    n_cells = 2 * n_age * n_catp * n_tic  # cells of the extended layout
    flat_total, flat_cum = hazards(None if levers.hazard is None else levers.hazard[0])
    leave_p = {}  # probability of an event in a month of each length, per (run, cell)
    # the children: one slot per (run, child), in arrays with room to grow; a child who leaves
    # keeps the slot, marked gone (category GONE, 18th birthday never), until slots are compacted
    s = model.stock
    n0 = len(s)
    stock_dob = s["dob"].to_numpy(np.int64)
    low = min(stock_dob.min(initial=int(dates[-1])), int(dates[0]) - int(prof_age.max(initial=0))) - 1
    birthdays = _Birthdays(low, int(dates[-1]) + 1)
    n = n0 * runs
    cap = n + int(entry_rate.sum() * (int(dates[-1]) - int(dates[0])) * 0.5) + 1024
    run = np.empty(cap, np.int32)
    start = np.empty(cap, np.int32)
    cat = np.empty(cap, np.int32)
    uasc = np.empty(cap, np.int32)
    edges = np.empty((5, cap), np.int32)  # birthdays 1, 5, 10, 16, 18
    run[:n] = np.repeat(np.arange(runs, dtype=np.int32), n0)
    start[:n] = np.tile(s["start"].to_numpy(np.int32), runs)
    cat[:n] = np.tile(s["cat"].to_numpy(np.int32), runs)
    uasc[:n] = np.tile(s["uasc"].to_numpy(np.int32), runs)
    edges[:, :n] = np.tile(birthdays(stock_dob), (1, runs))
    hkey = np.empty(cap if keyed else 0, np.uint64)  # each child's key (common random numbers)
    if keyed:
        hkey[:n] = _child_keys(root, run[:n].astype(np.int64) + run0, np.tile(np.arange(n0), runs))
    gone_slots = 0
    never = np.int32(np.iinfo(np.int32).max)
    n_exit = len(EXITS)
    out_cat = np.zeros((runs, steps + 1, n_cat), np.int32)
    out_age = np.zeros((runs, steps + 1, n_age), np.int32)
    entries = np.zeros((runs, steps), np.int32)
    exits = np.zeros((runs, steps, n_exit + 1), np.int32)

    def bands(day: int) -> np.ndarray:
        e = edges[:, :n]
        return ((e[0] <= day).astype(np.int32) + (e[1] <= day) + (e[2] <= day) + (e[3] <= day))

    def record(k: int, band: np.ndarray) -> None:
        both = np.bincount((run[:n] * n_catp + cat[:n]) * n_age + band, minlength=runs * n_catp * n_age)
        both = both.reshape(runs, n_catp, n_age)[:, :n_cat]
        out_cat[:, k] = both.sum(axis=2)
        out_age[:, k] = both.sum(axis=1)

    def count_exits(k: int, runs_of: np.ndarray, route: np.ndarray) -> None:
        exits[:, k] += np.bincount(runs_of * (n_exit + 1) + route, minlength=runs * (n_exit + 1)).reshape(runs, -1)

    def month_events(k: int, flat_hit: np.ndarray, cat_hit: np.ndarray, u: np.ndarray,
                     time_left: np.ndarray, keys: np.ndarray | None = None) -> np.ndarray:
        """Where children who have an event within `time_left` days end up: a category, or
        n_cat + exit route. `u` (below each child's chance of an event) also gives the time of
        the first event (-log(1 - u) / hazard); a child who moves may have further events in the
        rest of the time, from the new category's hazards."""
        dest = np.empty(len(flat_hit), np.int64)
        active = np.arange(len(flat_hit))
        f, c, t, uu = flat_hit.copy(), cat_hit.astype(np.int64), time_left.astype(float), u.astype(float)
        for step in range(MAX_EVENTS):
            if not len(active):
                break
            fa = f[active]
            tot = flat_total[fa]
            ka = None if keys is None else keys[active]
            ud = rng.random(len(active)) if ka is None else _keyed(ka, k, P_DEST + step)
            d = np.minimum((flat_cum[fa] < ud[:, None]).sum(axis=1), n_dest - 1)
            moving = np.nonzero(d < n_cat)[0]
            kinship_first(k, d, moving, ka, P_KIN + step)
            dest[active] = d
            if not len(moving):
                break
            a = active[moving]
            t[a] -= -np.log1p(-uu[a]) / tot[moving]
            f[a] += (d[moving] - c[a]) * n_tic
            c[a] = d[moving]
            uu[a] = rng.random(len(a)) if keys is None else _keyed(keys[a], k, P_NEXT + step)
            again = uu[a] < 1.0 - np.exp(-flat_total[f[a]] * t[a])
            active = a[again]
        return dest

    band = bands(int(dates[0]))
    record(0, band)
    for k in range(steps):
        d0, d1 = int(dates[k]), int(dates[k + 1])
        gap = d1 - d0
        if levers.hazard is not None and k and not np.array_equal(levers.hazard[k], levers.hazard[k - 1]):
            flat_total, flat_cum = hazards(levers.hazard[k])
            leave_p = {}
        if gap not in leave_p:
            leave_p[gap] = (1.0 - np.exp(-flat_total * gap)).astype(np.float32)
        aged = np.nonzero(edges[4, :n] <= d1)[0]  # leaving care at 18 (never, for a child gone)
        in_care = d0 - start[:n]
        tic = (in_care >= TIC_EDGES[0]).astype(np.int32) + (in_care >= TIC_EDGES[1]) + (in_care >= TIC_EDGES[2])
        flat = run[:n] * np.int32(n_cells) + (((uasc[:n] * n_age + band) * n_catp + cat[:n]) * n_tic + tic)
        u = _keyed(hkey[:n], k, P_EVENT) if keyed else rng.random(n, dtype=np.float32)
        hit = u < leave_p[gap][flat]
        hit[aged] = False
        hi = np.nonzero(hit)[0]
        dest = month_events(k, flat[hi], cat[hi], u[hi], np.full(len(hi), float(gap)), hkey[hi] if keyed else None)
        moves = dest < n_cat
        cat[hi[moves]] = dest[moves]
        gone = hi[~moves]
        count_exits(k, run[gone], dest[~moves] - n_cat)
        count_exits(k, run[aged], np.full(len(aged), n_exit))
        for left in (gone, aged):
            cat[left] = GONE
            edges[4, left] = never
        gone_slots += len(gone) + len(aged)
        # entrants, counted from the end of the month they arrive in
        # a factor on entries changes the arrivals of children other than UASC (whose arrival a
        # council's services do not change)
        mult = 1.0 if levers.entry is None or not len(others) else float(levers.entry[k])
        base_o = rate_o * gap * season[k] * walk_o[:, k // 12]
        base_u = rate_u * gap * season[k] * walk_u[:, k // 12]
        new_keys = None
        if keyed:  # arrivals numbered within run and month; a factor keeps a subset or adds more
            n_o = _arrivals(rng, base_o, model.entry_dispersion)
            n_u = _arrivals(rng, base_u, model.uasc_dispersion)
            run_o, keys_o = _numbered(root, run0, n_o, n0 + k * ARRIVALS)
            pick_o = others[(_keyed(keys_o, k, P_PICK) * len(others)).astype(np.int64)] if len(keys_o) else \
                np.zeros(0, np.int64)
            if mult < 1:
                kept = _keyed(keys_o, k, P_KEEP) < mult
                run_o, keys_o, pick_o = run_o[kept], keys_o[kept], pick_o[kept]
            elif mult > 1:
                more = _arrivals(extra_rng, base_o * (mult - 1), model.entry_dispersion)
                run_m, keys_m = _numbered(root, run0, more, n0 + k * ARRIVALS + ARRIVALS // 2)
                run_o, keys_o = np.concatenate([run_o, run_m]), np.concatenate([keys_o, keys_m])
                pick_o = np.concatenate([pick_o, others[(_keyed(keys_m, k, P_PICK) * len(others)).astype(np.int64)]])
            run_u, keys_u = _numbered(root, run0, n_u, n0 + k * ARRIVALS + 3 * ARRIVALS // 4)
            pick_u = uascs[(_keyed(keys_u, k, P_PICK) * len(uascs)).astype(np.int64)] if len(keys_u) else \
                np.zeros(0, np.int64)
            new_run = np.concatenate([run_o, run_u])
            new_keys = np.concatenate([keys_o, keys_u])
            pick = np.concatenate([pick_o, pick_u])
        else:
            n_o = _arrivals(rng, base_o * mult, model.entry_dispersion)
            n_u = _arrivals(rng, base_u, model.uasc_dispersion)
            new_run = np.concatenate([np.repeat(np.arange(runs, dtype=np.int32), n_o),
                                      np.repeat(np.arange(runs, dtype=np.int32), n_u)])
            pick = np.concatenate([others[rng.integers(0, max(len(others), 1), int(n_o.sum()))],
                                   uascs[rng.integers(0, max(len(uascs), 1), int(n_u.sum()))]])
        n_new = np.bincount(new_run, minlength=runs)
        total_new = int(n_new.sum())
        if total_new:
            if keyed:
                day_in = d0 + 1 + (_keyed(new_keys, k, P_DAY) * gap).astype(np.int64)
            else:
                day_in = d0 + 1 + rng.integers(0, gap, total_new)
            new_edges = birthdays(day_in - prof_age[pick])
            still = new_edges[4] > d1  # an entrant aged 17 may turn 18 within the month
            entries[:, k] = n_new
            count_exits(k, new_run[~still], np.full(int((~still).sum()), n_exit))
            # the rest of the arrival month is time in care too
            new_cat = prof_cat[pick].astype(np.int32)
            kinship_first(k, new_cat, np.arange(total_new), new_keys, P_KIN_ENTRY)
            new_uasc = prof_uasc[pick].astype(np.int32)
            new_band = ((new_edges[0] <= day_in).astype(np.int32) + (new_edges[1] <= day_in)
                        + (new_edges[2] <= day_in) + (new_edges[3] <= day_in))
            nflat = new_run * np.int32(n_cells) + (((new_uasc * n_age + new_band) * n_catp + new_cat) * n_tic)
            left = (d1 - day_in).astype(float)
            u_new = _keyed(new_keys, k, P_EVENT) if keyed else rng.random(total_new)
            nh = np.nonzero((u_new < 1.0 - np.exp(-flat_total[nflat] * left)) & still)[0]
            ndest = month_events(k, nflat[nh], new_cat[nh], u_new[nh], left[nh], new_keys[nh] if keyed else None)
            nmove = ndest < n_cat
            new_cat[nh[nmove]] = ndest[nmove]
            count_exits(k, new_run[nh[~nmove]], ndest[~nmove] - n_cat)
            still[nh[~nmove]] = False
            m = int(still.sum())
            if n + m > cap:  # more room
                cap = max(int(cap * 1.5), n + m)
                run, start, cat, uasc = (np.resize(a, cap) for a in (run, start, cat, uasc))
                if keyed:
                    hkey = np.resize(hkey, cap)
                edges = np.concatenate([edges, np.empty((5, cap - edges.shape[1]), np.int32)], axis=1)
            run[n:n + m] = new_run[still]
            start[n:n + m] = day_in[still]
            cat[n:n + m] = new_cat[still]
            uasc[n:n + m] = new_uasc[still]
            edges[:, n:n + m] = new_edges[:, still]
            if keyed:
                hkey[n:n + m] = new_keys[still]
            n += m
        if gone_slots > n // 4:  # compact: children in care to the front, in their order
            keep = np.nonzero(cat[:n] != GONE)[0]
            for a in (run, start, cat, uasc, *((hkey,) if keyed else ())):
                a[:len(keep)] = a[keep]
            edges[:, :len(keep)] = edges[:, keep]
            n, gone_slots = len(keep), 0
        band = bands(d1)
        record(k + 1, band)
    return out_cat, out_age, entries, exits
