"""The planner's options file (YAML), read strictly: an unknown key, a wrong type or a value out
of range is a SchemaError naming the file and the key.

    years: 5                     # plan years after the forecast's start
    scenarios: 100               # forecast runs to plan against
    seed: 1
    home_sizes: [2, 4]           # beds in a new home (Small Group Living: 2)
    sites: [Bradford]            # councils besides the store's own where places may be (names or codes)
    must_live_alone_share: 0.1   # default: the parameter placements.must_live_alone_share
    limits:                      # each a number for every council, or {council: number}
      homes_per_council_per_year: 1
      foster_recruits_per_council_per_year: 10
      block_beds_per_council_per_year: 4
      capital_budget: 2000000    # GBP a year, or {2027: 2000000, ...} by year ending 31 March
    distance: {cost_per_mile: true, min_share_within_20_miles: 0.8}
    risk: {weight: 0.5, tail: 0.1}   # expected cost + weight x mean cost of the worst tail
    solver: {time_limit: 60, gap: 0.01}
    parameters: my-costs.yaml    # your own parameters (relative to this file)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import SchemaError
from ..yamlfile import read_yaml

Count = Annotated[int, Field(ge=0)]
Money = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]

_PROBLEMS = {
    "greater_than_equal": "must be at least {ge}", "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}", "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number", "int_type": "must be a whole number",
    "float_parsing": "must be a number", "float_type": "must be a number", "bool_parsing": "must be true or false",
    "bool_type": "must be true or false", "list_type": "must be a list", "dict_type": "must be a mapping",
    "string_type": "must be text", "too_short": "must not be empty", "model_type": "must be a mapping",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    homes_per_council_per_year: Count | dict[str, Count] | None = None
    foster_recruits_per_council_per_year: Count | dict[str, Count] | None = None
    block_beds_per_council_per_year: Count | dict[str, Count] | None = None
    capital_budget: Money | dict[int, Money] | None = None


class Distance(_Strict):
    cost_per_mile: bool = True
    min_share_within_20_miles: Share | None = None


class Risk(_Strict):
    weight: Annotated[float, Field(ge=0)] = 0.0
    tail: Annotated[float, Field(gt=0, le=1)] = 0.10


class SolverOptions(_Strict):
    time_limit: Annotated[float, Field(gt=0)] = 60.0
    gap: Annotated[float, Field(ge=0, le=1)] = 0.01


class PlanOptions(_Strict):
    """The options of one plan (see the module for each key)."""

    years: Annotated[int, Field(ge=1, le=10)] = 5
    scenarios: Annotated[int, Field(ge=1, le=1000)] = 100
    seed: Count = 1
    home_sizes: Annotated[list[Annotated[int, Field(ge=1, le=12)]], Field(min_length=1)] = [2, 4]
    sites: list[str] = []
    must_live_alone_share: Share | None = None
    limits: Limits = Limits()
    distance: Distance = Distance()
    risk: Risk = Risk()
    solver: SolverOptions = SolverOptions()
    parameters: str | None = None
    file: str = ""


def parse_options(data, file: str) -> PlanOptions:
    """Options from parsed YAML (`file` names it in errors); an empty file gives the defaults."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SchemaError(f"{file}: expected a mapping of option names to values")
    if "file" in data:
        raise SchemaError(f"{file}: file: is not an option")
    try:
        return PlanOptions(**data, file=file)
    except ValidationError as exc:
        raise SchemaError(_message(exc, file)) from None


def read_options(path: str | Path) -> PlanOptions:
    """The options file at `path`, read strictly (see the module)."""
    path = Path(path)
    if not path.is_file():
        raise SchemaError(f"{path}: the plan options file does not exist")
    return parse_options(read_yaml(path), str(path))


def _message(exc: ValidationError, file: str) -> str:
    """The first problem, naming the file and the key (limits.capital_budget), with the value."""
    errs = exc.errors()
    # a value that may be a number or a mapping fails both ways: report the deepest problem
    # (inside the mapping given), else the number's
    err = max(errs, key=lambda e: (len([p for p in e["loc"] if not _is_union_tag(p)]), e["type"] != "dict_type"))
    loc = [str(p) for p in err["loc"] if not _is_union_tag(p)]
    key = ".".join(loc) or "options"
    kind, ctx = err["type"], err.get("ctx", {})
    if kind == "extra_forbidden":
        return f"{file}: {key}: is not an option"
    if kind == "missing":
        return f"{file}: {key}: is needed"
    shown = {k: f"{v:g}" if isinstance(v, float) else v for k, v in ctx.items()}
    problem = _PROBLEMS.get(kind, err["msg"].lower()).format(**shown)
    return f"{file}: {key}: {problem} (got {err['input']!r})"


def _is_union_tag(part) -> bool:
    """pydantic names the branch of a union it tried (int, dict[str,int]...) in the location."""
    return isinstance(part, str) and (part in ("int", "float", "bool", "str") or "[" in part
                                      or part.startswith(("constrained-", "function-")))
