"""Reforms across a region, as data: each a council reform (reforms/schema.py) whose capacity is
the region's, split between the councils by a stated rule.

    plan = load_regional("regional-reforms.yaml", data)     # data: a RegionData
    plan.reforms[0].splits    # {change index: 'need' or {ONS code: capacity}}
    split = capacity_split(plan, need, children)             # the table of who gets what
    council_reform(plan.reforms[0], code, split)             # the reform one council runs

The file:

    region: Greater Manchester            # optional: refused if it is not the store's region
    scenarios:                            # each compared on its own with the baseline
      - name: Regional block contract
        changes:
          - kind: block_contract
            beds: 12                      # the region's beds
            from: 2026-04-01
            split: need                   # the default; or {Bolton: 4, Wigan: 8}
        costs: [...]                      # as in a council reform

Capacity is what a block contract reserves (`beds`), homes open (`homes`) and a recruitment hub
approves (`households_per_year`). `split: need` gives each council a part in proportion to its
forecast need of that placement type: the children its baseline forecast puts there (the block
contract's category; children's homes; fostering with strangers), the mean over runs and over
the month ends from the change's start to the horizon. Beds and homes are whole: the parts are
rounded by the largest remainder, so they add up to the region's. A mapping names each council's
part (by name or ONS code) and must add up to the region's capacity; a council it does not name
gets none. A council not in the regional store is refused. Every other change applies to every
council as written. A cost counted per home, household or child follows the council's own; any
other cost is the region's, split in proportion to the places each council gets (beds; homes
times beds; households times places per household), or, for a reform that adds no places, to
each council's forecast children looked after.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ..parameters import PlacementCategories
from ..reforms.kinds import BlockContract, FosterRecruitment, ResidentialHomes
from ..reforms.schema import Reform, parse_reform
from ..yamlfile import read_yaml
from .indicators import RegionData

CAPACITY = {"block_contract": "beds", "residential_homes": "homes", "foster_recruitment": "households_per_year"}
WHOLE = {"beds", "homes"}
LABELS = {"beds": "beds", "homes": "homes", "households_per_year": "households a year"}
TOP_KEYS = {"region", "description", "scenarios"}


@dataclass
class RegionalReform:
    reform: Reform  # as written: the capacity is the region's
    splits: dict[int, str | dict[str, float]]  # change index -> 'need' or {ONS code: capacity}


@dataclass
class RegionalPlan:
    file: str
    region: str | None
    description: str
    reforms: list[RegionalReform]


def load_regional(path: str | Path, data: RegionData) -> RegionalPlan:
    """A regional reform file, checked against the councils in `data`; errors name the file and key."""
    if not Path(path).exists():
        raise SchemaError(f"regional reform file {path} does not exist")
    return parse_regional(read_yaml(path), str(path), data)


def parse_regional(raw, file: str, data: RegionData) -> RegionalPlan:
    if not isinstance(raw, dict) or not isinstance(raw.get("scenarios"), list) or not raw["scenarios"]:
        raise SchemaError(f"{file}: a regional reform file is a mapping with `scenarios`, a list of reforms")
    extra = sorted(set(raw) - TOP_KEYS)
    if extra:
        raise SchemaError(f"{file}: {extra[0]}: unknown key; the keys are {', '.join(sorted(TOP_KEYS))}")
    region = raw.get("region")
    if region is not None and str(region).lower() != data.agreement.region.lower():
        raise SchemaError(f"{file}: region: the file is for {region}, but {data.path} holds {data.agreement.region}")
    out, names = [], set()
    for i, body in enumerate(raw["scenarios"]):
        r = _reform(body, f"{file}: scenarios[{i}]", file, data)
        if r.reform.name in names or r.reform.name == "baseline":
            raise SchemaError(f"{file}: scenarios[{i}].name: two scenarios are called {r.reform.name!r}")
        names.add(r.reform.name)
        out.append(r)
    return RegionalPlan(file, region, str(raw.get("description", "")), out)


def _reform(body, where: str, file: str, data: RegionData) -> RegionalReform:
    if not isinstance(body, dict):
        raise SchemaError(f"{where}: a reform is a mapping with name, description and changes")
    changes = body.get("changes") if isinstance(body.get("changes"), list) else []
    splits, plain = {}, []
    for j, ch in enumerate(changes):
        if isinstance(ch, dict) and "split" in ch:
            if ch.get("kind") not in CAPACITY:
                raise SchemaError(f"{where}.changes[{j}].split: only a change that adds places is split between "
                                  f"councils ({', '.join(CAPACITY)}); {ch.get('kind')!r} applies to every council")
            splits[j] = ch["split"]
            ch = {k: v for k, v in ch.items() if k != "split"}
        plain.append(ch)
    try:
        reform = parse_reform({**body, "changes": plain} if changes else body, file, PlacementCategories.load())
    except SchemaError as exc:
        raise SchemaError(str(exc).replace(f"{file}: ", f"{where}.")) from None
    for j, ch in enumerate(reform.changes):
        if ch.kind not in CAPACITY:
            continue
        if isinstance(ch, FosterRecruitment) and ch.households_per_year is None:
            raise SchemaError(f"{where}.changes[{j}].households_per_year: a regional hub recruits a stated number of "
                              "households a year: give it (it is split between the councils)")
        splits[j] = _split(splits.get(j, "need"), getattr(ch, CAPACITY[ch.kind]), CAPACITY[ch.kind],
                           f"{where}.changes[{j}].split", data)
    return RegionalReform(reform, splits)


def _split(given, total: float, what: str, where: str, data: RegionData) -> str | dict[str, float]:
    """'need', or {ONS code: capacity} checked: councils in the store, whole beds and homes, adding up."""
    if given == "need":
        return "need"
    if not isinstance(given, dict) or not given:
        raise SchemaError(f"{where}: give `need` or each council's {what} (council: number)")
    held = {c.lower(): c for c in data.codes} | {data.name(c).lower(): c for c in data.codes}
    out: dict[str, float] = {}
    for key, v in given.items():
        code = held.get(str(key).strip().lower())
        if code is None:
            raise SchemaError(f"{where}: {key} is not a council in {data.path} (councils there: "
                              f"{', '.join(data.name(c) for c in data.codes)}); import its share first or leave it out.")
        if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or (what in WHOLE and v != int(v)):
            raise SchemaError(f"{where}.{key}: {v!r} is not a {'whole ' if what in WHOLE else ''}number of {what} "
                              "at or above 0")
        out[code] = out.get(code, 0.0) + float(v)
    if not np.isclose(sum(out.values()), total):
        raise SchemaError(f"{where}: the councils' {what} add up to {sum(out.values()):g}, not the {total:g} of the "
                          "change")
    return out


def need_categories(change, categories) -> tuple[str, ...]:
    """The placement categories whose forecast children are a council's need for a change's places."""
    if isinstance(change, BlockContract):
        return categories.resolve(change.category)
    if isinstance(change, ResidentialHomes):
        return categories.select("residential")
    return categories.select("foster", without=("kinship",))


def largest_remainder(total: float, weights: dict[str, float], whole: bool) -> dict[str, float]:
    """`total` in proportion to `weights` (equal parts when every weight is 0); whole numbers adding
    up to `total` by the largest remainder when `whole`, ties to the first."""
    keys = list(weights)
    w = np.array([max(weights[k], 0.0) for k in keys], float)
    w = w / w.sum() if w.sum() > 0 else np.full(len(keys), 1.0 / len(keys))
    exact = total * w
    if not whole:
        return dict(zip(keys, exact.tolist(), strict=True))
    parts = np.floor(exact + 1e-9)
    left = int(round(total - parts.sum()))
    for i in np.argsort(-(exact - parts), kind="stable")[:left]:
        parts[i] += 1
    return dict(zip(keys, parts.tolist(), strict=True))


def _places(change, capacity: float) -> float:
    if isinstance(change, ResidentialHomes):
        return capacity * change.beds_per_home
    if isinstance(change, FosterRecruitment):
        return capacity * change.places_per_household
    return capacity


def capacity_split(plan: RegionalPlan, need: dict[str, dict[int, dict[str, float]]],
                   children: dict[str, float]) -> pd.DataFrame:
    """Who gets what: scenario, change, kind, what, council, need, share, capacity, places, rule.
    `need`: scenario -> change index -> {code: forecast children of that placement type};
    `children`: {code: forecast children looked after} (the rule for a reform's own costs when it
    adds no places)."""
    rows = []
    for r in plan.reforms:
        for j, rule in r.splits.items():
            ch = r.reform.changes[j]
            what = CAPACITY[ch.kind]
            total = float(getattr(ch, what))
            by_need = need[r.reform.name][j]
            parts = largest_remainder(total, by_need, what in WHOLE) if rule == "need" else \
                {c: rule.get(c, 0.0) for c in by_need}
            text = "in proportion to forecast need" if rule == "need" else "named in the file"
            rows += [{"scenario": r.reform.name, "change": j, "kind": ch.kind, "what": LABELS[what], "council": c,
                      "need": by_need[c], "share": parts[c] / total if total else 0.0, "capacity": parts[c],
                      "places": _places(ch, parts[c]), "rule": text} for c in by_need]
        if not r.splits:
            total = sum(children.values())
            rows += [{"scenario": r.reform.name, "change": -1, "kind": "", "what": "", "council": c, "need": v,
                      "share": v / total if total else 1.0 / len(children), "capacity": 0.0, "places": 0.0,
                      "rule": "no places: its own costs in proportion to forecast children looked after"}
                     for c, v in children.items()]
    return pd.DataFrame(rows, columns=["scenario", "change", "kind", "what", "council", "need", "share", "capacity",
                                       "places", "rule"])


def cost_shares(split: pd.DataFrame, scenario: str) -> dict[str, float]:
    """Each council's part of a scenario's costs not counted per home, household or child: its
    share of the places (or, with none, of the forecast children looked after)."""
    s = split[split["scenario"] == scenario]
    weight = s.groupby("council", sort=False)["places"].sum()
    if weight.sum() <= 0:
        weight = s.groupby("council", sort=False)["share"].sum()
    return (weight / weight.sum()).to_dict() if weight.sum() > 0 else {c: 1.0 / len(weight) for c in weight.index}


def council_reform(r: RegionalReform, code: str, split: pd.DataFrame) -> Reform:
    """The reform `code` runs: its part of each split change, its part of the region's own costs."""
    s = split[(split["scenario"] == r.reform.name) & (split["council"] == code)].set_index("change")
    changes = []
    for j, ch in enumerate(r.reform.changes):
        if j in r.splits:
            part = float(s.loc[j, "capacity"])
            ch = ch.model_copy(update={CAPACITY[ch.kind]: int(part) if CAPACITY[ch.kind] in WHOLE else part})
        changes.append(ch)
    share = cost_shares(split, r.reform.name)[code]
    costs = [c if c.per else c.model_copy(update={"count": c.count * share}) for c in r.reform.costs]
    return r.reform.model_copy(update={"changes": changes, "costs": costs})
