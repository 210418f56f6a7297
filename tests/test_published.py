"""The DfE's published figures: the build script's cut, the shipped data, the neighbours, the
benchmarks' rank and reconciliation, and the report's section."""

import csv
import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sufficiency.indicators.benchmarks import COLUMNS, Tolerance, compare
from sufficiency.reference import published as pub
from sufficiency.reference.authorities import find_authority

ROOT = Path(__file__).resolve().parents[1]
DFE = ROOT.parent.parent / "shared" / "reference" / "dfe"  # the DfE files, beside the worktrees
GEO = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
       "region_name", "old_la_code", "la_name", "new_la_code"]


def _script():
    spec = importlib.util.spec_from_file_location("build_reference_data", ROOT / "scripts" / "build_reference_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _write(path: Path, columns: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        w.writerows(rows)


def _geo(period: str, level: str, code: str = "", old: str = "", name: str = "", region: str = "E12000003"):
    if level == "National":
        return [period, "Reporting year", level, "E92000001", "England", "", "", "", "", ""]
    return [period, "Reporting year", level, "E92000001", "England", region, "Region", old, name, code]


@pytest.fixture
def dfe_files(tmp_path):
    """Hand-made DfE files: a council in Inner London with suppressed and unavailable figures,
    a second council, England, and time periods in both of the DfE's forms."""
    a = ("E09000007", "202", "Camden", "E13000001")
    b = ("E08000035", "383", "Leeds", "E12000003")
    cla = GEO + ["population_type", "population_estimate", "children_count", "rate_per_10000"]
    on31 = "Children looked after on 31 March each year"
    _write(tmp_path / "cla_number_and_rate_per_10k_children.csv", cla, [
        _geo("202425", "Local authority", a[0], a[1], a[2], a[3]) + [on31, "40000", "c", "c"],
        _geo("202425", "Local authority", *b[:3], b[3]) + [on31, "176239", "1498", "85"],
        _geo("2024", "Local authority", *b[:3], b[3]) + [on31, "174311", "1546", "89"],
        _geo("2025", "National") + [on31, "12183016", "81770", "67"],
        _geo("2025", "Regional", region="E13000001") + [on31, "1", "999", "1"],  # Inner London: left out
    ])
    stab = GEO + ["cla_group", "placement_stability", "children_count", "children_percent"]
    group = "CLA on 31 March"
    _write(tmp_path / "la_cla_placement_stability.csv", stab, [
        _geo("2025", "Local authority", a[0], a[1], a[2], a[3]) + [group, "Total children", "150", "100"],
        _geo("2025", "Local authority", a[0], a[1], a[2], a[3])
        + [group, "With 3 or more placements during the year", "low", "low"],
        _geo("2025", "Local authority", *b[:3], b[3]) + [group, "Total children", "1498", "100"],
        _geo("2025", "Local authority", *b[:3], b[3]) + [group, "With 3 or more placements during the year", "201", "13"],
    ])
    leavers = GEO + ["care_leaver_age", "breakdown", "care_leaver_count", "care_leaver_percent"]
    _write(tmp_path / "la_care_leavers_accommodation_suitability.csv", leavers, [
        _geo("2025", "Local authority", *b[:3], b[3]) + ["19 to 21 years", "Suitability total", "599", "100"],
        _geo("2025", "Local authority", *b[:3], b[3])
        + ["19 to 21 years", "Accommodation considered suitable", "486", "81"],
        _geo("2025", "Local authority", *b[:3], b[3]) + ["17 to 18 years", "Suitability total", "x", "x"],
    ])
    new = GEO + ["characteristic", "breakdown", "children_count", "children_percent"]
    _write(tmp_path / "la_cla_during_year_new_placements.csv", new, [
        _geo("2025", "Local authority", *b[:3], b[3])
        + ["Location of new placements during the year", "Total new placements", "1778", "100"],
    ])
    csww = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
            "region_name", "old_la_code", "new_la_code", "la_name"] + sorted(_script().WORKFORCE_MEASURES.values())
    n = len(_script().WORKFORCE_MEASURES)
    _write(tmp_path / "csww_indicators_2017_to_2025.csv", csww, [
        ["2024", "Reporting year", "Local authority", "E92000001", "England", b[3], "Y", b[1], b[0], b[2]]
        + ["z"] * n,
    ])
    _write(tmp_path / "New_Statistical_Neighbour_Groupings_April_2021.csv",
           ["LA num", "LA Name", "LA number", "GOInd", "GOReg"] + [c for i in range(1, 11) for c in (f"SN{i}", "SNP")],
           [["383", "Leeds", "383", "9", "Y"] + [c for i in range(10) for c in (("202", "383")[i % 2], "Close")],
            ["", "Old SNs:", "", "", ""] + [""] * 20,
            ["202", "Camden (old)", "202", "3", "L"] + ["383", "Close"] * 10])
    return tmp_path


def test_cut_reads_both_time_periods_and_keeps_suppressed_values_missing_never_zero(dfe_files):
    got = pd.DataFrame(_script().cut_published(dfe_files))
    key = got.set_index(["la_code", "indicator", "category", "year"])
    assert key.loc[("E08000035", "cla_31_march", "all", 2025), "value"] == 1498  # time_period 202425
    assert key.loc[("E08000035", "cla_31_march", "all", 2024), "value"] == 1546
    rate = key.loc[("E08000035", "cla_rate_per_10k", "all", 2025)]
    assert (rate["value"], rate["numerator"], rate["denominator"]) == (85, 1498, 176239)
    three = key.loc[("E08000035", "pct_3plus_placements", "all", 2025)]
    assert (three["value"], three["numerator"], three["denominator"]) == (13, 201, 1498)
    suitable = key.loc[("E08000035", "pct_suitable_accommodation", "19 to 21", 2025)]
    assert (suitable["value"], suitable["numerator"], suitable["denominator"]) == (81, 486, 599)
    for where, symbol in [(("E09000007", "cla_31_march", "all", 2025), "c"),
                          (("E09000007", "pct_3plus_placements", "all", 2025), "low"),
                          (("E08000035", "care_leavers", "17 to 18", 2025), "x"),
                          (("E08000035", "sw_caseload", "all", 2025), "z")]:  # census 2024 -> year to March 2025
        assert pd.isna(key.loc[where, "value"]) and key.loc[where, "symbol"] == symbol, where
    assert key.loc[("E09000007", "pct_3plus_placements", "all", 2025), "denominator"] == 150
    assert key.loc[("E92000001", "cla_rate_per_10k", "all", 2025), "value"] == 67
    assert not got["la_code"].str.startswith("E13").any()  # Inner London rows left out


def test_areas_put_inner_london_in_london_and_read_the_current_groupings_only(dfe_files):
    areas = {a["la_code"]: a for a in _script().cut_areas(dfe_files)}
    assert areas["E09000007"]["region_code"] == "E12000007"
    assert areas["E08000035"]["neighbours"].split() == ["E09000007", "E08000035"] * 5
    assert areas["E09000007"]["neighbours"] == ""  # its only row is after 'Old SNs:'


def test_period_names_the_year_ending_31_march():
    period = _script().period
    assert (period("2025"), period("202425"), period("199900")) == (2025, 2025, 2000)
    with pytest.raises(ValueError):
        period("202426")


def test_shipped_figures_are_those_the_dfe_files_hold():
    # read by hand from the DfE's files (cla_number_and_rate_per_10k_children.csv,
    # la_cla_placement_stability.csv, la_care_leavers_accommodation_suitability.csv)
    leeds = pub.council("E08000035").set_index(["indicator", "category", "year"])
    assert leeds.loc[("cla_31_march", "all", 2024), "value"] == 1546
    assert leeds.loc[("started", "all", 2025), "value"] == 458
    assert leeds.loc[("pct_long_term_stability", "all", 2025), ["value", "numerator", "denominator"]].tolist() \
        == [73, 414, 568]
    assert leeds.loc[("pct_suitable_accommodation", "19 to 21", 2025), "value"] == 81
    eng = pub.england().set_index(["indicator", "category", "year"])
    assert eng.loc[("cla_rate_per_10k", "all", 2025), "value"] == 67
    assert eng.loc[("cla_31_march", "all", 2021), "value"] == 80780
    # suppressed in the source: missing, with the DfE's mark, never 0
    figs = pub.figures()
    marked = figs[figs["symbol"] != ""]
    assert len(marked) and marked["value"].isna().all()
    assert set(marked["symbol"]) <= {"c", "x", "z", "low", "k", "u"}


@pytest.mark.skipif(not DFE.is_dir(), reason=f"the DfE's source files are not at {DFE}")
def test_shipped_file_is_what_the_script_cuts_from_the_dfe_files(tmp_path):
    _script().write_published(DFE, tmp_path)
    shipped = ROOT / "src" / "sufficiency" / "reference" / "data"
    for name in ("published.csv.gz", "published_areas.csv"):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name


def test_neighbours_are_the_dfe_files_ten_and_a_recoded_council_is_found():
    # Leeds' row of New_Statistical_Neighbour_Groupings_April_2021.csv, closest first
    numbers = ["373", "841", "381", "351", "808", "350", "831", "392", "382", "344"]
    expected = [find_authority(n).dfe_code for n in numbers]
    assert pub.neighbours("E08000035") == expected
    assert pub.area_name(expected[0]) == "Sheffield"
    assert pub.region_of("E08000035") == "E12000003"
    assert pub.find("E08000038") == "E08000016"  # Barnsley: today's code, the DfE's code
    assert pub.neighbours("E06000063") == []  # Cumberland: after the April 2021 groupings


def _frame(rows):
    return pd.DataFrame([{"indicator": i, "dimension": "" if c == "all" else "age_group", "category": c,
                          "year": y, "value": v} for i, c, y, v in rows],
                        columns=["indicator", "dimension", "category", "year", "value"])


@pytest.mark.parametrize("indicator,best_first", [("pct_3plus_placements", True),
                                                  ("pct_long_term_stability", False)])
def test_rank_follows_higher_is(indicator, best_first):
    figs = pub.figures()
    la = figs[(figs["indicator"] == indicator) & (figs["year"] == 2025) & figs["la_code"].isin(pub.councils())]
    la = la.dropna(subset=["value"]).sort_values("value", ascending=best_first)
    best, worst = la.iloc[0], la.iloc[-1]
    tol = Tolerance(2, 0.02)
    top = compare(_frame([]), best["la_code"], [2025], tol).set_index("indicator").loc[indicator]
    bottom = compare(_frame([]), worst["la_code"], [2025], tol).set_index("indicator").loc[indicator]
    assert top["rank"] == 1
    assert top["of"] == len(la)
    assert bottom["rank"] == len(la) - (la["value"] == worst["value"]).sum() + 1  # ties share the better rank
    neutral = compare(_frame([]), best["la_code"], [2025], tol).set_index("indicator").loc["cla_31_march"]
    assert pd.isna(neutral["rank"]) and pd.isna(neutral["of"])


def test_reconciliation_flags_beyond_the_tolerance_and_not_within():
    tol = Tolerance(points=2, share=0.02)
    leeds = pub.council("E08000035").set_index(["indicator", "category", "year"])["value"]
    cla, stab = leeds[("cla_31_march", "all", 2025)], leeds[("pct_long_term_stability", "all", 2025)]
    suitable = leeds[("pct_suitable_accommodation", "19 to 21", 2025)]
    frame = _frame([("cla_31_march", "all", 2025, cla * 1.03), ("pct_long_term_stability", "all", 2025, stab - 1.5),
                    ("pct_suitable_accommodation", "19 to 21", 2025, suitable + 2.5),
                    ("cla_31_march", "all", 2024, leeds[("cla_31_march", "all", 2024)] + 10)])
    b = compare(frame, "E08000035", [2024, 2025], tol).set_index(["indicator", "category", "year"])
    assert list(b.reset_index().columns) == COLUMNS
    assert bool(b.loc[("cla_31_march", "all", 2025), "flag"]) is True  # 3% > 2%
    assert b.loc[("cla_31_march", "all", 2025), "difference"] == pytest.approx(cla * 0.03)
    assert bool(b.loc[("cla_31_march", "all", 2024), "flag"]) is False  # 10 of 1,546 < 2%
    assert bool(b.loc[("pct_long_term_stability", "all", 2025), "flag"]) is False  # 1.5 points
    assert bool(b.loc[("pct_suitable_accommodation", "19 to 21", 2025), "flag"]) is True  # 2.5 points
    assert pd.isna(b.loc[("pct_3plus_placements", "all", 2025), "flag"])  # nothing computed
    near = pub.figures().set_index(["la_code", "indicator", "category", "year"])["value"]
    mean = np.mean([near[(c, "pct_long_term_stability", "all", 2025)] for c in pub.neighbours("E08000035")])
    assert b.loc[("pct_long_term_stability", "all", 2025), "neighbours"] == pytest.approx(mean)
    assert b.loc[("pct_long_term_stability", "all", 2025), "england"] == 69


def test_tolerance_is_read_from_the_parameters_with_its_reason():
    from sufficiency.parameters import load_parameters

    params = load_parameters()
    tol = Tolerance.from_parameters(params)
    assert tol.points == params.get("reconciliation.tolerance_points").values[-1].value
    assert tol.share == params.get("reconciliation.tolerance_share").values[-1].value
    assert "rounds" in tol.reason


@pytest.fixture(scope="module")
def rutland(tmp_path_factory):
    from sufficiency.pipeline import load
    from sufficiency.synth import synthesise

    d = tmp_path_factory.mktemp("published")
    synthesise(la="Rutland", first_year=2023, last_year=2025, seed=3, out=d / "returns")
    load(d / "returns", d / "la.duckdb")
    return d / "la.duckdb"


def test_report_of_a_synthetic_council_shows_its_published_figures_and_neighbours(rutland, tmp_path):
    from sufficiency.report import write_report
    from sufficiency.store.db import write_tables

    write_tables(rutland, {}, {"synthetic": True})
    files = write_report(rutland, tmp_path / "r.html", xlsx=tmp_path / "t.xlsx")
    html = files.html.read_text()
    section = html[html.index('id="published"'):]
    section = section[:section.index("</section>")]
    assert "synthetic returns" in section
    for code in pub.neighbours("E06000017"):
        assert pub.area_name(code) in section
    published = pub.council("E06000017").set_index(["indicator", "category", "year"])["value"]
    started = f"{published[('started', 'all', 2025)]:,.0f}"
    assert re.search(rf"Children who started to be looked after</th><td[^>]*>2024/25</td><td[^>]*>[^<]*</td>"
                     rf"<td[^>]*>{started}</td>", section)
    sheet = pd.read_excel(files.xlsx, sheet_name="published")
    row = sheet[(sheet["indicator"] == "started") & (sheet["year"] == 2025)].iloc[0]
    assert row["published"] == published[("started", "all", 2025)]
    assert {"reconciliation", "benchmarks"} <= set(pd.read_excel(files.xlsx, sheet_name=None))

