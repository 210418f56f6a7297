"""English local authorities: codes, names, published CLA figures, and district -> council.

Shipped tables are cut from DfE and ONS open data by scripts/build_reference_data.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from ..errors import InputError


def _data(name: str) -> pd.DataFrame:
    with resources.files(__package__).joinpath("data", name).open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


# ONS re-coded two councils after boundary changes in 2024; DfE tables still use the old codes.
# Postcodes (ONSPD Nov 2025) carry the new ones. Current code <- code in DfE tables.
RECODED = {"E08000016": "E08000038", "E08000019": "E08000039"}  # Barnsley, Sheffield


@dataclass(frozen=True)
class Authority:
    code: str  # current ONS code of the upper-tier council, e.g. E08000035
    old_code: str  # DfE three-digit LA number, e.g. 383
    name: str
    region: str
    facts: dict[str, int]  # e.g. {"cla_2025": 1498, "starts_2025": 458, ...}; absent if suppressed
    dfe_code: str = ""  # the code DfE's tables use, where it differs from `code`

    def fact(self, measure: str, year: int) -> int | None:
        return self.facts.get(f"{measure}_{year}")


@cache
def authorities() -> dict[str, Authority]:
    frame = _data("local_authorities.csv")
    out = {}
    for row in frame.to_dict("records"):
        facts = {
            k: int(v) for k, v in row.items() if k[-4:].isdigit() and v.isdigit()
        }
        code = RECODED.get(row["la_code"], row["la_code"])
        out[code] = Authority(code, row["old_la_code"], row["la_name"], row["region"], facts,
                              dfe_code=row["la_code"])
    return out


def find_authority(name_or_code: str) -> Authority:
    """Find a council by ONS code, DfE number or name (case-insensitive)."""
    key = name_or_code.strip().lower()
    for la in authorities().values():
        if key in (la.code.lower(), la.dfe_code.lower(), la.old_code, la.name.lower()):
            return la
    close = [la.name for la in authorities().values() if key[:4] in la.name.lower()]
    hint = f" Did you mean {', '.join(close[:3])}?" if close else ""
    raise InputError(f"No English local authority is called {name_or_code!r}.{hint}")


@cache
def district_to_council() -> dict[str, str]:
    """Lower-tier district code -> upper-tier council code (ONS April 2023, England and Wales)."""
    frame = _data("ltla_utla.csv")
    lookup = dict(zip(frame["ltla_code"], frame["utla_code"], strict=True))
    for old, new in RECODED.items():
        lookup[new] = new
        lookup[old] = new
    return lookup
