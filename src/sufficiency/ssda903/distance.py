"""Placement distance and locality, the DfE way: PL_DISTANCE is the straight line between the
grid references of the home and placement postcodes, in miles to 1 d.p.; the placement is
inside the council when its postcode lies in the council's area (upper tier, current ONS codes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..reference.postcodes import directory, miles


def _locate_unique(values: pd.Series) -> pd.DataFrame:
    """Locate each distinct postcode once, then spread back to every row."""
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    found = directory().locate(pd.Series(uniques, dtype="string"))
    taken = found.iloc[np.where(codes < 0, 0, codes)].reset_index(drop=True) if len(found) else None
    out = pd.DataFrame(index=values.index)
    if taken is None:
        out["kind"] = pd.Series("blank", index=values.index, dtype="string")
        out["easting"] = out["northing"] = np.nan
        out["council"] = pd.Series(pd.NA, index=values.index, dtype="string")
        return out
    blank = codes < 0
    out["kind"] = pd.Series(np.where(blank, "blank", taken["kind"].to_numpy(object)), index=values.index, dtype="string")
    out["easting"] = np.where(blank, np.nan, taken["easting"].to_numpy(float))
    out["northing"] = np.where(blank, np.nan, taken["northing"].to_numpy(float))
    out["council"] = pd.Series(np.where(blank, None, taken["council"].to_numpy(object)), index=values.index, dtype="string")
    return out


def placement_distances(home_post: pd.Series, pl_post: pd.Series, la_code: str | None) -> pd.DataFrame:
    """pl_distance (miles), pl_council, placed_inside_la, home_kind, pl_kind for each row."""
    home, place = _locate_unique(home_post), _locate_unique(pl_post)
    inside = (place["council"] == la_code) if la_code else pd.Series(pd.NA, index=pl_post.index, dtype="boolean")
    return pd.DataFrame(
        {
            "pl_distance": miles(home["easting"], home["northing"], place["easting"], place["northing"]),
            "pl_council": place["council"],
            "placed_inside_la": inside.astype("boolean").where(place["council"].notna()),
            "home_kind": home["kind"],
            "pl_kind": place["kind"],
        },
        index=pl_post.index,
    )


def infer_council(home_post: pd.Series) -> str | None:
    """The council most children's home postcodes lie in."""
    located = _locate_unique(home_post)["council"].dropna()
    return None if located.empty else str(located.value_counts().index[0])
