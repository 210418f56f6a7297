"""Children who started and ceased to be looked after during the year, and why they ceased.

DfE (methodology, "Children looked after in England including adoptions"): a child who started
more than once in the year is counted once; for ceasing, the last occasion in the year counts.
Periods of care come from the store's `periods` table (cleaning cuts each child's episodes into
periods: a period ends with any REC other than X1).
"""

from __future__ import annotations

import pandas as pd

from ..store import StoreData
from ..vocab import age_on, census, year_start
from .rows import row

REASONS = ["home", "special guardianship", "child arrangements order", "adoption", "18 and over", "other"]
REC_REASON = {"E4A": "home", "E4B": "home", "E13": "home",
              "E45": "special guardianship", "E46": "special guardianship",
              "E47": "special guardianship", "E48": "special guardianship",
              "E41": "child arrangements order", "E11": "adoption", "E12": "adoption"}


def _periods(data: StoreData) -> pd.DataFrame:
    return data.tables["periods"]


def starters(data: StoreData, year: int) -> pd.Index:
    p = _periods(data)
    hit = p["start"].between(year_start(year), census(year))
    return pd.Index(p.loc[hit, "child"].unique())


def flows(data: StoreData, year: int) -> list[dict]:
    p = _periods(data)
    start = starters(data, year)
    out = [row("started", "flows", year, len(start), len(start))]
    ended = p[p["end"].between(year_start(year), census(year)) & ~p["end_censored"].astype(bool)
              & p["reason_ceased"].notna()]
    last = ended.sort_values(["child", "end"]).drop_duplicates("child", keep="last")
    out.append(row("ceased", "flows", year, len(last), len(last)))
    kids = data.tables["children"].drop_duplicates("child").set_index("child")
    age = age_on(last["child"].map(kids["dob"]), last["end"])
    reason = last["reason_ceased"].map(REC_REASON)
    adult = (age >= 18).fillna(False).to_numpy(bool)
    reason = reason.where(reason.notna(), pd.Series(["18 and over" if a else "other" for a in adult],
                                                    index=last.index, dtype=object))
    counts = reason.value_counts()
    for r in REASONS:
        k = int(counts.get(r, 0))
        out.append(row("ceased_by_reason", "flows", year, k, k, len(last), "count", "reason", r))
    return out
