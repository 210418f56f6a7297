"""Social worker stability: children looked after on 31 March with 3 or more social workers
during the year, from the SWEpisodes table (collected from 2023/24).

DfE, "Stability measures for children looked after in England", data set "Social worker
stability by local authority": children looked after on 31 March (short breaks not counted)
by the number of social workers they had during the year; each social worker is counted once
for a child (a child who had worker A, then B, then A again had 2). A worker is had during the
year when their episode (SW_DECOM to SW_DEC, open if SW_DEC is blank) overlaps 1 April to
31 March, so the worker already assigned on 1 April counts. An episode with no SW_ID counts as
a worker of its own. Years before the table was collected, and years whose return has no
SWEpisodes rows, get no value and a note saying why. An episode in several returns is read
from the latest (which holds its end).
"""

from __future__ import annotations

from ..ssda903.schema import default_schema
from ..store import StoreData
from ..vocab import census, year_label, year_start
from .rows import pct, row


def social_workers(data: StoreData, year: int) -> list[dict]:
    ind, unit = "pct_3plus_social_workers", "percent"
    table = default_schema().table("sw_episodes")
    if not table.collected_in(year):
        note = f"the SWEpisodes table is collected from {year_label(table.from_year)}"
        return [row(ind, "stability", year, None, unit=unit, note=note)]
    sw = data.tables.get("sw_episodes")
    if sw is None or not (sw["source_year"] == year).any():
        note = f"the {year_label(year)} return holds no SWEpisodes table"
        return [row(ind, "stability", year, None, unit=unit, note=note)]
    # an episode open at the end of one return is in the next too, with its end: keep the latest
    sw = (sw.dropna(subset=["child", "sw_decom"]).sort_values("source_year", kind="stable")
          .drop_duplicates(["child", "sw_id", "sw_decom"], keep="last"))
    held = sw[(sw["sw_decom"] <= census(year)) & (sw["sw_dec"].isna() | (sw["sw_dec"] >= year_start(year)))]
    worker = held["sw_id"].astype("string").fillna("episode " + held["sw_decom"].astype("string"))
    count = worker.groupby(held["child"]).nunique()
    cla = data.cla(year)
    workers = cla["child"].map(count).fillna(0)
    k, n = int((workers >= 3).sum()), len(cla)
    return [row(ind, "stability", year, pct(k, n), k, n, unit)]

