"""Monte Carlo over individual children, vectorised across children and runs, in monthly steps.

Each run draws its own hazards (gamma posterior of every cell) and path of entries (the entry
level's posterior: where entries stand, how far they stay from the council's mean, and how they
move from year to year), so the spread of the runs carries the uncertainty of the estimates as
well as chance. Then, each calendar month:

1. ages and time in care move: each child's age band and time-in-care band on the month's first
   day (kept exact: dates of birth and of entry are held); a child whose 18th birthday falls in
   the month leaves care;
2. hazards apply: every other child has an event with probability 1 - exp(-total hazard x days);
3. moves and exits happen: an event goes to a destination in proportion to its hazard; a child
   who moves may move again or leave in the rest of the month, from the new placement's hazards;
4. entrants arrive: a Poisson (or negative binomial) number per run (the run's rate for the
   year times the month's seasonal factor), each with the profile (age, first placement, UASC)
   of a child who entered in the reference window, on a day drawn within the month; the rest of
   the month is time in care (they may move or leave in it), and they are counted from its end.

Reform levers (levers.py) change the hazards, the arrivals and where moves go. The chances come
from one random stream or from common random numbers (chance.py), behind one interface.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .chance import P_DEST, P_EVENT, P_KIN, P_KIN_ENTRY, P_NEXT, Chance, Common, Stream
from .estimate import Model
from .level import year_middles
from .levers import Levers, Schedule, entry_trend
from .result import Forecast, month_ends
from .states import AGE_BANDS, EXITS, TIC_EDGES, add_years

__all__ = ["simulate", "Forecast", "Levers", "entry_trend", "month_ends"]

BLOCK = 250  # runs simulated together; blocks run in parallel threads (numpy releases the GIL)
MAX_EVENTS = 6  # events a child can have in one month (more are vanishingly rare)
N_AGE, N_TIC, N_EXIT = len(AGE_BANDS), len(TIC_EDGES) + 1, len(EXITS)
NEVER = np.int32(np.iinfo(np.int32).max)  # the 18th birthday of a child who has left


def simulate(model: Model, *, years: int = 5, runs: int = 1000, seed: int | None = 0,
             parameter_uncertainty: bool = True, levers: Levers | None = None,
             workers: int | None = None, common: bool = False) -> Forecast:
    """`runs` runs of `years` years from the model's as_of. `levers`: month-by-month factors on
    entries and hazards and a kinship share (what a reform changes). Each run's rates and entry
    path are drawn before anything the levers touch, so scenarios run with one seed share them.

    `common=True` draws every other chance as common random numbers too (chance.Common):
    scenarios run with one seed then share each child's chance as well, so their difference is
    the reform's, not chance's. Slower (a hash per child a month): for comparing scenarios.

    Runs are simulated in blocks of BLOCK, each with its own random stream spawned from `seed`,
    on `workers` threads (default: the machine's cores): the result depends on the seed, not on
    the number of workers."""
    steps = 12 * years
    schedule = Schedule(levers, model.space.categories, len(model.space.destinations), steps)
    sizes = [min(BLOCK, runs - i) for i in range(0, runs, BLOCK)]
    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    workers = max(1, min(workers or os.cpu_count() or 1, len(sizes)))
    root = int(np.random.SeedSequence(seed).generate_state(1, np.uint64)[0]) if common else None
    first_run = np.cumsum([0, *sizes[:-1]])

    def one(i):
        rng = np.random.default_rng(streams[i])
        if common:
            extra = np.random.default_rng(streams[i].spawn(1)[0])
            chance = Common(rng, extra, root, int(first_run[i]), len(model.stock))
        else:
            chance = Stream(rng)
        return _Block(model, steps, sizes[i], chance, parameter_uncertainty, schedule).run()

    if workers == 1:
        parts = [one(i) for i in range(len(sizes))]
    else:
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(one, range(len(sizes))))
    dates = month_ends(model.as_of, steps)
    out_cat, out_age, entries, exits = (np.concatenate([p[j] for p in parts]) for j in range(4))
    return Forecast(model, dates, out_cat, out_age, entries, exits, seed, parameter_uncertainty)


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


def _bands(edges: np.ndarray, day) -> np.ndarray:
    """Age band on `day` (or each child's day) from birthdays 1, 5, 10 and 16 (`edges` rows)."""
    return (edges[0] <= day).astype(np.int32) + (edges[1] <= day) + (edges[2] <= day) + (edges[3] <= day)


def _draw_rates(model: Model, runs: int, rng, uncertainty: bool) -> np.ndarray:
    """Each run's hazards (runs, cells, destinations): at their estimates, or drawn from their
    gamma posteriors with the exit level drawn from its own (exits before 18 times it)."""
    if not uncertainty:
        return np.broadcast_to(model.rates, (runs, *model.rates.shape))
    shape = model.events + model.prior_mean * model.pooling_days
    scale = 1.0 / (model.exposure[:, None] + model.pooling_days)
    r = rng.gamma(shape[None] + 1e-12, scale[None], size=(runs, *shape.shape))
    if model.exit_level is not None:
        r[:, :, len(model.space.categories):] *= model.exit_level.draw(rng, runs)[0][:, None, None]
    return r


def _entry_path(level, rate: float, n_profiles: int, expected: np.ndarray, rng, runs: int, years: int,
                uncertainty: bool) -> tuple[np.ndarray, np.ndarray]:
    """(entry rate per day, factor on it in each year ahead) of each run, for one group of
    entrants: a path of the level drawn from its posterior (LocalLevel.draw_paths), or its
    expected path (`expected`: the group's Model.entry_factors) without parameter uncertainty.
    No profiles to draw entrants from: none."""
    if not n_profiles or rate <= 0:
        return np.zeros(runs), np.ones((runs, years))
    if level is None or not uncertainty:
        return np.full(runs, rate), np.tile(expected, (runs, 1))
    return np.full(runs, rate), level.draw_paths(rng, runs, year_middles(years)) / level.value


class _Hazards:
    """Each run's hazards laid out for lookup by one index per (run, cell): the total hazard
    and the cumulative shares of the destinations, with one more category for children gone
    from care (hazard 0), so a child who has left needs no masking."""

    def __init__(self, rates: np.ndarray, model: Model):
        self.rates = rates  # (runs, cells, destinations)
        self.cell_cat = model.space.unpack()["cat"]  # the category of each cell
        self.runs, self.n_cat, self.n_dest = rates.shape[0], len(model.space.categories), rates.shape[2]
        self.n_cells = 2 * N_AGE * (self.n_cat + 1) * N_TIC
        self._rows: np.ndarray | None = None

    def set(self, factor: np.ndarray | None, last: bool = False) -> None:
        """The hazards under (categories, destinations) lever factors (None: as drawn). `last`:
        they will not be set again, so the shares are made in the place of the hazards (half
        the memory; the same figures)."""
        lam = self.rates if factor is None else self.rates * factor[self.cell_cat][None]
        total = lam.sum(axis=2)
        shape = (self.runs, 2, N_AGE, self.n_cat, N_TIC)
        if last and lam.flags.writeable:
            self.rates = None
            np.cumsum(lam, axis=-1, out=lam)
            lam /= np.where(total > 0, total, 1)[..., None]
            self.cum, self._rows = lam.reshape(-1, self.n_dest), self._rows_of_cells()
        else:
            cum = np.ones((self.runs, 2, N_AGE, self.n_cat + 1, N_TIC, self.n_dest))  # filled in place: no copies
            share = cum[:, :, :, :self.n_cat]
            np.cumsum(lam.reshape(*shape, self.n_dest), axis=-1, out=share)
            share /= np.where(total > 0, total, 1).reshape(*shape, 1)
            self.cum, self._rows = cum.reshape(-1, self.n_dest), None
        total = np.pad(total.reshape(shape), [(0, 0)] * 3 + [(0, 1), (0, 0)])
        self.total = total.reshape(-1)
        self._leave: dict[int, np.ndarray] = {}

    def _rows_of_cells(self) -> np.ndarray:
        """The row of each cell (gone category included) among the cells without it."""
        cells = np.arange(self.n_cells).reshape(2 * N_AGE, self.n_cat + 1, N_TIC)
        rows = np.full(cells.shape, -1, np.int64)
        rows[:, :self.n_cat] = np.arange(2 * N_AGE * self.n_cat * N_TIC).reshape(2 * N_AGE, self.n_cat, N_TIC)
        return rows.reshape(-1)

    def shares(self, flat: np.ndarray) -> np.ndarray:
        """The cumulative shares of the destinations at (run, cell) indexes `flat` (of children
        in care)."""
        if self._rows is None:
            return self.cum[flat]
        run, cell = np.divmod(flat, self.n_cells)
        return self.cum[run * (self.n_cells // (self.n_cat + 1) * self.n_cat) + self._rows[cell]]

    def leave(self, days: int) -> np.ndarray:
        """The chance of an event within `days` days, each (run, cell)."""
        if days not in self._leave:
            self._leave[days] = (1.0 - np.exp(-self.total * days)).astype(np.float32)
        return self._leave[days]

    def index(self, run, uasc, band, cat, tic) -> np.ndarray:
        """The (run, cell) index of each child."""
        return run * np.int32(self.n_cells) + (((uasc * N_AGE + band) * (self.n_cat + 1) + cat) * N_TIC + tic)


class _Children:
    """The children of a block of runs: one slot per (run, child) in arrays with room to grow
    (run, start of care, category, UASC, birthdays 1, 5, 10, 16 and 18, key of its chances). A
    child who leaves keeps the slot, marked gone (category `gone`, 18th birthday never), until
    the slots are compacted."""

    def __init__(self, model: Model, runs: int, birthdays: _Birthdays, keys: np.ndarray, room: int):
        s = model.stock
        n0 = len(s)
        self.gone = np.int32(len(model.space.categories))
        self.n, self.left = n0 * runs, 0
        cap = self.n + room
        self.run, self.start, self.cat, self.uasc = (np.empty(cap, np.int32) for _ in range(4))
        self.edges = np.empty((5, cap), np.int32)
        self.key = np.empty(cap, np.uint64)
        n = self.n
        self.run[:n] = np.repeat(np.arange(runs, dtype=np.int32), n0)
        self.start[:n] = np.tile(s["start"].to_numpy(np.int32), runs)
        self.cat[:n] = np.tile(s["cat"].to_numpy(np.int32), runs)
        self.uasc[:n] = np.tile(s["uasc"].to_numpy(np.int32), runs)
        self.edges[:, :n] = np.tile(birthdays(s["dob"].to_numpy(np.int64)), (1, runs))
        self.key[:n] = keys

    def bands(self, day: int) -> np.ndarray:
        return _bands(self.edges[:, :self.n], day)

    def time_in_care(self, day: int) -> np.ndarray:
        in_care = day - self.start[:self.n]
        return (in_care >= TIC_EDGES[0]).astype(np.int32) + (in_care >= TIC_EDGES[1]) + (in_care >= TIC_EDGES[2])

    def turning_18(self, day: int) -> np.ndarray:
        """Slots of the children whose 18th birthday is on or before `day` (none of them gone)."""
        return np.nonzero(self.edges[4, :self.n] <= day)[0]

    def leave(self, slots: np.ndarray) -> None:
        self.cat[slots] = self.gone
        self.edges[4, slots] = NEVER
        self.left += len(slots)

    def add(self, run, start, cat, uasc, edges, key) -> None:
        n, m = self.n, len(run)
        if n + m > len(self.run):  # more room
            cap = max(int(len(self.run) * 1.5), n + m)
            self.run, self.start, self.cat, self.uasc, self.key = (
                np.resize(a, cap) for a in (self.run, self.start, self.cat, self.uasc, self.key))
            self.edges = np.concatenate([self.edges, np.empty((5, cap - self.edges.shape[1]), np.int32)], axis=1)
        for a, v in ((self.run, run), (self.start, start), (self.cat, cat), (self.uasc, uasc), (self.key, key)):
            a[n:n + m] = v
        self.edges[:, n:n + m] = edges
        self.n = n + m

    def compact(self) -> None:
        """Once over a quarter of the slots are gone: the children in care to the front, in their order."""
        if self.left <= self.n // 4:
            return
        keep = np.nonzero(self.cat[:self.n] != self.gone)[0]
        for a in (self.run, self.start, self.cat, self.uasc, self.key):
            a[:len(keep)] = a[keep]
        self.edges[:, :len(keep)] = self.edges[:, keep]
        self.n, self.left = len(keep), 0


class _Block:
    """One block of runs, month by month: the children's state (_Children), the runs' hazards
    (_Hazards), the levers (levers.Schedule) and where chances come from (chance.Stream or
    chance.Common); `run` gives the stock by category and by age band, entries and exits."""

    def __init__(self, model: Model, steps: int, runs: int, chance: Chance, uncertainty: bool, schedule: Schedule):
        self.chance, self.schedule, self.runs, self.steps = chance, schedule, runs, steps
        years = -(-steps // 12)
        self.dates = month_ends(model.as_of, steps)
        self.season = model.season(self.dates)
        self.n_cat = len(model.space.categories)
        self.hazards = _Hazards(_draw_rates(model, runs, chance.rng, uncertainty), model)
        prof = model.entrants
        self.prof_age = prof["age_days"].to_numpy(np.int64)
        self.prof_cat = prof["cat"].to_numpy(np.int64)
        self.prof_uasc = prof["uasc"].to_numpy(np.int64)
        # UASC arrive apart from the others, with their own level (and a factor on entries
        # leaves them alone)
        self.profiles = (np.flatnonzero(self.prof_uasc == 0), np.flatnonzero(self.prof_uasc == 1))
        self.dispersion = (model.entry_dispersion, model.uasc_dispersion)
        expected = model.entry_factors(years)
        self.paths = [_entry_path(level, rate, len(p), e, chance.rng, runs, years, uncertainty)
                      for level, rate, p, e in zip((model.entry_level, model.uasc_level), model.entry_rates,
                                                   self.profiles, expected, strict=True)]
        self.hazards.set(schedule.hazard(0), last=not any(schedule.hazard_changed(k) for k in range(steps)))
        d_first, d_last = int(self.dates[0]), int(self.dates[-1])
        low = min(model.stock["dob"].to_numpy(np.int64).min(initial=d_last), d_first - int(self.prof_age.max(initial=0)))
        self.birthdays = _Birthdays(low - 1, d_last + 1)
        room = int(sum(r for r, _ in self.paths).sum() * (d_last - d_first) * 0.5) + 1024
        self.children = _Children(model, runs, self.birthdays, chance.stock_keys(runs, len(model.stock)), room)
        self.out_cat = np.zeros((runs, steps + 1, self.n_cat), np.int32)
        self.out_age = np.zeros((runs, steps + 1, N_AGE), np.int32)
        self.entries = np.zeros((runs, steps), np.int32)
        self.exits = np.zeros((runs, steps, N_EXIT + 1), np.int32)

    def run(self):
        band = self.children.bands(int(self.dates[0]))
        self.record(0, band)
        for k in range(self.steps):
            self.month(k, band)
            band = self.children.bands(int(self.dates[k + 1]))
            self.record(k + 1, band)
        return self.out_cat, self.out_age, self.entries, self.exits

    def month(self, k: int, band: np.ndarray) -> None:
        """Month k for every child in care at its start (age bands `band`), then its entrants."""
        ch, hz = self.children, self.hazards
        d0, d1 = int(self.dates[k]), int(self.dates[k + 1])
        if self.schedule.hazard_changed(k):
            hz.set(self.schedule.hazard(k))
        # ages and time in care move; at 18, out of care
        aged = ch.turning_18(d1)
        flat = hz.index(ch.run[:ch.n], ch.uasc[:ch.n], band, ch.cat[:ch.n], ch.time_in_care(d0))
        # hazards apply
        u = self.chance.uniform(ch.key[:ch.n], k, P_EVENT, np.float32)
        hit = u < hz.leave(d1 - d0)[flat]
        hit[aged] = False
        # moves and exits happen
        hi = np.nonzero(hit)[0]
        dest = self.events(k, flat[hi], ch.cat[hi], u[hi], np.full(len(hi), float(d1 - d0)), ch.key[hi])
        moves = dest < self.n_cat
        ch.cat[hi[moves]] = dest[moves]
        gone = hi[~moves]
        self.count_exits(k, ch.run[gone], dest[~moves] - self.n_cat)
        self.count_exits(k, ch.run[aged], np.full(len(aged), N_EXIT))
        ch.leave(gone)
        ch.leave(aged)
        # entrants arrive
        self.arrive(k, d0, d1)
        ch.compact()

    def events(self, k: int, flat: np.ndarray, cat: np.ndarray, u: np.ndarray, time_left: np.ndarray,
               keys: np.ndarray) -> np.ndarray:
        """Where children who have an event within `time_left` days end up: a category, or
        n_cat + exit route. `u` (below each child's chance of an event) also gives the time of
        the first event (-log(1 - u) / hazard); a child who moves may have further events in the
        rest of the time, from the new category's hazards."""
        hz, n_cat = self.hazards, self.n_cat
        dest = np.empty(len(flat), np.int64)
        active = np.arange(len(flat))
        f, c, t, uu = flat.copy(), cat.astype(np.int64), time_left.astype(float), u.astype(float)
        for step in range(MAX_EVENTS):
            if not len(active):
                break
            fa, ka = f[active], keys[active]
            tot = hz.total[fa]
            ud = self.chance.uniform(ka, k, P_DEST + step)
            d = np.minimum((hz.shares(fa) < ud[:, None]).sum(axis=1), hz.n_dest - 1)
            moving = np.nonzero(d < n_cat)[0]
            self.to_kin(k, d, moving, ka, P_KIN + step)
            dest[active] = d
            if not len(moving):
                break
            a = active[moving]
            t[a] -= -np.log1p(-uu[a]) / tot[moving]
            f[a] += (d[moving] - c[a]) * N_TIC
            c[a] = d[moving]
            uu[a] = self.chance.uniform(keys[a], k, P_NEXT + step)
            again = uu[a] < 1.0 - np.exp(-hz.total[f[a]] * t[a])
            active = a[again]
        return dest

    def arrive(self, k: int, d0: int, d1: int) -> None:
        """Month k's entrants: each arrives on a day of the month, spends the rest of it in care
        (where it may move or leave) and joins the children in care at its end."""
        gap = d1 - d0
        mean = tuple(rate * gap * self.season[k] * walk[:, k // 12] for rate, walk in self.paths)
        factor = self.schedule.entry(k) if len(self.profiles[0]) else 1.0
        run, keys, pick = self.chance.arrivals(k, mean, factor, self.dispersion, self.profiles)
        self.entries[:, k] = np.bincount(run, minlength=self.runs)
        if not len(run):
            return
        day_in = d0 + 1 + self.chance.arrival_days(keys, k, gap)
        edges = self.birthdays(day_in - self.prof_age[pick])
        still = edges[4] > d1  # an entrant aged 17 may turn 18 within the month
        self.count_exits(k, run[~still], np.full(int((~still).sum()), N_EXIT))
        cat = self.prof_cat[pick].astype(np.int32)
        self.to_kin(k, cat, np.arange(len(run)), keys, P_KIN_ENTRY)
        uasc = self.prof_uasc[pick].astype(np.int32)
        flat = self.hazards.index(run, uasc, _bands(edges, day_in), cat, 0)
        left = (d1 - day_in).astype(float)
        u = self.chance.uniform(keys, k, P_EVENT)
        nh = np.nonzero((u < 1.0 - np.exp(-self.hazards.total[flat] * left)) & still)[0]
        dest = self.events(k, flat[nh], cat[nh], u[nh], left[nh], keys[nh])
        moves = dest < self.n_cat
        cat[nh[moves]] = dest[moves]
        self.count_exits(k, run[nh[~moves]], dest[~moves] - self.n_cat)
        still[nh[~moves]] = False
        self.children.add(run[still], day_in[still], cat[still], uasc[still], edges[:, still], keys[still])

    def to_kin(self, k: int, dest: np.ndarray, where: np.ndarray, keys: np.ndarray, purpose: int) -> None:
        """The kinship lever on the children `where` (keys `keys`) bound for `dest`, in place."""
        self.schedule.kin_draws(k, dest, where, lambda which: self.chance.uniform(keys[which], k, purpose))

    def record(self, k: int, band: np.ndarray) -> None:
        ch, n_catp = self.children, self.n_cat + 1
        both = np.bincount((ch.run[:ch.n] * n_catp + ch.cat[:ch.n]) * N_AGE + band,
                           minlength=self.runs * n_catp * N_AGE)
        both = both.reshape(self.runs, n_catp, N_AGE)[:, :self.n_cat]
        self.out_cat[:, k] = both.sum(axis=2)
        self.out_age[:, k] = both.sum(axis=1)

    def count_exits(self, k: int, runs_of: np.ndarray, route: np.ndarray) -> None:
        width = N_EXIT + 1
        self.exits[:, k] += np.bincount(runs_of * width + route, minlength=self.runs * width).reshape(self.runs, -1)
