"""Simulate children's care histories: entries, placements, legal changes, moves and exits.

Vectorised over children: each round draws the next placement of every child still in care,
so the number of Python steps is the largest number of placements any child has (tens), not
the number of children. All randomness comes from the Generator passed in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CATS = ["foster", "kinship", "home", "secure", "semi", "parents", "mother_baby", "adoption"]
DAY0 = np.datetime64("1970-01-01", "D")


def _band(age: np.ndarray, bands: list[str]) -> np.ndarray:
    """Index of the band ('0', '1-9', '10-15', ...) containing each whole-year age."""
    out = np.zeros(len(age), dtype=int)
    for i, b in enumerate(bands):
        lo, _, hi = b.partition("-")
        hi = hi or lo
        out[(age >= int(lo)) & (age <= int(hi))] = i
    return out


def _choice_by_band(rng, band_idx: np.ndarray, table: dict, keys: list[str] | None = None) -> np.ndarray:
    """Draw a key for each row from the distribution of its band: table[band] = {key: share}."""
    bands = list(table)
    keys = keys or sorted({k for v in table.values() for k in v})
    probs = np.array([[table[b].get(k, 0.0) for k in keys] for b in bands], dtype=float)
    probs /= probs.sum(axis=1, keepdims=True)
    cum = probs.cumsum(axis=1)
    u = rng.random(len(band_idx))
    idx = (u[:, None] > cum[band_idx]).sum(axis=1)
    return np.asarray(keys, dtype=object)[np.minimum(idx, len(keys) - 1)]


def _choice(rng, n: int, shares: dict) -> np.ndarray:
    keys = list(shares)
    p = np.array([shares[k] for k in keys], dtype=float)
    return np.asarray(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _age(dob: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whole years of age at `day` (both int days since 1970)."""
    d = (DAY0 + dob.astype("timedelta64[D]")).astype("datetime64[D]")
    t = (DAY0 + day.astype("timedelta64[D]")).astype("datetime64[D]")
    dy = d.astype("datetime64[Y]").astype(int)
    ty = t.astype("datetime64[Y]").astype(int)
    d_doy = (d - d.astype("datetime64[Y]")).astype(int)
    t_doy = (t - t.astype("datetime64[Y]")).astype(int)
    return ty - dy - (t_doy < d_doy)


def _days(date: str) -> int:
    return int((np.datetime64(date, "D") - DAY0).astype(int))


def _birthday(dob: np.ndarray, years: int) -> np.ndarray:
    d = (DAY0 + dob.astype("timedelta64[D]")).astype("datetime64[D]")
    s = pd.to_datetime(d) + pd.DateOffset(years=years)
    return ((s.to_numpy().astype("datetime64[D]")) - DAY0).astype(int)


def simulate_children(p: dict, starts_per_year: float, first_year: int, last_year: int, rng,
                      factors: dict[int, float] | None = None) -> pd.DataFrame:
    """Entrants from the warm-up years to the last return: dob, entry day, sex, UASC, CIN.

    `starts_per_year` is the expected number in the 2024/25 year; `factors` scales given
    collection years (e.g. the council's published starts relative to 2024/25).
    """
    years = np.arange(first_year - p["warm_up_years"], last_year + 1)
    trend = (1 + p["starts_trend"]) ** (years - last_year)
    if factors:
        trend = np.array([factors.get(int(y), 1.0) for y in years])
    counts = rng.poisson(starts_per_year * trend)
    n = int(counts.sum())
    year_start = np.array([_days(f"{y - 1}-04-01") for y in years])
    entry = np.repeat(year_start, counts) + rng.integers(0, 365, n)
    uasc = rng.random(n) < p["uasc_share_of_starts"]
    ages_keys = np.array(list(p["entry_age"]["shares"]), dtype=int)
    ages_p = np.array(list(p["entry_age"]["shares"].values()), dtype=float)
    age = rng.choice(ages_keys, size=n, p=ages_p / ages_p.sum())
    age[uasc] = rng.choice([14, 15, 16, 17], size=int(uasc.sum()), p=[0.1, 0.25, 0.35, 0.3])
    dob = entry - (age * 365.25).astype(int) - rng.integers(0, 365, n)
    dob = np.minimum(dob, entry)
    male = np.where(uasc, rng.random(n) < p["uasc_male_share"], rng.random(n) < p["male_share"])
    cin = _choice(rng, n, p["cin_shares"])
    cin[uasc] = "N8"
    out = pd.DataFrame({"entry": entry, "dob": dob, "male": male, "uasc": uasc, "cin": cin})
    out = out.sort_values("entry", ignore_index=True)
    out.insert(0, "child", np.arange(n))  # position == identifier
    return out


def simulate_placements(p: dict, ch: pd.DataFrame, horizon: int, rng) -> pd.DataFrame:
    """Every placement of every child: start, end (or open), category, and how it ended."""
    n = len(ch)
    dob, entry = ch["dob"].to_numpy(), ch["entry"].to_numpy()
    b18 = _birthday(dob, 18)
    age_entry = _age(dob, entry)
    legal_band = _band(age_entry, list(p["legal_at_entry"]))
    ls0 = _choice_by_band(rng, legal_band, p["legal_at_entry"])
    ls0[ch["uasc"].to_numpy()] = "V2"
    adopt = (age_entry < 5) & np.isin(ls0, ["C1", "L2"]) & (rng.random(n) < p["adoption_plan_share"])
    adopt_day = np.where(adopt, entry + rng.exponential(p["adoption_wait_days"], n).astype(int) + 60, np.iinfo(np.int32).max)

    entry_band = _band(age_entry, list(p["placement_at_entry"]))
    cat = _choice_by_band(rng, entry_band, p["placement_at_entry"], CATS)
    idx, t, num = np.arange(n), entry.copy(), np.ones(n, dtype=int)
    mult = p["exit_multiplier"]
    rows = []
    for _ in range(200):
        if not len(idx):
            break
        m = len(idx)
        short = rng.random(m) < p["short_placement_share"]
        mean = np.array([p["placement_days"].get(c, 300) for c in cat])
        dur = np.where(short, rng.exponential(p["short_placement_days"], m), rng.exponential(mean))
        is_adopt = cat == "adoption"
        dur = np.where(is_adopt, rng.exponential(p["adoption_placement_days"], m) + 30, dur)
        end = t + np.maximum(dur.astype(int), 1)
        to_adopt = ~is_adopt & (adopt_day[idx] > t) & (adopt_day[idx] < end)
        end = np.where(to_adopt, adopt_day[idx], end)
        at18 = end >= b18[idx]
        end = np.where(at18, b18[idx], end)
        open_ = end > horizon
        age_end = _age(dob[idx], end)
        exit_band = _band(age_end, list(p["exit_at_placement_end"]))
        p_exit = np.array(list(p["exit_at_placement_end"].values()))[exit_band] * mult
        exits = ~open_ & ~to_adopt & (at18 | is_adopt | (rng.random(m) < np.minimum(p_exit, 1.0)))
        reason = np.full(m, None, dtype=object)
        young = _band(age_end, list(p["exit_reasons"]))
        drawn = _choice_by_band(rng, young, p["exit_reasons"])
        reason[exits] = drawn[exits]
        reason[exits & at18] = _choice(rng, int((exits & at18).sum()), p["exit_at_18"])
        reason[exits & is_adopt] = np.where(rng.random(int((exits & is_adopt).sum())) < 0.8, "E11", "E12")
        uasc_exit = exits & ch["uasc"].to_numpy()[idx] & np.isin(reason, ["E45", "E46", "E47", "E48", "E41"])
        reason[uasc_exit] = "E8"
        rows.append(pd.DataFrame({"child": idx, "number": num, "start": t, "end": np.where(open_, -1, end),
                                  "cat": cat, "exit": reason, "short": short}))
        moving = ~open_ & ~exits
        idx, t, num = idx[moving], end[moving], num[moving] + 1
        band = _band(_age(dob[idx], t), list(p["placement_on_move"]))
        cat = _choice_by_band(rng, band, p["placement_on_move"], CATS)
        cat[to_adopt[moving]] = "adoption"
    pl = pd.concat(rows, ignore_index=True).sort_values(["child", "start"], ignore_index=True)
    pl["ls0"] = ls0[pl["child"].to_numpy()]
    pl["adopt_day"] = adopt_day[pl["child"].to_numpy()]
    return pl
