"""The report's section on the council beside its published self and beside similar councils:
a reconciliation of every computed figure with the council's figure as the DfE publishes it
(differences beyond a stated tolerance flagged, with the usual reasons), and a benchmarks table
of the latest year (the council, its statistical neighbours, its region and England, with the
council's rank); and the same figures in long form for the workbook.

The council's computed figures keep the report's disclosure control (`suppressed` in the
indicator frame); the DfE's published figures are public and shown as published.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..indicators.benchmarks import Tolerance, compare
from ..reference import published as pub
from ..store import Store
from ..vocab import year_label as fy
from .content import Section, Table
from .suppress import MARK, shown

REASONS = ("Usual reasons for a difference: a different return loaded (the DfE publishes the return as "
           "submitted by its deadline; a return loaded later, or resubmitted, holds corrections), later "
           "corrections to children's records (merged or removed children, changed dates), and definitions "
           "(see Definitions and sources; a look-back figure needs the returns of earlier years).")


def published_section(store: Store, fig, la_code: str | None, parameters=None) -> Section | None:
    """The section 'Beside the published figures and similar councils' from the report's
    (suppressed) indicator frame `fig.frame`; None when the DfE publishes nothing for the years."""
    tol = Tolerance.from_parameters(parameters)
    b = _masked(compare(fig.frame, la_code, fig.years, tol), fig.frame)
    if b.empty:
        return None
    last = max(fig.years)
    s = Section("published", "Beside the published figures and similar councils")
    s.text = _about(store, la_code, b, tol, last)
    both = b[b["council"].notna() & (b["published"].notna() | (b["symbol"] != ""))]
    if len(both):
        s.tables.append(_reconciliation(both))
    s.tables.append(_benchmarks(b[b["year"] == last], last, la_code))
    return s


def _masked(b: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """`b` with a `hidden` column: the council's computed figure is suppressed in the report."""
    keys = ["indicator", "category", "year"]
    hidden = frame.sort_values("dimension", kind="stable").drop_duplicates(keys).set_index(keys)["suppressed"]
    idx = pd.MultiIndex.from_frame(b[keys])
    return b.assign(hidden=hidden.reindex(idx).fillna(False).astype(bool).to_numpy())


def _about(store: Store, la_code: str | None, b: pd.DataFrame, tol: Tolerance, last: int) -> list[str]:
    text = []
    if store.meta().get("synthetic"):
        text.append("This council's figures are computed from synthetic returns (generated, not real children); "
                    "the published figures beside them are the real council's, as the DfE publishes them.")
    code = pub.find(la_code)
    if code is None:
        text.append("The DfE publishes no figures under this council's code, so only England is shown.")
        return text
    near = [pub.area_name(c) for c in pub.neighbours(code)]
    text.append(
        f"Published figures are the DfE's for {pub.area_name(code)}. "
        + (f"Statistical neighbours are the ten councils the DfE groups with it (April 2021): {', '.join(near)}; "
           "their figure is the mean of those published. " if near else
           "The DfE's statistical neighbour groupings (April 2021) predate this council, so no neighbours are shown. ")
        + f"The region is {pub.area_name(pub.region_of(code))}. Rank 1 is the best of the councils with a figure, "
          "by whether a higher figure is better or worse; a figure for which higher is neither better nor worse (a "
          "number of children, a rate in care) is not ranked.")
    both = b[b["flag"].fillna(False).astype(bool) & ~b["hidden"]]
    text.append(
        f"A computed figure is flagged when it differs from the published one by more than {tol.describe()} "
        f"(the parameters reconciliation.tolerance_points and reconciliation.tolerance_share). "
        f"{_count(len(both))} beyond that in the years loaded. {REASONS}")
    text.append("Social workers are counted by the DfE's workforce census on 30 September, shown in the year to "
                f"31 March that holds it (in {fy(last)}: 30 September {last - 1}). New placements are those that "
                "started in the year, not the children placed on 31 March.")
    text.append(f"Sources ({pub.licence().split(',')[0]}): " + "; ".join(dict.fromkeys(
        [*b["source"], pub.source_title("New_Statistical_Neighbour_Groupings_April_2021")])) + ".")
    return text


def _count(n: int) -> str:
    return "No figure is" if n == 0 else "One figure is" if n == 1 else f"{n} figures are"


def _label(r) -> str:
    return r.title if r.category == "all" else f"{r.title} ({r.category})"


def _published(r) -> str:
    return r.symbol if pd.isna(r.published) and r.symbol else shown(r.published, False, r.unit)


def _difference(r) -> str:
    if r.hidden:
        return MARK
    if pd.isna(r.difference):
        return ":"
    if r.difference == 0:
        return "0"
    if r.unit == "percent":
        return f"{r.difference:+.1f} points"
    whole = r.unit == "count" and float(r.difference).is_integer() or abs(r.difference) >= 10
    return f"{r.difference:+,.0f}" if whole else f"{r.difference:+,.1f}"


def _reconciliation(b: pd.DataFrame) -> Table:
    rows = [[_label(r), fy(r.year), shown(r.council, r.hidden, r.unit), _published(r), _difference(r),
             "" if r.hidden or pd.isna(r.flag) else ("yes" if r.flag else "no")] for r in b.itertuples()]
    return Table("Computed from the returns beside the DfE's published figure",
                 ["Indicator", "Year", "Computed", "Published", "Difference", "Beyond tolerance"], rows,
                 name="reconciliation")


def _benchmarks(b: pd.DataFrame, year: int, la_code: str | None) -> Table:
    rows = []
    for r in b.itertuples():
        rank = "" if pd.isna(r.rank) else f"{r.rank} of {r.of}"
        rows.append([_label(r), "" if np.isnan(r.council) else shown(r.council, r.hidden, r.unit), _published(r),
                     _mean(r.neighbours, r.unit), shown(r.region, False, r.unit),
                     shown(r.england, False, r.unit), rank])
    return Table(f"This council beside its statistical neighbours, its region and England, {fy(year)}",
                 ["Indicator", "Computed", "Published", "Statistical neighbours (mean)", "Region", "England",
                  "Rank (1 = best)"], rows, name="benchmarks")


def _mean(v: float, unit: str) -> str:
    if pd.isna(v):
        return ":"
    return shown(round(v) if unit == "count" and v >= 100 else round(v, 1), False, unit)


def published_sheet(frame: pd.DataFrame, la_code: str | None, years, parameters=None) -> pd.DataFrame:
    """The report's comparison in long form for the workbook (indicators.benchmarks.COLUMNS),
    the council's suppressed figures and their differences shown as MARK."""
    b = _masked(compare(frame, la_code, years, Tolerance.from_parameters(parameters)), frame)
    for col in ("council", "difference", "flag"):
        b[col] = b[col].astype(object).where(~b["hidden"], MARK)
    return b.drop(columns="hidden")
