"""The DfE's published figures for every council, its region and England, and each council's
statistical neighbours: shipped reference data (data/published.csv.gz, data/published_areas.csv,
sources in data/published.yaml; Open Government Licence), cut from the DfE's open data files by
scripts/build_reference_data.py.

    council("E08000035")        # Leeds' published figures: one row per indicator, category, year
    neighbours("E08000035")     # its ten statistical neighbours (ONS codes), closest first
    region_of("E08000035")      # "E12000003" (Yorkshire and The Humber)
    region("E12000003"); england()
    figures()                   # every area's figures (councils, regions, England)

Each figure has: la_code (the area's code in the DfE's files), indicator (an id of
indicators/catalogue.yaml where the definitions match, else one of published.yaml's `measures`),
category ('all' for a headline figure, '17 to 18' or '19 to 21' for care leavers), year (ending
31 March), value (as published: percentages rounded by the DfE), numerator, denominator, symbol
(the DfE's mark where the value is not published: c suppressed, x not available, z not
applicable, low rounds to zero, u low reliability; the value is then missing, never 0) and
source (the DfE file).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from ..errors import InputError
from ..yamlfile import read_yaml
from .authorities import RECODED

__all__ = ["figures", "council", "councils", "dfe_code", "find", "neighbours", "region_of", "region", "england", "area_name",
           "measures", "source_title", "licence", "ENGLAND"]

ENGLAND = "E92000001"
REGIONS = {"E12000001": "North East", "E12000002": "North West", "E12000003": "Yorkshire and The Humber",
           "E12000004": "East Midlands", "E12000005": "West Midlands", "E12000006": "East of England",
           "E12000007": "London", "E12000008": "South East", "E12000009": "South West"}
_DFE_CODE = {new: old for old, new in RECODED.items()}  # current ONS code -> the code DfE files use


@cache
def _figures() -> pd.DataFrame:
    with resources.files(__package__).joinpath("data", "published.csv.gz").open("rb") as fh:
        f = pd.read_csv(fh, compression="gzip", dtype={"la_code": str, "indicator": str, "category": str,
                                                       "symbol": str, "source": str}, keep_default_na=False,
                        na_values={"value": [""], "numerator": [""], "denominator": [""]})
    for col in ("value", "numerator", "denominator"):
        f[col] = pd.to_numeric(f[col]).astype(float)
    f["year"] = f["year"].astype(int)
    return f


@cache
def _areas() -> pd.DataFrame:
    with resources.files(__package__).joinpath("data", "published_areas.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False).set_index("la_code")


@cache
def _meta() -> dict:
    return read_yaml(resources.files(__package__).joinpath("data", "published.yaml"))


def figures() -> pd.DataFrame:
    """Every published figure of every council, region and England."""
    return _figures().copy()


def dfe_code(code: str) -> str:
    """The code the DfE's files use for the council `code` (current ONS code or DfE's own)."""
    code = _DFE_CODE.get(code, code)
    if code not in _areas().index:
        raise InputError(f"The DfE publishes no figures for a council with code {code!r} "
                         "(give the council's ONS code, e.g. E08000035 for Leeds).")
    return code


def _of(area: str) -> pd.DataFrame:
    f = _figures()
    return f[f["la_code"] == area].reset_index(drop=True)


def find(code: str | None) -> str | None:
    """The code the DfE's files use for the council `code`, or None if they have no such council."""
    code = _DFE_CODE.get(code or "", code)
    return code if code in _areas().index else None


def council(code: str) -> pd.DataFrame:
    """The council's published figures (its current ONS code or the code in the DfE's files)."""
    return _of(dfe_code(code))


def neighbours(code: str) -> list[str]:
    """The council's ten statistical neighbours (DfE groupings, April 2021) by the codes the
    DfE's files use, closest first; empty for a council the groupings predate (Cumberland,
    Westmorland and Furness)."""
    return _areas().loc[dfe_code(code), "neighbours"].split()


def region_of(code: str) -> str:
    """The code of the council's region (London for Inner and Outer London councils)."""
    return str(_areas().loc[dfe_code(code), "region_code"])


def region(region_code: str) -> pd.DataFrame:
    """The region's published figures (the DfE's regional rows)."""
    if region_code not in REGIONS:
        raise InputError(f"{region_code!r} is not the code of an English region ({', '.join(REGIONS)}).")
    return _of(region_code)


def england() -> pd.DataFrame:
    """England's published figures."""
    return _of(ENGLAND)


def area_name(code: str) -> str:
    """The name of a council, region or England."""
    if code == ENGLAND:
        return "England"
    if code in REGIONS:
        return REGIONS[code]
    return str(_areas().loc[dfe_code(code), "la_name"])


def councils() -> list[str]:
    """Every council in the DfE's files (codes as the files use them)."""
    return list(_areas().index)


def measures() -> pd.DataFrame:
    """The published measures with no computed indicator: indicator, title, unit, higher_is,
    definition, field."""
    return pd.DataFrame([{"indicator": k, **v} for k, v in _meta()["measures"].items()])


def source_title(table: str) -> str:
    """'<release>: <file>' for a DfE file named in the `source` column."""
    t = _meta()["tables"][table]
    return f"{t['release']} ({table}.csv, {t['href']})"


def licence() -> str:
    return str(_meta()["licence"])
