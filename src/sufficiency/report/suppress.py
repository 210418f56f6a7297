"""Disclosure control for anything a person might publish.

Primary suppression: a count of 1 to 4 is shown as "c", and so is any percentage, rate, cost or
average whose numerator or denominator is 1 to 4 (it would let a reader work the count back).
Zero is shown: it discloses nobody. Secondary suppression: where a breakdown (one indicator, year
and dimension) has exactly one suppressed cell, its total would give it away by subtraction, so
the next smallest non-zero cell is suppressed too. This follows the DfE's practice for children
looked after statistics (counts under 5 shown as "c"; see its methodology, "Confidentiality").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SMALL = (1, 4)
MARK = "c"
SECONDARY = ("Some counts of 5 or more are also shown as c: where a table hides only one small count, the "
             "next smallest is hidden too, so that the small one cannot be worked out from the total.")


def _small(values: pd.Series) -> pd.Series:
    v = pd.to_numeric(values, errors="coerce")
    return (v >= SMALL[0]) & (v <= SMALL[1])


def suppress(frame: pd.DataFrame) -> pd.DataFrame:
    """The indicator frame with a boolean column `suppressed` (values stay; showing them is the
    renderer's business, which prints MARK). Counts in a breakdown get secondary suppression."""
    f = frame.copy()
    count = f["unit"] == "count"
    primary = (_small(f["numerator"]).fillna(False) | _small(f["denominator"]).fillna(False)).to_numpy(bool)
    # a count with no numerator given is its own numerator
    primary |= (count & f["numerator"].isna() & _small(f["value"]).fillna(False)).to_numpy(bool)
    f["suppressed"] = primary
    # secondary, within breakdowns of counts and costs
    groups = f[(f["dimension"] != "") & f["unit"].isin(["count", "gbp_week", "gbp_year"])]
    for _, g in groups.groupby(["indicator", "year", "dimension"], sort=False):
        hidden = f.loc[g.index, "suppressed"]
        if int(hidden.sum()) == 1:
            size = pd.to_numeric(g["numerator"].where(g["numerator"].notna(), g["value"]), errors="coerce")
            candidates = size[(~hidden) & (size > 0)]
            if len(candidates):
                f.loc[candidates.idxmin(), "suppressed"] = True
    f["suppressed"] = f["suppressed"].astype(bool)
    return f


def shown(value, suppressed: bool, unit: str) -> str:
    """A value as text for a table, or MARK."""
    if suppressed:
        return MARK
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ":"  # DfE's mark for not available
    if unit == "percent":
        return f"{value:.0f}%"
    if unit in ("gbp_week", "gbp_year"):
        return money(value)
    if unit == "rate_per_10k":
        return f"{value:.0f}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def money(v: float) -> str:
    """An amount of money as a reader takes it in: £2.3m, £886k, £950."""
    if abs(v) >= 1e6:
        return f"£{v / 1e6:,.1f}m"
    if abs(v) >= 1e4:
        return f"£{v / 1e3:,.0f}k"
    return f"£{v:,.0f}"
