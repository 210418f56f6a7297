"""Reforms as data: what a plan changes, from when, how fast, read strictly from YAML.

    name: Family Help
    description: Multi-disciplinary help in the community keeps children safely at home.
    source: {title: "Stable Homes, Built on Love (2023)", href: "https://www.gov.uk/..."}
    changes:
      - kind: entries
        change_percent: -8
        from: 2026-04-01
        ramp_months: 24

Every change has `kind`, `from` (the date it starts) and `ramp_months` (how long it takes to
reach full effect, growing in a straight line; 0: at once). The kinds:

- entries: entries to care change by `change_percent` (Family Help, edge of care).
- hazard: the rate of moving from `from_categories` (placement categories, or `any`) to `to`
  (placement categories or exits: home, special_guardianship, adoption, other) is multiplied
  by `factor` (reunification: to home; special guardianship; step-down from residential to
  fostering).
- kinship_first: `share` of new foster placements (entries and moves into in-house or agency
  fostering) are made with family instead.
- foster_recruitment: `households_per_year` more in-house foster households, each with
  `places_per_household` places, of whom `leavers_percent` stop each year; and retention:
  `fewer_leavers_points` fewer of today's places lost each year (percentage points), kept.
- residential_homes: `homes` more in-house homes of `beds_per_home` beds (Small Group Living:
  2), opening one every `stagger_months`, at `weekly_cost_per_bed` (default: the in-house
  residential unit cost).
- block_contract: `beds` reserved with an external provider for `category` at `weekly_price`,
  paid whether filled or not; `local` beds are within 20 miles.
- price: the weekly price of `categories` changes by `change_percent` (regional commissioning);
  `far_percent_points` moves the share of those placements more than 20 miles from home.
- agency_cap: agency social workers at most `max_agency_percent` of the workforce;
  `converted_percent` of the agency posts cut become permanent posts (the rest stay vacant).

A file that is wrong in any way (an unknown key, a bad date, a negative number of beds, a
placement category the council's map does not have) fails with a SchemaError naming the file
and the key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import SchemaError
from ..forecast.states import EXITS
from ..yamlfile import read_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Source(_Strict):
    title: str
    href: str | None = None


class _Change(_Strict):
    start: dt.date = Field(alias="from")
    ramp_months: Annotated[int, Field(ge=0, le=240)] = 0
    note: str | None = None


class Entries(_Change):
    kind: Literal["entries"]
    change_percent: Annotated[float, Field(ge=-100, le=1000)]


class Hazard(_Change):
    kind: Literal["hazard"]
    from_categories: list[str] | Literal["any"] = "any"
    to: Annotated[list[str], Field(min_length=1)]
    factor: Annotated[float, Field(ge=0, le=100)]


class KinshipFirst(_Change):
    kind: Literal["kinship_first"]
    share: Annotated[float, Field(ge=0, le=1)]


class FosterRecruitment(_Change):
    kind: Literal["foster_recruitment"]
    households_per_year: Annotated[float, Field(ge=0)] = 0.0
    places_per_household: Annotated[float, Field(gt=0, le=10)] = 1.0
    leavers_percent: Annotated[float, Field(ge=0, le=100)] = 0.0
    fewer_leavers_points: Annotated[float, Field(ge=0, le=100)] = 0.0


class ResidentialHomes(_Change):
    kind: Literal["residential_homes"]
    homes: Annotated[int, Field(ge=0)]
    beds_per_home: Annotated[int, Field(ge=1, le=20)]
    stagger_months: Annotated[int, Field(ge=0, le=120)] = 0
    weekly_cost_per_bed: Annotated[float, Field(ge=0)] | None = None
    label: str = "new in-house homes"


class BlockContract(_Change):
    kind: Literal["block_contract"]
    beds: Annotated[int, Field(ge=0)]
    category: str = "external_residential"
    weekly_price: Annotated[float, Field(ge=0)]
    local: bool = True


class Price(_Change):
    kind: Literal["price"]
    categories: Annotated[list[str], Field(min_length=1)]
    change_percent: Annotated[float, Field(ge=-100, le=1000)] = 0.0
    far_percent_points: Annotated[float, Field(ge=-100, le=100)] = 0.0


class AgencyCap(_Change):
    kind: Literal["agency_cap"]
    max_agency_percent: Annotated[float, Field(ge=0, le=100)]
    converted_percent: Annotated[float, Field(ge=0, le=100)] = 100.0


Change = Annotated[Entries | Hazard | KinshipFirst | FosterRecruitment | ResidentialHomes | BlockContract | Price
                   | AgencyCap, Field(discriminator="kind")]
KINDS = ("entries", "hazard", "kinship_first", "foster_recruitment", "residential_homes", "block_contract",
         "price", "agency_cap")


class Reform(_Strict):
    name: str
    description: str = ""
    source: Source | None = None
    changes: Annotated[list[Change], Field(min_length=1)]
    file: str | None = None  # where it was read from (set by the loader)


def _where(loc: tuple, raw) -> str:
    """A pydantic location as the YAML key path: changes[1].beds (kind entries)."""
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
        elif item in KINDS and not (isinstance(node, dict) and item in node):
            continue  # the discriminator's branch, not a key in the file
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "(top)"


def parse_reform(raw, file: str, categories=None) -> Reform:
    """Check one reform body; errors name the file and the key."""
    if not isinstance(raw, dict):
        raise SchemaError(f"{file}: a reform is a mapping with name, description and changes")
    try:
        reform = Reform.model_validate({**raw, "file": file})
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            msg = e["msg"]
            if e["type"] == "extra_forbidden":
                msg = "unknown key"
            elif e["type"] == "union_tag_invalid":
                msg = f"unknown kind {e.get('input', {}).get('kind')!r}; one of {', '.join(KINDS)}"
            elif e["type"] == "union_tag_not_found":
                msg = f"every change needs a kind: one of {', '.join(KINDS)}"
            lines.append(f"{file}: {_where(e['loc'], raw)}: {msg}")
        raise SchemaError("\n".join(lines)) from None
    if categories is not None:
        check_categories(reform, categories)
    return reform


def check_categories(reform: Reform, categories) -> None:
    """Every placement category a reform names must be in the council's map."""
    ids = set(categories.ids)
    dests = ids | set(EXITS)
    for i, ch in enumerate(reform.changes):
        where = f"{reform.file}: changes[{i}]"
        named: list[tuple[str, str, set]] = []
        if isinstance(ch, Hazard):
            if ch.from_categories != "any":
                named += [("from_categories", c, ids) for c in ch.from_categories]
            named += [("to", c, dests) for c in ch.to]
        elif isinstance(ch, BlockContract):
            named.append(("category", ch.category, ids))
        elif isinstance(ch, Price):
            named += [("categories", c, ids) for c in ch.categories]
        for key, name, allowed in named:
            if name not in allowed:
                raise SchemaError(f"{where}.{key}: unknown placement category or exit {name!r}; "
                                  f"one of {', '.join(sorted(allowed))}")


EXAMPLES = Path(__file__).with_name("examples")


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def load_reform(path_or_name: str | Path, categories=None) -> Reform:
    """A reform from a YAML file, or one of the shipped examples by name (`family-help`)."""
    path = Path(path_or_name)
    if not path.exists():
        shipped = EXAMPLES / f"{path_or_name}.yaml"
        if not str(path_or_name).endswith((".yaml", ".yml")) and shipped.exists():
            path = shipped
        else:
            raise SchemaError(f"reform file {path_or_name} does not exist (shipped examples: "
                              f"{', '.join(example_names())})")
    return parse_reform(read_yaml(path), str(path), categories)
