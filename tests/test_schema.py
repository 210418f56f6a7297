"""The schema is data: its loader is strict and its year rules are the DfE's."""

from pathlib import Path

import pytest

from sufficiency.errors import SchemaError
from sufficiency.ssda903.schema import SCHEMA_DIR, default_schema, load_schema, year_label


@pytest.mark.parametrize(
    "codelist,code,valid,invalid",
    [
        ("SEX", "1", [2023, 2024], [2025, 2026]),
        ("SEX", "M", [2025, 2027], [2024]),
        ("PLACE", "K3", [2025, 2026], [2023, 2024]),
        ("PLACE", "H5", [2023, 2025], [2026, 2027]),
        ("PLACE", "P2", [2025], [2026]),
        ("PLACE", "Z1", [2024], [2026]),
        ("PLACE", "Z12", [2026, 2027], [2025]),
        ("PLACE", "U1", [2023, 2027], []),
    ],
)
def test_codes_valid_by_year(codelist, code, valid, invalid):
    cl = default_schema().codelist(codelist)
    for y in valid:
        assert code in cl.valid_codes(y), (code, y)
    for y in invalid:
        assert code not in cl.valid_codes(y), (code, y)


def test_sw_episodes_collected_from_2023_24():
    t = default_schema().table("sw_episodes")
    assert not t.collected_in(2023) and t.collected_in(2024)


def test_episode_columns_in_dfe_order():
    assert default_schema().table("episodes").column_names == [
        "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
        "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
    ]


def test_schema_year_clamps_to_declared_range():
    s = default_schema()
    assert (s.schema_year(2018), s.schema_year(2025), s.schema_year(2030)) == (2023, 2025, 2027)
    assert year_label(2025) == "2024/25"


def _copy_schema(tmp_path: Path) -> Path:
    for f in SCHEMA_DIR.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text())
    return tmp_path


def test_unknown_key_names_file_and_key(tmp_path):
    d = _copy_schema(tmp_path)
    p = d / "codes.yaml"
    p.write_text(p.read_text().replace("M: {meaning: \"Male\", from: 2025}",
                                       "M: {meaning: \"Male\", form: 2025}"))
    with pytest.raises(SchemaError, match=r"codes\.yaml.*SEX\.codes\.M\.form"):
        load_schema(d)


def test_unknown_code_list_names_table_and_column(tmp_path):
    d = _copy_schema(tmp_path)
    p = d / "tables.yaml"
    p.write_text(p.read_text().replace("codes: RNE,", "codes: RNX,"))
    with pytest.raises(SchemaError, match=r"tables\.episodes\.columns\.RNE\.codes.*RNX"):
        load_schema(d)
