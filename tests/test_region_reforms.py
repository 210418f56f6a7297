"""Reforms across a region, on a small regional store of three synthetic councils: the region's
figures are the sums of the councils' run by run, each council's money is what `compare` gives
it alone, the places add up, a council not in the store is refused, a new share makes the
stored comparison stale, and the command and the report show it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from sufficiency import api
from sufficiency.cli import app
from sufficiency.errors import SchemaError
from sufficiency.reforms.compare import compare
from sufficiency.region.agreement import load_agreement
from sufficiency.region.imports import add_shares, remove_council
from sufficiency.region.indicators import REGION, RegionData
from sufficiency.region.reforms import council_reform, largest_remainder, load_regional, parse_regional
from sufficiency.region.reforms_results import read_comparison, reforms_section
from sufficiency.region.reforms_run import TOTALS, council_seeds, origin
from sufficiency.region.share import share_store

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "regional-reforms.yaml"
GM = load_agreement("Greater Manchester")
COUNCILS = ("Bolton", "Wigan", "Bury")
RUNS, YEARS = 24, 3


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """Three small synthetic councils, shared and imported for indicators and forecast; and a
    later share of Bolton (another year of returns) to import after the comparison."""
    root = tmp_path_factory.mktemp("region-reforms")
    shares, later = [], None
    for i, la in enumerate(COUNCILS):
        returns = root / f"{la}-returns"
        api.synth(api.SynthOptions(la=la, years=(2023, 2025), seed=3 + i, out=returns, children=80))
        if la == "Bolton":  # the share imported first leaves out the last year
            early = root / "Bolton-early"
            for y in (2023, 2024):
                shutil.copytree(returns / str(y), early / str(y))
            full = root / "Bolton-full.duckdb"
            api.load(api.LoadOptions(path=returns, db=full, la=la))
            later = share_store(full, GM, root / "Bolton-later.share").path
            returns = early
        db = root / f"{la}.duckdb"
        api.load(api.LoadOptions(path=returns, db=db, la=la))
        shares.append(share_store(db, GM, root / f"{la}.share").path)
    store = root / "region.duckdb"
    add_shares(store, shares, uses=("indicators", "forecast"))
    return {"root": root, "db": store, "later": later}


@pytest.fixture(scope="module")
def compared(region):
    db = region["root"] / "compared.duckdb"
    shutil.copy(region["db"], db)
    result = api.region_compare(api.RegionCompareOptions(reforms=EXAMPLE, db=db, years=YEARS, runs=RUNS, seed=5))
    con = duckdb.connect(str(db), read_only=True)
    tables = {t: con.execute(f"SELECT * FROM {t}").df() for t in ("region_reform_runs", "region_reform_finance",
                                                                    "region_reform_split", "region_reform_money")}
    con.close()
    return {"db": db, "result": result, **tables}


def test_regional_totals_equal_the_sum_of_councils_run_by_run(compared):
    runs = compared["region_reform_runs"]
    additive = runs[runs["measure"] != "payback_years"]
    wide = additive.pivot_table(index=["scenario", "measure", "run"], columns="council", values="value")
    councils = [c for c in wide.columns if c != REGION]
    assert len(councils) == len(COUNCILS) and len(wide) == 3 * (len(TOTALS) + 4) * RUNS
    np.testing.assert_allclose(wide[REGION], wide[councils].sum(axis=1), rtol=1e-9, atol=1e-6)
    fin = compared["region_reform_finance"]
    fin = fin[fin["measure"] != "payback_years"].pivot_table(index=["scenario", "measure"], columns="council",
                                                              values="mean")
    np.testing.assert_allclose(fin[REGION], fin[councils].sum(axis=1), rtol=1e-9, atol=1e-6)
    money = compared["region_reform_money"].pivot_table(index=["scenario", "date", "measure"], columns="council",
                                                         values="mean")
    np.testing.assert_allclose(money[REGION], money[councils].sum(axis=1), rtol=1e-9, atol=1e-6)


def test_the_regions_range_is_that_of_the_sum_not_the_sum_of_ranges(compared):
    fin = compared["region_reform_finance"].set_index(["scenario", "council", "measure"])
    name = "Regional block contract"
    width = {c: fin.loc[(name, c, "net_saving"), "hi90"] - fin.loc[(name, c, "net_saving"), "lo90"]
             for c in fin.loc[name].index.get_level_values(0).unique()}
    councils = sum(v for c, v in width.items() if c != REGION)
    assert councils > 0 and width[REGION] < 0.95 * councils


def test_each_council_keeps_its_own_runs_and_the_money_of_compare_alone(region, compared):
    """A council's figures in the regional comparison are those `compare` gives the council with
    its part of the reforms (same seed): the pairing only reorders its runs."""
    data = RegionData.read(compared["db"])
    plan = load_regional(EXAMPLE, data)
    code = data.codes[0]
    seeds, _ = council_seeds(data.codes, 5)
    split = compared["region_reform_split"]
    alone = compare(data.council(code), {r.reform.name: [council_reform(r, code, split)] for r in plan.reforms},
                    years=YEARS, runs=RUNS, seed=seeds[code], as_of=origin(data))
    fin = compared["region_reform_finance"].set_index(["scenario", "council", "measure"])
    for row in alone.finance.itertuples():
        if row.measure == "payback_years":
            continue
        got = fin.loc[(row.scenario, code, row.measure)]
        assert got["median"] == pytest.approx(row.median) and got["lo90"] == pytest.approx(row.lo90)
        assert got["hi90"] == pytest.approx(row.hi90)


def test_the_capacity_split_adds_up_to_each_reforms_capacity(compared):
    written = yaml.safe_load(EXAMPLE.read_text())
    split = compared["region_reform_split"]
    for body in written["scenarios"]:
        for j, ch in enumerate(body["changes"]):
            field = {"block_contract": "beds", "residential_homes": "homes",
                     "foster_recruitment": "households_per_year"}[ch["kind"]]
            parts = split[(split["scenario"] == body["name"]) & (split["change"] == j)]
            assert len(parts) == len(COUNCILS)
            assert parts["capacity"].sum() == pytest.approx(ch[field])
            assert parts["share"].sum() == pytest.approx(1.0)
            if field != "households_per_year":
                assert (parts["capacity"] == parts["capacity"].round()).all()
            if ch.get("split", "need") == "need":  # the most need gets at least as much as the least
                ordered = parts.sort_values("need")
                assert ordered["capacity"].iloc[-1] >= ordered["capacity"].iloc[0]


@pytest.mark.parametrize("total,weights,whole", [
    (24, {"a": 7.9, "b": 7.4, "c": 6.2}, True), (4, {"a": 11.1, "b": 10.1, "c": 7.4}, True),
    (5, {"a": 1, "b": 1, "c": 1}, True), (60, {"a": 46.1, "b": 27.6, "c": 0.0}, False),
    (3, {"a": 0.0, "b": 0.0}, True)])
def test_largest_remainder_adds_up_and_stays_within_one_of_the_exact_part(total, weights, whole):
    parts = largest_remainder(total, weights, whole)
    assert sum(parts.values()) == pytest.approx(total)
    w = np.array(list(weights.values()))
    exact = total * (w / w.sum() if w.sum() else np.full(len(w), 1 / len(w)))
    assert np.all(np.abs(np.array(list(parts.values())) - exact) < 1)
    if whole:
        assert all(v == int(v) for v in parts.values())


def _plan(split) -> dict:
    return {"scenarios": [{"name": "Homes", "changes": [
        {"kind": "residential_homes", "homes": 4, "beds_per_home": 2, "from": "2026-04-01", "split": split}],
        "costs": [{"item": "Team", "type": "staff", "amount": 100000, "every": "year", "from": "2026-04-01",
                   "note": "assumed"}]}]}


def test_a_named_split_gives_each_council_its_part_and_the_region_costs_follow_the_places(region):
    data = RegionData.read(region["db"])
    plan = parse_regional(_plan({"Bolton": 1, "E08000002": 3}), "named.yaml", data)
    assert plan.reforms[0].splits[0] == {"E08000001": 1.0, "E08000002": 3.0}
    from sufficiency.region.reforms import capacity_split

    split = capacity_split(plan, {"Homes": {0: dict.fromkeys(data.codes, 1.0)}}, dict.fromkeys(data.codes, 1.0))
    reforms = {c: council_reform(plan.reforms[0], c, split) for c in data.codes}
    assert {c: r.changes[0].homes for c, r in reforms.items()} == {"E08000001": 1, "E08000002": 3, "E08000010": 0}
    assert sum(r.costs[0].count for r in reforms.values()) == pytest.approx(1.0)
    assert reforms["E08000002"].costs[0].count == pytest.approx(0.75)


@pytest.mark.parametrize("split,words", [
    ({"Leeds": 2, "Bolton": 2}, "Leeds is not a council in"),
    ({"Salford": 2, "Bolton": 2}, "Salford is not a council in"),
    ({"Bolton": 1, "Wigan": 1}, "add up to 2, not the 4"),
    ({"Bolton": 1.5, "Wigan": 2.5}, "not a whole number of homes"),
])
def test_a_split_naming_a_council_not_in_the_store_or_not_adding_up_is_refused(region, split, words):
    data = RegionData.read(region["db"])
    with pytest.raises(SchemaError, match=words) as exc:
        parse_regional(_plan(split), "bad.yaml", data)
    assert "bad.yaml: scenarios[0].changes[0].split" in str(exc.value)


def test_the_command_refuses_a_council_not_in_the_store_with_a_sentence(region, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_plan({"Leeds": 4})))
    result = CliRunner().invoke(app, ["region", "compare", str(bad), "--db", str(region["db"]), "--runs", "5"])
    assert result.exit_code not in (0, None) and isinstance(result.exception, SystemExit | None)
    assert "Leeds is not a council in" in result.output and "Traceback" not in result.output


def test_a_new_share_or_a_removal_marks_the_stored_comparison_stale(region, compared, tmp_path):
    db = tmp_path / "stale.duckdb"
    shutil.copy(compared["db"], db)
    data = RegionData.read(db)
    held = read_comparison(db)
    assert held is not None and not held.stale
    assert "stale" not in " ".join(reforms_section(data, held).text) and reforms_section(data, held).tables
    add_shares(db, [region["later"]], uses=("indicators", "forecast"))
    held = read_comparison(db)
    assert held is not None and held.stale  # kept, but not current
    section = reforms_section(RegionData.read(db), held)
    assert "made from other shares" in section.text[0] and not section.tables
    again = tmp_path / "removed.duckdb"
    shutil.copy(compared["db"], again)
    remove_council(again, "Wigan")
    assert read_comparison(again).stale


def test_cli_compares_and_the_report_shows_councils_and_the_region(region, tmp_path):
    db = tmp_path / "cli.duckdb"
    shutil.copy(region["db"], db)
    runner = CliRunner()
    book = tmp_path / "reforms.xlsx"
    result = runner.invoke(app, ["region", "compare", str(EXAMPLE), "--db", str(db), "--runs", "12", "--years", "2",
                                 "--out", str(book)])
    assert result.exit_code == 0, result.output
    assert "Greater Manchester" in result.output and "region_reform_" in result.output
    _the_workbook_holds_the_stored_money(book, db)
    out = tmp_path / "region.html"
    assert runner.invoke(app, ["region", "report", "--db", str(db), "--out", str(out)]).exit_code == 0
    html = out.read_text()
    section = html[html.index('id="region_reforms"'):html.index('id="shares"')]
    assert "<svg" in section and "Greater Manchester" in section
    for name in ("Bolton", "Wigan", "Bury", "Regional foster carer recruitment hub", "reform_costs.childrens_home_capital"):
        assert name in section
    assert read_comparison(db).command.startswith("sufficiency region compare")


def test_the_report_says_how_to_compare_when_nothing_is_stored(region):
    section = reforms_section(RegionData.read(region["db"]), read_comparison(region["db"]))
    assert "sufficiency region compare" in section.text[0] and not section.tables


def test_region_compare_has_help():
    result = CliRunner().invoke(app, ["region", "compare", "--help"])
    assert result.exit_code == 0 and "regional reforms" in result.output.lower()


def test_the_region_must_match_the_store(region):
    with pytest.raises(SchemaError, match="the file is for Leeds"):
        parse_regional({"region": "Leeds", **_plan("need")}, "x.yaml", RegionData.read(region["db"]))


def test_compare_on_a_regional_store_names_the_regional_command(region):
    result = CliRunner().invoke(app, ["compare", "baseline", "--db", str(region["db"]), "--runs", "5"])
    assert result.exit_code != 0 and "sufficiency region compare" in result.output


def _the_workbook_holds_the_stored_money(book: Path, db: Path) -> None:
    import pandas as pd

    sheets = pd.read_excel(book, sheet_name=None)
    assert list(sheets) == ["README", "money", "by_year", "places", "costs"]
    assert "sufficiency region compare" in sheets["README"]["About"].iloc[0]
    money = sheets["money"]
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute("SELECT scenario, council, mean FROM region_reform_finance WHERE measure = 'npv'").df()
    con.close()
    npv = money[money["measure"] == "net present value"].merge(stored, on=["scenario", "council"], suffixes=("", "_db"))
    assert len(npv) == len(stored) and np.allclose(npv["mean"], npv["mean_db"])
    region = money[(money["council"] == REGION) & (money["measure"] == "net present value")]
    assert set(region["name"]) == {"Greater Manchester"} and len(region) == 3
    assert set(money["name"]) >= set(COUNCILS)


def test_the_command_refuses_a_workbook_that_is_not_xlsx(region, tmp_path):
    result = CliRunner().invoke(app, ["region", "compare", str(EXAMPLE), "--db", str(region["db"]),
                                      "--out", str(tmp_path / "reforms.csv")])
    assert result.exit_code == 2 and "--out" in result.output and ".xlsx" in result.output
    assert not (tmp_path / "reforms.csv").exists()


def test_the_regions_own_parameters_change_its_money_and_are_named_in_the_command(region, compared, tmp_path):
    db = tmp_path / "params.duckdb"
    shutil.copy(region["db"], db)
    params = tmp_path / "region-prices.yaml"
    params.write_text("market.block_discount_percent:\n  description: the region's contract\n  unit: percent\n"
                      "  values: {2020-04-01: {value: 30, note: the region's block contract}}\n")
    api.region_compare(api.RegionCompareOptions(reforms=EXAMPLE, db=db, years=YEARS, runs=RUNS, seed=5, params=params))
    held = read_comparison(db)
    assert "--params" in held.command and str(params) in held.command

    def npv(tables) -> float:
        f = tables.set_index(["scenario", "council", "measure"])["mean"]
        return float(f[("Regional block contract", REGION, "npv")])

    con = duckdb.connect(str(db), read_only=True)
    cheaper = npv(con.execute("SELECT * FROM region_reform_finance").df())
    con.close()
    assert cheaper > npv(compared["region_reform_finance"]) + 100_000  # 30% off spot, not 10%
