"""England's published headline figures, shipped as dated facts with their source
(data/england.yaml), to show beside a council's own indicators."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from ..yamlfile import read_yaml


@cache
def _england() -> pd.DataFrame:
    data = read_yaml(resources.files(__package__).joinpath("data", "england.yaml"))
    rows = [{"indicator": ind, "year": int(y), "value": float(v), "unit": f["unit"], "source": f["source"]}
            for ind, f in data["facts"].items() for y, v in f["values"].items()]
    return pd.DataFrame(rows)


def england() -> pd.DataFrame:
    """One row per indicator and year: indicator, year, value, unit, source."""
    return _england().copy()
