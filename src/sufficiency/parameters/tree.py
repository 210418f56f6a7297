"""Dated parameters with sources, read from a tree of YAML files.

The path of a file under the tree is the parameter's name: `costs/weekly/ifa.yaml` is
`costs.weekly.ifa`. Each file holds one parameter:

    description: Weekly cost of a child placed with an independent fostering agency.
    unit: gbp_per_child_week
    values:
      2020-04-01: {value: 820, reference: {title: ..., href: ...}, note: ...}

A value applies from its date until the next one. Every value needs a `reference` or a `note`
saying what was assumed. A council overrides parameters with a tree of its own, or with one
YAML file mapping dotted names to parameter bodies (`costs.weekly.ifa: {unit: ..., values: ...}`):
an override replaces the whole parameter. The loader is strict: an unknown key, a bad date, a
duplicate key, a negative cost or a unit it does not know fails with a SchemaError naming the
file and the key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import SchemaError
from ..yamlfile import read_yaml

UNITS = {"gbp_per_child_week", "gbp", "percent", "count", "share", "ratio", "days", "miles", "fte"}
NON_NEGATIVE = {"gbp_per_child_week", "gbp", "count", "days", "miles", "fte"}


@dataclass(frozen=True)
class Reference:
    title: str
    href: str | None = None


@dataclass(frozen=True)
class DatedValue:
    start: dt.date
    value: float
    reference: Reference | None
    note: str | None


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    values: tuple[DatedValue, ...]  # sorted by start
    file: str

    def at(self, when: dt.date) -> DatedValue | None:
        """The value in force on `when`, or None before the first date."""
        found = None
        for v in self.values:
            if v.start <= when:
                found = v
            else:
                break
        return found


def as_date(raw: Any, where: str = "") -> dt.date:
    """A date from a date, a datetime or ISO text; anything else a `SchemaError` naming `where`."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise SchemaError(f"{where + ': ' if where else ''}{raw!r} is not a date (write YYYY-MM-DD)") from None


def check_value(value: Any, unit: str, where: str) -> None:
    """A parameter's value must be a number its unit allows."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SchemaError(f"{where}: {value!r} is not a number")
    if unit in NON_NEGATIVE and value < 0:
        raise SchemaError(f"{where}: {value} is negative, but {unit} cannot be")
    if unit == "share" and not 0 <= value <= 1:
        raise SchemaError(f"{where}: {value} is not a share between 0 and 1")


def parse_parameter(name: str, body: Any, file: str) -> Parameter:
    """Check one parameter body and return it typed; errors name the file and the key."""
    where = f"{file}: {name}"
    if not isinstance(body, dict):
        raise SchemaError(f"{where}: expected a mapping with description, unit and values")
    unknown = set(body) - {"description", "unit", "values"}
    if unknown:
        raise SchemaError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    for key in ("description", "unit", "values"):
        if key not in body:
            raise SchemaError(f"{where}: missing key {key!r}")
    unit = body["unit"]
    if unit not in UNITS:
        raise SchemaError(f"{where}.unit: unknown unit {unit!r} (one of {', '.join(sorted(UNITS))})")
    values = body["values"]
    if not isinstance(values, dict) or not values:
        raise SchemaError(f"{where}.values: expected dates mapped to values")
    out = []
    for raw_date, entry in values.items():
        key = f"{where}.values.{raw_date}"
        start = as_date(raw_date, key)
        if not isinstance(entry, dict):
            entry = {"value": entry}
        unknown = set(entry) - {"value", "reference", "note"}
        if unknown:
            raise SchemaError(f"{key}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        value = entry.get("value")
        check_value(value, unit, f"{key}.value")
        ref = entry.get("reference")
        reference = None
        if ref is not None:
            if not isinstance(ref, dict) or "title" not in ref or set(ref) - {"title", "href"}:
                raise SchemaError(f"{key}.reference: expected {{title: ..., href: ...}}")
            reference = Reference(str(ref["title"]), ref.get("href"))
        note = entry.get("note")
        if reference is None and not note:
            raise SchemaError(f"{key}: give a reference (title, href) or a note saying what is assumed")
        out.append(DatedValue(start, float(value), reference, None if note is None else str(note)))
    out.sort(key=lambda v: v.start)
    return Parameter(name, str(body["description"]), unit, tuple(out), file)


def read_tree(root: Path | resources.abc.Traversable, prefix: str = "") -> dict[str, Parameter]:
    """Every parameter file under `root`, named by its path (`costs/weekly/ifa.yaml` -> costs.weekly.ifa).
    Files whose name starts with `_` and `placement_categories.yaml` are not parameters."""
    found: dict[str, Parameter] = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found.update(read_tree(entry, f"{prefix}{entry.name}."))
        elif entry.name.endswith((".yaml", ".yml")) and not entry.name.startswith("_"):
            if not prefix and entry.name == "placement_categories.yaml":
                continue
            name = prefix + entry.name.rsplit(".", 1)[0]
            path = Path(str(entry))
            found[name] = parse_parameter(name, read_yaml(path), str(path))
    return found


def read_overrides(path: Path) -> dict[str, Parameter]:
    """A council's overrides: a folder laid out like the built-in tree, or one YAML file of
    dotted names mapped to parameter bodies."""
    if not path.exists():
        raise SchemaError(f"parameter file or folder {path} does not exist")
    if path.is_dir():
        return read_tree(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise SchemaError(f"{path}: expected dotted parameter names mapped to parameters")
    return {str(name): parse_parameter(str(name), body, str(path)) for name, body in data.items()}
