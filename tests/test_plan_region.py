"""The capacity plan on a regional store: three small synthetic councils of Greater Manchester
shared, imported and forecast as a region does it, then planned with each council a site."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from test_region import GM, _council
from typer.testing import CliRunner

from sufficiency import api
from sufficiency.cli import app
from sufficiency.region.imports import add_shares
from sufficiency.region.key import council_key
from sufficiency.region.share import share_store
from sufficiency.store import Store

LAS = {"Bolton": "E08000001", "Bury": "E08000002", "Wigan": "E08000010"}
OPTIONS = """years: 2
scenarios: 12
home_sizes: [2]
limits: {homes_per_council_per_year: 1, foster_recruits_per_council_per_year: 5, block_beds_per_council_per_year: 2}
solver: {gap: 0.0}
"""


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """The regional store with three councils' shares, forecast (20 runs, 2 years) and planned."""
    root = tmp_path_factory.mktemp("plan-region")
    key = root / "bolton.share-key"
    council_key(key)
    shares = [share_store(_council(root, la), GM, root / f"{la}.share", key if la == "Bolton" else None).path
              for la in LAS]
    db = root / "region.duckdb"
    add_shares(db, shares, uses=("indicators", "forecast", "planning"))
    api.region_forecast(api.RegionForecastOptions(db=db, years=2, runs=20, seed=3))
    opts = root / "plan.yaml"
    opts.write_text(OPTIONS)
    result = api.plan(api.PlanCommandOptions(db=db, options=opts))
    return {"root": root, "db": db, "options": opts, "result": result, "key": key}


def _runs(db) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT * FROM region_forecast_runs WHERE council <> 'region'").df()
    finally:
        con.close()


def test_each_council_is_one_site_and_its_demand_is_its_part_of_the_combined_runs(region):
    with Store(region["db"]) as store:
        sites = store.table("plan_councils")
        demand = store.table("plan_demand")
    assert sorted(sites["council"]) == sorted(LAS.values())  # one site a council, no other
    assert sorted(demand["council"].unique()) == sorted(LAS.values())
    runs = _runs(region["db"])
    runs = runs[runs["run"] < 12].sort_values(["run", "council", "date"])
    # each plan year's children: the mean of its two 31 Marches in the same combined run
    for measure in ("residential", "foster"):
        runs[measure + "_mean"] = runs.groupby(["run", "council"])[measure].transform(lambda v: (v + v.shift(1)) / 2)
    runs = runs.dropna(subset=["residential_mean"]).assign(year=lambda f: pd.to_datetime(f["date"]).dt.year)
    by = demand.groupby(["scenario", "council", "year", "need"])["children"].sum().unstack("need").reset_index()
    runs = runs[["run", "council", "year", "residential_mean", "foster_mean"]]
    both = by.merge(runs.rename(columns={"run": "scenario"}), on=["scenario", "council", "year"], validate="1:1")
    assert len(both) == 12 * 3 * 2
    # each need is the council's own children in it in the same combined run
    assert np.allclose(both["residential"], both["residential_mean"])
    assert np.allclose(both["foster"], both["foster_mean"]) and (both["foster"] > 0).all()


def test_the_regional_plan_beats_no_plan_and_places_children_inside_the_region(region):
    outcome = region["result"].outcome
    assert outcome.feasible and outcome.status == "optimal"
    s = outcome.summary().set_index("policy")
    assert s.loc["plan", "expected"] < s.loc["no plan", "expected"] - 1.0
    assert s.loc["plan", "expected"] <= s.loc["simple rule", "expected"] + 1e-6
    assert set(outcome.decisions["council"]) <= set(LAS.values()) and len(outcome.decisions)
    placed = outcome.placed
    assert "inside" in placed and (placed["inside"] <= placed["children"] + 1e-9).all()
    # every child in an in-house, block or recruited place is inside: at least those not bought
    assert (placed["inside"] >= placed["children"] - placed["bought"] - 1e-9).all()
    assert any("inside the region" in n for n in region["result"].notes)


def test_the_regional_report_shows_the_plan_until_a_share_changes(region, tmp_path):
    from sufficiency.region.report import write_region_report
    from sufficiency.report.plan import REGION_STALE, _m

    db = tmp_path / "region.duckdb"
    db.write_bytes(region["db"].read_bytes())  # the module's store stays as it was
    _, report = write_region_report(db, tmp_path / "region.html")
    plan = next(s for s in report.sections if s.id == "plan")
    expected = region["result"].outcome.summary().set_index("policy").loc["plan", "expected"]
    assert f"Expected cost {_m(expected)}" in " ".join(plan.text)
    assert any("Bolton" in c and "<svg" in c for c in plan.charts)  # the picture of the councils
    assert "inside the region" in " ".join(plan.text)
    # a new share of Bolton (two years of its returns, not three): the plan was made from others
    early = share_store(_council(region["root"], "Bolton", keep=(2024, 2025)), GM, tmp_path / "early.share",
                        region["key"]).path
    add_shares(db, [early], uses=("indicators", "forecast", "planning"))
    with Store(db) as store:
        assert "plan" in store.stale() and "plan_decisions" not in store.names
    _, report = write_region_report(db, tmp_path / "region.html")
    plan = next(s for s in report.sections if s.id == "plan")
    assert plan.text == [REGION_STALE] and not plan.tables
    # and the plan cannot be made again until the region is forecast again
    run = CliRunner().invoke(app, ["plan", "--db", str(db), "--options", str(region["options"])])
    assert run.exit_code != 0 and "sufficiency region forecast --db" in run.output


def test_a_plan_asking_for_more_runs_than_the_regional_forecast_names_the_option(region, tmp_path):
    opts = tmp_path / "plan.yaml"
    opts.write_text("scenarios: 50\n")
    run = CliRunner().invoke(app, ["plan", "--db", str(region["db"]), "--options", str(opts)])
    assert run.exit_code != 0
    assert f"{opts}: scenarios: 50 is more than the regional forecast's 20 runs" in " ".join(run.output.split())


def test_the_plan_needs_the_planning_use_agreed_for_every_council(region, tmp_path):
    """Wigan signs up to indicators and forecast only: the region may forecast, not plan."""
    from sufficiency.errors import InputError
    from sufficiency.region.agreement import load_agreement

    narrow = tmp_path / "narrow.yaml"
    narrow.write_text(GM.text.replace("{code: E08000010, name: Wigan}",
                                      "{code: E08000010, name: Wigan, uses: [indicators, forecast]}"))
    agreement = load_agreement(narrow)
    shares = [share_store(region["root"] / f"{la}-returns.duckdb", agreement, tmp_path / f"{la}.share",
                          region["key"] if la == "Bolton" else None).path for la in LAS]
    db = tmp_path / "region.duckdb"
    add_shares(db, shares, agreement=agreement, uses=("indicators", "forecast"))
    with pytest.raises(InputError, match="does not cover the use 'planning' for Wigan"):
        api.plan(api.PlanCommandOptions(db=db, options=region["options"]))


def test_a_regional_forecast_made_before_it_counted_foster_care_is_made_again_first(region, tmp_path):
    import shutil

    from sufficiency.errors import StoreError

    db = tmp_path / "older.duckdb"
    shutil.copy(region["db"], db)
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE region_forecast_runs DROP COLUMN foster")
    con.close()
    with pytest.raises(StoreError, match="did not count children in foster care.*sufficiency region forecast --db"):
        api.plan(api.PlanCommandOptions(db=db, options=region["options"]))
