"""Load the SSDA903 schema (tables.yaml, codes.yaml) into typed, validated objects.

Years name a collection by the 31 March it ends on: 2025 is the 2024/25 return.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import SchemaError
from ..vocab import year_label  # noqa: F401 - part of the schema's vocabulary
from ..yamlfile import read_yaml

SCHEMA_DIR = Path(__file__).parent / "schema"

ColumnType = Literal[
    "id", "code", "date", "partial_date", "postcode", "urn", "upn", "integer", "text"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Code(_Strict):
    meaning: str
    from_year: int | None = Field(default=None, alias="from")
    until_year: int | None = Field(default=None, alias="until")

    def valid_in(self, year: int) -> bool:
        return (self.from_year is None or year >= self.from_year) and (
            self.until_year is None or year <= self.until_year
        )


class CodeList(_Strict):
    name: str = ""
    title: str
    from_year: int | None = Field(default=None, alias="from")
    codes: dict[str, Code]

    def valid_codes(self, year: int) -> frozenset[str]:
        return frozenset(c for c, code in self.codes.items() if code.valid_in(year))

    def meaning(self, code: str) -> str | None:
        c = self.codes.get(code)
        return c.meaning if c else None


class Column(_Strict):
    name: str = ""
    type: ColumnType
    title: str
    required: bool = False
    codes: str | None = None
    min: int | None = None
    max: int | None = None

    @model_validator(mode="after")
    def _codes_iff_code(self) -> Column:
        if (self.type == "code") != (self.codes is not None):
            raise ValueError("a column has `codes` exactly when its type is `code`")
        return self


class Table(_Strict):
    name: str = ""
    title: str
    description: str
    from_year: int | None = Field(default=None, alias="from")
    columns: dict[str, Column]

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)

    def collected_in(self, year: int) -> bool:
        return self.from_year is None or year >= self.from_year


class Schema(_Strict):
    first_year: int
    last_year: int
    tables: dict[str, Table]
    codes: dict[str, CodeList]

    def table(self, name: str) -> Table:
        return self.tables[name]

    def codelist(self, name: str) -> CodeList:
        return self.codes[name]

    def schema_year(self, year: int) -> int:
        """The schema year that governs a return: years outside the declared range use the
        nearest declared year (a 2018/19 return is checked against 2022/23 code lists)."""
        return min(max(year, self.first_year), self.last_year)

    def by_title(self) -> dict[str, str]:
        """Map a table's DfE title (e.g. 'PlacedAdoption') to its name here."""
        return {t.title: n for n, t in self.tables.items()}


def _read_yaml(path: Path) -> dict:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise SchemaError(f"{path}: expected a mapping at the top level")
    return data


def _where(exc: ValidationError, prefix: str = "") -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join([prefix] * bool(prefix) + [str(p) for p in err["loc"]])
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def load_schema(directory: Path = SCHEMA_DIR) -> Schema:
    """Read and check tables.yaml and codes.yaml from `directory`."""
    tables_path, codes_path = directory / "tables.yaml", directory / "codes.yaml"
    raw_tables, raw_codes = _read_yaml(tables_path), _read_yaml(codes_path)
    codes = {}
    for name, body in raw_codes.items():
        try:
            codes[name] = CodeList.model_validate({**body, "name": name})
        except (ValidationError, TypeError) as exc:
            where = _where(exc, name) if isinstance(exc, ValidationError) else f"{name}: {exc}"
            raise SchemaError(f"{codes_path}: {where}") from exc
    tables = {}
    for name, body in (raw_tables.get("tables") or {}).items():
        try:
            cols = {c: {**spec, "name": c} for c, spec in (body.get("columns") or {}).items()}
            tables[name] = Table.model_validate({**body, "name": name, "columns": cols})
        except (ValidationError, TypeError, AttributeError) as exc:
            where = _where(exc, f"tables.{name}") if isinstance(exc, ValidationError) else f"tables.{name}: {exc}"
            raise SchemaError(f"{tables_path}: {where}") from exc
    try:
        schema = Schema(
            first_year=raw_tables.get("first_year"),
            last_year=raw_tables.get("last_year"),
            tables=tables,
            codes=codes,
        )
    except ValidationError as exc:
        raise SchemaError(f"{tables_path}: {_where(exc)}") from exc
    for table in schema.tables.values():
        for col in table.columns.values():
            if col.codes is not None and col.codes not in schema.codes:
                raise SchemaError(
                    f"{tables_path}: tables.{table.name}.columns.{col.name}.codes: "
                    f"unknown code list {col.codes!r}"
                )
    return schema


@cache
def default_schema() -> Schema:
    return load_schema()


