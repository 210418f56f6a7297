"""The synthesiser's parameters against the 903 code lists and the DfE's validation rules: every
code a parameter names exists, and categories and exit reasons are used only where the rules
allow them (so the synthetic returns pass validation)."""

from __future__ import annotations

from ..errors import SchemaError
from ..ssda903.schema import default_schema
from .vocabulary import AGE_BANDS, BAND_RANGE, CATEGORIES

PLACEMENT_TABLES = ("placement_at_entry", "placement_at_entry_uasc", "move_destination")
EXIT_TABLES = ("exit_reason", "exit_reason_uasc", "exit_at_18", "legal.remand_exit")
# (parameter, code list (or a fixed set), codes left out of the list, what the codes are, keys nested)
CODED = (
    ("legal.at_entry", {"C1", "V2", "L1", "L2", "J1"}, set(), "legal status at entry", True),
    ("codes.other_codes", {"R1", "R2", "R3", "R5", "S1", "Z1", "P3"}, set(), "'other' placement code", True),
    ("codes.providers", "PLACE_PROVIDER", set(), "provider", True),
    ("entries.category_of_need", "CIN", set(), "category of need", False),
    ("header.ethnicity", "ETHNIC", set(), "ethnic code", False),
    ("header.ethnicity_uasc", "ETHNIC", set(), "ethnic code", False),
    ("temporary.codes", {"T0", "T1", "T2", "T3", "T4"}, set(), "temporary placement code", False),
    ("reviews.participation", "REVIEW_CODE", {"PN0"}, "participation code", False),
    ("social_workers.reasons", "SW_REASON", {"FCONTA"}, "reason for social worker change", False),
    ("care_leavers.in_touch", "IN_TOUCH", set(), "IN_TOUCH code", False),
    ("care_leavers.activity", "ACTIV", {"0"}, "activity", True),
    ("outcomes.prev_perm", "PREV_PERM", set(), "previous permanence", False),
    ("outcomes.place_change_reason", "REASON_PLACE_CHANGE", {"PLACE"}, "reason for placement change", False),
    ("entries.age_shares", {str(a) for a in range(18)}, set(), "age at entry (0-17)", False),
    ("entries.uasc_age_shares", {str(a) for a in range(18)}, set(), "age at entry (0-17)", False),
)


def keys_of(table: dict) -> set[str]:
    """The innermost keys of a nested table (the codes of its shares)."""
    out: set[str] = set()
    for v in table.values():
        nested = isinstance(v, dict) and v and isinstance(next(iter(v.values())), dict)
        out |= keys_of(v) if nested else set(v)
    return out


def _check(file: str, dotted: str, found: set[str], allowed: set[str], what: str) -> None:
    bad = sorted(found - allowed)
    if bad:
        raise SchemaError(f"{file}: {dotted}: {', '.join(bad)} not a valid {what}")


def check_codes(values: dict, file: str) -> None:
    """Every category and code a parameter names is one the 903 allows."""
    schema = default_schema()

    def codes(name: str) -> set[str]:
        return set(schema.codelist(name).codes)

    for dotted in PLACEMENT_TABLES:
        _check(file, dotted, keys_of(values[dotted]), set(CATEGORIES), "placement category")
    for dotted in EXIT_TABLES:
        table = values[dotted]
        found = set(table) if dotted == "legal.remand_exit" else keys_of(table)
        _check(file, dotted, found, codes("REC") - {"X1"}, "reason episode ceased (REC)")
    for dotted, allowed, left_out, what, nested in CODED:
        found = keys_of(values[dotted]) if nested else set(values[dotted])
        _check(file, dotted, found, (codes(allowed) if isinstance(allowed, str) else allowed) - left_out, what)
    accommodation = {k + "1" for k in keys_of(values["care_leavers.accommodation"])}
    _check(file, "care_leavers.accommodation", accommodation, codes("ACCOM"), "accommodation letter")


def check_rules(values: dict, file: str) -> None:
    """DfE rules: supported accommodation only from 16 (371); E5/E6 from 14 (387), E7 from 16
    (389); SGO to a former foster carer who is a relative only from kinship (516)."""
    young = [b for b in AGE_BANDS if BAND_RANGE[b][1] < 16]
    for dotted in ("placement_at_entry", "placement_at_entry_uasc"):
        for band in young:
            if values[dotted].get(band, {}).get("supported", 0) > 0:
                raise SchemaError(f"{file}: {dotted}.{band}: supported accommodation is for 16-17s only")
    for cat, table in values["move_destination"].items():
        for band in young:
            if table.get(band, {}).get("supported", 0) > 0:
                raise SchemaError(f"{file}: move_destination.{cat}.{band}: supported accommodation is for 16-17s only")
    for cat, table in values["exit_reason"].items():
        for band, dist in table.items():
            given = {k for k, v in dist.items() if v > 0}
            where = f"{file}: exit_reason.{cat}.{band}"
            if BAND_RANGE[band][1] < 14 and {"E5", "E6", "E7"} & given:
                raise SchemaError(f"{where}: E5/E6/E7 need age 14+ (DfE rules 387, 389)")
            if (cat != "kinship" and "E45" in given) or (cat != "foster" and "E46" in given):
                raise SchemaError(f"{where}: E45 only from kinship, E46 only from foster care")
            if (cat != "adoption" and {"E11", "E12"} & given) or "E17" in given:
                raise SchemaError(f"{where}: E11/E12 only from adoption, E17 only at 18")


def check_consistency(values: dict, file: str) -> None:
    """Codes exist in codes.yaml and categories are used where DfE rules allow them."""
    check_codes(values, file)
    check_rules(values, file)
