"""A synthetic council beside the council's own published figures, measured with the real code.

The returns are loaded as a council's would be (pipeline.load: read, validate, clean into a
store) and measured by the indicators the report shows (indicators.compute_all, the DfE's
definitions); the location of new placements, which no indicator gives yet, is counted here
from the store's episodes as the DfE's "Location of new placements during the year" table
counts it. Targets are the council's published figures for the same year (synth/targets.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from .targets import target

NEW_PLACEMENT = ("S", "P", "B", "T", "U")  # an episode starting a placement (RNE), not L
# target measure: (label, indicator or new-placement share, age group, tolerance, relative)
MEASURES = {
    "cla": ("children looked after on 31 March", "cla_31_march", "", 0.12, True),
    "starts": ("started to be looked after", "started", "", 0.15, True),
    "ceased": ("ceased to be looked after", "ceased", "", 0.25, True),
    "pct_3plus_placements": ("% with 3 or more placements in the year", "pct_3plus_placements", "", 3.0, False),
    "pct_3plus_placements_2_years": ("% with 3 or more placements in 2 years", "pct_3plus_placements_2_years",
                                     "", 6.0, False),
    "pct_long_term_stability": ("% long-term stability (same carer 2 years)", "pct_long_term_stability", "",
                                5.0, False),
    "care_leavers_17_18": ("care leavers aged 17-18", "care_leavers", "17 to 18", 0.25, True),
    "care_leavers_19_21": ("care leavers aged 19-21", "care_leavers", "19 to 21", 0.25, True),
    "pct_suitable_17_18": ("% care leavers 17-18 in suitable accommodation", "pct_suitable_accommodation",
                           "17 to 18", 6.0, False),
    "pct_suitable_19_21": ("% care leavers 19-21 in suitable accommodation", "pct_suitable_accommodation",
                           "19 to 21", 5.0, False),
    "new_placements": ("new placements in the year", "new:total", "", 0.25, True),
    "pct_new_outside_far": ("% new placements outside the council, over 20 miles", "new:outside_far", "",
                            4.0, False),
    "pct_new_outside_near": ("% new placements outside the council, 20 miles or less", "new:outside_near", "",
                             4.0, False),
}


def new_placements(episodes: pd.DataFrame, year: int) -> dict[str, float]:
    """Placements starting in the collection year ending 31 March `year` (episodes with RNE S,
    P, B, T or U): how many, and the % outside the council more and less than 20 miles from
    home (of all of them, distance not known included, as the DfE's table)."""
    start, end = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
    ep = episodes[episodes["decom"].between(start, end) & episodes["rne"].isin(NEW_PLACEMENT)]
    n = len(ep)
    known = ep["pl_distance"].notna() & ep["placed_inside_la"].notna()
    outside = known & (ep["placed_inside_la"] == False)  # noqa: E712 (nullable)
    far = ep["pl_distance"] > 20
    return {"new:total": float(n),
            "new:outside_far": 100 * float((outside & far).sum()) / max(n, 1),
            "new:outside_near": 100 * float((outside & ~far).sum()) / max(n, 1)}


def measured(returns: Path, la_code: str, years: range) -> dict[tuple[str, int], float]:
    """(indicator or new-placement key, year) -> value, of the returns in folder `returns`."""
    from ..indicators import compute_all
    from ..pipeline import load
    from ..store import StoreData

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "synthetic.duckdb"
        load(returns, db, la_code=la_code)
        data = StoreData.read(db)
    frame = compute_all(data, years=list(years)).frame
    out: dict[tuple[str, int], float] = {}
    for _, indicator, group, _, _ in MEASURES.values():
        if indicator.startswith("new:"):
            continue
        dim = "age_group" if group else ""
        rows = frame[(frame["indicator"] == indicator) & (frame["dimension"] == dim)]
        if group:
            rows = rows[rows["category"] == group]
        for r in rows.itertuples(index=False):
            out[(f"{indicator}|{group}", int(r.year))] = float(r.value)
    for y in years:
        for key, value in new_placements(data.tables["episodes"], y).items():
            out[(f"{key}|", y)] = value
    return out


def rows(values: dict[tuple[str, int], float], area: str, name: str, years: range) -> list[dict]:
    """Table rows: measure, year, synthetic, target, tolerance, ok (council-published years only)."""
    out = []
    for measure, (label, indicator, group, tol, relative) in MEASURES.items():
        for y in years:
            t = target(area, measure, y, england=False)
            value = values.get((f"{indicator}|{group}", y))
            if t is None or t.year != y or value is None or pd.isna(value):
                continue
            limit = tol * t.value if relative else tol
            out.append({"measure": f"{label} ({name})", "key": measure, "year": y,
                        "synthetic": round(value, 1), "target": t.value,
                        "tolerance": f"±{tol:.0%}" if relative else f"±{tol:g} points",
                        "ok": bool(abs(value - t.value) <= limit)})
    return out
