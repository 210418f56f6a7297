"""The council beside its published self and the benchmarks a board expects.

    ind = compute_all("la.duckdb")
    b = benchmark(ind)      # one row per indicator, category and year the DfE publishes

Columns: indicator, category ('all' for a headline figure; '17 to 18' or '19 to 21' for care
leavers, which the DfE publishes by age group only), year (ending 31 March), council (the value
computed from the council's returns; NaN where none is computed), published (the council's
figure as the DfE publishes it), difference (council - published), neighbours (the MEAN of the
published figures of the council's ten statistical neighbours, DfE groupings of April 2021, those
with a figure that year; neighbours_n says how many), region (the DfE's figure for the council's
region), england, rank and of (the council's published figure ranked among every council with a
figure that year, 1 = best by the indicator's `higher_is`, ties sharing the better rank; no rank
where higher_is is neutral), flag (the difference is beyond the tolerance; NA where either figure
is missing), tolerance (the largest difference not flagged, in the indicator's unit), unit,
higher_is, title, symbol (the DfE's mark where the council's figure is not published: c, x, z,
low, u) and source (the DfE release and file).

Measures the DfE publishes with no computed indicator of the same definition (new placements'
location, the social work workforce) have rows with no `council` value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..parameters import Parameters, load_parameters
from ..reference import published as pub
from . import Indicators, catalogue

__all__ = ["benchmark", "compare", "Tolerance", "COLUMNS"]

COLUMNS = ["indicator", "category", "year", "council", "published", "difference", "neighbours", "region",
           "england", "rank", "of", "flag", "tolerance", "neighbours_n", "unit", "higher_is", "title", "symbol",
           "source"]
POINTS, SHARE = "reconciliation.tolerance_points", "reconciliation.tolerance_share"


@dataclass(frozen=True)
class Tolerance:
    """How far a computed figure may be from the published one before it is flagged: `points`
    (percentage points) for percentages, `share` (of the published figure) for counts, rates
    and averages; `reason`: why, from the parameters' notes."""

    points: float
    share: float
    reason: str = ""

    @classmethod
    def from_parameters(cls, parameters: Parameters | None = None) -> Tolerance:
        """The latest values of reconciliation.tolerance_points and _share."""
        p = parameters or load_parameters()
        points, share = p.get(POINTS).values[-1], p.get(SHARE).values[-1]
        return cls(points.value, share.value, " ".join(n for n in (points.note, share.note) if n))

    def limit(self, unit: str, published: float) -> float:
        """The largest difference from `published` that is not flagged."""
        return self.points if unit == "percent" else self.share * abs(published)

    def describe(self) -> str:
        return (f"{self.points:g} percentage points for a percentage; {100 * self.share:g}% of the published "
                "figure for a count, rate or average")


def benchmark(ind: Indicators, *, tolerance: Tolerance | None = None,
              parameters: Parameters | None = None) -> pd.DataFrame:
    """The council's computed indicators beside its published figures, its statistical
    neighbours', its region's and England's, for every year loaded (see the module's docstring)."""
    return compare(ind.frame, ind.la_code, ind.years, tolerance or Tolerance.from_parameters(parameters))


def compare(frame: pd.DataFrame, la_code: str | None, years, tolerance: Tolerance) -> pd.DataFrame:
    """As `benchmark`, from an indicator frame (indicator, category, year, value), the council's
    ONS code (None: no council figures, no neighbours, no region) and the years to show."""
    figs = pub.figures()
    figs = figs[figs["year"].isin([int(y) for y in years])]
    wide = figs.pivot_table(index=["indicator", "category", "year"], columns="la_code", values="value",
                            aggfunc="first", dropna=False)
    keys = figs[["indicator", "category", "year"]].drop_duplicates()
    out = _describe(keys)
    index = pd.MultiIndex.from_frame(out[["indicator", "category", "year"]])
    wide = wide.reindex(index)
    councils = [c for c in pub.councils() if c in wide.columns]
    code = pub.find(la_code)
    out["council"] = _computed(frame, index)
    out["published"] = _column(wide, code)
    near = [c for c in (pub.neighbours(code) if code else []) if c in wide.columns]
    out["neighbours"] = wide[near].mean(axis=1).to_numpy() if near else np.nan
    out["neighbours_n"] = wide[near].notna().sum(axis=1).to_numpy() if near else 0
    out["region"] = _column(wide, pub.region_of(code) if code else None)
    out["england"] = _column(wide, pub.ENGLAND)
    out["rank"], out["of"] = _rank(wide[councils], out["higher_is"].to_numpy(), code)
    out["difference"] = out["council"] - out["published"]
    out["tolerance"] = [tolerance.limit(u, p) if not np.isnan(p) else np.nan
                        for u, p in zip(out["unit"], out["published"], strict=True)]
    beyond = out["difference"].abs() > out["tolerance"]
    out["flag"] = pd.array(beyond.where(out["difference"].notna() & out["tolerance"].notna()), dtype="boolean")
    symbols = figs[figs["la_code"] == code].set_index(["indicator", "category", "year"])["symbol"]
    out["symbol"] = symbols.reindex(index).fillna("").to_numpy() if code else ""
    return out[COLUMNS].reset_index(drop=True)


def _describe(keys: pd.DataFrame) -> pd.DataFrame:
    """The keys in catalogue order (then the published-only measures), with title, unit,
    higher_is and source."""
    cat = catalogue()[["indicator", "title", "unit", "higher_is"]]
    about = pd.concat([cat, pub.measures()[["indicator", "title", "unit", "higher_is"]]], ignore_index=True)
    about["order"] = range(len(about))
    out = keys.merge(about, on="indicator", how="inner")
    tables = pub.figures().drop_duplicates("indicator").set_index("indicator")["source"]
    out["source"] = [pub.source_title(tables[i]) for i in out["indicator"]]
    return out.sort_values(["order", "category", "year"]).drop(columns="order").reset_index(drop=True)


def _computed(frame: pd.DataFrame, index: pd.MultiIndex) -> np.ndarray:
    """The computed value for each (indicator, category, year) of `index` (NaN where none)."""
    f = frame.sort_values("dimension", kind="stable")  # a headline ('') before any breakdown
    f = f.drop_duplicates(["indicator", "category", "year"]).set_index(["indicator", "category", "year"])
    return pd.to_numeric(f["value"], errors="coerce").reindex(index).to_numpy(float)


def _column(wide: pd.DataFrame, code: str | None) -> np.ndarray:
    if code is None or code not in wide.columns:
        return np.full(len(wide), np.nan)
    return wide[code].to_numpy(float)


def _rank(values: pd.DataFrame, higher_is: np.ndarray, code: str | None) -> tuple[pd.array, pd.array]:
    """The council's rank (1 = best by higher_is) among the councils with a figure, and how many."""
    n = len(values)
    rank = np.full(n, np.nan)
    of = values.notna().sum(axis=1).to_numpy(float)
    if code is not None and code in values.columns:
        for direction, ascending in (("better", False), ("worse", True)):
            rows = higher_is == direction
            if rows.any():
                r = values[rows].rank(axis=1, ascending=ascending, method="min")
                rank[rows] = r[code].to_numpy(float)
    of[higher_is == "neutral"] = np.nan
    return pd.array(rank, dtype="Int64"), pd.array(of, dtype="Int64")
