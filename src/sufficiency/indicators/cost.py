"""What placements cost: weekly on 31 March and over the year, by placement category.

Unit costs are the dated parameters costs.weekly.<category> (GBP per child per week; S251
outturn and CMA prices by default, a council's own when given), for the financial year ending
31 March. Weekly cost = children in each category on 31 March x weekly cost; annual cost = days
in each category from 1 April to 31 March (placements table; the day a placement ends is
not counted, a placement still open counts to the end of 31 March) x weekly cost / 7.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store import StoreData
from ..vocab import census, year_start
from .rows import row


def cost(data: StoreData, year: int) -> list[dict]:
    ids = list(data.categories.ids)
    weekly_unit = {c: data.parameters.weekly_cost(c, year) for c in ids}
    cla = data.cla(year)
    counts = cla["category"].value_counts()
    out = []
    total_week = 0.0
    for c in ids:
        k = int(counts.get(c, 0))
        total_week += k * weekly_unit[c]
        out.append(row("weekly_cost", "cost", year, k * weekly_unit[c], k, None, "gbp_week",
                       "placement_category", c))
    out.append(row("weekly_cost", "cost", year, total_week, len(cla), None, "gbp_week"))
    pl = data.tables["placements"]
    start, end = year_start(year), census(year)
    first = np.maximum(pl["start"].to_numpy("datetime64[ns]"), np.datetime64(start))
    # open, or closed by cleaning at the end of the data: in care to the end of 31 March
    stop = end + pd.Timedelta(days=1)
    still = pl["end"].isna() | pl["end_censored"].astype(bool)
    last_ = pl["end"].where(~still, stop).to_numpy("datetime64[ns]")
    last_ = np.minimum(last_, np.datetime64(stop))
    days = ((last_ - first) / np.timedelta64(1, "D")).astype(float)
    days = np.where(days >= 0, days, 0.0)
    by_cat = pl.assign(days=days).groupby("category")["days"].sum()
    total_year = 0.0
    for c in ids:
        d = float(by_cat.get(c, 0.0))
        total_year += d * weekly_unit[c] / 7
        out.append(row("annual_cost", "cost", year, d * weekly_unit[c] / 7, int(round(d)), None, "gbp_year",
                       "placement_category", c))
    out.append(row("annual_cost", "cost", year, total_year, int(round(float(by_cat.sum()))), None, "gbp_year"))
    return out
