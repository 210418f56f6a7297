"""The synthetic council's engine: children's care histories from piecewise-constant hazards.

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
from .params import AGE_BANDS, BAND_START_YEARS, CATEGORIES, TIC_BANDS, TIC_EDGES

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


def simulate(p: dict, r: Rates, ent: Entrants, horizon: int, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every child from entry to exit or `horizon`.

    Returns (rows, ends): rows = one per episode start (child, day, event, ls, cat, pid,
    long_term, same_carer); ends = one per exit (child, day, rec). Children are identified by
    their position in `ent`.
    """
    n = len(ent.entry)
    bdays = np.column_stack([birthday(ent.dob, y) for y in (*BAND_START_YEARS[1:], 18)])
    cum_move = cumulative(p["move_destination"], CATEGORIES, AGE_BANDS, CATEGORIES)
    rec_keys = sorted({k for t in p["exit_reason"].values() for b in t.values() for k in b}
                      | {k for b in p["exit_reason_uasc"].values() for k in b}
                      | {k for t in p["exit_at_18"].values() for k in t} | set(p["legal"]["remand_exit"]))
    cum_rec = cumulative(p["exit_reason"], CATEGORIES, AGE_BANDS, rec_keys)
    cum_rec_u = cumulative({"x": p["exit_reason_uasc"]}, ("x",), AGE_BANDS, rec_keys)[0]
    cum_18 = cumulative({c: {"x": v} for c, v in p["exit_at_18"].items()}, CATEGORIES, ("x",), rec_keys)[:, 0]
    remand = np.array([p["legal"]["remand_exit"].get(k, 0.0) for k in rec_keys]).cumsum()
    lt_share = np.array([p["codes"]["long_term_share"][t] for t in TIC_BANDS])
    emergency = p["legal"]["emergency_days"]
    rows: list[dict] = []
    ends: list[dict] = []

    idx = np.arange(n)
    t = ent.entry.astype(float)
    cat, ls = ent.cat.copy(), ent.ls.copy()
    last = ent.entry.copy()  # start day of the child's current episode
    pid = np.arange(n)
    next_pid = n
    tic0 = np.array([0, *TIC_EDGES])
    long_term = np.zeros(n, dtype=bool)
    ls_until = np.full(n, float(NEVER))
    for code in ("L1", "L2"):
        m = ls == LS[code]
        lo, hi = emergency[code]
        ls_until[m] = ent.entry[m] + rng.integers(int(lo), int(hi) + 1, int(m.sum()))
    rows.append(dict(child=idx, day=ent.entry.copy(), event=np.full(n, "start"), ls=ls.copy(), cat=cat.copy(),
                     pid=pid.copy(), long_term=long_term.copy(), same_carer=np.zeros(n, bool)))
    uasc = ent.uasc
    entry = ent.entry.astype(np.int64).copy()  # start of the current period of care, by child
    first_cum = cumulative({"x": p["placement_at_entry"]}, ("x",), AGE_BANDS, CATEGORIES)[0]
    legal_cum = cumulative({"x": p["legal"]["at_entry"]}, ("x",), AGE_BANDS, LEGAL)[0]
    back = p["entries"]["reentry"]
    for _ in range(10_000):
        if not len(idx):
            break
        m = len(idx)
        day = np.floor(t).astype(np.int64)
        bd = bdays[idx]
        band = (bd[:, :4] <= day[:, None]).sum(axis=1)
        in_care_days = day - entry[idx]
        tic = np.searchsorted(np.array(TIC_EDGES), in_care_days, side="right")
        next_band = np.where(band < 4, bd[np.arange(m), np.minimum(band, 3)], NEVER)
        next_tic = np.where(tic < 3, entry[idx] + tic0[np.minimum(tic + 1, 3)], NEVER)
        b18 = bd[:, 4]
        edges = [next_band, next_tic, b18, np.full(m, horizon + 1), ls_until[idx]]
        year_factor = 1.0
        if len(r.exit_from):  # exit hazards that change by year: hold within a year
            k_year = np.searchsorted(r.exit_from, day, side="right")
            year_factor = r.exit_year_factor[k_year]
            edges.append(np.where(k_year < len(r.exit_from), r.exit_from[np.minimum(k_year, len(r.exit_from) - 1)],
                                  NEVER))
        boundary = np.minimum.reduce(edges).astype(float)
        fostered = (cat == CAT["foster"]) | (cat == CAT["kinship"])
        h = np.zeros((m, 5))
        h[:, 0] = r.move[cat, band] * r.tic_move[tic]
        on_order = (ls == LS["C1"]) | (ls == LS["C2"]) | (ls == LS["E1"])
        h[:, 1] = np.where(on_order & ~uasc[idx], r.adopt[cat, band, tic], 0.0)
        h[:, 2] = np.where(fostered & ~long_term & (tic > 0), r.status[cat, band], 0.0)
        h[:, 3] = r.legal[ls, band]
        h[:, 4] = r.exit[cat, band] * r.tic_exit[tic] * year_factor
        total = h.sum(axis=1)
        with np.errstate(divide="ignore"):
            wait = rng.exponential(1.0, m) / total
        happens = t + wait < boundary
        t = np.where(happens, t + wait, boundary)
        day = np.floor(t).astype(np.int64)
        # an event on the day the current episode started moves to the next day
        day = np.where(happens, np.maximum(day, last[idx] + 1), day)
        ev = np.where(happens, draw(h.cumsum(axis=1) / np.where(total > 0, total, 1)[:, None], rng.random(m)), -1)
        done = np.zeros(m, dtype=bool)

        # boundaries: 18th birthday, horizon, end of an emergency order
        at18 = ~happens & (day >= b18) & (b18 <= horizon)
        stop = ~happens & (day > horizon)
        emerg_end = ~happens & ~at18 & ~stop & (day >= ls_until[idx])
        if emerg_end.any():
            k = np.flatnonzero(emerg_end)
            ls[k] = np.where(rng.random(len(k)) < 0.8, LS["C1"], LS["V2"])
            ls[k[cat[k] == CAT["parents"]]] = LS["C1"]
            ls_until[idx[k]] = NEVER
            day[k] = np.maximum(day[k], last[idx[k]] + 1)
            _row(rows, idx[k], day[k], "legal", ls[k], cat[k], pid[idx[k]], long_term[k], False)
            last[idx[k]] = day[k]
            t[k] = day[k]
        # exits (events and 18th birthdays)
        leave = (ev == 4) | at18
        if leave.any():
            k = np.flatnonzero(leave)
            u = rng.random(len(k))
            rec_i = draw(cum_rec[cat[k], band[k]], u)
            rec_i = np.where(uasc[idx[k]], draw(cum_rec_u[band[k]], u), rec_i)
            rec_i = np.where(ls[k] == LS["J1"], np.minimum((u[:, None] > remand).sum(axis=1), len(rec_keys) - 1), rec_i)
            rec_i = np.where(at18[k], draw(cum_18[cat[k]], u), rec_i)
            dd = np.where(at18[k], b18[k], np.maximum(day[k], last[idx[k]] + 1))
            rec = np.asarray(rec_keys, dtype=object)[rec_i]
            ends.append(dict(child=idx[k], day=dd, rec=rec))
            done[k] = True
            # some children who went home come back into care: a new period (RNE S)
            home = np.isin(rec, list(back["after"])) & ~at18[k]
            again = dd + rng.exponential(back["mean_days"], len(k)).astype(np.int64) + 1
            again_ok = home & (rng.random(len(k)) < back["share"]) & (again < b18[k] - 30) & (again <= horizon)
            kk = k[again_ok]
            if len(kk):
                day_in = again[again_ok]
                b_in = band_of_age(age_at(ent.dob[idx[kk]], day_in))
                cat[kk] = draw(first_cum[b_in], rng.random(len(kk)))
                ls[kk] = draw(legal_cum[b_in], rng.random(len(kk)))
                ls[kk[(cat[kk] == CAT["parents"]) & (ls[kk] == LS["V2"])]] = LS["C1"]
                cat[kk[(cat[kk] == CAT["supported"]) & (b_in < 4)]] = CAT["foster"]
                ls[kk[ls[kk] == LS["J1"]]] = LS["V2"]
                long_term[kk] = False
                entry[idx[kk]] = day_in
                pid[idx[kk]] = next_pid + np.arange(len(kk))
                next_pid += len(kk)
                ls_until[idx[kk]] = NEVER
                for code in ("L1", "L2"):
                    m = ls[kk] == LS[code]
                    lo, hi = emergency[code]
                    ls_until[idx[kk[m]]] = day_in[m] + rng.integers(int(lo), int(hi) + 1, int(m.sum()))
                _row(rows, idx[kk], day_in, "start", ls[kk], cat[kk], pid[idx[kk]], long_term[kk], False)
                last[idx[kk]] = day_in
                t[kk] = day_in
                done[kk] = False
                ev[kk] = -1  # nothing else happens to them this round
        # legal status changes
        k = np.flatnonzero(ev == 3)
        if len(k):
            ls[k] = np.array([LS[r.legal_next[s]] for s in ls[k]])
            ls[k[(ls[k] == LS["V2"]) & (cat[k] == CAT["parents"])]] = LS["C1"]  # no s20 at home (rule 378)
            _row(rows, idx[k], day[k], "legal", ls[k], cat[k], pid[idx[k]], long_term[k], False)
            last[idx[k]] = day[k]
        # status-only change: the placement becomes long-term with the same carer
        k = np.flatnonzero(ev == 2)
        if len(k):
            long_term[k] = True
            _row(rows, idx[k], day[k], "status", ls[k], cat[k], pid[idx[k]], long_term[k], True)
            last[idx[k]] = day[k]
        # placed for adoption: a placement order (E1) first, then the adoption placement
        k = np.flatnonzero(ev == 1)
        if len(k):
            lo, hi = p["legal"]["placement_order_days_before_adoption"]
            order = day[k] - rng.integers(int(lo), int(hi) + 1, len(k))
            already = ls[k] == LS["E1"]  # placed again after a disruption: the order stands
            room = (order > last[idx[k]]) & ~already
            kk = k[room]
            _row(rows, idx[kk], order[room], "legal", np.full(len(kk), LS["E1"]), cat[kk], pid[idx[kk]],
                 long_term[kk], False)
            ls[k] = LS["E1"]
            same = (rng.random(len(k)) < p["codes"]["same_carer_adoption"]) & (cat[k] == CAT["foster"])
            new_pid = next_pid + np.arange(len(k))  # its own placement even with the same carer
            next_pid += len(k)
            pid[idx[k]] = new_pid
            cat[k] = CAT["adoption"]
            long_term[k] = False
            _row(rows, idx[k], day[k], np.where(room | already, "adopt", "adopt_legal"), ls[k], cat[k], new_pid,
                 long_term[k], same)
            last[idx[k]] = day[k]
        # moves to a new carer
        k = np.flatnonzero(ev == 0)
        if len(k):
            new = draw(cum_move[cat[k], band[k]], rng.random(len(k)))
            new[(new == CAT["parents"]) & (ls[k] == LS["V2"])] = CAT["foster"]
            new[(new == CAT["supported"]) & (band[k] < 4)] = CAT["foster"]
            new[(new == CAT["adoption"])] = CAT["foster"]
            cat[k] = new
            pid[idx[k]] = next_pid + np.arange(len(k))
            next_pid += len(k)
            fost = (new == CAT["foster"]) | (new == CAT["kinship"])
            long_term[k] = fost & (rng.random(len(k)) < lt_share[tic[k]])
            _row(rows, idx[k], day[k], "move", ls[k], cat[k], pid[idx[k]], long_term[k], False)
            last[idx[k]] = day[k]
        done |= stop
        keep = ~done
        idx, t, cat, ls, long_term = idx[keep], t[keep], cat[keep], ls[keep], long_term[keep]
    frame = pd.DataFrame({k: np.concatenate([r_[k] for r_ in rows]) for k in rows[0]})
    frame["event"] = pd.Categorical(frame["event"].to_numpy(object))
    frame = frame.sort_values(["child", "day"], kind="stable", ignore_index=True)
    if ends:
        end = pd.DataFrame({k: np.concatenate([e_[k] for e_ in ends]) for k in ends[0]})
    else:
        end = pd.DataFrame({"child": [], "day": [], "rec": []})
    return frame, end


def _row(rows: list, child, day, event, ls, cat, pid, long_term, same) -> None:
    n = len(child)
    rows.append(dict(child=np.asarray(child), day=np.asarray(day, dtype=np.int64),
                     event=np.broadcast_to(np.asarray(event, dtype=object), (n,)).copy(),
                     ls=np.asarray(ls), cat=np.asarray(cat), pid=np.asarray(pid),
                     long_term=np.asarray(long_term, dtype=bool),
                     same_carer=np.broadcast_to(np.asarray(same, dtype=bool), (n,)).copy()))
