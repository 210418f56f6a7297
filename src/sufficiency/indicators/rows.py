"""The indicators' tidy rows: their columns, one row, a percentage, a breakdown."""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["indicator", "family", "year", "dimension", "category", "value", "numerator", "denominator", "unit",
           "note"]


def row(indicator: str, family: str, year: int, value, numerator=None, denominator=None,
        unit: str = "count", dimension: str = "", category: str = "all", note: str = "") -> dict:
    """One tidy row; `note` says why a value is missing (e.g. the returns loaded are too few)."""
    v = float(value) if value is not None and not (isinstance(value, float) and np.isnan(value)) else np.nan
    return {"indicator": indicator, "family": family, "year": int(year), "dimension": dimension,
            "category": category, "value": v, "numerator": numerator, "denominator": denominator, "unit": unit,
            "note": note}


def pct(num: int, den: int) -> float:
    return 100.0 * num / den if den else np.nan


def breakdown(indicator: str, family: str, year: int, values: pd.Series, dimension: str,
              order: list[str]) -> list[dict]:
    """Counts of each category (all of `order`, zeros included) and their share of the total."""
    counts = values.value_counts()
    total = int(len(values))
    return [row(indicator, family, year, int(counts.get(c, 0)), int(counts.get(c, 0)), total,
                "count", dimension, c) for c in order]
