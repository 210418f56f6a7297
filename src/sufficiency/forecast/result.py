"""What a forecast gives: each run's children in care by category and by age band on each month
end, and its entries and exits in each month, with tidy tables of them (quantiles over runs,
flows, costs). The simulation gives many runs; the closed form one (the expected numbers)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .estimate import Model
from .states import AGE_BANDS, DAY0, EXITS


def month_ends(as_of: int, months: int) -> np.ndarray:
    """Day numbers of as_of and the same day of each of the `months` following months: a month
    end stays a month end; a day the month lacks (31 April) falls back to the month's last."""
    d = (DAY0 + np.timedelta64(int(as_of), "D")).astype("datetime64[D]")
    nxt = d + np.timedelta64(1, "D")
    month = nxt.astype("datetime64[M]")
    if (nxt - month.astype("datetime64[D]")).astype(int) == 0:  # as_of is a month end
        ends = (month + np.arange(months + 1)).astype("datetime64[D]") - np.timedelta64(1, "D")
    else:
        first = d.astype("datetime64[M]") + np.arange(months + 1)
        last = (first + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
        ends = np.minimum(first.astype("datetime64[D]") + (d - d.astype("datetime64[M]").astype("datetime64[D]")), last)
    return (ends - DAY0).astype(np.int64)


def run_quantiles(arr: np.ndarray, q) -> np.ndarray:
    """Quantiles over the first axis (runs) of `arr`, one row per quantile in `q`: the value at
    position q x (runs - 1) of the sorted runs, interpolated linearly as pandas' quantile does
    (lower + (upper - lower) x fraction), so the figures match its groupby quantile exactly."""
    ordered = np.sort(np.asarray(arr, dtype=np.float64), axis=0)
    last = ordered.shape[0] - 1
    out = []
    for qq in q:
        at = qq * last
        i = int(at)
        lower, upper = ordered[i], ordered[min(i + 1, last)]
        out.append(lower + (upper - lower) * (at % 1))
    return np.stack(out)


@dataclass
class Forecast:
    """Runs of a forecast from `model`: stock_cat and stock_age are the children in care on each
    date (dates[0] the model's as_of, then month ends), entries and exits those in the month
    ending on each later date (exits by route, then at 18). `seed` and `uncertainty` (whether each
    run drew its own estimates) say how it was made; the closed form has one run and no seed."""

    model: Model
    dates: np.ndarray  # day numbers, dates[0] = as_of
    stock_cat: np.ndarray  # (runs, steps+1, categories)
    stock_age: np.ndarray  # (runs, steps+1, age bands)
    entries: np.ndarray  # (runs, steps)
    exits: np.ndarray  # (runs, steps, exits + aged 18)
    seed: int | None
    uncertainty: bool

    @property
    def runs(self) -> int:
        return self.stock_cat.shape[0]

    def _date_index(self, freq: str) -> np.ndarray:
        if freq == "month":
            return np.arange(len(self.dates))
        ts = pd.to_datetime(DAY0 + self.dates.astype("timedelta64[D]"))
        keep = [i for i, t in enumerate(ts) if i == 0 or (t.month == 3 and t.day == 31)]
        return np.array(keep)

    def _stock(self, by: str | None, freq: str) -> tuple[np.ndarray, pd.DatetimeIndex, list[str]]:
        """The stock on the dates of `freq` (runs, dates, series), those dates, the series' labels."""
        idx = self._date_index(freq)
        dates = pd.to_datetime(DAY0 + self.dates[idx].astype("timedelta64[D]"))
        if by is None:
            return self.stock_cat.sum(axis=2, keepdims=True)[:, idx], dates, ["all"]
        if by == "category":
            return self.stock_cat[:, idx], dates, list(self.model.space.categories)
        if by == "age_band":
            return self.stock_age[:, idx], dates, list(AGE_BANDS)
        raise ValueError(f"by must be None, 'category' or 'age_band', not {by!r}")

    def paths(self, by: str | None = None, freq: str = "year") -> pd.DataFrame:
        """Every run's stock: run, date, [category|age_band], value."""
        arr, dates, labels = self._stock(by, freq)
        r, t, k = arr.shape
        return pd.DataFrame({"run": np.repeat(np.arange(r), t * k), "date": np.tile(np.repeat(dates, k), r),
                             by or "total": np.tile(labels, r * t), "value": arr.ravel()})

    def quantiles(self, by: str | None = None, q=(0.05, 0.25, 0.5, 0.75, 0.95), freq: str = "year") -> pd.DataFrame:
        """Tidy quantiles over runs: date, [by], quantile, value; by date, then series (sorted),
        then quantile. Linear interpolation between the runs on either side, as pandas does."""
        arr, dates, labels = self._stock(by, freq)
        order = np.argsort(np.asarray(labels, dtype=object), kind="stable")
        values = run_quantiles(arr[:, :, order], q)  # (quantiles, dates, series)
        n_q, t, k = values.shape
        return pd.DataFrame({"date": np.repeat(dates, k * n_q),
                             by or "total": np.tile(np.repeat(np.asarray(labels)[order], n_q), t),
                             "quantile": np.tile(np.asarray(q, dtype=np.float64), t * k),
                             "value": values.transpose(1, 2, 0).ravel()})

    def flows(self, q=(0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Entries and exits (by route, and at 18) per year after as_of: quantiles over runs
        (np.quantile over the runs of every flow of a year at once: the same values as one
        series at a time)."""
        year = np.arange(self.entries.shape[1]) // 12
        names = ["entries", *(f"exit_{n}" for n in [*EXITS, "aged_18"])]
        years = np.unique(year)
        n_q, n_f = len(q), len(names)
        values = []
        for y in years:
            m = year == y
            series = np.column_stack([self.entries[:, m].sum(axis=1),
                                      *(self.exits[:, m, i].sum(axis=1) for i in range(n_f - 1))])
            values.append(np.quantile(series, q, axis=0).T)  # (flows, quantiles)
        return pd.DataFrame({"year_after": np.repeat(years.astype(int) + 1, n_f * n_q).tolist(),
                             "flow": np.tile(np.repeat(names, n_q), len(years)).tolist(),
                             "quantile": list(q) * (n_f * len(years)),
                             "value": np.concatenate(values).ravel().tolist() if values else []})

    def costs(self, parameters, q=(0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
        """Weekly cost on each date and cost over each year after as_of: quantiles over runs
        (np.quantile of all of `q` at once: the same values as one quantile at a time)."""
        ts = pd.to_datetime(DAY0 + self.dates.astype("timedelta64[D]"))
        fy = np.array([t.year + (1 if t.month > 3 else 0) for t in ts])
        cats = self.model.space.categories
        cost_of = {y: [parameters.weekly_cost(c, int(y)) for c in cats] for y in np.unique(fy)}
        unit = np.array([cost_of[y] for y in fy])
        weekly = (self.stock_cat * unit[None]).sum(axis=2)  # (runs, dates)
        gap = np.diff(self.dates).astype(float)
        annual_parts = weekly[:, 1:] * gap[None] / 7
        year = np.arange(len(gap)) // 12
        rows = []
        for i in self._date_index("year"):
            for qq, v in zip(q, np.quantile(weekly[:, i], q), strict=True):
                rows.append({"date": ts[i], "measure": "weekly_cost", "quantile": qq, "value": float(v)})
        for y in np.unique(year):
            total = annual_parts[:, year == y].sum(axis=1)
            for qq, v in zip(q, np.quantile(total, q), strict=True):
                rows.append({"date": ts[min(12 * (y + 1), len(ts) - 1)], "measure": "annual_cost", "quantile": qq,
                             "value": float(v)})
        return pd.DataFrame(rows)
