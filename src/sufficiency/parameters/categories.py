"""Placement categories: which PLACE and PLACE_PROVIDER codes count as which kind of placement.

The map is data (`data/placement_categories.yaml`); a council may pass its own. `assign`
is vectorised over arrays of codes, so it labels millions of episodes at once.

Code never names a category: it asks for the categories with a role (ROLES), so a council's
map with other ids, merged or split categories, works through indicators, forecast, reforms
and report:

    cats.select("foster", without=("kinship",))    # fostering with strangers: in-house, agency
    cats.first("residential", "external")          # the first external children's home category
    cats.resolve("role:residential+external")      # a reform's name for categories: an id or roles
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
ROLES = {
    "foster": "foster care (kinship or not)",
    "kinship": "with family or friends (connected persons): where kinship-first reforms send children",
    "residential": "children's homes and secure homes",
    "inhouse": "the council's own (or another public body's) places, filled first up to its capacity",
    "external": "bought from private or voluntary providers, where children go when in-house places are full",
}
ROLE_PREFIX = "role:"


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    description: str
    place: tuple[str, ...]
    provider: tuple[str, ...] | None  # None: any provider
    roles: frozenset[str] = frozenset()
    cost: str = ""  # the parameter of its weekly cost (default costs.weekly.<id>)

    @property
    def cost_parameter(self) -> str:
        return self.cost or f"costs.weekly.{self.id}"


@dataclass(frozen=True)
class PlacementCategories:
    categories: tuple[Category, ...]
    default: str
    file: str

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def label(self, category: str) -> str:
        return self.get(category).label

    def labels(self) -> dict[str, str]:
        return {c.id: c.label for c in self.categories}

    def get(self, category: str) -> Category:
        for c in self.categories:
            if c.id == category:
                return c
        raise KeyError(f"unknown placement category {category!r}")

    def select(self, *roles: str, without: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Ids of the categories that have every one of `roles` and none of `without`, in map order."""
        unknown = (set(roles) | set(without)) - set(ROLES)
        if unknown:
            raise KeyError(f"unknown role(s) {', '.join(sorted(unknown))}; one of {', '.join(ROLES)}")
        return tuple(c.id for c in self.categories if set(roles) <= c.roles and not set(without) & c.roles)

    def first(self, *roles: str, without: tuple[str, ...] = ()) -> str | None:
        """The first category with `roles` (and none of `without`), or None when the map has none."""
        found = self.select(*roles, without=without)
        return found[0] if found else None

    def resolve(self, name: str) -> tuple[str, ...]:
        """A category's id as itself, or `role:a+b+!c` as every category with roles a and b and
        not c (empty when none has them). Raises KeyError for an unknown id or role."""
        if not name.startswith(ROLE_PREFIX):
            self.get(name)
            return (name,)
        parts = [r.strip() for r in name[len(ROLE_PREFIX):].split("+") if r.strip()]
        want = tuple(r for r in parts if not r.startswith("!"))
        avoid = tuple(r[1:] for r in parts if r.startswith("!"))
        return self.select(*want, without=avoid)

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

    @classmethod
    def from_data(cls, data, file: str) -> PlacementCategories:
        """A map from the mapping a YAML file of the same shape holds (a store keeps the map it
        was loaded with this way); `file` names it in messages."""
        return _parse(data, file)


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
        unknown = set(c) - {"id", "label", "description", "place", "provider", "roles", "cost"}
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
                             tuple(p.strip().upper() for p in place), provider, _roles(c.get("roles", []), where),
                             str(c.get("cost", "")).replace("/", ".")))
    default = str(data.get("default", cats[-1].id))
    if default not in {c.id for c in cats}:
        raise SchemaError(f"{file}: default: {default!r} is not one of the categories")
    return PlacementCategories(tuple(cats), default, file)


def _roles(raw, where: str) -> frozenset[str]:
    if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
        raise SchemaError(f"{where}.roles: expected a list of roles among {', '.join(ROLES)}")
    unknown = sorted(set(raw) - set(ROLES))
    if unknown:
        raise SchemaError(f"{where}.roles: unknown role(s) {', '.join(unknown)}; one of {', '.join(ROLES)}")
    return frozenset(raw)
