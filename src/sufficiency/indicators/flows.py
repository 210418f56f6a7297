"""Children who started and ceased to be looked after during the year, and why they ceased.

DfE (methodology, "Children looked after in England including adoptions"): a child who started
more than once in the year is counted once; for ceasing, the last occasion in the year counts.
Reasons for ceasing are grouped as the release's table of children who ceased by reason
episode ceased groups the REC codes. Periods of care come from the store's `periods` table
(cleaning cuts each child's episodes into periods: a period ends with any REC other than X1).
"""

from __future__ import annotations

import pandas as pd

from ..store import StoreData
from ..vocab import census, year_start
from .rows import row

# DfE group of each reason episode ceased (REC), in the release's order
REASON_GROUPS = {
    "adopted": ("E11", "E12"),
    "died": ("E2",),
    "care taken over by another council": ("E3",),
    "returned home to parents": ("E4A", "E4B"),
    "left to live with relatives or others": ("E13",),
    "residence or child arrangements order": ("E41",),
    "special guardianship order": ("E45", "E46", "E47", "E48"),
    "independent living": ("E5", "E6"),
    "staying put at 18": ("E17",),
    "adult social care": ("E7",),
    "custody": ("E9",),
    "remand ended": ("E14",),
    "age assessed 18 or over": ("E15",),
    "moved abroad": ("E16",),
    "other reason": ("E8",),
}
REASONS = list(REASON_GROUPS)
REC_REASON = {code: group for group, codes in REASON_GROUPS.items() for code in codes}


def starts(data: StoreData, year: int) -> pd.DataFrame:
    """The first start in the year of each child who started to be looked after: child, start."""
    p = data.tables["periods"]
    hit = p["start"].between(year_start(year), census(year))
    return (p.loc[hit, ["child", "start"]].sort_values(["child", "start"])
            .drop_duplicates("child").reset_index(drop=True))


def flows(data: StoreData, year: int) -> list[dict]:
    p = data.tables["periods"]
    started = starts(data, year)
    out = [row("started", "flows", year, len(started), len(started))]
    ended = p[p["end"].between(year_start(year), census(year)) & ~p["end_censored"].astype(bool)
              & p["reason_ceased"].notna()]
    last = ended.sort_values(["child", "end"]).drop_duplicates("child", keep="last")
    out.append(row("ceased", "flows", year, len(last), len(last)))
    counts = last["reason_ceased"].map(REC_REASON).fillna("other reason").value_counts()
    for r in REASONS:
        k = int(counts.get(r, 0))
        out.append(row("ceased_by_reason", "flows", year, k, k, len(last), "count", "reason", r))
    return out
