"""The capacity planner: small instances solved by hand, no plan that breaks a constraint, limits
that cannot be met named, and the options file's errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sufficiency.cli import app
from sufficiency.errors import SchemaError
from sufficiency.plan import PlanInputs, Prices, build_model, solve_plan, violations
from sufficiency.plan.demand import demand_from_runs
from sufficiency.plan.inputs import WEEKS, lead_years
from sufficiency.plan.options import parse_options, read_options

SPOT, SOLO, RUN, CAP, MILE, SPOT_MILES = 5000.0, 12000.0, 2000.0, 300_000.0, 40.0, 30.0


def prices(T: int, **kw) -> Prices:
    def arr(v):
        return np.full(T, float(v))

    base = dict(spot_res=arr(SPOT), spot_solo=arr(SOLO), spot_foster=arr(900), inhouse_foster=arr(500),
                block_bed=arr(4800), running_bed=arr(RUN), capital_home=arr(CAP), capital_bed=arr(0),
                recruit=arr(6000), support=arr(8000), per_mile=arr(MILE), spot_miles=SPOT_MILES, spot_near=0.5,
                near_miles=20, discount_rate=0.0, home_life=1, lead_home=0, lead_foster=0, lead_block=0,
                places_per_household=1.5, beds_per_existing_home=4)
    base.update(kw)
    return Prices(**base)


def inputs(res, T=1, foster=None, miles=30.0, **kw) -> PlanInputs:
    """Two councils A and B `miles` apart; res: children needing a home [scenario, year, council]."""
    res = np.asarray(res, float)
    W = res.shape[0]
    base = dict(councils=("A", "B"), years=tuple(range(2026, 2026 + T)), demand_res=res,
                demand_foster=np.zeros_like(res) if foster is None else np.asarray(foster, float), alone_share=0.0,
                homes=np.zeros(2), foster_places=np.zeros(2), miles=np.array([[0.0, miles], [miles, 0.0]]),
                sizes=(2,), prices=prices(T), limit_homes=np.ones((2, T)), limit_recruits=np.zeros((2, T)),
                limit_block=np.zeros((2, T)), budget=np.full(T, np.inf))
    base.update(kw)
    assert base["demand_res"].shape == (W, T, 2)
    return PlanInputs(**base)


def solve(p, **kw):
    """Solved to optimality (gap 0), so the answer worked by hand is the one returned."""
    return solve_plan(p, gap=0.0, **kw)


def spot_year() -> float:
    return SPOT * WEEKS + MILE * SPOT_MILES


def home_years(years: int = 1) -> float:
    return CAP + 2 * RUN * WEEKS * years


def built(outcome) -> dict:
    d = outcome.decisions
    return {(r.council, r.decided, r.ready): r.number for r in d.itertuples() if r.what.endswith("home")}


def test_two_councils_one_home_one_scenario_worked_by_hand():
    # A has two children needing a home, B one. A two-bed home in A keeps A's two at home for
    # CAP + 2 beds' running cost, against two spot places; a second home in B for one child
    # costs more than its spot place. So: one home, in A; B's child in a spot place.
    assert home_years() < 2 * spot_year() and home_years() > spot_year()
    out = solve(inputs([[[2, 1]]]))
    assert out.feasible and out.status == "optimal"
    assert built(out) == {("A", 2026, 2026): 1}
    expected = home_years() + spot_year()
    assert out.summary().set_index("policy").loc["plan", "expected"] == pytest.approx(expected, rel=1e-9)
    assert out.costs.set_index("policy").loc["no plan", "cost"] == pytest.approx(3 * spot_year())
    # one more bed in A would take B's child 30 miles from home instead of a spot place
    shadow = out.shadow.set_index(["council", "year", "place"])["value"]
    assert shadow[("A", 2026, "in-house bed")] == pytest.approx(spot_year() - MILE * 30, abs=1)
    placed = out.placed.iloc[0]
    assert placed["children"] == pytest.approx(3) and placed["bought"] == pytest.approx(1)
    assert placed["near"] == pytest.approx(2 + 0.5)  # A's two at home, the spot place at the spot share


def test_a_budget_that_binds_buys_one_home():
    # two children in each council: a home in each saves money, but the budget pays for one
    free = solve(inputs([[[2, 2]]]))
    assert built(free) == {("A", 2026, 2026): 1, ("B", 2026, 2026): 1}
    out = solve(inputs([[[2, 2]]], budget=np.array([CAP])))
    assert sum(built(out).values()) == 1
    assert out.summary().set_index("policy").loc["plan", "expected"] == pytest.approx(home_years() + 2 * spot_year())
    assert "budget[2026]" in set(out.binding["constraint"])


def test_a_lead_time_delays_the_home():
    # a home decided in 2026 opens a year later: 2026's children go to spot places; deciding in
    # 2027 opens in 2028, too late to pay for itself against one year of two spot places
    T = 3
    p = inputs(np.full((1, T, 2), [2.0, 0.0]), T=T, prices=prices(T, lead_home=1))
    assert home_years(2) < 4 * spot_year()
    out = solve(p)
    assert built(out) == {("A", 2026, 2027): 1}
    assert out.summary().set_index("policy").loc["plan", "expected"] == pytest.approx(
        2 * spot_year() + home_years(2), rel=1e-9)
    spot = out.model.values(out.x, "spot_res").set_index(["year", "home"])["value"]
    assert spot[(2026, "A")] == pytest.approx(2) and spot[(2027, "A")] == pytest.approx(0)
    assert out.model.var("build").frame(out.model.ub).query("year == 2028")["value"].eq(0).all()


def test_limits_that_cannot_be_met_are_named_with_the_shortfall():
    # every child within 20 miles, but spot places never are and the budget is nothing: the
    # least that must give is the budget, by one home's capital
    p = inputs([[[2, 0]]], budget=np.zeros(1), min_near_share=1.0, prices=prices(1, spot_near=0.0))
    out = solve(p)
    assert not out.feasible
    row = out.slack.set_index("limit").loc["budget[2026]"]
    assert row["short_by"] == pytest.approx(CAP / 1e6) and row["unit"] == "GBP m"
    assert len(out.decisions) == 0


def test_model_names_its_constraints_after_their_keys():
    m = build_model(inputs([[[2, 1]]]))
    names = {m.con_name(r) for r in range(m.m)}
    assert {"budget[2026]", "homes_limit[A,2026]", "beds[0,2026,B]", "res_demand[0,2026,A]"} <= names
    assert m.var_name(m.var("build").start) == "build[A,2,2026]"


@st.composite
def instances(draw):
    T = draw(st.integers(1, 3))
    W = draw(st.integers(1, 3))
    res = np.array(draw(st.lists(st.floats(0, 6), min_size=W * T * 2, max_size=W * T * 2))).reshape(W, T, 2)
    fos = np.array(draw(st.lists(st.floats(0, 6), min_size=W * T * 2, max_size=W * T * 2))).reshape(W, T, 2)
    pr = prices(T, lead_home=draw(st.integers(0, 1)), lead_foster=draw(st.integers(0, 1)),
                lead_block=draw(st.integers(0, 1)), discount_rate=0.035, home_life=25)
    near = draw(st.one_of(st.none(), st.floats(0, 0.6)))
    budget = np.array(draw(st.lists(st.sampled_from([0.0, CAP, 2 * CAP, np.inf]), min_size=T, max_size=T)))
    return inputs(res, T=T, foster=fos, miles=draw(st.sampled_from([5.0, 30.0])), prices=pr,
                  sizes=tuple(draw(st.sets(st.sampled_from([2, 3, 4]), min_size=1))),
                  alone_share=draw(st.floats(0, 0.5)), homes=np.array([draw(st.integers(0, 1)), 0.0]),
                  foster_places=np.array([draw(st.floats(0, 3)), 0.0]),
                  limit_homes=np.full((2, T), float(draw(st.integers(0, 2)))),
                  limit_recruits=np.full((2, T), float(draw(st.integers(0, 3)))),
                  limit_block=np.full((2, T), float(draw(st.integers(0, 2)))), budget=budget,
                  min_near_share=near, risk_weight=draw(st.sampled_from([0.0, 0.5])))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_no_returned_plan_breaks_a_constraint(p):
    out = solve(p, time_limit=20)
    if not out.feasible:
        assert len(out.slack) > 0
        return
    assert violations(out.model, out.x) == []
    # and the plan table says what the solution does
    plan = out.model.values(out.x, "build")
    assert int(round(plan["value"].sum())) == int(out.decisions["what"].str.endswith("home").mul(
        out.decisions["number"]).sum())


def test_violations_names_what_a_wrong_plan_breaks():
    m = build_model(inputs([[[2, 1]]], budget=np.array([CAP])))
    x = np.zeros(m.n)
    x[m.var("build").start] = 2  # two homes in A: over the limit and the budget, and demand unplaced
    broken = violations(m, x)
    assert any(b.startswith("homes_limit[A,2026]") for b in broken)
    assert any(b.startswith("budget[2026]") for b in broken)
    assert any(b.startswith("res_demand[0,2026,A]") for b in broken)


def test_demand_from_runs_takes_the_mean_of_each_years_two_31_marches():
    paths = pd.DataFrame({"run": 0, "date": pd.to_datetime(["2025-03-31", "2026-03-31"] * 2),
                          "category": ["ext", "ext", "ifa", "ifa"], "value": [4.0, 6.0, 10.0, 10.0]})
    shares = pd.DataFrame({"need": ["residential", "residential", "foster"], "age_band": ["10 to 15", "16 and over",
                                                                                         "10 to 15"],
                           "share": [0.25, 0.75, 1.0]})
    d = demand_from_runs(paths, "A", {"residential": ("ext",), "foster": ("ifa",)}, shares)
    got = d.set_index(["need", "age_band"])["children"]
    assert got[("residential", "10 to 15")] == pytest.approx(1.25)
    assert got[("residential", "16 and over")] == pytest.approx(3.75)
    assert got[("foster", "10 to 15")] == pytest.approx(10)
    assert set(d["year"]) == {2026}


def test_lead_days_round_to_plan_years():
    assert [lead_years(d) for d in (0, 120, 183, 240, 365, 600)] == [0, 0, 1, 1, 1, 2]


@pytest.mark.parametrize(("text", "key"), [
    ("years: 0", "years"),
    ("limits: {homes_per_council_per_year: -1}", "limits.homes_per_council_per_year"),
    ("limits: {capital_budget: {2027: lots}}", "limits.capital_budget.2027"),
    ("limits: {homes: 1}", "limits.homes"),
    ("distance: {min_share_within_20_miles: 1.5}", "distance.min_share_within_20_miles"),
    ("risk: {tail: 0}", "risk.tail"),
    ("solver: fast", "solver"),
])
def test_options_errors_name_the_file_and_the_key(text, key):
    with pytest.raises(SchemaError) as err:
        from sufficiency.yamlfile import parse_yaml

        parse_options(parse_yaml(text, "plan.yaml"), "plan.yaml")
    assert str(err.value).startswith(f"plan.yaml: {key}:")


def test_options_file_duplicate_key_and_cli_message(tmp_path):
    bad = tmp_path / "plan.yaml"
    bad.write_text("years: 3\nyears: 4\n")
    with pytest.raises(SchemaError, match="plan.yaml, line 2: duplicate key 'years'"):
        read_options(bad)
    bad.write_text("limits:\n  block_beds_per_council_per_year: lots\n")
    result = CliRunner().invoke(app, ["plan", "--db", str(tmp_path / "none.duckdb"), "--options", str(bad)])
    assert result.exit_code == 2
    assert "limits.block_beds_per_council_per_year" in result.output and str(bad) in result.output.replace("\n", "")
    assert "Traceback" not in result.output


def test_the_example_options_file_reads():
    from pathlib import Path

    o = read_options(Path(__file__).parents[1] / "docs" / "examples" / "plan.yaml")
    assert o.limits.capital_budget == 2_000_000 and o.home_sizes == [2, 4]


def test_risk_term_prefers_the_plan_that_protects_the_worst_scenario():
    # two equally likely scenarios: A needs two places, or none. Without a home the costs are
    # (2 spot, 0): expected 1 spot, the worst half 2 spot; with a home (h, h). Risk-neutral, a
    # home costs more than one spot year; with weight w on the worst half it wins when
    # (1 + w) h < spot + w 2 spot.
    res = np.array([[[2.0, 0.0]], [[0.0, 0.0]]])
    p = inputs(res, prices=prices(1))
    h, s, w = home_years(), spot_year(), 20.0
    assert h > s and (1 + w) * h < s + w * 2 * s
    neutral = solve(p)
    averse = solve(dataclasses.replace(p, risk_weight=w, risk_tail=0.5))
    assert built(neutral) == {} and built(averse) == {("A", 2026, 2026): 1}
    assert averse.summary().set_index("policy").loc["plan", "expected"] == pytest.approx(h)


def test_api_plan_writes_its_tables_with_their_lineage_and_a_page(tmp_path):
    from test_forecast import known_store

    from sufficiency import api
    from sufficiency.store import Store

    db = known_store(tmp_path / "k.duckdb", n=300)
    opts = tmp_path / "plan.yaml"
    opts.write_text("years: 2\nscenarios: 5\nsites: [Bradford]\nhome_sizes: [2]\n")
    result = api.plan(api.PlanCommandOptions(db=db, options=opts, out=tmp_path / "plan.html"))
    assert result.outcome.feasible
    with Store(db) as store:
        lineage = store.sql("SELECT \"table\", stage, command FROM results WHERE stage = 'plan'")
        assert {"plan_decisions", "plan_summary", "plan_costs", "plan_demand"} <= set(lineage["table"])
        assert lineage["command"].str.contains("sufficiency plan --options").all()
        demand = store.table("plan_demand")
        summary = store.table("plan_summary").set_index("policy")
    # the known store's children are all in foster care, in Leeds, with 5 runs of 2 years
    assert set(demand["council"]) == {"E08000035"} and set(demand["need"]) == {"residential", "foster"}
    assert demand["scenario"].nunique() == 5 and demand["year"].nunique() == 2
    assert summary.loc["plan", "expected"] <= summary.loc["no plan", "expected"] + 1e-6
    page = (tmp_path / "plan.html").read_text()
    assert "<svg" in page and "Bradford" in page and "Leeds" in page
    # the analyst's report's section shows the plan with the store's own figures, in £m
    from sufficiency.report.plan import _m, plan_section

    with Store(db) as store:
        section = plan_section(store)
    assert f"Expected cost {_m(summary.loc['plan', 'expected'])}" in " ".join(section.text)
    assert [t.caption for t in section.tables][0] == "What the plan does, where and when"
    assert section.charts and len(section.tables[0].rows) == len(store_decisions(db))


def test_a_plan_made_from_other_returns_is_left_out_of_the_report_and_named(tmp_path):
    from test_forecast import known_store

    from sufficiency import api
    from sufficiency.report.plan import plan_section
    from sufficiency.store import Store, write_tables

    db = known_store(tmp_path / "k.duckdb", n=300)
    opts = tmp_path / "plan.yaml"
    opts.write_text("years: 2\nscenarios: 5\nhome_sizes: [2]\n")
    api.plan(api.PlanCommandOptions(db=db, options=opts))
    write_tables(db, {}, {"returns": "other returns' fingerprint"})  # as a load of other returns leaves it
    with Store(db) as store:
        section = plan_section(store)
    assert section.text == ["The capacity plan was made from other returns: make it again from these returns "
                            "(the plan command)."] and not section.tables


def store_decisions(db):
    from sufficiency.store import Store

    with Store(db) as store:
        return store.table("plan_decisions")


def test_a_search_stopped_by_its_time_limit_returns_its_best_plan_and_says_how_good_it_is():
    """300 scenarios of 5 years take HiGHS tens of seconds to solve to optimality; stopped after
    0.05 s, the search still returns a plan that meets every constraint, no dearer than no plan
    or the simple rule (it starts from the better of them), and states its gap, or that the gap
    is not yet known."""
    from sufficiency.plan.answers import gap_note

    rng = np.random.default_rng(1)
    W, T = 300, 5
    p = inputs(rng.gamma(4, 2, (W, T, 2)), T=T, foster=rng.gamma(4, 3, (W, T, 2)),
               prices=prices(T, lead_home=1, discount_rate=0.035, home_life=25), sizes=(2, 3, 4), alone_share=0.2,
               limit_homes=np.full((2, T), 2.0), limit_recruits=np.full((2, T), 4.0),
               limit_block=np.full((2, T), 3.0), budget=np.full(T, 700_000.0))
    out = solve_plan(p, time_limit=0.05, gap=0.0)
    assert out.feasible and out.status == "time_limit"
    assert violations(out.model, out.x) == []
    assert out.gap is None or out.gap > 0
    s = out.summary().set_index("policy")["expected"]
    assert s["plan"] <= min(s["no plan"], s["simple rule"]) * (1 + 1e-9)
    note = gap_note(out.status, out.gap)
    assert note.startswith("The plan is the best found in the time limit")
    assert ("is not known" in note) if out.gap is None else (f"{100 * out.gap:.2f}%" in note)


def test_the_picture_sizes_each_council_by_the_places_the_plan_adds():
    import re

    from sufficiency.plan.picture import HEIGHT, LARGEST, WIDTH, plan_svg

    councils = pd.DataFrame({"council": ["A", "B", "C"], "name": ["Ayton", "Beeby", "Ceeham"],
                             "easting": [0.0, 1000.0, 2000.0], "northing": [0.0, 500.0, 0.0]})
    decisions = pd.DataFrame({"council": ["A", "B", "B"], "what": ["new 4-bed home", "foster households", "block beds"],
                              "ready": [2027, 2027, 2030], "places": [4.0, 15.0, 1.0]})
    svg = plan_svg(councils, decisions)
    r = {m.group(2): float(m.group(1)) for m in re.finditer(r'r="([\d.]+)"[^>]*><title>(\w+)', svg)}
    assert r["Beeby"] == pytest.approx(LARGEST, abs=0.1) and r["Ceeham"] == pytest.approx(4.0)
    assert (r["Ayton"] - 4) / (LARGEST - 4) == pytest.approx(np.sqrt(4 / 16), abs=0.01)
    assert "Beeby +16" in svg and "Ceeham +" not in svg
    cx = [float(v) for v in re.findall(r'<circle cx="([\d.]+)"', svg)]
    assert (min(cx) + max(cx)) / 2 == pytest.approx(WIDTH / 2)  # the councils in the middle, left to right
    assert "(most: 16)" in svg and "(here none)" in plan_svg(councils, decisions.iloc[:0])
    one = plan_svg(councils.iloc[:1], decisions.iloc[:1])
    assert re.search(r'<circle cx="([\d.]+)" cy="([\d.]+)"', one).groups() == (f"{WIDTH / 2:.1f}", f"{HEIGHT / 2:.1f}")


def test_a_plan_no_limits_allow_replaces_the_earlier_plan_in_the_store_and_the_report(tmp_path):
    from test_forecast import known_store

    from sufficiency import api
    from sufficiency.report.plan import plan_section
    from sufficiency.store import Store

    db = known_store(tmp_path / "k.duckdb", n=300)
    possible, impossible = tmp_path / "plan.yaml", tmp_path / "impossible.yaml"
    possible.write_text("years: 2\nscenarios: 5\nhome_sizes: [2]\n")
    impossible.write_text("years: 2\nscenarios: 5\nhome_sizes: [2]\ndistance: {min_share_within_20_miles: 1}\n"
                          "limits: {homes_per_council_per_year: 0, foster_recruits_per_council_per_year: 0, "
                          "block_beds_per_council_per_year: 0}\n")
    assert api.plan(api.PlanCommandOptions(db=db, options=possible)).outcome.feasible
    assert not api.plan(api.PlanCommandOptions(db=db, options=impossible)).outcome.feasible
    with Store(db) as store:
        assert "plan_slack" in store.names and "plan_decisions" not in store.names and "plan_summary" not in store.names
        stamped = set(store.sql("SELECT \"table\" FROM results WHERE stage = 'plan'")["table"])
        section = plan_section(store)
    assert "plan_decisions" not in stamped and "plan_slack" in stamped
    assert section.text[0].startswith("No plan meets the limits") and section.tables[0].name == "plan_slack"
    api.plan(api.PlanCommandOptions(db=db, options=possible))
    with Store(db) as store:
        assert "plan_slack" not in store.names and "plan_decisions" in store.names


def test_a_plan_that_adds_nothing_still_has_its_decisions_sheet(tmp_path):
    from openpyxl import load_workbook
    from test_forecast import known_store

    from sufficiency import api

    db = known_store(tmp_path / "k.duckdb", n=300)
    opts = tmp_path / "plan.yaml"
    opts.write_text("years: 2\nscenarios: 5\nhome_sizes: [2]\nlimits: {homes_per_council_per_year: 0, "
                    "foster_recruits_per_council_per_year: 0, block_beds_per_council_per_year: 0}\n")
    result = api.plan(api.PlanCommandOptions(db=db, options=opts, out=tmp_path / "plan.xlsx"))
    assert result.outcome.feasible and not len(result.outcome.decisions)
    book = load_workbook(tmp_path / "plan.xlsx")
    assert {"README", "decisions", "summary"} <= set(book.sheetnames)
    assert [c.value for c in book["decisions"][1]][:3] == ["council", "name", "decided"]
