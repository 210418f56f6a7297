"""Each child's time in care, event by event: from entry, competing hazards (move, adoption,
status change, legal change, exit) to the next boundary (age band, time-in-care band, 18th
birthday, horizon, end of an emergency order, a change of the yearly exit factor), and returns
to care after going home. Vectorised over the children still in care, round by round.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .hazards import CAT, LEGAL, LS, NEVER, Entrants, Rates, age_at, band_of_age, birthday, cumulative, draw
from .vocabulary import AGE_BANDS, BAND_START_YEARS, CATEGORIES, TIC_BANDS, TIC_EDGES


@dataclass
class _Tables:
    """The parameters the simulation draws from, as cumulative tables."""

    cum_move: np.ndarray
    rec_keys: list
    cum_rec: np.ndarray
    cum_rec_u: np.ndarray
    cum_18: np.ndarray
    remand: np.ndarray
    lt_share: np.ndarray
    first_cum: np.ndarray
    legal_cum: np.ndarray


def _tables(p: dict) -> _Tables:
    rec_keys = sorted({k for t in p["exit_reason"].values() for b in t.values() for k in b}
                      | {k for b in p["exit_reason_uasc"].values() for k in b}
                      | {k for t in p["exit_at_18"].values() for k in t} | set(p["legal"]["remand_exit"]))
    return _Tables(
        cum_move=cumulative(p["move_destination"], CATEGORIES, AGE_BANDS, CATEGORIES),
        rec_keys=rec_keys,
        cum_rec=cumulative(p["exit_reason"], CATEGORIES, AGE_BANDS, rec_keys),
        cum_rec_u=cumulative({"x": p["exit_reason_uasc"]}, ("x",), AGE_BANDS, rec_keys)[0],
        cum_18=cumulative({c: {"x": v} for c, v in p["exit_at_18"].items()}, CATEGORIES, ("x",), rec_keys)[:, 0],
        remand=np.array([p["legal"]["remand_exit"].get(k, 0.0) for k in rec_keys]).cumsum(),
        lt_share=np.array([p["codes"]["long_term_share"][t] for t in TIC_BANDS]),
        first_cum=cumulative({"x": p["placement_at_entry"]}, ("x",), AGE_BANDS, CATEGORIES)[0],
        legal_cum=cumulative({"x": p["legal"]["at_entry"]}, ("x",), AGE_BANDS, LEGAL)[0],
    )


@dataclass
class _Children:
    """The children still simulated (arrays by position in `idx`) and what is kept by child
    (`last`, `pid`, `ls_until`, `entry`, by index into the entrants); rows and ends so far."""

    idx: np.ndarray
    t: np.ndarray
    cat: np.ndarray
    ls: np.ndarray
    long_term: np.ndarray
    last: np.ndarray  # start day of the child's current episode
    pid: np.ndarray
    ls_until: np.ndarray
    entry: np.ndarray  # start of the current period of care
    next_pid: int
    rows: list = field(default_factory=list)
    ends: list = field(default_factory=list)

    def new_pids(self, n: int) -> np.ndarray:
        out = self.next_pid + np.arange(n)
        self.next_pid += n
        return out


def _emergency_until(p: dict, ls: np.ndarray, start: np.ndarray, rng) -> np.ndarray:
    """The day an emergency order (L1, L2) ends, NEVER for other legal statuses."""
    until = np.full(len(ls), float(NEVER))
    for code in ("L1", "L2"):
        m = ls == LS[code]
        lo, hi = p["legal"]["emergency_days"][code]
        until[m] = start[m] + rng.integers(int(lo), int(hi) + 1, int(m.sum()))
    return until


def _start(p: dict, ent: Entrants, rng) -> _Children:
    n = len(ent.entry)
    ch = _Children(np.arange(n), ent.entry.astype(float), ent.cat.copy(), ent.ls.copy(), np.zeros(n, dtype=bool),
                   ent.entry.copy(), np.arange(n), np.full(n, float(NEVER)), ent.entry.astype(np.int64).copy(), n)
    ch.ls_until[:] = _emergency_until(p, ch.ls, ent.entry, rng)
    ch.rows.append(dict(child=ch.idx, day=ent.entry.copy(), event=np.full(n, "start"), ls=ch.ls.copy(),
                        cat=ch.cat.copy(), pid=ch.pid.copy(), long_term=ch.long_term.copy(),
                        same_carer=np.zeros(n, bool)))
    return ch


@dataclass
class _Round:
    """One round of the simulation: each child's next event (or boundary) and when."""

    day: np.ndarray
    band: np.ndarray
    tic: np.ndarray
    b18: np.ndarray
    ev: np.ndarray  # 0 move, 1 adopt, 2 status, 3 legal, 4 exit; -1 none (a boundary)
    at18: np.ndarray
    stop: np.ndarray


def _next_events(ch: _Children, r: Rates, bdays: np.ndarray, uasc: np.ndarray, horizon: int, rng) -> _Round:
    """Competing hazards to each child's next boundary (age band, time in care, 18th birthday,
    horizon, end of an emergency order, a change of yearly exit factor): which comes first."""
    idx, m = ch.idx, len(ch.idx)
    day = np.floor(ch.t).astype(np.int64)
    bd = bdays[idx]
    band = (bd[:, :4] <= day[:, None]).sum(axis=1)
    tic = np.searchsorted(np.array(TIC_EDGES), day - ch.entry[idx], side="right")
    tic0 = np.array([0, *TIC_EDGES])
    b18 = bd[:, 4]
    edges = [np.where(band < 4, bd[np.arange(m), np.minimum(band, 3)], NEVER),
             np.where(tic < 3, ch.entry[idx] + tic0[np.minimum(tic + 1, 3)], NEVER),
             b18, np.full(m, horizon + 1), ch.ls_until[idx]]
    year_factor = 1.0
    if len(r.exit_from):  # exit hazards that change by year: hold within a year
        k_year = np.searchsorted(r.exit_from, day, side="right")
        year_factor = r.exit_year_factor[k_year]
        edges.append(np.where(k_year < len(r.exit_from), r.exit_from[np.minimum(k_year, len(r.exit_from) - 1)],
                              NEVER))
    boundary = np.minimum.reduce(edges).astype(float)
    cat, ls = ch.cat, ch.ls
    h = np.zeros((m, 5))
    h[:, 0] = r.move[cat, band] * r.tic_move[tic]
    on_order = (ls == LS["C1"]) | (ls == LS["C2"]) | (ls == LS["E1"])
    h[:, 1] = np.where(on_order & ~uasc[idx], r.adopt[cat, band, tic], 0.0)
    fostered = (cat == CAT["foster"]) | (cat == CAT["kinship"])
    h[:, 2] = np.where(fostered & ~ch.long_term & (tic > 0), r.status[cat, band], 0.0)
    h[:, 3] = r.legal[ls, band]
    h[:, 4] = r.exit[cat, band] * r.tic_exit[tic] * year_factor
    total = h.sum(axis=1)
    with np.errstate(divide="ignore"):
        wait = rng.exponential(1.0, m) / total
    happens = ch.t + wait < boundary
    ch.t = np.where(happens, ch.t + wait, boundary)
    day = np.floor(ch.t).astype(np.int64)
    # an event on the day the current episode started moves to the next day
    day = np.where(happens, np.maximum(day, ch.last[idx] + 1), day)
    ev = np.where(happens, draw(h.cumsum(axis=1) / np.where(total > 0, total, 1)[:, None], rng.random(m)), -1)
    at18 = ~happens & (day >= b18) & (b18 <= horizon)
    stop = ~happens & (day > horizon)
    return _Round(day, band, tic, b18, ev, at18, stop)


def _emergency_ends(ch: _Children, rd: _Round, rng) -> None:
    """An emergency order ends: a care order (C1) or, for one in five, accommodation (V2)."""
    k = np.flatnonzero(~(rd.ev >= 0) & ~rd.at18 & ~rd.stop & (rd.day >= ch.ls_until[ch.idx]))
    if not len(k):
        return
    idx = ch.idx
    ch.ls[k] = np.where(rng.random(len(k)) < 0.8, LS["C1"], LS["V2"])
    ch.ls[k[ch.cat[k] == CAT["parents"]]] = LS["C1"]
    ch.ls_until[idx[k]] = NEVER
    rd.day[k] = np.maximum(rd.day[k], ch.last[idx[k]] + 1)
    _row(ch.rows, idx[k], rd.day[k], "legal", ch.ls[k], ch.cat[k], ch.pid[idx[k]], ch.long_term[k], False)
    ch.last[idx[k]] = rd.day[k]
    ch.t[k] = rd.day[k]


def _exits(ch: _Children, rd: _Round, tb: _Tables, p: dict, ent: Entrants, horizon: int, rng) -> np.ndarray:
    """Children leaving care (events and 18th birthdays), some of whom come back; returns
    which children are done."""
    done = np.zeros(len(ch.idx), dtype=bool)
    leave = (rd.ev == 4) | rd.at18
    if not leave.any():
        return done
    idx, cat, ls = ch.idx, ch.cat, ch.ls
    k = np.flatnonzero(leave)
    u = rng.random(len(k))
    rec_i = draw(tb.cum_rec[cat[k], rd.band[k]], u)
    rec_i = np.where(ent.uasc[idx[k]], draw(tb.cum_rec_u[rd.band[k]], u), rec_i)
    rec_i = np.where(ls[k] == LS["J1"], np.minimum((u[:, None] > tb.remand).sum(axis=1), len(tb.rec_keys) - 1),
                     rec_i)
    rec_i = np.where(rd.at18[k], draw(tb.cum_18[cat[k]], u), rec_i)
    dd = np.where(rd.at18[k], rd.b18[k], np.maximum(rd.day[k], ch.last[idx[k]] + 1))
    rec = np.asarray(tb.rec_keys, dtype=object)[rec_i]
    ch.ends.append(dict(child=idx[k], day=dd, rec=rec))
    done[k] = True
    # some children who went home come back into care: a new period (RNE S)
    back = p["entries"]["reentry"]
    home = np.isin(rec, list(back["after"])) & ~rd.at18[k]
    again = dd + rng.exponential(back["mean_days"], len(k)).astype(np.int64) + 1
    again_ok = home & (rng.random(len(k)) < back["share"]) & (again < rd.b18[k] - 30) & (again <= horizon)
    kk = k[again_ok]
    if len(kk):
        _reenter(ch, kk, again[again_ok], tb, p, ent, rng)
        done[kk] = False
        rd.ev[kk] = -1  # nothing else happens to them this round
    return done


def _reenter(ch: _Children, kk: np.ndarray, day_in: np.ndarray, tb: _Tables, p: dict, ent: Entrants, rng) -> None:
    """Children `kk` start a new period of care on `day_in`: a first placement and legal status."""
    idx, cat, ls = ch.idx, ch.cat, ch.ls
    b_in = band_of_age(age_at(ent.dob[idx[kk]], day_in))
    cat[kk] = draw(tb.first_cum[b_in], rng.random(len(kk)))
    ls[kk] = draw(tb.legal_cum[b_in], rng.random(len(kk)))
    ls[kk[(cat[kk] == CAT["parents"]) & (ls[kk] == LS["V2"])]] = LS["C1"]
    cat[kk[(cat[kk] == CAT["supported"]) & (b_in < 4)]] = CAT["foster"]
    ls[kk[ls[kk] == LS["J1"]]] = LS["V2"]
    ch.long_term[kk] = False
    ch.entry[idx[kk]] = day_in
    ch.pid[idx[kk]] = ch.new_pids(len(kk))
    ch.ls_until[idx[kk]] = _emergency_until(p, ls[kk], day_in, rng)
    _row(ch.rows, idx[kk], day_in, "start", ls[kk], cat[kk], ch.pid[idx[kk]], ch.long_term[kk], False)
    ch.last[idx[kk]] = day_in
    ch.t[kk] = day_in


def _legal_and_status(ch: _Children, rd: _Round, r: Rates) -> None:
    """Legal status changes; status-only changes (the placement becomes long-term, same carer)."""
    idx, cat, ls = ch.idx, ch.cat, ch.ls
    k = np.flatnonzero(rd.ev == 3)
    if len(k):
        ls[k] = np.array([LS[r.legal_next[s]] for s in ls[k]])
        ls[k[(ls[k] == LS["V2"]) & (cat[k] == CAT["parents"])]] = LS["C1"]  # no s20 at home (rule 378)
        _row(ch.rows, idx[k], rd.day[k], "legal", ls[k], cat[k], ch.pid[idx[k]], ch.long_term[k], False)
        ch.last[idx[k]] = rd.day[k]
    k = np.flatnonzero(rd.ev == 2)
    if len(k):
        ch.long_term[k] = True
        _row(ch.rows, idx[k], rd.day[k], "status", ls[k], cat[k], ch.pid[idx[k]], ch.long_term[k], True)
        ch.last[idx[k]] = rd.day[k]


def _adoptions(ch: _Children, rd: _Round, p: dict, rng) -> None:
    """Placed for adoption: a placement order (E1) first, then the adoption placement."""
    k = np.flatnonzero(rd.ev == 1)
    if not len(k):
        return
    idx, cat, ls, day = ch.idx, ch.cat, ch.ls, rd.day
    lo, hi = p["legal"]["placement_order_days_before_adoption"]
    order = day[k] - rng.integers(int(lo), int(hi) + 1, len(k))
    already = ls[k] == LS["E1"]  # placed again after a disruption: the order stands
    room = (order > ch.last[idx[k]]) & ~already
    kk = k[room]
    _row(ch.rows, idx[kk], order[room], "legal", np.full(len(kk), LS["E1"]), cat[kk], ch.pid[idx[kk]],
         ch.long_term[kk], False)
    ls[k] = LS["E1"]
    same = (rng.random(len(k)) < p["codes"]["same_carer_adoption"]) & (cat[k] == CAT["foster"])
    new_pid = ch.new_pids(len(k))  # its own placement even with the same carer
    ch.pid[idx[k]] = new_pid
    cat[k] = CAT["adoption"]
    ch.long_term[k] = False
    _row(ch.rows, idx[k], day[k], np.where(room | already, "adopt", "adopt_legal"), ls[k], cat[k], new_pid,
         ch.long_term[k], same)
    ch.last[idx[k]] = day[k]


def _moves(ch: _Children, rd: _Round, tb: _Tables, rng) -> None:
    """Moves to a new carer, in a category drawn from move_destination (as the DfE rules allow)."""
    k = np.flatnonzero(rd.ev == 0)
    if not len(k):
        return
    idx, cat, ls = ch.idx, ch.cat, ch.ls
    new = draw(tb.cum_move[cat[k], rd.band[k]], rng.random(len(k)))
    new[(new == CAT["parents"]) & (ls[k] == LS["V2"])] = CAT["foster"]
    new[(new == CAT["supported"]) & (rd.band[k] < 4)] = CAT["foster"]
    new[(new == CAT["adoption"])] = CAT["foster"]
    cat[k] = new
    ch.pid[idx[k]] = ch.new_pids(len(k))
    fost = (new == CAT["foster"]) | (new == CAT["kinship"])
    ch.long_term[k] = fost & (rng.random(len(k)) < tb.lt_share[rd.tic[k]])
    _row(ch.rows, idx[k], rd.day[k], "move", ls[k], cat[k], ch.pid[idx[k]], ch.long_term[k], False)
    ch.last[idx[k]] = rd.day[k]


def simulate(p: dict, r: Rates, ent: Entrants, horizon: int, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every child from entry to exit or `horizon`.

    Returns (rows, ends): rows = one per episode start (child, day, event, ls, cat, pid,
    long_term, same_carer); ends = one per exit (child, day, rec). Children are identified by
    their position in `ent`.
    """
    bdays = np.column_stack([birthday(ent.dob, y) for y in (*BAND_START_YEARS[1:], 18)])
    tb = _tables(p)
    ch = _start(p, ent, rng)
    for _ in range(10_000):
        if not len(ch.idx):
            break
        rd = _next_events(ch, r, bdays, ent.uasc, horizon, rng)
        _emergency_ends(ch, rd, rng)
        done = _exits(ch, rd, tb, p, ent, horizon, rng)
        _legal_and_status(ch, rd, r)
        _adoptions(ch, rd, p, rng)
        _moves(ch, rd, tb, rng)
        keep = ~(done | rd.stop)
        ch.idx, ch.t, ch.cat, ch.ls, ch.long_term = ch.idx[keep], ch.t[keep], ch.cat[keep], ch.ls[keep], \
            ch.long_term[keep]
    frame = pd.DataFrame({k: np.concatenate([r_[k] for r_ in ch.rows]) for k in ch.rows[0]})
    frame["event"] = pd.Categorical(frame["event"].to_numpy(object))
    frame = frame.sort_values(["child", "day"], kind="stable", ignore_index=True)
    if ch.ends:
        end = pd.DataFrame({k: np.concatenate([e_[k] for e_ in ch.ends]) for k in ch.ends[0]})
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
