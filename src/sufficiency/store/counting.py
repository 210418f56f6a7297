"""The counting rules every stage shares: which rows are open on a day, who is looked after on
31 March, who was looked after during a year. Pure functions of the store's tables; the days
and ages come from vocab.py."""

from __future__ import annotations

import pandas as pd

from ..vocab import age_on, census, year_start


def open_on(rows: pd.DataFrame, day: pd.Timestamp, *, start: str = "decom", end: str = "dec") -> pd.DataFrame:
    """Rows (episodes, or placements with start="start", end="end") open on `day`: started on
    or before it and not ended before it, one per child (the latest start). A row closed by
    cleaning at the end of the data (end_censored) was open on its end day; one with a real
    end on the day was not."""
    open_ = (rows[start] <= day) & (rows[end].isna() | (rows[end] > day)
                                    | (rows["end_censored"] & (rows[end] == day)))
    hit = rows[open_.fillna(False).to_numpy(bool)]
    return hit.sort_values(["child", start]).drop_duplicates("child", keep="last")


def cla(episodes: pd.DataFrame, children: pd.DataFrame, year: int) -> pd.DataFrame:
    """Children looked after on 31 March of `year`: their open episode, with dob, uasc and age."""
    day = census(year)
    ep = open_on(episodes, day)
    kids = children.drop_duplicates("child").set_index("child")
    ep = ep.assign(dob=ep["child"].map(kids["dob"]), uasc=ep["child"].map(kids["uasc"]).fillna(False))
    ep["age"] = age_on(pd.to_datetime(ep["dob"]), day)
    return ep


def looked_after_during(episodes: pd.DataFrame, year: int) -> pd.Index:
    """Children with an episode open on any day of the year ending 31 March `year`."""
    hit = (episodes["decom"] <= census(year)) & (episodes["dec"].isna() | (episodes["dec"] >= year_start(year)))
    return pd.Index(episodes.loc[hit.fillna(False).to_numpy(bool), "child"].unique())
