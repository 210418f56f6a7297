"""Settings a scrutiny board watches: supported (independent or semi-independent) accommodation
for 16 and 17 year olds, any child under 16 placed in it, and other placements (the code
unregistered placements are returned under) with those where a child may be deprived of liberty.

Supported accommodation is PLACE P2 (independent living) and H5 (semi-independent living not
subject to children's homes regulations) until 2024/25, and K3 (supported accommodation
registered with Ofsted) from 2024/25 (903 guide, placement type codes; the years each code is
valid are in ssda903/schema/codes.yaml). The DfE's "Looked after children aged 16 to 17 in
independent or semi-independent placements" counts those aged 16 or 17 on 31 March in such a
placement, as a share of all children looked after aged 16 or 17 on 31 March. Placing a child
under 16 there has been unlawful since 9 September 2021 (Care Planning, Placement and Case
Review (England) Regulations 2010, reg. 27A): a local measure counts children who were under 16
on any day of such a placement in the year.
Other placements are Z1 until 2024/25 and, from 2025/26, Z11 to Z14, of which Z12 and Z13 are
placements where the child may be deprived of liberty; before 2025/26 the 903 does not say,
and that measure has no value and a note.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..ssda903.schema import default_schema
from ..store import StoreData
from ..vocab import census, year_label, year_start
from .rows import breakdown, pct, row

SUPPORTED = {"P2": "independent living", "H5": "semi-independent living",
             "K3": "supported accommodation registered with Ofsted"}
OTHER = ("Z1", "Z11", "Z12", "Z13", "Z14")
DEPRIVED_OF_LIBERTY = ("Z12", "Z13")


def settings(data: StoreData, year: int) -> list[dict]:
    cla = data.cla(year)
    older = cla[cla["age"].between(16, 17).fillna(False).to_numpy(bool)]
    inside = older["place"].map(SUPPORTED)
    k, n = int(inside.notna().sum()), len(older)
    out = [row("supported_16_17", "settings", year, k, k, n),
           row("pct_16_17_supported", "settings", year, pct(k, n), k, n, "percent")]
    out += breakdown("supported_16_17", "settings", year, inside.dropna(), "placement", list(SUPPORTED.values()))
    ep = _in_year(data.tables["episodes"], year)
    during = int(ep["child"].nunique())
    young = _under_16(ep[ep["place"].isin(list(SUPPORTED))], data.tables["children"], year)
    out.append(row("under_16_supported", "settings", year, young, young, during))
    other_now = int(cla["place"].isin(OTHER).sum())
    other = int(ep.loc[ep["place"].isin(OTHER), "child"].nunique())
    out += [row("other_placements_31_march", "settings", year, other_now, other_now, len(cla)),
            row("other_placements_during", "settings", year, other, other, during)]
    return out + [_deprived_of_liberty(ep, year, during)]


def _in_year(ep: pd.DataFrame, year: int) -> pd.DataFrame:
    """Episodes open on any day of the year."""
    hit = (ep["decom"] <= census(year)) & (ep["dec"].isna() | (ep["dec"] >= year_start(year)))
    return ep[hit.fillna(False).to_numpy(bool)]


def _under_16(ep: pd.DataFrame, children: pd.DataFrame, year: int) -> int:
    """Children under 16 on some day of one of `ep` (episodes open in the year) within the year."""
    dob = pd.to_datetime(ep["child"].map(children.drop_duplicates("child").set_index("child")["dob"]))
    sixteen = dob + pd.DateOffset(years=16)
    first = np.maximum(ep["decom"].to_numpy("datetime64[ns]"), np.datetime64(year_start(year), "ns"))
    young = (sixteen.to_numpy("datetime64[ns]") > first) & dob.notna().to_numpy(bool)
    return int(ep.loc[young, "child"].nunique())


def _deprived_of_liberty(ep: pd.DataFrame, year: int, during: int) -> dict:
    place = default_schema().codelist("PLACE")
    ind = "deprivation_of_liberty_during"
    if not any(place.codes[c].valid_in(year) for c in DEPRIVED_OF_LIBERTY):
        first = min(place.codes[c].from_year for c in DEPRIVED_OF_LIBERTY)
        note = (f"the 903 records placements where a child may be deprived of liberty from "
                f"{year_label(first)} (Z12, Z13); earlier returns code them Z1")
        return row(ind, "settings", year, None, note=note)
    k = int(ep.loc[ep["place"].isin(DEPRIVED_OF_LIBERTY), "child"].nunique())
    return row(ind, "settings", year, k, k, during)
