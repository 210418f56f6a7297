"""Rolling-origin backtests: fit on the data up to a 31 March, forecast, compare with what the
store says happened, beside two naive baselines.

Realised values are children looked after on later 31 Marches, counted as the indicators count
them (`StoreData.cla`: an episode open that day, short breaks excluded), in total and by
placement category. Baselines: the last value (the stock on the origin stays as it is) and the
linear trend through the three 31 Marches up to the origin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..indicators.data import StoreData
from .estimate import fit
from .simulate import simulate


def realised(data: StoreData, year: int) -> pd.Series:
    """Children looked after on 31 March `year`: 'all' and each category."""
    cla = data.cla(year)
    counts = cla["category"].value_counts().reindex(list(data.categories.ids), fill_value=0)
    return pd.concat([pd.Series({"all": len(cla)}), counts]).astype(float)


def baselines(history: dict[int, pd.Series], origin: int, horizon: int) -> dict[str, pd.Series]:
    """Last value, and the least-squares line through the last three years (origin-2..origin)."""
    last = history[origin]
    years = [y for y in (origin - 2, origin - 1, origin) if y in history]
    if len(years) >= 2:
        x = np.array(years, float)
        ys = np.vstack([history[y].to_numpy() for y in years])
        slope = ((x - x.mean())[:, None] * (ys - ys.mean(axis=0))).sum(axis=0) / ((x - x.mean()) ** 2).sum()
        trend = pd.Series(np.maximum(ys.mean(axis=0) + slope * (origin + horizon - x.mean()), 0), index=last.index)
    else:
        trend = last.copy()
    return {"last_value": last, "linear_trend": trend}


def origins_for(years: list[int], window_years: int, horizon: int) -> list[int]:
    """31 Marches with `window_years` of returns before them and `horizon` years after."""
    first, last = min(years), max(years)
    return [y for y in years if y - window_years >= first - 1 and y + horizon <= last]


def backtest(store_or_path, *, origins=None, horizons=(1, 2, 3), window_years: int = 3, runs: int = 500,
             seed: int = 0) -> pd.DataFrame:
    """One row per origin, horizon, series ('all' or a category) and method ('model',
    'last_value', 'linear_trend'): forecast (the median for the model), realised, error,
    absolute percentage error, and for the model whether the 50% and 90% intervals held it."""
    data = store_or_path if isinstance(store_or_path, StoreData) else StoreData.read(store_or_path)
    years = data.years
    if origins is None:
        origins = origins_for(years, window_years, min(horizons))
    history = {y: realised(data, y) for y in years}
    rows = []
    for i, origin in enumerate(origins):
        model = fit(data, as_of=f"{origin}-03-31", window_years=window_years)
        hs = [h for h in horizons if origin + h in history]
        if not hs:
            continue
        fc = simulate(model, years=max(hs), runs=runs, seed=seed + i)
        q = _quantiles(fc)
        for h in hs:
            truth = history[origin + h]
            at = q[q["year"] == origin + h].set_index("series")
            for series, value in truth.items():
                qs = at.loc[series]
                med = float(qs[0.5])
                rows.append(_row(origin, h, series, "model", med, value,
                                 in50=qs[0.25] <= value <= qs[0.75], in90=qs[0.05] <= value <= qs[0.95]))
            for name, b in baselines(history, origin, h).items():
                for series, value in truth.items():
                    rows.append(_row(origin, h, series, name, float(b[series]), value))
    return pd.DataFrame(rows)


def _quantiles(fc) -> pd.DataFrame:
    total = fc.quantiles(None).rename(columns={"total": "series"})
    cats = fc.quantiles("category").rename(columns={"category": "series"})
    q = pd.concat([total, cats])
    q["year"] = pd.to_datetime(q["date"]).dt.year
    return q.pivot_table(index=["year", "series"], columns="quantile", values="value").reset_index()


def _row(origin, h, series, method, forecast, value, in50=None, in90=None) -> dict:
    err = forecast - value
    return {"origin": origin, "horizon": h, "series": series, "method": method, "forecast": forecast,
            "realised": value, "error": err, "ape": abs(err) / value * 100 if value else np.nan,
            "in_50": in50, "in_90": in90}


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute percentage error of the total by method and horizon, and the model's coverage."""
    tot = results[results["series"] == "all"]
    mape = tot.pivot_table(index="horizon", columns="method", values="ape", aggfunc="mean")
    model = results[results["method"] == "model"]
    cov = model.groupby("horizon")[["in_50", "in_90"]].mean().mul(100)
    return mape.join(cov.rename(columns={"in_50": "coverage_50", "in_90": "coverage_90"}))
