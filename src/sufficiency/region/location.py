"""Where the region's children live on 31 March, and the flows between its councils.

    live = where(data, 2025)    # council, category, place ('own council', 'elsewhere in region',
                                #   'outside region', 'not known'), host, children
    flows(live)                 # home council x host council: children, in a wide table
    matrix_suppressed(table)    # disclosure control of a table of counts with totals

A child's home council is the council that looks after it; the host is the council of the
placement's postcode (`pl_council`, worked out by the home council from the full postcode).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..report.suppress import SMALL
from .indicators import RegionData

PLACES = ("own council", "elsewhere in region", "outside region", "not known")
OUTSIDE, UNKNOWN = "outside region", "not known"


def where(data: RegionData, year: int) -> pd.DataFrame:
    """One row per child looked after on 31 March `year` in any council imported."""
    region = data.region()
    cla = region.cla(year)
    members = {m.code for m in data.agreement.councils}
    home = cla["child"].str.split(":", n=1).str[0]
    host = cla["pl_council"].astype(object)
    place = np.select([host.isna().to_numpy(bool), (host == home).to_numpy(bool),
                       host.isin(members).to_numpy(bool)], [UNKNOWN, "own council", "elsewhere in region"], OUTSIDE)
    host_label = np.where(host.isna(), UNKNOWN, np.where(host.isin(members), host, OUTSIDE))
    return pd.DataFrame({"council": home.to_numpy(), "category": cla["category"].to_numpy(), "place": place,
                         "host": host_label}).reset_index(drop=True)


def by_council(live: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Children by home council (rows, in `codes` order) and where they live (columns)."""
    t = live.groupby(["council", "place"]).size().unstack(fill_value=0)
    return t.reindex(index=codes, columns=list(PLACES), fill_value=0)


def by_category(live: pd.DataFrame, categories: list[str]) -> pd.DataFrame:
    """Children by placement category (rows) and whether they live in the region (columns)."""
    inside = live["place"].map({"own council": "in region", "elsewhere in region": "in region"}).fillna(live["place"])
    t = live.assign(where=inside).groupby(["category", "where"]).size().unstack(fill_value=0)
    return t.reindex(index=categories, columns=["in region", OUTSIDE, UNKNOWN], fill_value=0)


def flows(live: pd.DataFrame, codes: list[str], members: list[str]) -> pd.DataFrame:
    """Children by home council (rows: the councils imported) and host council (columns: the
    region's member councils, then outside region and not known)."""
    t = live.groupby(["council", "host"]).size().unstack(fill_value=0)
    return t.reindex(index=codes, columns=[*members, OUTSIDE, UNKNOWN], fill_value=0)


def placed_in(live: pd.DataFrame, members: list[str]) -> pd.Series:
    """Children each member council hosts for other councils of the region."""
    other = live[(live["host"] != live["council"]) & live["host"].isin(members)]
    return other.groupby("host").size().reindex(members, fill_value=0)


def matrix_suppressed(counts: pd.DataFrame) -> pd.DataFrame:
    """Which cells of a table of counts to hide when its row and column totals are shown:
    counts of 1 to 4 (primary), then, in any row or column with exactly one hidden cell, the
    smallest other non-zero count (secondary), until no row or column has just one."""
    values = counts.to_numpy(float)
    hidden = (values >= SMALL[0]) & (values <= SMALL[1])
    changed = True
    while changed:
        changed = False
        for grid, mask in ((values, hidden), (values.T, hidden.T)):
            for i in range(grid.shape[0]):
                if mask[i].sum() == 1:
                    free = np.where(~mask[i] & (grid[i] > 0))[0]
                    if len(free):
                        mask[i, free[np.argmin(grid[i, free])]] = True
                        changed = True
    return pd.DataFrame(hidden, index=counts.index, columns=counts.columns)
