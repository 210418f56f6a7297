"""The synthetic council's parameters: a strict loader for params.yaml and user overrides.

Every parameter in params.yaml is a mapping with `value` and a `source`, `note` or `unit`.
`load_params()` reads the defaults, applies a user's YAML (same keys; `key: {value: x}` or
`key: x`), checks every value against its declared shape, expands age-band ranges ("0-4"
covers the bands "0" and "1-4"), and returns plain nested dicts of values: the one validated
form the engine runs on. Errors are SchemaError naming the file and the dotted key.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import SchemaError
from ..yamlfile import read_yaml
from .consistency import check_consistency
from .vocabulary import AGE_BANDS, BAND_RANGE, BAND_START_YEARS, CATEGORIES, TIC_BANDS, TIC_EDGES  # noqa: F401

META = {"source", "note", "unit", "description"}
SHARE_TOLERANCE = 0.011

# The shape of each parameter (dotted path -> kind). Kinds:
#   int, number, bool, prob: scalars; range: [low, high]; ranges: name -> [low, high]
#   shares: code -> share (replaced whole); band_shares: band -> shares;
#   cat_shares: category -> shares
#   cat_band_shares: category -> band -> shares; band_rates: band -> rate; cat_band_rates,
#   key_band_rates: name -> band -> rate; band_tic_rates: band -> tic band -> rate;
#   event_tic: event -> tic band -> multiplier; numbers: fixed name -> number
KINDS = {
    "simulation.warm_up_years": "int",
    "entries.follow_published_starts": "bool",
    "entries.trend": "number",
    "entries.hold_first_published": "bool",
    "entries.published_exactly": "bool",
    "entries.age_shares": "shares",
    "entries.infant_age_skew": "number",
    "entries.uasc_share": "prob",
    "entries.uasc_by_year": "numbers",
    "entries.uasc_age_shares": "shares",
    "entries.uasc_male_share": "prob",
    "entries.reentry.share": "prob",
    "entries.reentry.mean_days": "number",
    "entries.reentry.after": "shares",
    "entries.male_share": "prob",
    "entries.category_of_need": "shares",
    "placement_at_entry": "band_shares",
    "placement_at_entry_uasc": "band_shares",
    "hazards.move": "cat_band_rates",
    "hazards.adopt": "band_tic_rates",
    "hazards.adopt_from_kinship": "number",
    "hazards.exit_change": "number",
    "hazards.exit_change_from": "int",
    "hazards.status": "cat_band_rates",
    "hazards.exit": "cat_band_rates",
    "hazards.time_in_care": "event_tic",
    "move_destination": "cat_band_shares",
    "exit_reason": "cat_band_shares",
    "exit_reason_uasc": "band_shares",
    "exit_at_18": "cat_shares",
    "legal.at_entry": "band_shares",
    "legal.rates": "key_band_rates",
    "legal.emergency_days": "ranges",
    "legal.placement_order_days_before_adoption": "range",
    "legal.decision_days_before_order": "range",
    "legal.match_days_before_placement": "range",
    "legal.remand_exit": "shares",
    "codes.long_term_share": "tic_numbers",
    "codes.same_carer_adoption": "prob",
    "codes.other_codes": "band_shares",
    "codes.independent_living_share": "prob",
    "codes.providers": "cat_shares",
    "location.inside_share": "numbers",
    "location.miles_inside": "numbers",
    "location.miles_outside": "numbers",
    "location.with_parents_at_home": "prob",
    "location.registered_sites": "numbers",
    "reviews.early_days": "range",
    "reviews.late_share": "prob",
    "reviews.late_days": "range",
    "temporary.rate": "number",
    "temporary.codes": "shares",
    "temporary.days": "range",
    "calibration.council": "bool",
    "reviews.participation": "shares",
    "missing.share_in_year": "band_rates",
    "missing.episodes_per_child": "number",
    "missing.dispersion": "number",
    "missing.mean_days": "number",
    "missing.away_share": "prob",
    "short_breaks.children_per_1000_cla": "number",
    "short_breaks.years_in_scheme": "number",
    "short_breaks.stays_per_year": "number",
    "short_breaks.v4_share": "prob",
    "care_leavers.in_touch": "shares",
    "care_leavers.activity": "shares_by_key",
    "care_leavers.accommodation": "shares_by_key",
    "header.ethnicity": "shares",
    "header.ethnicity_uasc": "shares",
    "header.mother_rate": "number",
    "social_workers.changes_per_year": "number",
    "social_workers.caseload": "number",
    "social_workers.reasons": "shares",
    "social_workers.closure_days": "range",
    "outcomes.oc2": "numbers",
    "outcomes.prev_perm": "shares",
    "outcomes.place_change_reason": "shares",
}


def _read(path) -> dict:
    raw = read_yaml(path)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SchemaError(f"{path}: expected a mapping of parameters at the top level")
    return raw


def load_params(path: Path | str | None = None) -> dict:
    """Validated parameter values: the defaults, overridden by the YAML file at `path`."""
    defaults = _read(resources.files(__package__).joinpath("params.yaml"))
    values: dict[str, Any] = {}
    for dotted, node in _leaves(defaults, "params.yaml", ""):
        values[dotted] = _canonical(node["value"], KINDS[dotted], "params.yaml", dotted, full=True)
    missing = set(KINDS) - set(values)
    if missing:
        raise SchemaError(f"params.yaml: missing parameters: {', '.join(sorted(missing))}")
    if path is not None:
        user = _read(path)
        for dotted, node in _user_leaves(user, defaults, str(path), ""):
            value = node["value"] if isinstance(node, dict) and "value" in node else node
            new = _canonical(value, KINDS[dotted], str(path), dotted, full=False)
            values[dotted] = _merge(values[dotted], new, KINDS[dotted])
    check_consistency(values, str(path) if path else "params.yaml")
    return _nest(values)


def _leaves(tree: dict, file: str, where: str):
    """(dotted path, node) for every parameter node (a mapping with `value`) of the defaults."""
    for key, node in tree.items():
        here = f"{where}.{key}" if where else str(key)
        if not isinstance(node, dict):
            raise SchemaError(
                f"{file}: {here}: expected a mapping with `value` and `source` or `note`"
            )
        if "value" in node:
            if here not in KINDS:
                raise SchemaError(
                    f"{file}: {here}: parameter has no declared shape in synth/params.py"
                )
            extra = set(node) - META - {"value"}
            if extra:
                raise SchemaError(f"{file}: {here}: unknown key {sorted(extra)[0]!r}")
            if not META & set(node) - {"description"}:
                raise SchemaError(f"{file}: {here}: needs a `source:` or `note:`")
            yield here, node
        else:
            yield from _leaves(node, file, here)


def _user_leaves(tree: dict, defaults: dict, file: str, where: str):
    """(dotted path, value node) for a user's file, refusing any key the defaults lack."""
    for key, node in tree.items():
        here = f"{where}.{key}" if where else str(key)
        if not isinstance(defaults, dict) or key not in defaults:
            known = ", ".join(sorted(map(str, defaults))) if isinstance(defaults, dict) else ""
            raise SchemaError(
                f"{file}: {here}: unknown parameter" + (f" (known here: {known})" if known else "")
            )
        target = defaults[key]
        if "value" in target:
            if isinstance(node, dict) and "value" in node:
                extra = set(node) - META - {"value"}
                if extra:
                    raise SchemaError(f"{file}: {here}.{sorted(extra)[0]}: unknown key")
            yield here, node
        elif isinstance(node, dict):
            yield from _user_leaves(node, target, file, here)
        else:
            raise SchemaError(f"{file}: {here}: is a group of parameters, not a value")


# -- shapes -------------------------------------------------------------------------------


def _bands_of(key: Any, file: str, where: str) -> list[str]:
    text = str(key)
    lo, _, hi = text.partition("-")
    try:
        lo_i, hi_i = int(lo), int(hi or lo)
    except ValueError:
        raise SchemaError(
            f'{file}: {where}.{text}: not an age band (use e.g. "0", "1-4", "10-17")'
        ) from None
    bands = [b for b in AGE_BANDS if BAND_RANGE[b][0] >= lo_i and BAND_RANGE[b][1] <= hi_i]
    split = [
        b
        for b in AGE_BANDS
        if b not in bands and BAND_RANGE[b][0] <= hi_i and BAND_RANGE[b][1] >= lo_i
    ]
    if not bands or split:
        raise SchemaError(
            f"{file}: {where}.{text}: age range must cover whole bands {', '.join(AGE_BANDS)}"
        )
    return bands


def _by_band(value: Any, file: str, where: str, full: bool, leaf) -> dict:
    if not isinstance(value, dict):
        raise SchemaError(f"{file}: {where}: expected a mapping by age band")
    out: dict[str, Any] = {}
    for key, item in value.items():
        for band in _bands_of(key, file, where):
            if band in out:
                raise SchemaError(f"{file}: {where}.{key}: age band {band} given twice")
            out[band] = leaf(item, f"{where}.{key}")
    if full and set(out) != set(AGE_BANDS):
        gap = [b for b in AGE_BANDS if b not in out]
        raise SchemaError(f"{file}: {where}: no value for age band(s) {', '.join(gap)}")
    return out


def _by_key(
    value: Any, keys: tuple[str, ...] | None, file: str, where: str, full: bool, leaf
) -> dict:
    if not isinstance(value, dict):
        raise SchemaError(f"{file}: {where}: expected a mapping")
    out = {}
    for key, item in value.items():
        if keys is not None and str(key) not in keys:
            raise SchemaError(f"{file}: {where}.{key}: unknown key (known: {', '.join(keys)})")
        out[str(key)] = leaf(item, f"{where}.{key}")
    if full and keys is not None and set(out) != set(keys):
        raise SchemaError(f"{file}: {where}: missing {', '.join(k for k in keys if k not in out)}")
    return out


def _number(
    value: Any, file: str, where: str, low: float = 0.0, high: float | None = None
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SchemaError(f"{file}: {where}: {value!r} is not a number")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise SchemaError(f"{file}: {where}: {value!r} must be {bound}")
    return float(value)


def _shares(value: Any, file: str, where: str) -> dict[str, float]:
    if not isinstance(value, dict) or not value:
        raise SchemaError(f"{file}: {where}: expected a mapping of code: share")
    out = {str(k): _number(v, file, f"{where}.{k}") for k, v in value.items()}
    total = sum(out.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise SchemaError(f"{file}: {where}: shares add up to {total:.3f}, not 1")
    return {k: v / total for k, v in out.items()}


def _range(value: Any, file: str, where: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise SchemaError(f"{file}: {where}: expected [low, high]")
    low, high = (_number(v, file, where) for v in value)
    if high < low:
        raise SchemaError(f"{file}: {where}: {high} is below {low}")
    return (low, high)


def _canonical(value: Any, kind: str, file: str, where: str, full: bool) -> Any:
    num = lambda v, w: _number(v, file, w)  # noqa: E731
    shares = lambda v, w: _shares(v, file, w)  # noqa: E731
    if kind == "int":
        return int(_number(value, file, where))
    if kind == "number":
        return _number(value, file, where, low=-1.0)
    if kind == "prob":
        return _number(value, file, where, high=1.0)
    if kind == "bool":
        if not isinstance(value, bool):
            raise SchemaError(f"{file}: {where}: {value!r} is not true or false")
        return value
    if kind == "range":
        return _range(value, file, where)
    if kind == "ranges":
        return _by_key(value, None, file, where, full, lambda v, w: _range(v, file, w))
    if kind == "shares":
        return shares(value, where)
    if kind in ("numbers", "tic_numbers"):
        keys = TIC_BANDS if kind == "tic_numbers" else None
        return _by_key(value, keys, file, where, full, num)
    if kind == "shares_by_key":
        return _by_key(value, None, file, where, full, shares)
    if kind == "band_rates":
        return _by_band(value, file, where, full, num)
    if kind == "band_shares":
        return _by_band(value, file, where, full, shares)
    if kind == "cat_shares":
        return _by_key(value, CATEGORIES, file, where, False, shares)
    if kind in ("cat_band_rates", "key_band_rates"):
        keys = CATEGORIES if kind == "cat_band_rates" else None
        return _by_key(
            value, keys, file, where, False, lambda v, w: _by_band(v, file, w, full, num)
        )
    if kind == "cat_band_shares":
        return _by_key(
            value, CATEGORIES, file, where, False, lambda v, w: _by_band(v, file, w, full, shares)
        )
    if kind == "band_tic_rates":
        return _by_band(
            value, file, where, full, lambda v, w: _by_key(v, TIC_BANDS, file, w, full, num)
        )
    if kind == "event_tic":
        return _by_key(
            value,
            ("move", "exit"),
            file,
            where,
            full,
            lambda v, w: _by_key(v, TIC_BANDS, file, w, full, num),
        )
    raise SchemaError(f"params.py: {where}: unknown kind {kind}")  # pragma: no cover


def _merge(base: Any, new: Any, kind: str) -> Any:
    """Override `base` with `new`: tables merge by key; share mappings and scalars are replaced."""
    whole = {"shares", "range", "int", "number", "prob", "bool"}
    if kind in whole or not isinstance(base, dict):
        return new
    leaf_kind = {
        "band_shares": "shares",
        "cat_shares": "shares",
        "shares_by_key": "shares",
        "cat_band_shares": "band_shares",
        "cat_band_rates": "band_rates",
        "key_band_rates": "band_rates",
        "band_tic_rates": "numbers",
        "event_tic": "numbers",
        "ranges": "range",
    }.get(kind, "number")
    out = dict(base)
    for key, item in new.items():
        out[key] = _merge(base[key], item, leaf_kind) if key in base else item
    return out


def _nest(values: dict) -> dict:
    out: dict = {}
    for dotted, value in values.items():
        node = out
        *parents, last = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return out
