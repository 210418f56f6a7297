"""Placement categories: which PLACE and PLACE_PROVIDER codes count as which kind of placement.

The map is data (`data/placement_categories.yaml`); a council may pass its own. `assign`
is vectorised over arrays of codes, so it labels millions of episodes at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import SchemaError
from ..yamlfile import read_yaml

PROVIDERS = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    description: str
    place: tuple[str, ...]
    provider: tuple[str, ...] | None  # None: any provider


@dataclass(frozen=True)
class PlacementCategories:
    categories: tuple[Category, ...]
    default: str
    file: str

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def label(self, category: str) -> str:
        for c in self.categories:
            if c.id == category:
                return c.label
        raise KeyError(f"unknown placement category {category!r}")

    def labels(self) -> dict[str, str]:
        return {c.id: c.label for c in self.categories}

    def assign(self, place, provider) -> np.ndarray:
        """The category of each (PLACE, PLACE_PROVIDER) pair; the first matching rule wins and
        codes no rule names (or blanks) fall to the default category."""
        place = np.asarray(place, dtype=object)
        provider = np.asarray(provider, dtype=object)
        if place.shape != provider.shape:
            raise ValueError("place and provider must have the same length")
        ids, pair = self._of_pairs(place.ravel(), provider.ravel())
        return ids.astype(str)[pair].reshape(place.shape)

    def assign_column(self, place, provider):
        """`assign` for two columns of a table (pandas Series, text or object): the category
        of each row as a text column with the same index, built in Arrow (several times faster
        for a store's hundreds of thousands of rows than a column of Python strings)."""
        import pandas as pd
        import pyarrow as pa

        if len(place) != len(provider):
            raise ValueError("place and provider must have the same length")
        ids, pair = self._of_pairs(place, provider)
        return pd.Series(pa.array(ids.tolist(), pa.string()).take(pa.array(pair)), dtype="str", index=place.index)

    def _of_pairs(self, place, provider) -> tuple[np.ndarray, np.ndarray]:
        """(category of each distinct (PLACE, PLACE_PROVIDER) pair, the pair of each row). The
        rules run on the distinct pairs once: a return has a few dozen pairs over thousands of
        rows."""
        import pandas as pd

        pc, pu = pd.factorize(place, use_na_sentinel=False)
        qc, qu = pd.factorize(provider, use_na_sentinel=False)
        n_q = max(len(qu), 1)
        code = pc.astype(np.int64) * n_q + qc
        seen = np.zeros(max(len(pu), 1) * n_q, dtype=bool)
        seen[code] = True
        pairs = np.flatnonzero(seen)
        number = np.full(len(seen), -1, dtype=np.int64)
        number[pairs] = np.arange(len(pairs))
        place_s = _clean(np.asarray(pu, dtype=object)[pairs // n_q])
        prov_s = _clean(np.asarray(qu, dtype=object)[pairs % n_q])
        out = np.full(place_s.shape, self.default, dtype=object)
        done = np.zeros(place_s.shape, dtype=bool)
        for c in self.categories:
            hit = np.isin(place_s, c.place) & ~done
            if c.provider is not None:
                hit &= np.isin(prov_s, c.provider)
            out[hit] = c.id
            done |= hit
        return out, number[code]

    @classmethod
    def load(cls, path: str | Path | None = None) -> PlacementCategories:
        """The built-in map, or a council's own YAML file of the same shape."""
        if path is None:
            return _built_in()
        file = Path(path)
        if not file.is_file():
            raise SchemaError(f"placement category file {file} does not exist")
        return _parse(read_yaml(file), str(file))


@functools.cache
def _built_in() -> PlacementCategories:
    """The built-in map, read once a process (it is frozen)."""
    ref = resources.files("sufficiency.parameters") / "data" / "placement_categories.yaml"
    return _parse(read_yaml(Path(str(ref))), str(ref))


def _clean(values: np.ndarray) -> np.ndarray:
    import pandas as pd

    s = pd.Series(values, dtype="object").astype("string").str.strip().str.upper().fillna("")
    return s.to_numpy(dtype=object)


def _parse(data, file: str) -> PlacementCategories:
    if not isinstance(data, dict):
        raise SchemaError(f"{file}: expected a mapping with description, categories and default")
    unknown = set(data) - {"description", "categories", "default"}
    if unknown:
        raise SchemaError(f"{file}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    raw = data.get("categories")
    if not isinstance(raw, list) or not raw:
        raise SchemaError(f"{file}: categories: expected a list of categories")
    cats: list[Category] = []
    for i, c in enumerate(raw):
        where = f"{file}: categories[{i}]"
        if not isinstance(c, dict):
            raise SchemaError(f"{where}: expected a mapping with id, label and place")
        unknown = set(c) - {"id", "label", "description", "place", "provider"}
        if unknown:
            raise SchemaError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        for key in ("id", "label", "place"):
            if key not in c:
                raise SchemaError(f"{where}: missing key {key!r}")
        cid = str(c["id"])
        if not cid.isidentifier():
            raise SchemaError(f"{where}.id: {cid!r} must be a plain name (letters, digits, _)")
        if any(cid == k.id for k in cats):
            raise SchemaError(f"{where}.id: {cid!r} appears twice")
        place = c["place"]
        if not isinstance(place, list) or not all(isinstance(p, str) for p in place):
            raise SchemaError(f"{where}.place: expected a list of PLACE codes")
        provider = c.get("provider")
        if provider is not None:
            if not isinstance(provider, list) or not set(map(str, provider)) <= set(PROVIDERS):
                raise SchemaError(f"{where}.provider: expected a list of codes among {', '.join(PROVIDERS)}")
            provider = tuple(map(str, provider))
        cats.append(Category(cid, str(c["label"]), str(c.get("description", "")),
                             tuple(p.strip().upper() for p in place), provider))
    default = str(data.get("default", cats[-1].id))
    if default not in {c.id for c in cats}:
        raise SchemaError(f"{file}: default: {default!r} is not one of the categories")
    return PlacementCategories(tuple(cats), default, file)
