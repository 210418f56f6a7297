"""Dated parameters and placement categories: values by date, uplift, strict errors."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sufficiency.errors import SchemaError
from sufficiency.parameters import PlacementCategories, load_parameters


def test_value_in_force_on_a_date():
    p = load_parameters()
    assert p.value("costs.weekly.supported", "2024-03-31") == 1865
    assert p.value("costs.weekly.supported", "2024-04-01") == 2100
    with pytest.raises(SchemaError, match="no value before 2020-04-01"):
        p.value("costs.weekly.ifa", dt.date(2019, 1, 1))


def test_weekly_cost_by_financial_year_and_uplift_after_last_value(tmp_path):
    over = tmp_path / "mine.yaml"
    over.write_text(
        "costs.weekly.ifa:\n  description: ours\n  unit: gbp_per_child_week\n"
        "  values: {2023-04-01: {value: 1000, note: our contract price}}\n"
        "costs.annual_uplift:\n  description: ours\n  unit: percent\n"
        "  values: {2020-04-01: {value: 10, note: assumed}}\n"
    )
    p = load_parameters(over)
    assert p.weekly_cost("ifa", 2024) == 1000  # 2023-24
    assert p.weekly_cost("ifa", 2025) == pytest.approx(1100)  # one year of 10%
    assert p.weekly_cost("ifa", 2027) == pytest.approx(1000 * 1.1**3)
    assert p.weekly_cost("ifa", 2023) == pytest.approx(1000 / 1.1)  # 2022-23, before the first value
    assert p.weekly_cost("ifa", 2021) == pytest.approx(1000 / 1.1**3)
    table = p.unit_costs([2024, 2025], categories=["ifa"])
    assert table["estimated"].tolist() == [False, True]
    assert p.unit_costs([2022], categories=["ifa"])["estimated"].tolist() == [True]
    assert table["source"].tolist() == ["our contract price"] * 2
    # the built-in default is untouched by another load
    assert load_parameters().weekly_cost("ifa", 2021) == 820


def test_every_category_has_a_cost_with_a_source():
    p = load_parameters()
    cats = PlacementCategories.load()
    table = p.unit_costs(range(2021, 2031), categories=cats.ids)
    assert len(table) == len(cats.ids) * 10
    assert (table["weekly"] >= 0).all() and (table["source"].str.len() > 0).all()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("costs.weekly.ifa: {description: x, unit: gbp_per_child_week, values: {2024-04-01: {value: -5, note: n}}}",
         "costs.weekly.ifa.values.2024-04-01.value: -5 is negative"),
        ("costs.weekly.ifa: {description: x, unit: gbp_per_child_week, values: {2024-13-01: {value: 5, note: n}}}",
         "costs.weekly.ifa.values.2024-13-01: '2024-13-01' is not a date"),
        ("costs.weekly.ifa: {description: x, unit: gbp_per_child_week, colour: red, values: {2024-04-01: 5}}",
         "costs.weekly.ifa: unknown key\\(s\\) colour"),
        ("costs.weekly.ifa: {description: x, unit: gbp_per_child_week, values: {2024-04-01: {value: 5}}}",
         "give a reference"),
        ("costs.weekly.ifa: {description: x, unit: pounds, values: {2024-04-01: {value: 5, note: n}}}",
         "unknown unit 'pounds'"),
        ("costs.weekly.ifaa: {description: x, unit: gbp_per_child_week, values: {2024-04-01: {value: 5, note: n}}}",
         "unknown parameter 'costs.weekly.ifaa' \\(did you mean costs.weekly.ifa\\?\\)"),
        ("costs.weekly.ifa: {description: x, unit: percent, values: {2024-04-01: {value: 5, note: n}}}",
         "costs.weekly.ifa.unit is 'percent'"),
        ("costs.weekly.ifa: {description: x, unit: gbp_per_child_week, values: {2024-04-01: {value: '5', note: n}}}",
         "is not a number"),
        ("costs.weekly.ifa: {description: x}\ncosts.weekly.ifa: {description: y}", "duplicate key 'costs.weekly.ifa'"),
    ],
)
def test_bad_override_names_file_and_key(tmp_path, text, message):
    f = tmp_path / "council.yaml"
    f.write_text(text)
    with pytest.raises(SchemaError, match=message) as info:
        load_parameters(f)
    assert str(f) in str(info.value)


def test_override_folder_laid_out_like_the_tree(tmp_path):
    d = tmp_path / "costs" / "weekly"
    d.mkdir(parents=True)
    (d / "kinship_foster.yaml").write_text(
        "description: ours\nunit: gbp_per_child_week\nvalues:\n  2024-04-01: {value: 400, note: allowance}\n"
    )
    assert load_parameters(tmp_path).weekly_cost("kinship_foster", 2025) == 400


def test_assign_placement_categories():
    cats = PlacementCategories.load()
    place = ["U1", "u5", " U6 ", "U4", "K2", "K1", "K2", "K3", "H5", "P2", "P1", "A4", "S1", "Z12", None, "XX"]
    prov = ["PR4", "PR1", "PR2", "PR5", "PR1", "PR4", "PR5", "PR4", "PR4", "PR0", "PR0", "PR1", "PR4", "PR4", "PR1", "PR1"]
    assert cats.assign(place, prov).tolist() == [
        "kinship_foster", "inhouse_foster", "inhouse_foster", "ifa", "inhouse_residential",
        "external_residential", "external_residential", "supported", "supported", "supported",
        "with_parents", "placed_for_adoption", "other", "other", "other", "other",
    ]
    big = cats.assign(np.array(["U4"] * 100_000), np.array(["PR4"] * 100_000))
    assert (big == "ifa").all()
    assert cats.label("ifa") == "Independent fostering agency"
    # the same for two columns of a table, as text or objects, on the table's own index
    index = pd.Index(range(100, 100 + len(place)))
    for dtype in ("str", object):
        col = cats.assign_column(pd.Series(place, index=index, dtype=dtype), pd.Series(prov, index=index, dtype=dtype))
        assert col.index.equals(index) and col.tolist() == cats.assign(place, prov).tolist()


def test_every_place_code_of_the_schema_has_a_category_rule():
    from sufficiency.ssda903.schema import default_schema

    cats = PlacementCategories.load()
    named = {p for c in cats.categories for p in c.place}
    schema_codes = set(default_schema().codes["PLACE"].codes)
    assert schema_codes <= named, schema_codes - named


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("categories: [{id: a, label: A, place: [U1]}]\ndefault: b", "default: 'b' is not one of"),
        ("categories: [{id: a, label: A, place: [U1]}, {id: a, label: B, place: [U2]}]", "'a' appears twice"),
        ("categories: [{id: a, label: A, place: [U1], provider: [PR9]}]", "provider: expected a list of codes"),
        ("categories: [{id: a, label: A}]", "missing key 'place'"),
        ("categories: [{id: a, label: A, place: [U1], colour: red}]", "unknown key\\(s\\) colour"),
    ],
)
def test_bad_category_file(tmp_path, text, message):
    f = tmp_path / "cats.yaml"
    f.write_text(text)
    with pytest.raises(SchemaError, match=message):
        PlacementCategories.load(f)


@pytest.mark.parametrize("text, message", [
    ("costs.weekly.ifa: {description: x, unit: gbp_per_child_week, values: {2024-04-01: 1}}\n"
     "costs.weekly.ifa: {description: y}\n", r"line 2: duplicate key 'costs.weekly.ifa'"),
    ("costs.weekly.ifa: {description: x, unit: gbp_per_child_week, values: {2024-13-01: {value: 1, note: n}}}\n",
     r"costs.weekly.ifa.values.2024-13-01: '2024-13-01' is not a date"),
    ("costs.weekly.ifa: {description: x, unit: gbp_per_child_week, colour: red, values: {2024-04-01: 1}}\n",
     r"unknown key\(s\) colour"),
    ("costs.weekly.ifa: [unclosed\n", r"line 2: not valid YAML"),
])
def test_the_one_yaml_loader_names_the_file_in_every_error(tmp_path, text, message):
    from sufficiency.yamlfile import read_yaml

    f = tmp_path / "council.yaml"
    f.write_text(text)
    with pytest.raises(SchemaError, match=message) as info:
        load_parameters(f)
    assert str(info.value).startswith(str(f))
    if "duplicate" in message:  # the loader itself, whatever reads the file
        with pytest.raises(SchemaError, match=rf"{f.name}, line 2: duplicate key"):
            read_yaml(f)


def test_every_yaml_of_the_package_reads_through_the_one_loader():
    from pathlib import Path

    src = Path(__file__).parents[1] / "src" / "sufficiency"
    for py in src.rglob("*.py"):
        text = py.read_text()
        assert "yaml.safe_load" not in text and "yaml.load(" not in text, py


def test_categories_have_roles_and_a_map_with_unknown_roles_is_refused(tmp_path):
    cats = PlacementCategories.load()
    assert cats.select("foster", without=("kinship",)) == ("inhouse_foster", "ifa")
    assert cats.select("residential", "external") == ("external_residential",)
    assert cats.resolve("role:foster+!inhouse") == ("kinship_foster", "ifa")
    assert cats.first("kinship") == "kinship_foster" and cats.get("ifa").cost_parameter == "costs.weekly.ifa"
    f = tmp_path / "cats.yaml"
    f.write_text("categories:\n  - {id: all, label: All, place: [U1], roles: [fostre]}\n")
    with pytest.raises(SchemaError, match=r"cats.yaml: categories\[0\].roles: unknown role\(s\) fostre"):
        PlacementCategories.load(f)


def test_a_councils_own_categories_may_bring_their_weekly_costs(tmp_path):
    cats = tmp_path / "cats.yaml"
    cats.write_text("categories:\n  - {id: foster_all, label: All fostering, place: [U1, U4], roles: [foster]}\n"
                    "  - {id: rest, label: Rest, place: [K1], cost: costs/weekly/other}\n")
    own = PlacementCategories.load(cats)
    prices = tmp_path / "p.yaml"
    prices.write_text("costs.weekly.foster_all: {description: ours, unit: gbp_per_child_week, "
                      "values: {2024-04-01: {value: 700, note: our figure}}}\n")
    p = load_parameters(prices, categories=own)
    assert p.weekly_cost("foster_all", 2025) == 700
    assert p.weekly_cost("rest", 2025) == load_parameters().weekly_cost("other", 2025)
    with pytest.raises(SchemaError, match="unknown parameter 'costs.weekly.foster_all'"):
        load_parameters(prices)  # without the map, a typo is still caught
    with pytest.raises(SchemaError, match="'foster_all' has no weekly cost"):
        load_parameters(categories=own).weekly_cost("foster_all", 2025)
