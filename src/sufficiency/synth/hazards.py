"""The synthetic council's hazards and entrants: the rates children's care histories are drawn
from (careers.py runs the histories).

Each child in care is in one placement category and one legal status. In every cell
(age band x category x time-in-care band) constant per-day hazards drive competing events:
a move to a new carer, placement for adoption, a status-only change (the placement becomes
long-term), a legal status change, or leaving care. Between events the state changes only at
boundaries (a birthday that changes the age band, a time-in-care band edge, the end of an
emergency order, the 18th birthday, the horizon). The simulation is exact for such hazards:
draw the time to the first event from the total hazard; if it falls after the next boundary,
move to the boundary and draw again.

Vectorised over children: every round advances every active child by one event or boundary,
so the Python loop runs a few dozen times whatever the number of children. All randomness
comes from the `numpy.random.Generator` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..vocab import DAY0
from .params import AGE_BANDS, BAND_START_YEARS, CATEGORIES, TIC_BANDS

NEVER = np.iinfo(np.int64).max // 4
YEARS_OF_CHANGE = 100  # years a yearly change in exit hazards runs for (past any horizon)
CAT = {c: i for i, c in enumerate(CATEGORIES)}
LEGAL = ("C1", "C2", "E1", "V2", "L1", "L2", "J1")
LS = {c: i for i, c in enumerate(LEGAL)}


def day_of(date: str) -> int:
    return int((np.datetime64(date, "D") - DAY0).astype(int))


def birthday(dob: np.ndarray, years: int) -> np.ndarray:
    """Day number of the `years`th birthday (29 February birthdays fall on 1 March)."""
    d = (DAY0 + np.asarray(dob).astype("timedelta64[D]")).astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    doy = (d - y.astype("datetime64[D]")).astype(int)
    month = (d.astype("datetime64[M]") - y.astype("datetime64[M]")).astype(int)
    target_y = y + np.timedelta64(years, "Y")
    start_m = target_y.astype("datetime64[M]") + month.astype("timedelta64[M]")
    dom = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(int)
    out = start_m.astype("datetime64[D]") + dom.astype("timedelta64[D]")
    del doy
    return (out - DAY0).astype(np.int64)


def age_at(dob: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Completed years of age at `day` (day numbers); birthdays compared by month and day."""
    d = (DAY0 + np.asarray(dob).astype("timedelta64[D]")).astype("datetime64[D]")
    t = (DAY0 + np.asarray(day).astype("timedelta64[D]")).astype("datetime64[D]")

    def parts(x):
        y = x.astype("datetime64[Y]")
        m = x.astype("datetime64[M]")
        return (y.astype(int), (m - y.astype("datetime64[M]")).astype(int),
                (x - m.astype("datetime64[D]")).astype(int))

    dy, dm, dd = parts(d)
    ty, tm, td = parts(t)
    return ty - dy - ((tm * 32 + td) < (dm * 32 + dd))


def band_of_age(age: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array(BAND_START_YEARS[1:]), age, side="right")


def cumulative(table: dict, outer: tuple, inner: tuple, keys: tuple | list) -> np.ndarray:
    """table[outer][inner][key] -> cumulative probabilities, shape (len(outer), len(inner), len(keys)).

    Cells missing from the table get all their mass on the first key."""
    out = np.zeros((len(outer), len(inner), len(keys)))
    for i, o in enumerate(outer):
        for j, b in enumerate(inner):
            shares = table.get(o, {}).get(b) if isinstance(table.get(o), dict) else None
            if not shares:
                out[i, j, 0] = 1.0
                continue
            for k, key in enumerate(keys):
                out[i, j, k] = shares.get(key, 0.0)
    out /= out.sum(axis=2, keepdims=True)
    return out.cumsum(axis=2)


def draw(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index drawn from rows of cumulative probabilities."""
    return np.minimum((u[:, None] > cum).sum(axis=1), cum.shape[1] - 1)


@dataclass
class Rates:
    """Per-day hazards as arrays: the engine's whole view of the parameters."""

    move: np.ndarray  # (category, band)
    exit: np.ndarray  # (category, band), council factor applied
    status: np.ndarray  # (category, band)
    adopt: np.ndarray  # (category, band, tic)
    tic_move: np.ndarray  # (tic,)
    tic_exit: np.ndarray  # (tic,)
    legal: np.ndarray  # (legal status, band): hazard of the next status
    legal_next: tuple[str, ...]  # next status for each legal status ('' none)
    # exit hazards changing by year: the day each changed year begins (1 April) and the factor
    # before the first, after the first, ... (empty and (1,): steady)
    exit_from: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    exit_year_factor: np.ndarray = field(default_factory=lambda: np.ones(1))


def rates(p: dict, factor: float = 1.0, change: bool = True) -> Rates:
    """The per-day hazards; `factor` multiplies every exit hazard (the council's), and with
    `change` the exit hazards change by `hazards.exit_change` a year from `exit_change_from`."""
    hz = p["hazards"]
    per_day = 1 / 365.25
    nc, nb, nt = len(CATEGORIES), len(AGE_BANDS), len(TIC_BANDS)

    def cat_band(table: dict) -> np.ndarray:
        out = np.zeros((nc, nb))
        for c, by_band in table.items():
            for b, v in by_band.items():
                out[CAT[c], AGE_BANDS.index(b)] = v * per_day
        return out

    adopt = np.zeros((nc, nb, nt))
    for b, by_tic in hz["adopt"].items():
        for t, v in by_tic.items():
            adopt[CAT["foster"], AGE_BANDS.index(b), TIC_BANDS.index(t)] = v * per_day
            adopt[CAT["kinship"], AGE_BANDS.index(b), TIC_BANDS.index(t)] = v * per_day * hz["adopt_from_kinship"]
    legal = np.zeros((len(LEGAL), nb))
    nxt = [""] * len(LEGAL)
    for key, by_band in p["legal"]["rates"].items():
        frm, _, to = key.partition("_to_")
        nxt[LS[frm]] = to
        for b, v in by_band.items():
            legal[LS[frm], AGE_BANDS.index(b)] = v * per_day
    tic = hz["time_in_care"]
    return Rates(move=cat_band(hz["move"]), exit=cat_band(hz["exit"]) * factor,
                 status=cat_band(hz["status"]), adopt=adopt,
                 tic_move=np.array([tic["move"][t] for t in TIC_BANDS]),
                 tic_exit=np.array([tic["exit"][t] for t in TIC_BANDS]),
                 legal=legal, legal_next=tuple(nxt), **_exit_years(hz, change))


def _exit_years(hz: dict, change: bool) -> dict:
    """The year boundaries and factors of a yearly change in exit hazards (none if 0)."""
    c = float(hz["exit_change"])  # (defaults in params.yaml)
    if not change or c == 0.0:
        return {}
    first = int(hz["exit_change_from"])
    years = range(first, first + YEARS_OF_CHANGE)
    return {"exit_from": np.array([day_of(f"{y - 1}-04-01") for y in years], np.int64),
            "exit_year_factor": (1.0 + c) ** np.arange(len(years) + 1)}


def true_rates(p: dict, factor: float = 1.0) -> pd.DataFrame:
    """The model's per-day hazards as a tidy table: event, category, age_band, tic_band, per_day.

    `factor` is the council's exit multiplier (SynthResult.exit_factor); a forecast fitted to
    the written returns should recover these rates.
    """
    r = rates(p, factor)
    rows = []
    for ci, c in enumerate(CATEGORIES):
        for bi, b in enumerate(AGE_BANDS):
            for ti, t in enumerate(TIC_BANDS):
                rows.append(("move", c, b, t, r.move[ci, bi] * r.tic_move[ti]))
                rows.append(("exit", c, b, t, r.exit[ci, bi] * r.tic_exit[ti]))
                rows.append(("adopt", c, b, t, r.adopt[ci, bi, ti]))
                rows.append(("status", c, b, t, r.status[ci, bi] if ti > 0 else 0.0))
    return pd.DataFrame(rows, columns=["event", "category", "age_band", "tic_band", "per_day"])


@dataclass
class Entrants:
    """Children entering care: one row each (day numbers)."""

    entry: np.ndarray
    dob: np.ndarray
    uasc: np.ndarray
    cat: np.ndarray  # first placement category index
    ls: np.ndarray  # legal status index at entry


def uasc_factors(by_year: dict, year: np.ndarray) -> np.ndarray:
    """The factor on the UASC share of entrants in each collection `year` (entries.uasc_by_year:
    a year not given takes the last given before it, years before the first the first's; none
    given: 1)."""
    if not by_year:
        return np.ones(len(year))
    given = sorted((int(y), float(f)) for y, f in by_year.items())
    ys, fs = np.array([y for y, _ in given]), np.array([f for _, f in given])
    return fs[np.clip(np.searchsorted(ys, year, side="right") - 1, 0, len(ys) - 1)]


def draw_entrants(p: dict, expected: dict[int, float], rng, exact=()) -> tuple[Entrants, np.ndarray]:
    """Poisson entrants for each collection year in `expected`, except the years in `exact`,
    which get their expected number rounded (a council's published starts are what happened,
    not a mean to draw around); returns entrants and male flags."""
    e = p["entries"]
    years = np.array(sorted(expected))
    counts = rng.poisson([expected[y] for y in years])  # drawn for every year: the stream is the same
    fixed = np.isin(years, list(exact))
    counts[fixed] = np.round([expected[y] for y in years[fixed]]).astype(counts.dtype)
    n = int(counts.sum())
    entry = np.repeat([day_of(f"{y - 1}-04-01") for y in years], counts) + rng.integers(0, 365, n)
    order = np.argsort(entry, kind="stable")
    entry = entry[order]
    year = np.repeat(years, counts)[order]
    uasc = rng.random(n) < np.minimum(e["uasc_share"] * uasc_factors(e["uasc_by_year"], year), 1.0)
    ages = np.array([int(a) for a in e["age_shares"]])
    age = rng.choice(ages, n, p=np.array(list(e["age_shares"].values())))
    uages = np.array([int(a) for a in e["uasc_age_shares"]])
    age[uasc] = rng.choice(uages, int(uasc.sum()), p=np.array(list(e["uasc_age_shares"].values())))
    # date of birth: uniform within the year of age at entry, never after entry
    dob = entry - (age * 365.25).astype(np.int64) - rng.integers(1, 365, n)
    # infants mostly enter in their first weeks: age in days 365 x U^k
    infant = age == 0
    skew = e.get("infant_age_skew", 1.0)
    dob[infant] = entry[infant] - (364 * rng.random(int(infant.sum())) ** skew).astype(np.int64)
    band = band_of_age(age_at(dob, entry))
    first = cumulative({"x": p["placement_at_entry"]}, ("x",), AGE_BANDS, CATEGORIES)[0]
    first_u = cumulative({"x": p["placement_at_entry_uasc"]}, ("x",), AGE_BANDS, CATEGORIES)[0]
    u = rng.random(n)
    cat = np.where(uasc, draw(first_u[band], u), draw(first[band], u))
    legal = cumulative({"x": p["legal"]["at_entry"]}, ("x",), AGE_BANDS, LEGAL)[0]
    ls = draw(legal[band], rng.random(n))
    ls[uasc] = LS["V2"]
    # s20 children cannot be placed with parents (DfE rule 1015 family): foster instead
    ls[(cat == CAT["parents"]) & (ls == LS["V2"])] = LS["C1"]
    male = np.where(uasc, rng.random(n) < e["uasc_male_share"], rng.random(n) < e["male_share"])
    return Entrants(entry, dob, uasc, cat, ls), male
