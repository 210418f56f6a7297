"""Reforms as data: what a plan changes, from when, how fast, read strictly from YAML.

    name: Family Help
    description: Multi-disciplinary help in the community keeps children safely at home.
    source: {title: "Stable Homes, Built on Love (2023)", href: "https://www.gov.uk/..."}
    changes:
      - kind: entries
        change_percent: -8
        from: 2026-04-01
        ramp_months: 24

The kinds of change and their keys are registered in kinds.py (KINDS). A file that is wrong in
any way (an unknown key, a bad date, a negative number of beds, a placement category or role
the council's map does not have) fails with a SchemaError naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Union

from pydantic import Field, ValidationError

from ..errors import SchemaError
from ..forecast.states import EXITS
from ..parameters.categories import ROLES
from ..yamlfile import read_yaml
from .costs import Cost
from .kinds import KINDS, StrictModel


class Source(StrictModel):
    title: str
    href: str | None = None


Change = Annotated[Union[tuple(k.model for k in KINDS.values())], Field(discriminator="kind")]  # noqa: UP007


class Reform(StrictModel):
    name: str
    description: str = ""
    source: Source | None = None
    changes: Annotated[list[Change], Field(min_length=1)]
    costs: list[Cost] = Field(default_factory=list)  # what doing it costs: capital, set-up, staff, allowances, contracts
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
    """Every placement category a reform names must be in the council's map: an id, or known
    roles (`role:...`); each key must name at least one category (or exit) of the map, so a
    selector no category matches is allowed beside others that do."""
    for i, ch in enumerate(reform.changes):
        found: dict[str, set[str]] = {}
        for key, name, exits in ch.named():
            allowed = [*categories.ids, *(EXITS if exits else ())]
            try:
                found.setdefault(key, set()).update((name,) if exits and name in EXITS else categories.resolve(name))
            except KeyError as exc:
                raise SchemaError(f"{reform.file}: changes[{i}].{key}: unknown placement category"
                                  f"{' or exit' * exits} {name!r} ({exc.args[0]}); one of {', '.join(allowed)}, "
                                  "or role:<roles> among " + ", ".join(ROLES)) from None
        for key, ids in found.items():
            if not ids:
                raise SchemaError(f"{reform.file}: changes[{i}].{key}: no placement category of "
                                  f"{categories.file} has the roles named")
    for i, cost in enumerate(reform.costs):
        if cost.per and cost.per.startswith("children:"):
            name = cost.per.split(":", 1)[1]
            try:
                ids = categories.resolve(name)
            except KeyError as exc:
                raise SchemaError(f"{reform.file}: costs[{i}].per: unknown placement category {name!r} "
                                  f"({exc.args[0]}); one of {', '.join(categories.ids)}") from None
            if not ids:
                raise SchemaError(f"{reform.file}: costs[{i}].per: no placement category of {categories.file} "
                                  "has the roles named")


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
