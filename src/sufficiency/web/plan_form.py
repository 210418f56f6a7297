"""The capacity plan's options from a form: the fields a commissioner changes, or an uploaded
options file instead, read by the planner's own strict options reader (sufficiency.plan.options)
so the page refuses what `sufficiency plan --options` would, with the same limits.

Each field is named by its key in the options file (`limits.capital_budget`); a field left
blank is left out, so the planner's default (or the parameter) holds. The options are kept as
a YAML file for the worker: an uploaded file as it came, the fields as the YAML they stand for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from ..errors import SchemaError
from ..plan.options import PlanOptions, parse_options
from ..yamlfile import parse_yaml
from .uploads import Refused, yaml_text

MAX_SECONDS = 3600  # the longest a plan's search may take here: a worker is busy meanwhile
FORM = "the form"  # how the options reader names the fields' options in its sentences


@dataclass(frozen=True)
class Field:
    key: str  # the key in the options file
    label: str
    default: str = ""  # shown in the empty form
    step: str = "any"  # a number field's step; "" for text, "choice" for yes/no
    note: str = ""


FIELDS = [
    Field("years", "Years to plan", "5", "1", "1 to 10, at most the forecast's"),
    Field("scenarios", "Futures (forecast runs) to plan against", "100", "1", "1 to 1,000; more is steadier and slower"),
    Field("home_sizes", "Beds in a new home", "2, 4", "", "sizes you would open, such as 2, 4 (Small Group Living: 2)"),
    Field("limits.capital_budget", "Capital budget, GBP a year", "", "any", "blank: no limit"),
    Field("limits.homes_per_council_per_year", "New homes a council can open in a year", "", "1",
          "blank: the parameter"),
    Field("limits.foster_recruits_per_council_per_year", "Foster households a council can recruit in a year", "", "1",
          "blank: the parameter"),
    Field("limits.block_beds_per_council_per_year", "Block beds a council can contract in a year", "", "1",
          "blank: the parameter"),
    Field("must_live_alone_share", "Share of children in children's homes who must live alone", "", "any",
          "0 to 1; blank: the parameter"),
    Field("distance.min_share_within_20_miles", "Least share of children placed within 20 miles", "", "any",
          "0 to 1, in every future and year; blank: none"),
    Field("distance.cost_per_mile", "Charge the cost of each mile a child lives from home", "true", "choice"),
    Field("solver.gap", "Stop within this share of the best possible (the gap)", "0.01", "any", "0 to 1"),
    Field("solver.time_limit", "Time limit, seconds", "60", "any", "the best plan found by then is kept"),
]
LABELS = {f.key: f.label for f in FIELDS}


def shown(post=None, defaults: dict | None = None) -> list[dict]:
    """The fields as the form shows them: the values posted (a form shown again), else the
    defaults (`defaults` overriding some, such as the years a regional forecast holds)."""
    given = {**{f.key: f.default for f in FIELDS}, **(defaults or {})}
    return [{"key": f.key, "label": f.label, "note": f.note, "step": f.step,
             "value": post.get(f.key, given[f.key]) if post is not None else given[f.key]} for f in FIELDS]


def _value(text: str):
    """A field's text as the YAML it stands for: a number, true or false, else the text (which the
    reader then refuses with a sentence naming the field)."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return {"true": True, "false": False}.get(text.lower(), text)


def field_data(post) -> dict:
    """The options the form's fields give (blank fields left out), nested as in the options file."""
    data: dict = {}
    for f in FIELDS:
        text = str(post.get(f.key, "")).strip()
        if not text:
            continue
        value = [_value(v) for v in re.split(r"[,\s]+", text) if v] if f.key == "home_sizes" else _value(text)
        *parents, last = f.key.split(".")
        place = data
        for p in parents:
            place = place.setdefault(p, {})
        place[last] = value
    return data


def from_fields(post) -> tuple[str, PlanOptions]:
    """The options file the fields stand for (YAML) and the options it holds; SchemaError naming
    the field by its label."""
    data = field_data(post)
    try:
        options = parse_options(data, FORM)
    except SchemaError as exc:
        key, _, problem = str(exc).removeprefix(f"{FORM}: ").partition(": ")
        field = next((k for k in LABELS if key == k or key.startswith(f"{k}.")), None)
        raise SchemaError(f"{LABELS[field]}: {problem}" if field else f"{key}: {problem}") from None
    return yaml.safe_dump(data, sort_keys=False), options


def plan_options(request) -> tuple[str, str, PlanOptions]:
    """The plan's options from the request: (file name, YAML text, options), from the uploaded
    options file when one is given, else from the fields. Refused, or SchemaError with a
    sentence, when they are wrong."""
    upload = request.FILES.get("options")
    if upload:
        name, text = upload.name, yaml_text(upload)
        options = parse_options(parse_yaml(text, name), name)
        where = f"{name}: solver.time_limit"
    else:
        (text, options), name = from_fields(request.POST), "plan-options.yaml"
        where = LABELS["solver.time_limit"]
    if options.parameters:
        raise Refused(f"{name}: parameters: the web application plans with the shipped parameters; "
                      "remove this key (or run `sufficiency plan` with your own).")
    if not options.solver.time_limit <= MAX_SECONDS:
        raise Refused(f"{where}: the web application gives a plan's search at most {MAX_SECONDS:,} seconds "
                      f"(got {options.solver.time_limit:g}).")
    return name, text, options
