"""From the engine's event rows to 903 episodes: one row per episode with every column's value.

An episode starts at each event (entry, move, status-only change, legal change, placement
for adoption) and ends at the next one (REC X1) or when the child leaves care (REC from the
engine); the last episode of a child still in care at the horizon stays open.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import hazards as hz
from .params import CATEGORIES

# RNE of the episode an event starts: (event, same carer) -> code
RNE = {("start", False): "S", ("move", False): "P", ("status", True): "T", ("legal", False): "L",
       ("adopt", False): "P", ("adopt", True): "T", ("adopt_legal", False): "B", ("adopt_legal", True): "U"}
LONG_TERM = {"U6": "U4", "U3": "U1"}


class Exits:
    """Children's exits from care (a child may leave more than once), searchable by day."""

    def __init__(self, ends: pd.DataFrame):
        order = np.lexsort((ends["day"].to_numpy(), ends["child"].to_numpy()))
        self.child = ends["child"].to_numpy()[order].astype(np.int64)
        self.day = ends["day"].to_numpy()[order].astype(np.int64)
        self.rec = ends["rec"].to_numpy(object)[order]
        self.key = self.child * 2**32 + self.day

    def after(self, child: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of each child's first exit strictly after `day`, and whether there is one."""
        child = np.asarray(child, dtype=np.int64)
        if not len(self.key):
            return np.zeros(len(child), dtype=np.int64), np.zeros(len(child), dtype=bool)
        j = np.searchsorted(self.key, child * 2**32 + np.asarray(day, dtype=np.int64), side="right")
        jj = np.minimum(j, len(self.key) - 1)
        return jj, (j < len(self.key)) & (self.child[jj] == child)


def _obj(values) -> pd.Series:
    """An object-dtype column (pandas would otherwise convert every string: slow at scale)."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def placements_of(rows: pd.DataFrame, ends: pd.DataFrame, ent: hz.Entrants) -> pd.DataFrame:
    """One row per placement (pid): child, pid, start, end (NEVER if open), cat, same_carer,
    long_term, band, ls."""
    first = rows.drop_duplicates("pid", keep="first")
    child = first["child"].to_numpy()
    day = first["day"].to_numpy()
    exits = Exits(ends)
    j, found = exits.after(child, day)
    nxt = np.r_[child[1:] == child[:-1], False]
    end = np.where(found, exits.day[j], hz.NEVER)
    end = np.where(nxt, np.minimum(np.r_[day[1:], 0], end), end).astype(np.int64)
    dob = ent.dob[first["child"].to_numpy()]
    band = hz.band_of_age(hz.age_at(dob, first["day"].to_numpy()))
    return pd.DataFrame({
        "child": first["child"].to_numpy(), "pid": first["pid"].to_numpy(),
        "start": first["day"].to_numpy(), "end": end, "cat": np.asarray(CATEGORIES, dtype=object)[first["cat"].to_numpy()],
        "same_carer": first["same_carer"].to_numpy(), "long_term": first["long_term"].to_numpy(),
        "band": band, "ls": np.asarray(hz.LEGAL, dtype=object)[first["ls"].to_numpy()],
    }).reset_index(drop=True)


def build_episodes(p: dict, rows: pd.DataFrame, ends: pd.DataFrame, pl: pd.DataFrame,
                   placed: pd.DataFrame, ch: pd.DataFrame, rng) -> pd.DataFrame:
    """Episodes: child, start, dec (-1 open), rec, rne, ls, cin, place, provider, pl_post, urn,
    reason_place_change, cat, pid."""
    exits = Exits(ends)
    first_end_after, end_day, end_rec = exits.after, exits.day, exits.rec

    # an event on or after the exit day of its period never happened
    is_start = (rows["event"].astype(str) == "start").to_numpy()
    period_start = pd.Series(np.where(is_start, rows["day"].to_numpy(), np.nan)).ffill().to_numpy().astype(np.int64)
    j, found = first_end_after(rows["child"].to_numpy(), period_start)
    keep = is_start | ~found | (rows["day"].to_numpy() < end_day[j])
    rows = rows[keep].reset_index(drop=True)
    by_pid = placed.set_index(pl["pid"].to_numpy())
    pid = rows["pid"].to_numpy()
    event = rows["event"].to_numpy(object)
    place = by_pid["place"].reindex(pid).to_numpy(object).copy()
    # after a status-only change the placement is long-term for the rest of its life
    lt = pd.Series(event == "status").groupby(pid).cummax().to_numpy()
    for short, long in LONG_TERM.items():
        place[lt & (place == short)] = long
    frame = pd.DataFrame({
        "child": rows["child"].to_numpy(), "start": rows["day"].to_numpy(), "event": _obj(event),
        "same": rows["same_carer"].to_numpy(bool),
        "ls": _obj(np.asarray(hz.LEGAL, dtype=object)[rows["ls"].to_numpy()]), "place": _obj(place),
        "provider": _obj(by_pid["provider"].reindex(pid).to_numpy(object)),
        "pl_post": _obj(by_pid["pl_post"].reindex(pid).to_numpy(object)),
        "urn": _obj(by_pid["urn"].reindex(pid).to_numpy(object)),
        "cat": _obj(np.asarray(CATEGORIES, dtype=object)[rows["cat"].to_numpy()]), "pid": pid,
    })
    # a move to the very same setting (same code, postcode, URN, provider) is no move, and a
    # status change that changes no code (e.g. fostering for adoption, U5) is no change
    key = ["child", "ls", "place", "provider", "pl_post", "urn"]
    same_as_prev = np.r_[False, np.ones(len(frame) - 1, dtype=bool)] if len(frame) else np.zeros(0, bool)
    for col in key:
        a = frame[col].to_numpy(object)
        blank = pd.isna(a)
        same_as_prev[1:] &= (a[1:] == a[:-1]) | (blank[1:] & blank[:-1])
    frame = frame[~(same_as_prev & np.isin(event, ["move", "status"]))].reset_index(drop=True)
    child, day, event = frame["child"].to_numpy(), frame["start"].to_numpy(), frame["event"].to_numpy(object)
    # the next row continues the period unless it starts a new one (a return to care)
    nxt_same = np.r_[child[1:] == child[:-1], False] & (np.append(event[1:], "start") != "start")
    j, exited = first_end_after(child, day)
    frame["dec"] = np.where(nxt_same, np.r_[day[1:], 0], np.where(exited, end_day[j], -1)).astype(np.int64)
    frame["rec"] = _obj(np.where(nxt_same, "X1", np.where(exited, end_rec[j], None)))
    same = frame["same"].to_numpy(bool)
    rne = np.full(len(frame), "P", dtype=object)
    for (ev, same_carer), code in RNE.items():
        rne[(event == ev) & (same == same_carer)] = code
    frame["rne"] = _obj(rne)
    nxt_event = np.append(event[1:], "start").astype(object)
    reasons = p["outcomes"]["place_change_reason"]
    drawn = np.asarray(list(reasons), dtype=object)[rng.choice(len(reasons), len(frame), p=list(reasons.values()))]
    reason = np.where(nxt_event == "status", "PLACE",
                      np.where(np.isin(nxt_event, ["adopt", "adopt_legal"]), "CARPL", drawn))
    frame["reason_place_change"] = _obj(np.where(
        nxt_same & np.isin(nxt_event, ["move", "status", "adopt", "adopt_legal"]), reason, None))
    frame["cin"] = _obj(ch["cin"].to_numpy(object)[child])
    return frame.drop(columns=["event", "same"])


def short_breaks(p: dict, ep: pd.DataFrame, ch: pd.DataFrame, expected: dict[int, float], horizon: int,
                 loc, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add children on agreed series of short breaks (V3/V4): each stay an episode of 1-4 nights.

    They are separate children (appended to `ch`; both frames are returned), disabled (CIN N2), aged 5-17, and
    excluded from counts of children looked after."""
    sb = p["short_breaks"]
    years = sorted(expected)
    mean_cla = np.mean(list(expected.values())) * 2.5
    per_year = sb["children_per_1000_cla"] / 1000 * mean_cla / max(sb["years_in_scheme"], 0.1)
    counts = rng.poisson(np.full(len(years), per_year))
    n = int(counts.sum())
    if not n:
        return ep, ch
    first = np.repeat([hz.day_of(f"{y - 1}-04-01") for y in years], counts) + rng.integers(0, 365, n)
    age = rng.integers(5, 16, n)
    dob = first - (age * 365.25).astype(np.int64) - rng.integers(1, 365, n)
    b18 = hz.birthday(dob, 18)
    last = np.minimum(first + (rng.exponential(sb["years_in_scheme"], n) * 365.25).astype(np.int64), b18 - 5)
    stays = np.maximum((last - first) / 365.25 * sb["stays_per_year"], 1).astype(np.int64)
    kid = np.repeat(np.arange(n), stays)
    gap = rng.integers(7, 2 * int(365.25 / sb["stays_per_year"]) + 7, len(kid))
    starts = np.repeat(first, stays) + _cumsum_by(kid, gap)
    nights = rng.integers(1, 5, len(kid))
    ok = starts + nights <= np.repeat(last, stays)
    kid, starts, nights = kid[ok], starts[ok], nights[ok]
    base = len(ch)
    v4 = rng.random(n) < sb["v4_share"]
    home = loc.homes(n, rng)
    new = pd.DataFrame({"child": base + np.arange(n), "dob": dob, "entry": first,
                        "male": rng.random(n) < 0.6, "uasc": False, "cin": "N2",
                        "ethnic": rng.choice(ch["ethnic"].to_numpy(), n), "upn": np.char.add(
                            "A", np.char.zfill(rng.integers(0, 10**12, n).astype(str), 12)),
                        "mother_day": hz.NEVER, "home": home, "home_post": None, "short_breaks": True})
    ch = pd.concat([ch, new], ignore_index=True)
    k = kid
    # a short-break setting near home: the council's own children's home or a foster carer
    # no placement postcode, URN or home postcode for short breaks (DfE rules 214, 398)
    in_home = rng.random(n) < 0.5
    eps = pd.DataFrame({
        "child": base + k, "start": starts, "dec": starts + nights, "rec": "E4A",
        "rne": "S", "ls": np.where(v4[k], "V4", "V3"), "cin": "N2",
        "place": np.where(in_home[k], "K2", "U6"), "provider": "PR1",
        "pl_post": None, "urn": None,
        "reason_place_change": None, "cat": np.where(in_home[k], "residential", "foster"), "pid": -1,
    })
    eps = eps[eps["start"] <= horizon]
    eps.loc[eps["dec"] > horizon, ["dec", "rec"]] = [-1, None]
    return pd.concat([ep, eps], ignore_index=True).sort_values(["child", "start"], ignore_index=True), ch


def _cumsum_by(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Cumulative sum of `values` within runs of equal `group` (sorted), starting at 0."""
    c = np.cumsum(values)
    start = np.r_[True, group[1:] != group[:-1]]
    offset = np.maximum.accumulate(np.where(start, c - values, 0))
    return c - values - offset

