"""Reforms: the seed arithmetic, each reform's effect on a small case with a known answer,
strict reform and parameter files, and `sufficiency compare` end to end."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import duckdb
import numpy as np
import pandas as pd
import pytest
from test_forecast import known_store

from sufficiency.errors import SchemaError
from sufficiency.forecast import fit, simulate
from sufficiency.forecast.simulate import Forecast, month_ends
from sufficiency.forecast.states import DAY0
from sufficiency.parameters import PlacementCategories, load_parameters
from sufficiency.reforms.compare import Baseline, compare, measure
from sufficiency.reforms.defaults import with_defaults
from sufficiency.reforms.scenario import plan, ramp
from sufficiency.reforms.schema import example_names, load_reform, parse_reform
from sufficiency.reforms.supply import (
    HomeType,
    allocate,
    allocate_residential,
    block_cost,
    blocked_beds,
    foster_places,
)
from sufficiency.reforms.workforce import project

MAP = PlacementCategories.load()
CATS = MAP.ids
IX = {c: i for i, c in enumerate(CATS)}
AS_OF = (np.datetime64("2025-03-31") - DAY0).astype(int)
DAYS = month_ends(AS_OF, 36)


def reform(*changes, name="test"):
    return parse_reform({"name": name, "changes": list(changes)}, "test.yaml", PlacementCategories.load())


# --- the seed arithmetic (Leeds, September 2023, para 38) ----------------------------------------


def test_one_child_alone_in_a_four_bed_home_blocks_three_beds_costing_13500_a_week():
    assert blocked_beds(4) == 3 and block_cost(4, 4500) == 13_500
    assert blocked_beds(2) == 1 and block_cost(2, 4500) == 4_500
    # the same through the allocation: one home, four children needing it, one must live alone
    four = allocate_residential(4, 1, [HomeType("4-bed", 4, 1, 0)])
    assert (four.inhouse, four.external, four.blocked) == (1, 3, 3)
    two = allocate_residential(2, 1, [HomeType("2-bed", 2, 1, 0)])
    assert (two.inhouse, two.external, two.blocked) == (1, 1, 1)
    assert four.external * 4500 == 13_500 and two.external * 4500 == 4_500


def test_children_living_alone_take_the_smallest_homes_first():
    types = [HomeType("4-bed", 4, 2, 0), HomeType("2-bed", 2, 1, 0)]
    a = allocate_residential(np.array([10.0]), np.array([2.0]), types)
    # two alone: one in the 2-bed home (1 blocked), one in a 4-bed home (3 blocked); 8 others in the
    # remaining 4-bed home's 4 beds; 4 placed outside
    assert a.blocked[0] == 4 and a.inhouse[0] == 2 + 4 and a.external[0] == 4 and a.beds[0] == 10
    none_alone = allocate_residential(np.array([10.0]), np.array([0.0]), types)
    assert none_alone.inhouse[0] == 10 and none_alone.external[0] == 0


def test_in_house_places_fill_first_and_the_gap_is_capacity_less_need():
    inhouse, overflow, gap = allocate(np.array([5.0, 12.0]), 10)
    assert inhouse.tolist() == [5, 10] and overflow.tolist() == [0, 2] and gap.tolist() == [5, -2]


# --- reforms month by month ------------------------------------------------------------------------


def test_ramp_rises_in_a_straight_line_from_the_start_date():
    d = np.array(["2025-03-31", "2025-04-01", "2025-10-01", "2026-04-01", "2027-01-01"], dtype="datetime64[D]")
    r = ramp(d, dt.date(2025, 4, 1), 12)
    assert r[0] == 0 and r[1] == 0 and r[2] == pytest.approx(0.5, abs=0.01) and r[3] == 1 and r[4] == 1
    assert ramp(d, dt.date(2025, 4, 1), 0).tolist() == [0, 1, 1, 1, 1]


def test_family_help_lever_cuts_entries_by_its_percent_after_the_ramp():
    p = plan([reform({"kind": "entries", "change_percent": -10, "from": "2025-04-01", "ramp_months": 12})],
             MAP, DAYS)
    assert p.levers.entry[0] == pytest.approx(1 - 0.1 * 1 / 12, abs=0.003)  # April: a twelfth in
    assert p.levers.entry[12:] == pytest.approx(0.9)
    assert p.levers.hazard is None and p.levers.kinship is None
    two = plan([reform({"kind": "entries", "change_percent": -10, "from": "2025-04-01"}),
                reform({"kind": "entries", "change_percent": -10, "from": "2025-04-01"})], MAP, DAYS)
    assert two.levers.entry[0] == pytest.approx(0.81)  # factors multiply


def test_hazard_lever_multiplies_only_the_named_moves():
    p = plan([reform({"kind": "hazard", "from_categories": ["external_residential"], "to": ["ifa", "home"],
                      "factor": 1.5, "from": "2025-04-01"})], MAP, DAYS)
    h = p.levers.hazard
    dests = [*CATS, "home", "special_guardianship", "adoption", "other"]
    assert h[5, IX["external_residential"], IX["ifa"]] == 1.5
    assert h[5, IX["external_residential"], dests.index("home")] == 1.5
    assert h[5, IX["external_residential"], IX["inhouse_foster"]] == 1
    assert h[5, IX["ifa"], IX["ifa"]] == 1 and h.sum() == h.size + 2 * 0.5 * len(h)


@pytest.fixture(scope="module")
def known_model(tmp_path_factory):
    return fit(known_store(tmp_path_factory.mktemp("reforms") / "k.duckdb", n=3000), as_of="2023-03-31")


def test_family_help_reduces_simulated_entries_by_the_percent(known_model):
    kw = dict(years=2, runs=400, seed=5, parameter_uncertainty=False)
    base = simulate(known_model, **kw)
    days = month_ends(known_model.as_of, 24)
    fh = simulate(known_model, levers=plan([reform({"kind": "entries", "change_percent": -20, "from": "2023-04-01"})],
                                           MAP, days).levers, **kw)
    ratio = fh.entries.sum() / base.entries.sum()
    assert ratio == pytest.approx(0.8, abs=0.01)
    assert fh.stock_cat[:, -1].sum(axis=1).mean() < base.stock_cat[:, -1].sum(axis=1).mean()


def test_reunification_raises_exits_home_by_the_factor(known_model):
    kw = dict(years=1, runs=300, seed=2, parameter_uncertainty=False)
    days = month_ends(known_model.as_of, 12)
    base = simulate(known_model, **kw)
    lev = plan([reform({"kind": "hazard", "to": ["home"], "factor": 1.3, "from": "2023-04-01"})],
               MAP, days).levers
    more = simulate(known_model, levers=lev, **kw)
    home = 0  # EXITS[0]

    def rate(f):  # exits home in the first month per child in care at its start: the same children
        return f.exits[:, 0, home].sum() / f.stock_cat[:, 0].sum()

    # a monthly chance, not a rate: 1.3 x the hazard gives a little under 1.3 x the chance
    assert 1.2 < rate(more) / rate(base) < 1.33


def test_kinship_first_sends_its_share_of_new_foster_placements_to_family(known_model):
    cats = known_model.space.categories
    kw = dict(years=1, runs=300, seed=3, parameter_uncertainty=False)
    days = month_ends(known_model.as_of, 12)
    no_moves = {"kind": "hazard", "to": ["ifa", "inhouse_foster"], "factor": 0, "from": "2023-04-01"}
    foster = [cats.index("inhouse_foster"), cats.index("ifa")]
    kin = cats.index("kinship_foster")
    for share in (0.0, 0.5, 1.0):
        lev = plan([reform({"kind": "kinship_first", "share": share, "from": "2023-04-01"}, no_moves)], MAP,
                   days).levers
        f = simulate(known_model, levers=lev, **kw)
        # every entrant of this council is placed in in-house foster care: now `share` of them with family
        # (a few leave again within their first month)
        with_family = f.stock_cat[:, 1, kin].sum() / f.entries[:, 0].sum()
        assert with_family == pytest.approx(share, abs=0.05)
        if share == 1:
            assert (f.stock_cat[:, 1:, foster].sum(axis=2) <= f.stock_cat[:, :1, foster].sum(axis=2)).all()


def test_foster_recruitment_adds_households_net_of_leavers():
    assert foster_places(100, np.array([-3, 0, 12, 24]), 12, 1.5).tolist() == [100, 100, 118, 136]
    with_leavers = foster_places(0, np.array([120.0]), 12, 1.0, leavers_percent=20)[0]
    # ten years of 12 a year at 20% leaving: close to the steady state 12 / -ln(0.8) = 53.8
    assert 45 < with_leavers < 54
    p = plan([reform({"kind": "foster_recruitment", "households_per_year": 24, "from": "2025-04-01"})], MAP, DAYS)
    assert p.extra_foster_places[12] == pytest.approx(24, abs=0.1)


def test_retention_keeps_a_share_of_todays_places_each_year():
    kept = _measure([{"kind": "foster_recruitment", "fewer_leavers_points": 10, "from": "2024-04-01"}],
                    {"inhouse_foster": 10, "ifa": 10})
    # 10 places today; two years of 10 points fewer leavers: 12 places (31 March 2026: 23.99 months)
    assert kept["inhouse_foster"][0, -1] == pytest.approx(12, abs=0.01)
    assert kept["foster_gap"][0, -1] == pytest.approx(-8, abs=0.01)


def test_homes_open_one_every_stagger_months():
    p = plan([reform({"kind": "residential_homes", "homes": 4, "beds_per_home": 2, "stagger_months": 6,
                      "from": "2025-04-01"})], MAP, DAYS)
    opened = p.homes[0].homes
    assert [opened[k] for k in (0, 1, 6, 7, 13, 19, 36)] == [0, 1, 1, 2, 3, 4, 4]


# --- measures on a hand-made forecast ---------------------------------------------------------------


def hand_forecast(counts: dict[str, float], months=12):
    stock = np.zeros((1, months + 1, len(CATS)), np.int32)
    for c, n in counts.items():
        stock[0, :, IX[c]] = n
    model = SimpleNamespace(space=SimpleNamespace(categories=CATS), as_of=AS_OF)
    return Forecast(model, month_ends(AS_OF, months), stock, np.zeros((1, months + 1, 5)), np.zeros((1, months)),
                    np.zeros((1, months, 5)), 0, False)


BASE = Baseline(foster_places=10, homes=1, beds_per_home=4, alone_share=0.0, far_share={c: 0.5 for c in CATS},
                posts=50, children_now=100)
PARAMS = load_parameters()


def _measure(changes, counts, base=BASE):
    fc = hand_forecast(counts)
    p = plan([reform(*changes)] if changes else [], MAP, fc.dates)
    return measure(fc, p, base, PARAMS)


def test_capacity_moves_children_from_agencies_to_in_house_and_shows_the_gap():
    m = _measure([], {"inhouse_foster": 8, "ifa": 12, "external_residential": 6})
    assert m["inhouse_foster"][0, -1] == 10 and m["ifa"][0, -1] == 10 and m["foster_gap"][0, -1] == -10
    assert m["inhouse_residential"][0, -1] == 4 and m["external_residential"][0, -1] == 2
    assert m["residential_gap"][0, -1] == -2
    more = _measure([{"kind": "foster_recruitment", "households_per_year": 12, "from": "2025-04-01"}],
                    {"inhouse_foster": 8, "ifa": 12})
    assert more["inhouse_foster"][0, -1] == 20 and more["ifa"][0, -1] == 0
    # 31 March 2026 is 11.99 months after the start: 12 households less a day's share, 22 places for 20
    assert more["foster_gap"][0, -1] == pytest.approx(2, abs=0.02)
    ifa = PARAMS.weekly_cost("ifa", 2026)
    inhouse = PARAMS.weekly_cost("inhouse_foster", 2026)
    base = _measure([], {"inhouse_foster": 8, "ifa": 12})
    saving = base["weekly_cost"][0, -1] - more["weekly_cost"][0, -1]
    assert saving == pytest.approx(10 * (ifa - inhouse))  # ten children moved from agencies in-house


def test_block_contract_beds_are_paid_whether_filled_or_not_and_filled_before_spot_beds():
    counts = {"external_residential": 6}
    spot = PARAMS.weekly_cost("external_residential", 2026)
    base = _measure([], counts, Baseline(0, 0, 4, 0.0, {c: 0.5 for c in CATS}, 50, 100))
    block = _measure([{"kind": "block_contract", "beds": 4, "weekly_price": 3000, "from": "2025-04-01",
                       "local": True}], counts, Baseline(0, 0, 4, 0.0, {c: 0.5 for c in CATS}, 50, 100))
    assert block["weekly_cost"][0, -1] - base["weekly_cost"][0, -1] == pytest.approx(4 * 3000 - 4 * spot)
    empty = _measure([{"kind": "block_contract", "beds": 10, "weekly_price": 3000, "from": "2025-04-01"}],
                     counts, Baseline(0, 0, 4, 0.0, {c: 0.5 for c in CATS}, 50, 100))
    assert empty["weekly_cost"][0, -1] - base["weekly_cost"][0, -1] == pytest.approx(10 * 3000 - 6 * spot)
    # local beds: 4 of the 6 children placed as near as the council's own homes (10% far, not 80%)
    far = {**{c: 0.5 for c in CATS}, "external_residential": 0.8, "inhouse_residential": 0.1}
    b = Baseline(0, 0, 4, 0.0, far, 50, 100)
    spot_only = _measure([], counts, b)["pct_over_20_miles"][0, -1]
    local = _measure([{"kind": "block_contract", "beds": 4, "weekly_price": 3000, "from": "2025-04-01"}], counts,
                     b)["pct_over_20_miles"][0, -1]
    assert spot_only == pytest.approx(100 * 6 * 0.8 / 6) and local == pytest.approx(100 * (2 * 0.8 + 4 * 0.1) / 6)


def test_regional_commissioning_lowers_prices_and_distance_by_its_amounts():
    counts = {"ifa": 10, "inhouse_foster": 10}
    b = Baseline(0, 0, 4, 0.0, {c: 0.5 for c in CATS}, 50, 100)
    base = _measure([], counts, b)
    rc = _measure([{"kind": "price", "categories": ["ifa"], "change_percent": -10, "far_percent_points": -20,
                    "from": "2025-04-01"}], counts, b)
    ifa = PARAMS.weekly_cost("ifa", 2026)
    # no in-house places: all 20 go to agencies
    assert base["weekly_cost"][0, -1] - rc["weekly_cost"][0, -1] == pytest.approx(20 * ifa * 0.10)
    assert base["pct_over_20_miles"][0, -1] - rc["pct_over_20_miles"][0, -1] == pytest.approx(20.0)


def test_small_group_living_spares_beds_when_children_must_live_alone():
    b = Baseline(0, 2, 4, 0.25, {c: 0.5 for c in CATS}, 50, 100)  # two 4-bed homes; a quarter must live alone
    counts = {"external_residential": 8}
    base = _measure([], counts, b)
    assert base["blocked_beds"][0, -1] == 6 and base["inhouse_residential"][0, -1] == 2  # 2 alone, 6 blocked
    sgl = _measure([{"kind": "residential_homes", "homes": 2, "beds_per_home": 2, "from": "2025-04-01"}], counts, b)
    # the two children alone move to the 2-bed homes (2 blocked); the 6 others fill 6 of the 8 big beds
    assert sgl["blocked_beds"][0, -1] == 2 and sgl["inhouse_residential"][0, -1] == 8
    assert sgl["external_residential"][0, -1] == 0


def test_agency_cap_converts_agency_posts_and_raises_caseloads_for_the_rest():
    kw = dict(vacancy_percent=20, agency_percent=20, caseload_now=15, cost_permanent=50_000, cost_agency=80_000)
    w = project(np.array([100.0]), 100, 100, **kw)
    assert w.permanent[0] == 80 and w.agency[0] == 20 and w.vacant[0] == 20 and w.caseload[0] == pytest.approx(15)
    capped = project(np.array([100.0]), 100, 100, cap_percent=10, converted_percent=100, **kw)
    assert capped.agency_percent[0] == pytest.approx(10)
    assert capped.permanent[0] + capped.agency[0] == pytest.approx(100)  # all converted: staff the same
    assert capped.annual_cost[0] < w.annual_cost[0]
    half = project(np.array([100.0]), 100, 100, cap_percent=10, converted_percent=0, **kw)
    assert half.agency_percent[0] == pytest.approx(10) and half.caseload[0] > 15
    assert half.permanent[0] == 80 and half.agency[0] == pytest.approx(80 / 9)
    grows = project(np.array([200.0]), 100, 100, **kw)
    assert grows.permanent[0] == 160 and grows.caseload[0] == pytest.approx(15)
    p = plan([reform({"kind": "agency_cap", "max_agency_percent": 10, "from": "2025-10-01"})], MAP, DAYS)
    assert np.isnan(p.agency_cap[5]) and p.agency_cap[7] == 10


# --- strict files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("change, key", [
    ({"kind": "entries", "change_percent": -10, "from": "2025-04-01", "speed": 2}, "changes[0].speed: unknown key"),
    ({"kind": "entries", "change_percent": -10, "from": "2025-13-01"}, "changes[0].from"),
    ({"kind": "residential_homes", "homes": -1, "beds_per_home": 2, "from": "2025-04-01"}, "changes[0].homes"),
    ({"kind": "block_contract", "beds": 3, "weekly_price": 1, "category": "castle", "from": "2025-04-01"},
     "changes[0].category: unknown placement category"),
    ({"kind": "hazard", "to": ["moon"], "factor": 2, "from": "2025-04-01"}, "changes[0].to"),
    ({"kind": "teleport", "from": "2025-04-01"}, "unknown kind 'teleport'"),
    ({"change_percent": 3, "from": "2025-04-01"}, "needs a kind"),
    ({"kind": "kinship_first", "share": 1.5, "from": "2025-04-01"}, "changes[0].share"),
])
def test_a_wrong_reform_names_the_file_and_the_key(tmp_path, change, key):
    f = tmp_path / "bad.yaml"
    import yaml

    f.write_text(yaml.safe_dump({"name": "bad", "changes": [change]}))
    with pytest.raises(SchemaError) as e:
        load_reform(f, PlacementCategories.load())
    assert str(f) in str(e.value) and key in str(e.value)


def test_unknown_top_level_key_and_duplicate_keys_are_refused(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text("name: x\nchanges: []\nbudget: 3\n")
    with pytest.raises(SchemaError, match=r"r.yaml: budget: unknown key"):
        load_reform(f)
    f.write_text("name: x\nname: y\nchanges: []\n")
    with pytest.raises(SchemaError, match="duplicate key 'name'"):
        load_reform(f)
    with pytest.raises(SchemaError, match="does not exist"):
        load_reform(tmp_path / "none.yaml")


def test_every_shipped_example_loads_and_changes_something():
    cats = PlacementCategories.load()
    names = example_names()
    assert {"family-help", "small-group-living", "foster-recruitment", "agency-cap"} <= set(names)
    for n in names:
        r = load_reform(n, cats)
        # a size the example leaves to its default is filled in for a council of 100 in foster care
        r = with_defaults([r], PARAMS, 100, dt.date(2025, 3, 31))[0][0]
        p = plan([r], MAP, DAYS)
        changed = any(x is not None for x in (p.levers.entry, p.levers.hazard, p.levers.kinship)) or \
            p.extra_foster_places.any() or p.homes or p.blocks or (p.price_factor != 1).any() or \
            (p.far_points != 0).any() or np.isfinite(p.agency_cap).any()
        assert changed, n


def test_council_parameters_for_capacity_are_strict(tmp_path):
    f = tmp_path / "council.yaml"
    f.write_text("capacity.inhouse_foster.places:\n  description: ours\n  unit: count\n"
                 "  values: {2024-04-01: {value: 250, note: fostering panel}}\n")
    assert load_parameters(f).value("capacity.inhouse_foster.places", "2025-01-01") == 250
    f.write_text("capacity.inhouse_residential.homes:\n  description: ours\n  unit: count\n"
                 "  values: {2024-04-01: {value: -2, note: x}}\n")
    with pytest.raises(SchemaError, match=r"council.yaml: capacity.inhouse_residential.homes.values.2024-04-01.value"):
        load_parameters(f)
    f.write_text("capacity.inhouse_foster.places:\n  description: ours\n  unit: percent\n"
                 "  values: {2024-04-01: {value: 2, note: x}}\n")
    with pytest.raises(SchemaError, match="unit is 'percent'"):
        load_parameters(f)


# --- end to end ----------------------------------------------------------------------------------


def test_compare_on_a_known_council_runs_every_scenario_with_one_seed(tmp_path):
    db = known_store(tmp_path / "k.duckdb", n=800)
    fh = [reform({"kind": "entries", "change_percent": -30, "from": "2023-04-01"}, name="Family Help")]
    c = compare(db, {"Family Help": fh}, years=2, runs=100, seed=4)
    s = c.summary().set_index(["scenario", "measure"])
    assert s.loc[("Family Help", "children_looked_after"), "change"] < 0
    assert s.loc[("baseline", "children_looked_after"), "change"] == 0
    assert s.loc[("Family Help", "total_cost"), "change"] < 0
    # the same seed: the baseline's runs are reproduced exactly
    again = compare(db, {}, years=2, runs=100, seed=4).summary().set_index(["scenario", "measure"])
    assert again.loc[("baseline", "children_looked_after"), "median"] == s.loc[("baseline", "children_looked_after"),
                                                                                "median"]


def test_cli_compare_writes_tables_and_a_workbook(tmp_path):
    from typer.testing import CliRunner

    from sufficiency.cli import app

    db = known_store(tmp_path / "k.duckdb", n=500)
    xlsx = tmp_path / "cmp.xlsx"
    r = CliRunner().invoke(app, ["compare", "baseline", "family-help", "family-help+agency-cap", "--db", str(db),
                                 "--runs", "40", "--years", "2", "--out", str(xlsx)])
    assert r.exit_code == 0, r.output
    con = duckdb.connect(str(db), read_only=True)
    names = {x[0] for x in con.execute("SELECT DISTINCT scenario FROM scenario_summary").fetchall()}
    con.close()
    assert names == {"baseline", "Family Help", "Family Help + Agency social worker cap"}
    sheets = pd.ExcelFile(xlsx).sheet_names
    assert sheets == ["README", "summary", "money", "cash_flow", "investment", "assumptions", "by_year", "changes",
                      "reforms"]
    from sufficiency.report.results import reforms_section as _reforms
    from sufficiency.store import Store

    with Store(db) as store:  # the report's section (this bare store has too little for the rest of the report)
        sec = _reforms(store)
        command = store.table("results").set_index("table").loc["scenario_summary", "command"]
    assert command == "sufficiency compare baseline family-help family-help+agency-cap"
    assert len(sec.charts) == 3 and sec.tables[0].columns[1:] == ["baseline", "Family Help",
                                                                  "Family Help + Agency social worker cap"]
    assert any("has the largest net saving" in t for t in sec.text)
    assert [t.name for t in sec.tables] == ["reforms", "reform_money", "reform_cash_flow", "reform_costs",
                                           "reform_assumptions", "sufficiency_gap"]
    bad = CliRunner().invoke(app, ["compare", "baseline", "no-such-reform", "--db", str(db)])
    assert bad.exit_code == 2 and "does not exist" in bad.output and "Traceback" not in bad.output


# --- reforms that change parameters; categories read by role -------------------------------------


def test_a_reform_raising_the_ifa_weekly_cost_changes_its_cost_and_not_the_baselines():
    from sufficiency.reforms.scenario import reformed

    counts = {"ifa": 10}
    b = Baseline(0, 0, 4, 0.0, {c: 0.5 for c in CATS}, 50, 100)
    raise_ifa = reform({"kind": "parameter", "parameter": "costs/weekly/ifa", "value": 2000, "from": "2025-10-01"})
    fc = hand_forecast(counts)
    p = plan([raise_ifa], MAP, fc.dates)
    own = reformed(PARAMS, p)
    before = PARAMS.weekly_cost("ifa", 2026)
    assert own.weekly_cost("ifa", 2026) == 2000 and PARAMS.weekly_cost("ifa", 2026) == before != 2000
    assert own.weekly_cost("ifa", 2025) == PARAMS.weekly_cost("ifa", 2025)  # before the date: as it was
    base = measure(fc, plan([], MAP, fc.dates), b, PARAMS)
    changed = measure(fc, p, b, own)
    assert changed["weekly_cost"][0, -1] - base["weekly_cost"][0, -1] == pytest.approx(10 * (2000 - before))
    # by a percentage, and strictly: an unknown parameter names the reform's file
    pct = reformed(PARAMS, plan([reform({"kind": "parameter", "parameter": "costs.weekly.ifa", "change_percent": 10,
                                         "from": "2025-10-01"})], MAP, fc.dates))
    assert pct.weekly_cost("ifa", 2026) == pytest.approx(1.1 * before)
    with pytest.raises(SchemaError, match=r"test.yaml: unknown parameter 'costs.weekly.ifaa'"):
        reformed(PARAMS, plan([reform({"kind": "parameter", "parameter": "costs/weekly/ifaa", "value": 1,
                                       "from": "2025-10-01"})], MAP, fc.dates))
    with pytest.raises(SchemaError, match="not both"):
        reform({"kind": "parameter", "parameter": "costs.weekly.ifa", "value": 1, "change_percent": 3,
                "from": "2025-10-01"})


def test_every_kind_is_registered_once_with_its_model_and_apply():
    from sufficiency.reforms.kinds import KINDS

    for kind, k in KINDS.items():
        assert k.model.model_fields["kind"].annotation.__args__ == (kind,)
        assert callable(k.apply)
    with pytest.raises(SchemaError, match="one of entries, hazard"):
        reform({"kind": "teleport", "from": "2025-04-01"})


def test_reforms_name_categories_by_role():
    p = plan([reform({"kind": "hazard", "from_categories": ["role:residential"], "to": ["role:foster+!kinship"],
                      "factor": 2, "from": "2025-04-01"})], MAP, DAYS)
    h = p.levers.hazard[5]
    for a in ("inhouse_residential", "external_residential"):
        for b in ("inhouse_foster", "ifa"):
            assert h[IX[a], IX[b]] == 2
        assert h[IX[a], IX["kinship_foster"]] == 1
    assert p.levers.foster == ("inhouse_foster", "ifa") and p.levers.kin == "kinship_foster"
    with pytest.raises(SchemaError, match="changes\\[0\\].categories: unknown placement category 'role:castle'"):
        reform({"kind": "price", "categories": ["role:castle"], "from": "2025-04-01"})
    with pytest.raises(SchemaError, match="changes\\[0\\].category"):  # roles no category has
        reform({"kind": "block_contract", "beds": 1, "weekly_price": 1, "category": "role:kinship+residential",
                "from": "2025-04-01"})


OWN_MAP = """\
description: A council's own map, categories renamed and merged.
categories:
  - {id: family_and_friends, label: Family and friends, roles: [foster, kinship], place: [U1, U2, U3],
     cost: costs.weekly.kinship_foster}
  - {id: our_carers, label: Our foster carers, roles: [foster, inhouse], place: [U4, U5, U6],
     provider: [PR1, PR2, PR3], cost: costs/weekly/inhouse_foster}
  - {id: agency_carers, label: Agency foster carers, roles: [foster, external], place: [U4, U5, U6],
     provider: [PR4, PR5], cost: costs.weekly.ifa}
  - {id: homes, label: Children's homes of any provider, roles: [residential], place: [K1, K2],
     cost: costs.weekly.external_residential}
  - {id: everything_else, label: Everything else, place: [K3, H5, P2, P1, A3, A4, A5, A6], cost: costs.weekly.other}
default: everything_else
"""


def test_a_councils_own_map_runs_from_load_to_forecast_compare_and_report(tmp_path):
    from sufficiency.indicators import compute_all
    from sufficiency.pipeline import load
    from sufficiency.report import write_report
    from sufficiency.synth import synthesise

    f = tmp_path / "ours.yaml"
    f.write_text(OWN_MAP)
    ours = PlacementCategories.load(f)
    assert ours.select("foster", without=("kinship",)) == ("our_carers", "agency_carers")
    synthesise(la="Rutland", first_year=2023, last_year=2025, seed=3, out=tmp_path / "returns")
    db = tmp_path / "la.duckdb"
    load(tmp_path / "returns", db=db, la_code="E06000017")
    ind = compute_all(db, categories=ours).frame
    cats = set(ind.loc[ind["indicator"] == "placement_category", "category"])
    assert cats == set(ours.ids)
    assert ind.loc[(ind["indicator"] == "weekly_cost") & (ind["category"] == "agency_carers"), "value"].notna().all()
    model = fit(db, categories=ours)
    assert model.space.categories == ours.ids
    fc = simulate(model, years=1, runs=20, seed=1)
    assert not fc.costs(load_parameters().with_categories(ours)).empty
    scenarios = {n: [load_reform(n, ours)] for n in ("kinship-first", "regional-commissioning", "step-down")}
    c = compare(db, scenarios, years=1, runs=20, categories=ours)
    s = c.summary().set_index(["scenario", "measure"])
    assert ("baseline", "foster_gap") in s.index and ("baseline", "residential_gap") not in s.index  # homes merged
    assert s.loc[("regional-commissioning", "weekly_cost"), "change"] < 0
    c.write(db)
    html = write_report(db, tmp_path / "r.html", categories=ours).html.read_text()
    assert "Agency foster carers" in html and "Children&#39;s homes of any provider" in html
    assert 'id="reforms"' in html
    with pytest.raises(SchemaError, match="block_contract_castle.yaml: changes\\[0\\].category: unknown"):
        bad = tmp_path / "block_contract_castle.yaml"
        bad.write_text("name: x\nchanges: [{kind: block_contract, beds: 1, weekly_price: 1, "
                       "category: external_residential, from: 2025-04-01}]\n")
        load_reform(bad, ours)
