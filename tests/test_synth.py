"""The synthetic council: reproducible, valid, and its parameters strictly loaded."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd
import pytest

from sufficiency.errors import SchemaError
from sufficiency.ssda903.reader import read_returns
from sufficiency.ssda903.validate import validate
from sufficiency.synth import load_params, synthesise


@pytest.fixture(scope="module")
def rutland(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "rutland"
    synthesise(la="Rutland", first_year=2023, last_year=2026, seed=3, out=out)
    return out


def test_same_seed_same_files_other_seed_differs(rutland, tmp_path):
    again = tmp_path / "again"
    synthesise(la="Rutland", first_year=2023, last_year=2026, seed=3, out=again)
    for f in rutland.rglob("*.csv"):
        assert filecmp.cmp(f, again / f.relative_to(rutland), shallow=False), f
    other = tmp_path / "other"
    synthesise(la="Rutland", first_year=2023, last_year=2026, seed=4, out=other)
    assert not filecmp.cmp(rutland / "2026" / "episodes.csv", other / "2026" / "episodes.csv", shallow=False)


def test_returns_have_every_table_and_pass_validation(rutland):
    names = {p.stem for p in (rutland / "2026").glob("*.csv")}
    assert {"header", "episodes", "reviews", "uasc", "oc2", "oc3", "ad1", "placed_adoption",
            "prev_perm", "missing", "sw_episodes"} <= names
    assert not (rutland / "2023" / "sw_episodes.csv").exists()  # collected from 2023/24
    returns = read_returns(rutland)
    report = validate(returns)
    assert report.ok, report.to_text(limit=20)
    assert len(report.issues) == 0, report.to_text(limit=20)


def test_codes_follow_the_year(rutland):
    h24 = pd.read_csv(rutland / "2024" / "header.csv", dtype=str)
    h25 = pd.read_csv(rutland / "2025" / "header.csv", dtype=str)
    assert set(h24["SEX"]) <= {"1", "2"} and set(h25["SEX"]) <= {"M", "F", "U"}
    e26 = pd.read_csv(rutland / "2026" / "episodes.csv", dtype=str)
    assert not e26["PLACE"].isin(["H5", "P2", "Z1"]).any()


def test_home_postcodes_are_the_councils(rutland):
    from sufficiency.reference.postcodes import directory

    ep = pd.read_csv(rutland / "2025" / "episodes.csv", dtype=str)
    councils = directory().locate(ep["HOME_POST"].drop_duplicates())["council"]
    assert (councils == "E06000017").all()
    placed = directory().locate(ep["PL_POST"].drop_duplicates())["council"]
    assert (placed != "E06000017").any() and (placed == "E06000017").any()


def test_children_override_scales_the_council(tmp_path):
    out = tmp_path / "big"
    res = synthesise(la="Rutland", first_year=2025, last_year=2025, seed=1, out=out, children=600)
    cla = res.summary.set_index("year").loc[2025, "looked_after_31_march"]
    assert 450 < cla < 750


def test_params_unknown_key_names_file_and_key(tmp_path):
    bad = tmp_path / "params.yaml"
    bad.write_text("placement_days:\n  fostr: 300\n")
    with pytest.raises(SchemaError, match=r"params\.yaml: placement_days\.fostr: unknown parameter"):
        load_params(bad)
    bad.write_text("warm_up_years: -3\n")
    with pytest.raises(SchemaError, match=r"warm_up_years: -3 is not a non-negative number"):
        load_params(bad)
    good = tmp_path / "good.yaml"
    good.write_text("placement_days:\n  foster: 300\n")
    assert load_params(good)["placement_days"]["foster"] == 300
