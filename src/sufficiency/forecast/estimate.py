"""Fit the forecast model to a store: hazards from events and child-days, entrants, the stock.

Window. The reference window is the `window_years` (default 5) before `as_of`, or as much of
them as the returns cover: it never starts before 1 April of the first return's year, since
before that the data hold only the children still in care then (entrants would be undercounted
and long stays overweighted).

Hazards. Every placement in the reference window is cut
into pieces at the child's birthdays that change age band, at the time-in-care band edges and
at the window's ends; each piece adds child-days of exposure to its cell (UASC, age band,
category, time in care). A placement that ends adds an event to the cell it ends in: a move to
the category of the next placement (a move within the same category is not a change of state),
or an exit by its reason (REC). Care ends at 18 for everyone, so time after the 18th birthday
is not exposure and leaving then is not an event. Hazard = events / child-days.

Children already in care when the first return begins. Their period of care began on a day the
returns do not give (its first episode in the data is the one open then), so their time in care
is known only to be at least the time since that episode began. Their child-days and events
count only from when that lower bound reaches the last time-in-care band (2 years or more);
counted earlier, long-staying children would pass for new ones and lower the hazards of the
first months in care.

Pooling. Sparse cells borrow from their category: each cell's rate has a gamma prior with the
category's pooled rate (all ages, times in care and UASC groups) as its mean and
`pooling_days` child-days of weight (the parameter forecast.pooling_days), so the posterior
mean is (events + m * pooling_days) / (days + pooling_days): a cell with years of exposure keeps
its own rate, an empty one takes its category's.

Entrants. Their rate at as_of is the level of the entrants in each whole year of the returns
(level.py, with the priors of priors.py), fitted apart for unaccompanied asylum-seeking
children and for the others, not the window's average, which lags behind a change of level;
monthly counts overdispersed within the window make arrivals negative binomial; for the
simulation, the profile of each entrant of the window (age in days at entry, first category,
UASC) is resampled.

Exits. The exits before 18 of each year of the window against those the window's hazards
expect have a level too (`_exit_level`), which scales the exit hazards at as_of.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import StoreError
from ..parameters import Parameters
from ..store import StoreData
from ..vocab import NO_DAY
from .level import LevelPosterior, fit_level, year_middles
from .priors import LevelPrior, Priors, read_priors
from .states import (
    AGE_BANDS,
    AGE_EDGES,
    DAY0,
    EXIT_OF_REC,
    EXITS,
    TIC_BANDS,
    TIC_EDGES,
    StateSpace,
    add_years,
    days,
    tic_band,
)


@dataclass
class Model:
    """The fitted model: events and child-days of each cell of the state space in the window
    (`window`: day numbers, the first excluded) and the prior mean of each cell's hazards, the
    entrants of the window (their count, profiles, monthly dispersion, yearly counts, seasonal
    factors and levels), the children in care on `as_of`, and the level of exits before 18."""

    space: StateSpace
    as_of: int  # day number
    window: tuple[int, int]
    events: np.ndarray  # (cells, destinations)
    exposure: np.ndarray  # (cells,) child-days
    prior_mean: np.ndarray  # (cells, destinations) per day
    entry_count: int
    entry_days: int
    entry_dispersion: float | None  # negative binomial size r, or None for Poisson
    entrants: pd.DataFrame  # age_days, cat, uasc of each entrant in the window
    stock: pd.DataFrame  # dob, start (of care), cat, uasc: children in care on as_of
    pooling_days: float  # child-days of weight of each cell's prior (its category's rate)
    entry_level: LevelPosterior | None = None  # children other than UASC: posterior of their yearly rate at as_of
    uasc_level: LevelPosterior | None = None  # UASC: the same (None if none entered in the window)
    uasc_dispersion: float | None = None  # negative binomial size of UASC's monthly arrivals, or None
    annual_entries: dict = field(default_factory=dict)  # entrants in each whole year (to 31 March)
    annual_uasc: dict = field(default_factory=dict)  # of whom UASC
    entry_season: np.ndarray = field(default_factory=lambda: np.ones(12))  # January..December factors
    exit_level: LevelPosterior | None = None  # exits before 18 / expected by the window's hazards, at as_of
    annual_exits: dict = field(default_factory=dict)  # collection year: (exits, expected) in the window

    @property
    def entry_rates(self) -> tuple[float, float]:
        """Expected entrants a day at as_of: (children other than UASC, UASC), each its level's
        rate (LevelPosterior.value; a group with no entrants in the window: 0)."""
        return tuple(lv.value / 365.25 if lv is not None else 0.0 for lv in (self.entry_level, self.uasc_level))

    def entry_factors(self, years: int) -> np.ndarray:
        """(2, years): the expected entrants in each year ahead against `entry_rates` (children
        other than UASC, UASC), from their levels (1 where a level stays where it stands)."""
        t = year_middles(years)
        return np.array([lv.ahead(t) / lv.value if lv is not None else np.ones(years)
                         for lv in (self.entry_level, self.uasc_level)])

    def season(self, dates: np.ndarray) -> np.ndarray:
        """The seasonal factor on entries in each month of a forecast on `dates` (day numbers:
        the start, then month ends): the factor of the calendar month each step ends in."""
        months = (DAY0 + np.asarray(dates[1:], dtype=np.int64).astype("timedelta64[D]")).astype("datetime64[M]")
        return np.asarray(self.entry_season, float)[months.astype(np.int64) % 12]

    @property
    def entry_rate(self) -> float:
        """Expected entrants a day at as_of, UASC and others together."""
        return float(sum(self.entry_rates))

    @property
    def window_years(self) -> float:
        """Length of the reference window actually used (the returns may cover less than asked)."""
        return (self.window[1] - self.window[0]) / 365.25

    @property
    def exit_factor(self) -> float:
        """The exit level at as_of: exits before 18 against what the window's hazards expect
        (1: as the window's average; the exit hazards in `rates` carry it)."""
        return self.exit_level.value if self.exit_level is not None else 1.0

    @property
    def rates(self) -> np.ndarray:
        """Posterior mean hazards per day (cells, destinations), exits at their level at as_of."""
        r = (self.events + self.prior_mean * self.pooling_days) / (self.exposure[:, None] + self.pooling_days)
        r[:, len(self.space.categories):] *= self.exit_factor
        return r

    def rate_table(self) -> pd.DataFrame:
        """Tidy: uasc, age_band, category, tic_band, destination, events, days, per_day (the
        posterior mean hazard, exits times the exit level: what the forecast uses)."""
        u = self.space.unpack()
        n, k = self.events.shape
        cats = self.space.categories
        return pd.DataFrame({
            "uasc": np.repeat(u["uasc"].astype(bool), k),
            "age_band": np.repeat(np.array(AGE_BANDS)[u["band"]], k),
            "category": np.repeat(np.array(cats)[u["cat"]], k),
            "tic_band": np.repeat(np.array(TIC_BANDS)[u["tic"]], k),
            "destination": np.tile(np.array(self.space.destinations), n),
            "events": self.events.ravel(), "days": np.repeat(self.exposure, k),
            "per_day": self.rates.ravel(),
        })


def _as_day(value, default: int) -> int:
    if value is None:
        return default
    return int(days(np.array([np.datetime64(pd.Timestamp(value).date(), "D")]))[0])


FIT_TABLES = ("placements", "periods", "children")  # what the model reads from a store
FIT_COLUMNS = {"placements": ["child", "period", "start", "end", "place", "place_provider", "rec", "end_censored"],
               "periods": ["child", "period", "start", "end"], "children": ["child", "dob", "uasc"]}


WINDOW_YEARS = 5


def fit(store_or_path, *, as_of=None, window_years: float = WINDOW_YEARS, categories=None,
        priors: Priors | None = None) -> Model:
    """Fit on the data up to `as_of` (default: the last 31 March in the store), over the
    `window_years` before it or as much of them as the returns cover. `priors`: default the
    built-in parameters' (priors.read_priors)."""
    data = store_or_path if isinstance(store_or_path, StoreData) else StoreData.read(  # (no parameters needed)
        store_or_path, categories, parameters=Parameters({}), tables=FIT_TABLES, columns=FIT_COLUMNS)
    priors = read_priors() if priors is None else priors
    space = StateSpace(tuple(data.categories.ids))
    t0, t1 = _window(data, as_of, window_years)
    pl = _placements(data, space, t0, t1)
    exposure, events, pieces, exits_by_year, edges = _exposure(space, pl, data.years, t0, t1)
    first = np.ones(len(pl.start), bool)
    first[1:] = ~pl.moving[:-1]
    entrants = _entrants(first, pl.start, pl.dob, pl.cat, pl.uasc, t0, t1)
    stock = _stock(data, pl, t1)
    frame, counts, uasc_months = entrants["frame"], entrants["monthly"], entrants["monthly_uasc"]
    levels, annual_by = _entry_levels(pl.start[first], pl.uasc[first] == 1, frame, data.years, t0, t1, priors)
    model = Model(space, t1, (t0, t1), events, exposure, _pooled_prior(space, exposure, events), len(frame), t1 - t0,
                  _dispersion(counts - uasc_months), frame, stock, priors.pooling_days,
                  entry_level=levels[False], uasc_level=levels[True], uasc_dispersion=_dispersion(uasc_months),
                  annual_entries={y: n + annual_by[True][y] for y, n in annual_by[False].items()},
                  annual_uasc=annual_by[True],
                  entry_season=_seasonality(pl.start[first & (pl.start > t0) & (pl.start <= t1)], t0, t1,
                                            priors.season_weight))
    model.exit_level, model.annual_exits = _exit_level(model, pieces, exits_by_year, edges, t0, t1, priors.exits)
    return model


def _window(data: StoreData, as_of, window_years: float) -> tuple[int, int]:
    """(t0, t1): the reference window's day numbers (t0 excluded): `window_years` before as_of
    (default the last 31 March in the store), never before the returns begin."""
    last = max(data.years) if data.years else None
    default = _as_day(dt.date(last, 3, 31), 0) if last else 0
    t1 = _as_day(as_of, default)
    t0 = t1 - int(round(window_years * 365.25))
    if data.years:  # not before the returns begin
        t0 = max(t0, _first_day(data.years) - 1)
    if t1 - t0 < 180:
        raise StoreError(f"the returns cover only {max(t1 - t0, 0)} days before {as_of or 'the last 31 March'}: "
                         "the forecast needs at least six months of history to fit.")
    return t0, t1


def _first_day(years) -> int:
    """1 April of the first return's year: the day the returns begin."""
    return _as_day(dt.date(min(years) - 1, 4, 1), 0)


@dataclass
class _Placements:
    """The placements that start by t1, one row each (by child and start): their row in the
    store's table, days of start and end (cut at t1 and at the 18th birthday), the child's
    date of birth and UASC status, the period's start, the category, whether the next
    placement continues the period (`moving`), where it ends (a category, or an exit route
    after the categories) and whether that end is an event of the window."""

    rows: pd.Index
    start: np.ndarray
    end: np.ndarray
    dob: np.ndarray
    uasc: np.ndarray
    pstart: np.ndarray
    cat: np.ndarray
    moving: np.ndarray
    dest: np.ndarray
    event: np.ndarray


def _placements(data: StoreData, space: StateSpace, t0: int, t1: int) -> _Placements:
    pl = data.tables["placements"].sort_values(["child", "start"])
    pl = pl[days(pl["start"].to_numpy("datetime64[D]")) <= t1]
    rows = pd.Index(pl.index)  # each placement's row in the store's table
    pl = pl.reset_index(drop=True)
    start = days(pl["start"].to_numpy("datetime64[D]"))
    end = days(pl["end"].to_numpy("datetime64[D]"))
    censored = pl["end_censored"].to_numpy(bool) | (end > t1)
    end = np.minimum(end, t1)
    dob, uasc, pstart = _child_and_period(data, pl)
    cat = _codes(pl["category"], space.categories)
    # destination at the end of each placement
    child, period = pl["child"].to_numpy(object), pl["period"].to_numpy()
    moving = np.zeros(len(pl), bool)
    moving[:-1] = (child[1:] == child[:-1]) & (period[1:] == period[:-1])
    next_cat = np.append(cat[1:], -1)
    routes = _codes(pl["rec"], list(EXIT_OF_REC))  # -1: not a named route
    exit_of = np.array([EXITS.index(EXIT_OF_REC[r]) for r in EXIT_OF_REC] + [EXITS.index("other")])
    exit_dest = len(space.categories) + exit_of[routes]  # code -1 takes the last: other
    dest = np.where(moving, next_cat, exit_dest)
    event = ~censored & ~(moving & (next_cat == cat))
    eighteen = add_years(dob, 18)
    event &= end < eighteen
    end = np.minimum(end, eighteen)
    event &= (end > t0) & (end <= t1)
    return _Placements(rows, start, end, dob, uasc, pstart, cat, moving, dest, event)


def _child_and_period(data: StoreData, pl: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of each placement in `pl`: its child's date of birth and UASC status (the child's first
    row in `children`) and its period's start, as day numbers (NO_DAY, and not UASC, where the
    child or period is not there)."""
    kids = data.tables["children"].drop_duplicates("child")
    periods = data.tables["periods"]
    kid = pd.Index(kids["child"]).get_indexer(pl["child"])
    period = pd.MultiIndex.from_arrays([periods["child"], periods["period"]]).get_indexer(
        pd.MultiIndex.from_arrays([pl["child"], pl["period"]]))
    dob = _take(days(kids["dob"].to_numpy("datetime64[D]")), kid, NO_DAY)
    uasc = _take(kids["uasc"].fillna(False).to_numpy(bool).astype(np.int64), kid, 0)
    pstart = _take(days(periods["start"].to_numpy("datetime64[D]")), period, NO_DAY)
    return dob, uasc, pstart


def _take(values: np.ndarray, at: np.ndarray, missing) -> np.ndarray:
    """values[at], `missing` where `at` is -1."""
    out = np.full(len(at), missing, dtype=values.dtype)
    found = at >= 0
    out[found] = values[at[found]]
    return out


def _stock(data: StoreData, pl: _Placements, t1: int) -> pd.DataFrame:
    """The children in care on t1, as the indicators count them, with their placement's fields:
    dob, start (of the period of care), cat, uasc."""
    on = pl.rows.get_indexer(data.open_on(pd.Timestamp(np.datetime64(int(t1), "D")), "placements").index)
    return pd.DataFrame({"dob": pl.dob[on], "start": pl.pstart[on], "cat": pl.cat[on], "uasc": pl.uasc[on].astype(bool)})


def _exposure(space: StateSpace, pl: _Placements, years, t0: int, t1: int):
    """Child-days (cells) and events (cells, destinations) of the window, the pieces they were
    counted on (see `_pieces`), the exits before 18 in each collection year of the window and
    the first days of those years (after the first)."""
    seg0, seg1, event = np.maximum(pl.start, t0), pl.end, pl.event.copy()
    # a period open when the first return begins started on an unknown day before it: its time
    # in care is known only to be at least the time since its first episode in the data, so its
    # child-days count only once that lower bound reaches the last time-in-care band
    if years:
        unknown = pl.pstart < _first_day(years)
        seg0 = np.where(unknown, np.maximum(seg0, pl.pstart + int(TIC_EDGES[-1])), seg0)
        event &= ~unknown | (pl.end > seg0)
    keep = seg1 > seg0
    edges = np.array([_as_day(dt.date(y - 1, 4, 1), 0) for y in range(_year_of(t0) + 1, _year_of(t1) + 1)], np.int64)
    exposure, events, pieces = _pieces(space, seg0[keep], seg1[keep], pl.dob[keep], pl.pstart[keep], pl.cat[keep],
                                       pl.uasc[keep], pl.dest[keep], event[keep])
    is_exit = event[keep] & (pl.dest[keep] >= len(space.categories))
    exits_by_year = np.bincount(np.searchsorted(edges, seg1[keep][is_exit], side="left"), minlength=len(edges) + 1)
    return exposure, events, pieces, exits_by_year, edges


def _pooled_prior(space: StateSpace, exposure: np.ndarray, events: np.ndarray) -> np.ndarray:
    """(cells, destinations): each cell's prior mean hazard, its category's rate over all ages,
    times in care and UASC groups."""
    cat_of = space.unpack()["cat"]
    prior = np.zeros((space.n_cells, len(space.destinations)))
    for c in range(len(space.categories)):
        cells = cat_of == c
        x = exposure[cells].sum()
        if x > 0:
            prior[cells] = events[cells].sum(axis=0) / x
    return prior


def _entry_levels(s_first: np.ndarray, u_first: np.ndarray, frame: pd.DataFrame, years, t0: int, t1: int,
                  priors: Priors) -> tuple[dict, dict]:
    """The yearly level of entries, apart for UASC (arriving with the routes and the National
    Transfer Scheme) and for the others (whom a council's services and reforms change): ({uasc:
    posterior or None}, {uasc: entrants in each whole year}). `s_first`: the day each period of
    care began; `u_first`: whether its child is UASC."""
    levels, annual_by = {}, {}
    end = _year_of(t1) - 1 + (t1 - _as_day(f"{_year_of(t1) - 1}-04-01", 0)) / 365.25  # as_of, in the middles' years
    for group, mask, prior in ((False, ~u_first, priors.entry), (True, u_first, priors.uasc)):
        annual_g, part = _yearly_entries(s_first[mask], years, t1)
        spans = [1.0] * len(annual_g) + ([part[1] / 365.25] if part else [])
        yearly = list(annual_g.values()) + ([part[0]] if part else [])
        # each period's middle, in years (collection year y ends on 31 March y; the part year
        # follows the last whole one)
        middles = [y - 0.5 for y in annual_g]
        if part:
            middles.append((max(annual_g) if annual_g else 0) + spans[-1] / 2)
        if not yearly:  # not a whole year of returns before as_of: the window's count
            yearly, spans, middles = [int((frame["uasc"] == group).sum())], [(t1 - t0) / 365.25], None
        has = (frame["uasc"] == group).any()
        levels[group] = fit_level(yearly, spans, middles, end=end, prior=prior) if has else None
        annual_by[group] = annual_g
    return levels, annual_by


def _year_of(day: int) -> int:
    """The collection year (to 31 March) holding a day number."""
    d = (DAY0 + np.timedelta64(int(day), "D")).astype(object)
    return d.year + (d.month >= 4)


def _exit_level(model: Model, pieces, exits: np.ndarray, edges: np.ndarray, t0: int, t1: int, prior: LevelPrior):
    """The level of exits before 18 against the window's hazards, year by year (the local-level
    model of level.py with spans = the exits the window's hazards expect in each year,
    scaled to the window's exits: 1 is the window's average pace).
    A council whose children leave faster in its recent years than over the whole window gets
    exit hazards raised to its recent pace, and slower, lowered: the window's average would lag
    a change for two or three years. Periods of under a month (a window edge) are left out."""
    n_cat = len(model.space.categories)
    # exits the window's hazards expect before each edge, then in each period between them
    a, days_in, cell = pieces
    hazard = model.rates[:, n_cat:].sum(axis=1)[cell]  # per day, each piece (the model has no exit level yet)
    bounds = np.concatenate([[t0], edges, [t1]])
    before = np.array([(hazard * np.clip(e - a, 0, days_in)).sum() for e in bounds[1:]])
    expected = np.diff(np.concatenate([[0.0], before]))
    years_long = np.diff(bounds) / 365.25
    middles = (bounds[:-1] + bounds[1:]) / 2 / 365.25
    use = (years_long >= 1 / 12) & (expected > 0)
    if not use.any() or exits[use].sum() == 0:
        return None, {}
    # against the window's own pace: the pooled hazards (each cell drawn towards its category's
    # rate) expect fewer exits than happen where they are quickest (the first months in care), by
    # a few per cent over a window in small councils, which read as a level above 1 where nothing moved
    expected = expected * exits[use].sum() / expected[use].sum()
    years = [_year_of(int(b)) for b in bounds[:-1]]
    annual = {y: (int(o), float(e)) for y, o, e, u in zip(years, exits, expected, use, strict=True) if u}
    return fit_level(exits[use], expected[use], middles[use], prior=prior), annual


def _yearly_entries(s: np.ndarray, years, t1: int) -> tuple[dict[int, int], tuple[int, int] | None]:
    """Periods of care starting (days `s`) in each whole year (to 31 March) of the data up to
    t1, and (count, days) of the part year after the last of them if it is 3 months or more."""
    out, end = {}, None
    for y in sorted(years):
        a, b = _as_day(f"{y - 1}-04-01", 0), _as_day(f"{y}-03-31", 0)
        if b <= t1:
            out[y] = int(((s >= a) & (s <= b)).sum())
            end = b
    if years and end is None:
        end = _as_day(f"{min(years) - 1}-04-01", 0) - 1
    part = None
    if end is not None and t1 - end >= 91:
        part = (int(((s > end) & (s <= t1)).sum()), t1 - end)
    return out, part


def _pieces(space, s0, s1, dob, pstart, cat, uasc, dest, event):
    """Exposure per cell and events per (cell, destination), splitting at band edges; and the
    pieces themselves (start day, length in days, cell: arrays of one row per segment)."""
    cands = [add_years(dob, int(a)) for a in AGE_EDGES] + [pstart + int(e) for e in TIC_EDGES]
    pts = np.column_stack([s0, *[np.clip(c, s0, s1) for c in cands], s1])
    pts.sort(axis=1)
    a, b = pts[:, :-1], pts[:, 1:]
    length = (b - a).astype(float)
    # age band: how many of the band-changing birthdays are on or before the piece's start
    band = sum((a >= c[:, None]).astype(np.int64) for c in cands[:len(AGE_EDGES)])
    tic = tic_band(a - pstart[:, None])
    cell = space.cell(uasc[:, None], band, cat[:, None], tic)
    exposure = np.bincount(cell.ravel(), weights=length.ravel(), minlength=space.n_cells)
    # the event belongs to the last piece with positive length
    last = (length > 0) * np.arange(length.shape[1])
    last_cell = cell[np.arange(len(cell)), last.max(axis=1)] if len(cell) else np.zeros(0, np.int64)
    n_dest = len(space.destinations)
    events = np.zeros((space.n_cells, n_dest))
    np.add.at(events, (last_cell[event], dest[event]), 1.0)
    return exposure, events, (a, length, cell)


def _entrants(first: np.ndarray, start: np.ndarray, dob: np.ndarray, cat: np.ndarray, uasc: np.ndarray,
              t0: int, t1: int) -> dict:
    """Periods of care starting in the window, from the first placement of each (`first`):
    the profile of each entrant (age in days at entry, first category, UASC) and the count of
    entrants (and of UASC entrants) in each month of the window."""
    inwin = first & (start > t0) & (start <= t1)
    s = start[inwin]
    age = s - dob[inwin]
    frame = pd.DataFrame({"age_days": age, "cat": cat[inwin], "uasc": uasc[inwin].astype(bool)})
    frame = frame[(frame["cat"] >= 0) & (age >= 0) & (age < 18 * 365.25)]
    months = ((s - t0) // 30.4375).astype(np.int64)
    n_months = max(int(np.ceil((t1 - t0) / 30.4375)), int(months.max(initial=-1)) + 1)
    counts = np.bincount(months, minlength=n_months)
    of_uasc = np.bincount(months[uasc[inwin] == 1], minlength=n_months)
    return {"frame": frame.reset_index(drop=True), "monthly": counts, "monthly_uasc": of_uasc}


def _seasonality(entry_days: np.ndarray, t0: int, t1: int, weight: float) -> np.ndarray:
    """Factors on the entry rate for each calendar month (January first), from the entrants of
    the window against a flat rate over the days of each calendar month in it, shrunk towards 1
    (`weight` entrants of a flat pattern: forecast.season_weight) and scaled so that a year of
    them averages 1 (the yearly rate is unchanged)."""
    def month_of(d):
        return ((DAY0 + np.asarray(d, dtype=np.int64).astype("timedelta64[D]")).astype("datetime64[M]")
                .astype(np.int64) % 12)

    window_days = np.bincount(month_of(np.arange(t0 + 1, t1 + 1)), minlength=12).astype(float)
    seen = np.bincount(month_of(entry_days), minlength=12).astype(float)
    flat = len(entry_days) * window_days / max(window_days.sum(), 1.0)
    factor = (seen + weight) / (flat + weight)
    year_days = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    return factor / (factor @ year_days / year_days.sum())


def _dispersion(counts: np.ndarray) -> float | None:
    """Negative binomial size when monthly entries vary more than Poisson allows (variance
    above the mean by more than twice the standard error of a Poisson variance ratio)."""
    if len(counts) < 6 or counts.mean() == 0:
        return None
    m, v = counts.mean(), counts.var(ddof=1)
    if v / m <= 1 + 2 * np.sqrt(2 / (len(counts) - 1)):
        return None
    return float(m * m / (v - m))


def _codes(values: pd.Series, labels) -> np.ndarray:
    """The position of each value in `labels` (-1 for blanks and values not there), working on
    the distinct values once."""
    found, distinct = pd.factorize(values)
    return np.append(pd.Index(list(labels)).get_indexer(distinct), -1).astype(np.int64)[found]
