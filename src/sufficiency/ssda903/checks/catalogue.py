"""The catalogue of issue codes (schema/checks.yaml), loaded strictly.

Every code the reader or the validator can report is declared there with its severity, a
title (what it means) and a fix (what a data officer should do). A code emitted but not in
the catalogue is a bug; tests hold the two sets equal.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ...errors import SchemaError

CHECKS_FILE = Path(__file__).resolve().parents[1] / "schema" / "checks.yaml"
_CODE = r"^[A-Z][A-Z0-9_]*$"


class Check(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    severity: Literal["error", "warning"]
    source: Literal["reader", "validate"] = "validate"
    title: str
    fix: str


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A safe loader that refuses a key given twice (plain YAML keeps the last silently)."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    seen: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_catalogue(path: Path = CHECKS_FILE) -> dict[str, dict]:
    """Read and check a catalogue file: {code: {severity, source, title, fix}}.

    A SchemaError names the file and the code at fault.
    """
    try:
        with path.open(encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=_UniqueKeyLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise SchemaError(f"{path}: cannot read the checks catalogue: {exc}") from exc
    if not isinstance(raw, dict) or not raw:
        raise SchemaError(f"{path}: expected a mapping of issue codes")
    checks = {}
    for code, body in raw.items():
        if not isinstance(code, str) or not re.fullmatch(_CODE, code):
            raise SchemaError(f"{path}: {code!r} is not an issue code (CAPITALS_AND_UNDERSCORES)")
        if not isinstance(body, dict):
            raise SchemaError(f"{path}: {code}: expected severity, title and fix")
        try:
            checks[code] = Check(code=code, **body).model_dump(exclude={"code"})
        except ValidationError as exc:
            where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise SchemaError(f"{path}: {code}: {where}") from exc
        except TypeError as exc:
            raise SchemaError(f"{path}: {code}: {exc}") from exc
    return checks


@cache
def catalogue() -> dict[str, dict]:
    """Every issue code sufficiency reports, keyed by code."""
    return load_catalogue()


def severity(code: str) -> str:
    return catalogue()[code]["severity"]
