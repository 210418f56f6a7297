"""Supply: the children's homes, secure children's homes and independent fostering agencies Ofsted
registers, by council, from Ofsted's provider-level data (Open Government Licence).

    supply = providers()                         # the shipped cut of the release at 31 March 2023
    supply = providers("providers_2024.csv")     # a newer year's file, as Ofsted publishes it
    by_council(supply.frame, ["E08000001"])      # homes, places by sector, owners, fostering agencies

The shipped cut (data/ofsted_providers.csv, its source in data/ofsted_providers.yaml) holds one
row per provider of the three kinds: urn, kind, council (ONS code of the council the provider is
in), sector (local authority, private, voluntary, other), places (children's homes only: Ofsted
gives no places for a fostering agency) and owner. scripts/cut_ofsted_providers.py cuts it
from Ofsted's file with `read_ofsted`, the reader a user's newer file goes through.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..reference.authorities import authorities
from ..yamlfile import read_yaml

HOME, SECURE, AGENCY = "children's home", "secure children's home", "fostering agency"
KINDS = {"children's home": HOME, "secure children's home": SECURE, "independent fostering agency": AGENCY}
SECTORS = ("local authority", "private", "voluntary")
COLUMNS = ["urn", "kind", "council", "sector", "places", "owner"]
FIELDS = {"URN": "urn", "Provision type": "kind", "Local authority": "council_name", "Sector": "sector",
          "Places": "places", "Organisation which owns the provider": "owner"}
_DROP = {"city", "of", "county", "the"}


@dataclass(frozen=True)
class Supply:
    frame: pd.DataFrame  # COLUMNS
    as_of: str  # the date the providers are registered at, e.g. "31 March 2023"
    source: str  # the release and its licence, for the report


def _key(name: str) -> str:
    """A council's name reduced so Ofsted's and the DfE's spellings meet ('Bristol' and 'Bristol,
    City of'; 'St Helens' and 'St. Helens'; 'Durham' and 'County Durham')."""
    words = re.sub(r"[^a-z ]", " ", name.lower().replace("&", " and ")).split()
    return " ".join(w for w in words if w not in _DROP)


@cache
def _codes() -> dict[str, str]:
    return {_key(a.name): code for code, a in authorities().items()}


def _header(path: Path) -> tuple[int, str]:
    """The line number of the header (Ofsted puts title lines above it) and the first title line."""
    title = ""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for i, row in enumerate(csv.reader(fh)):
            if "URN" in row and "Provision type" in row:
                return i, title
            if i == 0 and row:
                title = row[0].strip()
            if i > 20:
                break
    raise InputError(f"{path} is not Ofsted's provider-level data: no header row with 'URN' and 'Provision type' "
                     "in its first 20 lines.")


def read_ofsted(path: str | Path) -> Supply:
    """Ofsted's provider-level file (title lines, then a header with URN, Provision type, Local
    authority, Sector, Places, Organisation which owns the provider): its children's homes,
    secure children's homes and fostering agencies, each council's name turned into its code.
    Providers in a council the shipped councils do not name keep a blank council."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} does not exist: give Ofsted's provider-level CSV file.")
    line, title = _header(path)
    raw = pd.read_csv(path, skiprows=line, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    missing = [c for c in FIELDS if c not in raw.columns]
    if missing:
        raise InputError(f"{path} lacks the column(s) {', '.join(missing)} of Ofsted's provider-level data.")
    f = raw[list(FIELDS)].rename(columns=FIELDS)
    f["kind"] = f["kind"].str.strip().str.lower().map(KINDS)
    f = f[f["kind"].notna()].copy()
    f["council"] = f["council_name"].map(lambda n: _codes().get(_key(n), ""))
    sector = f["sector"].str.strip().str.lower()
    f["sector"] = sector.where(sector.isin(SECTORS), "other")
    places = pd.to_numeric(f["places"].str.strip().replace("", None), errors="coerce")
    bad = f["places"].str.strip().ne("") & places.isna()
    if bad.any():
        row = f[bad].iloc[0]
        raise InputError(f"{path}: provider {row['urn']} has places {row['places']!r}, not a number.")
    f["places"] = places.fillna(0).astype(int)
    f["owner"] = f["owner"].str.strip()
    found = re.search(r"(\d{1,2} \w+ \d{4})", title)
    return Supply(f[COLUMNS].reset_index(drop=True), found.group(1) if found else path.name,
                  f"Ofsted, {title or path.name} (Open Government Licence)")


@cache
def _shipped() -> Supply:
    data = resources.files(__package__).joinpath("data")
    meta = read_yaml(data.joinpath("ofsted_providers.yaml"))
    with data.joinpath("ofsted_providers.csv").open("rb") as fh:
        frame = pd.read_csv(fh, dtype=str, keep_default_na=False)
    frame["places"] = frame["places"].astype(int)
    return Supply(frame[COLUMNS], str(meta["as_of"]), f"{meta['release']} ({meta['licence']}; {meta['attribution']})")


def providers(path: str | Path | None = None) -> Supply:
    """The shipped cut (no `path`), or a newer year's Ofsted file read with `read_ofsted`."""
    if path is None:
        s = _shipped()
        return Supply(s.frame.copy(), s.as_of, s.source)
    return read_ofsted(path)


def by_council(frame: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """For each council of `codes` (rows, in order): homes, places, places by sector (local
    authority, private, voluntary, other), owners (distinct), secure homes and their places,
    and fostering agencies."""
    f = frame[frame["council"].isin(codes)]
    homes, secure = f[f["kind"] == HOME], f[f["kind"] == SECURE]
    out = pd.DataFrame(index=pd.Index(codes, name="council"))
    out["homes"] = homes.groupby("council").size()
    out["places"] = homes.groupby("council")["places"].sum()
    for sector in (*SECTORS, "other"):
        out[f"places_{sector.replace(' ', '_')}"] = homes[homes["sector"] == sector].groupby("council")["places"].sum()
    out["owners"] = homes.groupby("council")["owner"].nunique()
    out["secure_homes"] = secure.groupby("council").size()
    out["secure_places"] = secure.groupby("council")["places"].sum()
    out["fostering_agencies"] = f[f["kind"] == AGENCY].groupby("council").size()
    return out.fillna(0).astype(int)
