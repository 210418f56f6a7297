"""Placement distance and locality, the DfE way.

PL_DISTANCE is the straight line between the grid references of the home and placement
postcodes, in miles to 1 d.p.: sqrt(dE^2 + dN^2) / 1000 / 1.6093 (`reference.postcodes.miles`).
A postcode may be full ("LS1 4AP") or a sector ("LS1 4", located at the centroid of its
postcodes). PL_LA is the upper-tier council (current ONS code) the placement postcode lies in,
and the placement is inside the council when that is the council's own code. A blank, malformed
or unknown postcode gives NaN / <NA>, never an error.

    placement_distances(episodes["home_post"], episodes["pl_post"], "E08000035")
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..reference.postcodes import directory, miles

COLUMNS = ["pl_distance", "pl_council", "placed_inside_la", "home_kind", "pl_kind"]


def locate(values: pd.Series) -> pd.DataFrame:
    """kind (full, sector, blank, malformed), easting, northing, council for each row.

    Each distinct text is looked up once (a million episodes have a few thousand postcodes).
    """
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    found = directory().locate(pd.Series(np.asarray(uniques, dtype=object), dtype="string"))
    # one extra slot at the end for blanks
    kind = np.append(found["kind"].to_numpy(object), "blank")
    east = np.append(found["easting"].to_numpy(float), np.nan)
    north = np.append(found["northing"].to_numpy(float), np.nan)
    council = np.append(found["council"].astype(object).to_numpy(object), None)
    take = np.where(codes < 0, len(kind) - 1, codes)
    return pd.DataFrame({
        "kind": pd.array(kind[take], dtype="string"),
        "easting": east[take], "northing": north[take],
        "council": pd.array(council[take], dtype="string"),
    }, index=values.index, copy=False)


def placement_distances(home_post: pd.Series, pl_post: pd.Series, la_code: str | None,
                        home: pd.DataFrame | None = None) -> pd.DataFrame:
    """pl_distance (miles), pl_council, placed_inside_la, home_kind, pl_kind for each row.

    `home` may be `locate(home_post)` already computed (as when the council was inferred).
    placed_inside_la is <NA> where the placement is not located or no council is given.
    """
    home = locate(home_post) if home is None else home
    place = locate(pl_post)
    council = place["council"].array
    unknown = council.isna()
    inside = ((council == la_code).to_numpy(bool, na_value=False) if la_code
              else np.zeros(len(council), bool))
    return pd.DataFrame({
        "pl_distance": miles(home["easting"].to_numpy(), home["northing"].to_numpy(),
                             place["easting"].to_numpy(), place["northing"].to_numpy()),
        "pl_council": council,
        "placed_inside_la": pd.arrays.BooleanArray(inside, unknown | (not la_code)),
        "home_kind": home["kind"].to_numpy(),
        "pl_kind": place["kind"].array,
    }, index=pl_post.index, copy=False)


def infer_council(home_post: pd.Series | None = None,
                  home: pd.DataFrame | None = None) -> str | None:
    """The council most home postcodes lie in (None if none is located).

    Pass the raw postcodes, or `home=locate(home_post)` to reuse a lookup.
    """
    if home is None:
        home = locate(home_post if home_post is not None else pd.Series([], dtype="string"))
    codes, councils = pd.factorize(home["council"].array)
    if not len(councils):
        return None
    counts = np.bincount(codes[codes >= 0], minlength=len(councils))
    top = councils[counts == counts.max()]
    return str(min(top))  # a tie goes to the lowest code, so the answer is stable
