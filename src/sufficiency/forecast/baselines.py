"""Naive baselines a forecast must beat: what a council could say without a model.

Each baseline takes the history of children looked after on 31 March (a table with one row
per year and one column per series: 'all' and each placement category or group) and says how
many there will be `horizon` years after the origin year, for every series at once.

- `last_value`: no change; the stock on the origin stays as it is.
- `linear_trend`: the least-squares line through the origin and the years before it (three
  31 Marches by default), carried forward; never below zero. With one year only, no change.
- `trend_shares`: the total from the linear trend, shared out as on the origin (each series
  keeps its share of the total): a category forecast that knows no more than the total's trend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

TOTAL = "all"


def as_history(history) -> pd.DataFrame:
    """The history as a table: index year (int), one column per series. Accepts such a table or
    a mapping {year: Series of series -> value}."""
    if isinstance(history, pd.DataFrame):
        out = history.copy()
    elif isinstance(history, Mapping):
        out = pd.DataFrame({int(y): pd.Series(v, dtype=float) for y, v in history.items()}).T
    else:
        raise TypeError("history must be a DataFrame (year x series) or a mapping year -> Series")
    out.index = out.index.astype(int)
    return out.sort_index().astype(float)


def last_value(history, origin: int, horizon: int) -> pd.Series:
    """No change: every series as it was on 31 March of the origin year."""
    h = as_history(history)
    return h.loc[origin].rename(None)


def linear_trend(history, origin: int, horizon: int, *, years: int = 3) -> pd.Series:
    """The least-squares line through the `years` 31 Marches up to the origin (those in the
    history), at origin + horizon, floored at zero. Fewer than two points: no change."""
    h = as_history(history)
    pts = [y for y in range(origin - years + 1, origin + 1) if y in h.index]
    if len(pts) < 2:
        return last_value(h, origin, horizon)
    x = np.array(pts, dtype=float)
    ys = h.loc[pts].to_numpy(float)
    xc = x - x.mean()
    slope = (xc[:, None] * (ys - ys.mean(axis=0))).sum(axis=0) / (xc**2).sum()
    at = ys.mean(axis=0) + slope * (origin + horizon - x.mean())
    return pd.Series(np.maximum(at, 0.0), index=h.columns)


def trend_shares(history, origin: int, horizon: int, *, years: int = 3) -> pd.Series:
    """The total's linear trend, each series keeping its share of the total on the origin."""
    h = as_history(history)
    total = linear_trend(h[[TOTAL]], origin, horizon, years=years)[TOTAL]
    now = h.loc[origin]
    share = now / now[TOTAL] if now[TOTAL] > 0 else now * 0.0
    return (share * total).rename(None)


BASELINES: dict[str, Callable[..., pd.Series]] = {
    "last_value": last_value,
    "linear_trend": linear_trend,
    "trend_shares": trend_shares,
}


def baselines(history, origin: int, horizon: int, methods=None) -> dict[str, pd.Series]:
    """Every baseline's forecast for origin + horizon: {method: Series over the series}."""
    h = as_history(history)
    names = list(BASELINES) if methods is None else list(methods)
    unknown = [m for m in names if m not in BASELINES]
    if unknown:
        raise ValueError(f"unknown baseline(s) {', '.join(unknown)}; known: {', '.join(BASELINES)}")
    return {m: BASELINES[m](h, origin, horizon) for m in names}
