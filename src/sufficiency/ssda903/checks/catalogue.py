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

from pydantic import BaseModel, ConfigDict, ValidationError

from ...errors import SchemaError
from ...yamlfile import read_yaml

CHECKS_FILE = Path(__file__).resolve().parents[1] / "schema" / "checks.yaml"
_CODE = r"^[A-Z][A-Z0-9_]*$"


class Check(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    severity: Literal["error", "warning"]
    source: Literal["reader", "validate"] = "validate"
    title: str
    fix: str


def load_catalogue(path: Path = CHECKS_FILE) -> dict[str, dict]:
    """Read and check a catalogue file: {code: {severity, source, title, fix}}.

    A SchemaError names the file and the code at fault.
    """
    raw = read_yaml(path)
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
