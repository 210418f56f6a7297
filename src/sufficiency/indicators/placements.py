"""Where children live on 31 March: placement category and provider, and distance from home and
inside or outside the council.

DfE definitions ("Children looked after in England including adoptions", methodology and the
placement location tables; "Children looked after: a focus on placement location"): distance
is the straight line between the home and placement postcodes; the percentages are of all
children looked after on 31 March, so a distance that is not known (mostly unaccompanied
asylum-seeking children, who have no home postcode) stays in the denominator; short breaks
(V3, V4) are excluded. Location groups the placement as the DfE does: inside or outside the
council's boundary, by 20 miles or less or more than 20 miles from home, or not known.
Stability is in `stability.py`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store import StoreData
from .rows import breakdown, pct, row
from .stability import stability

PROVIDERS = {"PR1": "own provision", "PR2": "other council", "PR3": "other public",
             "PR4": "private", "PR5": "voluntary", "PR0": "parents"}
LOCATIONS = ["inside the council, 20 miles or less", "inside the council, more than 20 miles",
             "outside the council, 20 miles or less", "outside the council, more than 20 miles",
             "not known"]


def placements(data: StoreData, year: int, spells: pd.DataFrame) -> list[dict]:
    """Placement, provider, location and stability on 31 March (`spells`: carer spells)."""
    cla = data.cla(year)
    n = len(cla)
    out = breakdown("placement_category", "placements", year, cla["category"], "placement_category",
                    list(data.categories.ids))
    out += breakdown("placement_provider", "placements", year,
                     cla["place_provider"].map(PROVIDERS).fillna("not recorded"), "provider",
                     [*PROVIDERS.values(), "not recorded"])
    kin = int(cla["category"].isin(data.categories.select("kinship")).sum())
    out.append(row("pct_kinship", "placements", year, pct(kin, n), kin, n, "percent"))
    out += location(year, cla)
    out += stability(data, year, cla, spells)
    return out


def location(year: int, cla: pd.DataFrame) -> list[dict]:
    """Distance and boundary of the placements on 31 March, each as a share of all children."""
    n = len(cla)
    distance = cla["pl_distance"]
    far = (distance > 20).fillna(False).to_numpy(bool)
    outside = (cla["placed_inside_la"] == False).fillna(False).to_numpy(bool)  # noqa: E712 (nullable)
    inside = (cla["placed_inside_la"] == True).fillna(False).to_numpy(bool)  # noqa: E712 (nullable)
    known = distance.notna().to_numpy(bool) & (inside | outside)
    group = np.select([known & inside & ~far, known & inside & far, known & outside & ~far,
                       known & outside & far], LOCATIONS[:4], LOCATIONS[4])
    k_far, k_out, k_both = int(far.sum()), int(outside.sum()), int((outside & far).sum())
    unknown = int(distance.isna().sum())
    return [
        row("pct_over_20_miles", "location", year, pct(k_far, n), k_far, n, "percent"),
        row("pct_outside_la", "location", year, pct(k_out, n), k_out, n, "percent"),
        row("pct_outside_la_over_20_miles", "location", year, pct(k_both, n), k_both, n, "percent"),
        *breakdown("placement_location", "location", year, pd.Series(group, dtype=object), "location",
                   LOCATIONS),
        row("distance_not_known", "location", year, unknown, unknown, n),
    ]
