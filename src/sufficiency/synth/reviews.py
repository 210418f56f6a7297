"""Statutory reviews of children looked after, on the schedule of the Care Planning, Placement
and Case Review (England) Regulations 2010, reg. 33: the first within 20 working days of the
start of a period of care, the second within 3 months of the first, then within 6 months of the
one before. Each deadline runs from the review actually held, so one held early brings the next
forward and one held late pushes it back, as in practice. A review is held up to
`reviews.early_days` before its deadline, or, for a share `reviews.late_share`, up to
`reviews.late_days` after it. Working days are Monday to Friday and months are calendar months
(the 31st plus a month is the month's last day), as the reviews indicator counts them.

The history is drawn once for every period of care, so the reviews of one year's return are the
next year's return's previous reviews.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..vocab import DAY0
from . import hazards as hz
from .tables import _dates, _ids, _pick

MAX_REVIEWS = 40  # enough for 18 years of 6-monthly reviews


def _as_date(day: np.ndarray) -> np.ndarray:
    return DAY0 + np.asarray(day, dtype=np.int64).astype("timedelta64[D]")


def _as_day(date: np.ndarray) -> np.ndarray:
    return (date - DAY0).astype(np.int64)


def add_months(day: np.ndarray, months: int) -> np.ndarray:
    """Day numbers `months` calendar months later (clipped to the last day of the month)."""
    date = _as_date(day)
    month = date.astype("datetime64[M]")
    into = date - month.astype("datetime64[D]")
    target = month + months
    last = (target + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    return _as_day(np.minimum(target.astype("datetime64[D]") + into, last))


def working_days_after(day: np.ndarray, n: int) -> np.ndarray:
    """The `n`th working day (Monday to Friday) after each day."""
    return _as_day(np.busday_offset(_as_date(day), n, roll="forward").astype("datetime64[D]"))


def review_history(p: dict, periods: pd.DataFrame, horizon: int, rng) -> pd.DataFrame:
    """Every review of every period of care: kid, day. `periods` has child, entry and last_dec
    (the day the period ended, negative if still open at `horizon`)."""
    r = p["reviews"]
    kids = periods["child"].to_numpy()
    entry = periods["entry"].to_numpy(np.int64)
    last = periods["last_dec"].to_numpy(np.int64)
    stop = np.where(last < 0, horizon + 1, last)  # reviews before the day care ends
    held = entry.copy()
    out_kid, out_day = [], []
    live = np.arange(len(kids))
    for k in range(MAX_REVIEWS):
        if not len(live):
            break
        if k == 0:
            due = working_days_after(entry[live], 20)
        else:
            due = add_months(held[live], 3 if k == 1 else 6)
        day = _held_on(due, r, rng)
        day = np.maximum(day, held[live] + 1)
        ok = day < stop[live]
        live, day = live[ok], day[ok]
        held[live] = day
        out_kid.append(kids[live])
        out_day.append(day)
    return pd.DataFrame({"kid": np.concatenate(out_kid or [np.zeros(0, np.int64)]),
                         "day": np.concatenate(out_day or [np.zeros(0, np.int64)])})


def _held_on(due: np.ndarray, r: dict, rng) -> np.ndarray:
    """The day each review is held: a little before its deadline, or for a few after it."""
    n = len(due)
    lo, hi = r["early_days"]
    early = rng.integers(int(lo), int(hi) + 1, n)
    llo, lhi = r["late_days"]
    late = rng.integers(int(llo), int(lhi) + 1, n)
    return np.where(rng.random(n) < r["late_share"], due + late, due - early)


def reviews(p: dict, ch: pd.DataFrame, history: pd.DataFrame, ys: int, ye: int, rng) -> dict:
    """The Reviews table of the year from 1 April `ys` to 31 March `ye`."""
    h = history[(history["day"] >= ys) & (history["day"] <= ye)].sort_values(["kid", "day"], kind="stable")
    kid, day = h["kid"].to_numpy(), h["day"].to_numpy()
    dob = ch["dob"].to_numpy()[kid]
    code = np.where(hz.age_at(dob, day) < 4, "PN0", _pick(rng, len(kid), p["reviews"]["participation"]))
    return {"CHILD": _ids(kid), "DOB": _dates(dob), "REVIEW": _dates(day), "REVIEW_CODE": code}
