"""A data-sharing agreement as data: the region, its member councils, what the data may be used
for, which fields are shared, and how long the region keeps them.

    agreement = load_agreement("Greater Manchester")      # a shipped example, by region name
    agreement = load_agreement("gm-agreement.yaml")        # or the region's own file
    agreement.member("Bolton")                             # the member council, or None
    agreement.fields["episodes"]                           # the fields of a table, in order

Agreements are YAML read through the package's strict loader; every error names the file and
the key. An agreement may list only fields `shareable.yaml` knows (so the mother's fields, UPN
and social workers' identifiers can never be shared), and must list every field the region's
analysis needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ..errors import SchemaError
from ..reference.authorities import find_authority
from ..yamlfile import parse_yaml, read_yaml

USES = ("indicators", "forecast", "planning")
TREATMENTS = ("pseudonym", "month", "district", "as_is")
KEYS = {"region", "version", "description", "uses", "retention_months", "councils", "fields"}
DATA = resources.files(__package__).joinpath("data")


@dataclass(frozen=True)
class Member:
    code: str  # ONS code
    name: str
    uses: tuple[str, ...]


@dataclass(frozen=True)
class Agreement:
    region: str
    version: str
    description: str
    uses: tuple[str, ...]
    retention_months: int
    councils: tuple[Member, ...]
    fields: dict[str, tuple[str, ...]]
    source: str  # the file it was read from
    text: str  # the YAML as written, kept in the regional store

    def member(self, council: str) -> Member | None:
        """The member council with this ONS code or name (case-insensitive), or None."""
        key = council.strip().lower()
        return next((m for m in self.councils if key in (m.code.lower(), m.name.lower())), None)


@cache
def shareable() -> dict[str, dict[str, str]]:
    """{table: {field: treatment}} of every field a share may hold (data/shareable.yaml)."""
    data = read_yaml(DATA.joinpath("shareable.yaml"))
    return {t: {c: spec["treatment"] for c, spec in cols.items()} for t, cols in data.items()}


@cache
def needed() -> dict[str, tuple[str, ...]]:
    """{table: fields} the regional analysis reads: every agreement must list them."""
    data = read_yaml(DATA.joinpath("shareable.yaml"))
    return {t: tuple(c for c, spec in cols.items() if spec["needed"]) for t, cols in data.items()}


def shipped() -> dict[str, Path]:
    """Region name (lower case) -> the example agreement shipped for it."""
    out = {}
    for item in DATA.joinpath("agreements").iterdir():
        if item.name.endswith(".yaml"):
            out[str(read_yaml(item)["region"]).lower()] = item
    return out


def shipped_agreement(region: str) -> Agreement | None:
    """The example agreement shipped for the region of this name, or None."""
    found = shipped().get(region.strip().lower())
    return parse_agreement(found.read_text(encoding="utf-8"), f"{region} (shipped example agreement)") if found else None


def load_agreement(source: str | Path) -> Agreement:
    """An agreement from a YAML file, or the example shipped for a region of that name."""
    path = Path(source)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SchemaError(f"{path}: the agreement cannot be read: {exc}") from None
        return parse_agreement(text, str(path))
    found = shipped_agreement(str(source))
    if found is None:
        names = ", ".join(sorted(n.title() for n in shipped()))
        raise SchemaError(f"No agreement is shipped for a region called {source!r} (shipped: {names}); "
                          "give the region's agreement file instead.")
    return found


def parse_agreement(text: str, name: str) -> Agreement:
    """Check an agreement's YAML strictly; every error names `name` and the key."""
    data = parse_yaml(text, name)
    if not isinstance(data, dict):
        raise SchemaError(f"{name}: an agreement is a mapping with keys {', '.join(sorted(KEYS))}.")
    unknown, missing = set(data) - KEYS, KEYS - {"description"} - set(data)
    if unknown:
        raise SchemaError(f"{name}: unknown key {sorted(unknown)[0]!r} (an agreement has {', '.join(sorted(KEYS))}).")
    if missing:
        raise SchemaError(f"{name}: the agreement has no {sorted(missing)[0]!r}.")
    uses = _uses(data["uses"], name, "uses")
    months = data["retention_months"]
    if not isinstance(months, int) or isinstance(months, bool) or months < 1:
        raise SchemaError(f"{name}: retention_months must be a whole number of months, at least 1 (got {months!r}).")
    return Agreement(str(data["region"]), str(data["version"]), str(data.get("description") or ""), uses, months,
                     _councils(data["councils"], uses, name), _fields(data["fields"], name), name, text)


def _uses(value, name: str, key: str, allowed: tuple[str, ...] = USES) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise SchemaError(f"{name}: {key} must be a list of uses from {', '.join(allowed)}.")
    bad = [u for u in value if u not in allowed]
    if bad:
        raise SchemaError(f"{name}: {key} has {bad[0]!r}, which is not one of {', '.join(allowed)}.")
    return tuple(value)


def _councils(value, uses: tuple[str, ...], name: str) -> tuple[Member, ...]:
    if not isinstance(value, list) or not value:
        raise SchemaError(f"{name}: councils must be a list of {{code, name}} of the member councils.")
    out = []
    for i, c in enumerate(value):
        where = f"councils[{i}]"
        if not isinstance(c, dict) or not {"code", "name"} <= set(c) or set(c) - {"code", "name", "uses"}:
            raise SchemaError(f"{name}: {where} must have code and name (and may have uses).")
        la = find_authority(str(c["code"]))
        if la.code != str(c["code"]) and la.dfe_code != str(c["code"]):
            raise SchemaError(f"{name}: {where} code {c['code']!r} is not an ONS council code (did you mean {la.code}?).")
        member_uses = _uses(c["uses"], name, f"{where}.uses", uses) if "uses" in c else uses
        out.append(Member(la.code, str(c["name"]), member_uses))
    codes = [m.code for m in out]
    if len(set(codes)) != len(codes):
        raise SchemaError(f"{name}: a council is listed twice in councils.")
    return tuple(out)


def _fields(value, name: str) -> dict[str, tuple[str, ...]]:
    allowed, need = shareable(), needed()
    if not isinstance(value, dict):
        raise SchemaError(f"{name}: fields must map each table to the list of its fields shared.")
    out = {}
    for table, cols in value.items():
        if table not in allowed:
            raise SchemaError(f"{name}: fields.{table}: the table {table!r} cannot be shared "
                              f"(shareable tables: {', '.join(allowed)}).")
        if not isinstance(cols, list):
            raise SchemaError(f"{name}: fields.{table} must be a list of fields.")
        bad = [c for c in cols if c not in allowed[table]]
        if bad:
            raise SchemaError(f"{name}: fields.{table} lists {bad[0]!r}, which is never shared "
                              f"(shareable: {', '.join(allowed[table])}).")
        out[table] = tuple(cols)
    for table, cols in need.items():
        lacking = [c for c in cols if c not in out.get(table, ())]
        if lacking:
            raise SchemaError(f"{name}: fields.{table} must list {lacking[0]!r}: the region's analysis needs it.")
    return out
