"""The money of reforms: prices on one index, the seeds' arithmetic to the pound, what reforms
cost to do, cash flow, payback and net present value, the council's own workforce, and the
report and workbook that show them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_reforms import CATS, MAP, _measure, hand_forecast, reform

from sufficiency.errors import SchemaError
from sufficiency.parameters import load_parameters
from sufficiency.reforms import compare, load_reform
from sufficiency.reforms.census import with_council_workforce
from sufficiency.reforms.compare import Baseline
from sufficiency.reforms.costs import index
from sufficiency.reforms.money import cash_flows, npv, payback
from sufficiency.reforms.present import baseline_text
from sufficiency.reforms.scenario import plan
from sufficiency.reforms.supply import HomeType, allocate_residential
from sufficiency.reforms.workforce import project

PRICES = Path(__file__).resolve().parents[1] / "src" / "sufficiency" / "reforms" / "prices"
LEEDS = load_parameters(PRICES / "leeds.yaml")
PARAMS = load_parameters()
# the S251 spend per child per week, England, 2020-21 and 2024-25 (LAIT; the series the uplift is derived from)
S251 = {"residential": (4575, 7385), "fostering": (615, 765), "other": (1340, 2100)}
RATE = {g: 1 + PARAMS.value(f"costs.uplift.{g}", "2025-04-01") / 100 for g in S251}  # the shipped yearly factor
NO_HOMES = Baseline(0, 0, 4, 0.0, {c: 0.5 for c in CATS}, 50, 100)


# --- the seeds' arithmetic, to the pound -------------------------------------------------------


def test_leeds_own_price_makes_a_child_alone_in_a_four_bed_home_cost_13500_and_in_a_two_bed_4500():
    bed = LEEDS.weekly_cost("external_residential", 2024)  # 2023-24, the year of the Leeds paper
    assert bed == 4500
    four = allocate_residential(4, 1, [HomeType("4-bed", 4, 1, 0)])
    two = allocate_residential(2, 1, [HomeType("2-bed", 2, 1, 0)])
    assert four.external * bed == 13_500 and two.external * bed == 4_500


def test_eight_block_beds_save_the_price_gap_times_the_beds_on_one_index():
    counts = {"external_residential": 10}
    spot = PARAMS.weekly_cost("external_residential", 2026)
    base = _measure([], counts, NO_HOMES)["weekly_cost"][0, -1]
    block = _measure([{"kind": "block_contract", "beds": 8, "discount_percent": 10, "from": "2025-04-01"}], counts,
                     NO_HOMES)["weekly_cost"][0, -1]
    assert base - block == pytest.approx(8 * spot * 0.10, abs=0.01)  # all 8 full: 8 x (spot - block)
    # a block priced at the CMA's 2019-20 price against spot at the same CMA price: the same index, no gap
    cma = _measure([{"kind": "block_contract", "beds": 8, "weekly_price": 3830, "prices": "2020-04-01",
                     "from": "2025-04-01"}], counts, NO_HOMES)["weekly_cost"][0, -1]
    assert PARAMS.value("costs.weekly.external_residential", "2020-04-01") == 3830
    assert cma == pytest.approx(base, abs=0.01)


def test_block_beds_save_the_gap_times_beds_times_occupancy_and_pay_for_empty_beds():
    counts = {"external_residential": 4}  # 4 children for 8 beds: half full
    spot = PARAMS.weekly_cost("external_residential", 2026)
    price = 3000 * RATE["residential"] ** (2026 - 2025)  # priced in 2024-25, paid in 2025-26: the homes' index
    base = _measure([], counts, NO_HOMES)["weekly_cost"][0, -1]
    half = _measure([{"kind": "block_contract", "beds": 8, "weekly_price": 3000, "prices": "2024-04-01",
                      "from": "2025-04-01"}], counts, NO_HOMES)["weekly_cost"][0, -1]
    occupancy = 4 / 8
    assert base - half == pytest.approx(8 * (occupancy * spot - price), abs=0.01)


def test_every_price_of_a_kind_moves_by_its_kinds_index():
    res = RATE["residential"]
    assert index(PARAMS, dt.date(2020, 4, 1), [np.datetime64("2025-09-30")], "residential")[0] == pytest.approx(res**5)
    assert PARAMS.weekly_cost("external_residential", 2026) == pytest.approx(3830 * res**5)
    assert PARAMS.weekly_cost("inhouse_residential", 2026) / PARAMS.weekly_cost("inhouse_residential", 2021) == (
        pytest.approx(res**5))  # in-house on the same index as spot


@pytest.mark.parametrize("group", ["residential", "fostering", "other"])
def test_each_groups_uplift_is_the_s251_series_growth(group):
    first, last = S251[group]
    growth = (last / first) ** (1 / 4) - 1  # four years, 2020-21 to 2024-25
    assert RATE[group] - 1 == pytest.approx(growth, abs=5e-5)
    assert "S251" in PARAMS.at(f"costs.uplift.{group}", "2025-04-01").reference.title


def test_a_residential_and_a_fostering_price_move_apart_as_their_rates_say():
    assert (PARAMS.group_of("external_residential"), PARAMS.group_of("ifa"), PARAMS.group_of("kinship_foster"),
            PARAMS.group_of("supported")) == ("residential", "fostering", "fostering", "other")
    home = PARAMS.weekly_cost("external_residential", 2030) / PARAMS.weekly_cost("external_residential", 2025)
    foster = PARAMS.weekly_cost("ifa", 2030) / PARAMS.weekly_cost("ifa", 2025)
    assert home == pytest.approx(RATE["residential"] ** 5) and foster == pytest.approx(RATE["fostering"] ** 5)
    assert home / foster == pytest.approx((RATE["residential"] / RATE["fostering"]) ** 5)
    assert home > 1.7 > 1.4 > foster  # about 82% against 31% over five years


def test_a_category_reaches_its_index_by_its_roles_not_its_id(tmp_path):
    from sufficiency.parameters import PlacementCategories

    mine = tmp_path / "cats.yaml"
    mine.write_text("categories:\n"
                    "  - {id: homes, label: Homes, roles: [residential, external], place: [K1, K2], "
                    "cost: costs.weekly.external_residential}\n"
                    "  - {id: carers, label: Carers, roles: [foster], place: [U1, U2, U3, U4, U5, U6], "
                    "cost: costs.weekly.ifa}\n"
                    "  - {id: rest, label: Rest, place: [P1], cost: costs.weekly.supported}\n")
    p = load_parameters(categories=PlacementCategories.load(mine))
    assert [p.group_of(c) for c in ("homes", "carers", "rest")] == ["residential", "fostering", "other"]
    assert p.weekly_cost("homes", 2026) == pytest.approx(PARAMS.weekly_cost("external_residential", 2026))


def test_a_councils_one_annual_uplift_overrides_every_group(tmp_path):
    one = tmp_path / "one.yaml"
    one.write_text("costs.annual_uplift:\n  description: ours\n  unit: percent\n"
                   "  values: {2020-04-01: {value: 3, note: our budget's assumption}}\n")
    p = load_parameters(one, MAP)
    for cat in ("external_residential", "ifa", "supported", "inhouse_residential"):
        assert p.weekly_cost(cat, 2030) / p.weekly_cost(cat, 2025) == pytest.approx(1.03**5)
    for group in S251:
        assert index(p, dt.date(2024, 4, 1), [np.datetime64("2027-09-30")], group)[0] == pytest.approx(1.03**3)
    from sufficiency.reforms.assumptions import names_used

    used = names_used(p, MAP, {})
    assert "costs.annual_uplift" in used and not any(n.startswith("costs.uplift.") for n in used)
    assert "costs.annual_uplift" not in PARAMS  # the built-in prices move by kind


def test_new_places_fill_as_new_placements_arrive_and_settled_children_stay():
    counts = {"external_residential": 20}
    b = Baseline(0, 0, 4, 0.0, {c: 0.5 for c in CATS}, 50, 100)
    m = _measure([{"kind": "residential_homes", "homes": 5, "beds_per_home": 2, "from": "2025-04-01"}], counts, b)
    per_month = PARAMS.value("placements.new_placements_per_child", "2025-03-31") / 12 * 20
    inhouse = m["inhouse_residential"][0]
    assert inhouse[0] == 0 and inhouse[1] == pytest.approx(per_month)  # not all 10 beds on the first month
    assert inhouse[-1] == 10  # full by the year's end
    moved = load_parameters()
    moved = moved.set_from("placements.settled_moves_percent", "2020-04-01", value=120, note="test")
    fc = hand_forecast(counts)
    from sufficiency.reforms.compare import measure
    p = plan([reform({"kind": "residential_homes", "homes": 5, "beds_per_home": 2, "from": "2025-04-01"})], MAP,
             fc.dates)
    faster = measure(fc, p, b, moved)["inhouse_residential"][0]
    assert faster[1] == pytest.approx(per_month + 20 * 0.10)


# --- what a reform costs to do -----------------------------------------------------------------


def test_capital_is_paid_as_each_home_opens_on_the_years_prices():
    r = reform({"kind": "residential_homes", "homes": 2, "beds_per_home": 2, "stagger_months": 6,
                "from": "2025-04-01"})
    r = r.model_copy(update={"costs": load_reform("small-group-living").costs})
    fc = hand_forecast({"external_residential": 6}, months=12)
    from sufficiency.reforms.compare import measure
    from sufficiency.reforms.money import investment

    p = plan([r], MAP, fc.dates)
    m = measure(fc, p, NO_HOMES, PARAMS)
    placed = np.stack([m[c] for c in CATS], axis=2)
    paid, items = investment(p, PARAMS, fc.dates, placed, plan)
    capital = 1_000_000 * RATE["residential"] ** (2026 - 2023)  # priced October 2022 (2022-23), paid in 2025-26
    assert paid.sum() == pytest.approx(2 * capital)
    assert np.flatnonzero(paid[0]).tolist() == [1, 7]  # April and October 2025
    assert items[0].cost.type == "capital"


def test_staff_are_paid_by_the_year_from_their_start_and_an_allowance_by_the_child_and_week():
    r = parse({"name": "x", "changes": [{"kind": "entries", "change_percent": -1, "from": "2025-04-01"}],
               "costs": [{"item": "posts", "type": "staff", "amount": 50_000, "count": 3, "every": "year",
                          "from": "2025-04-01", "note": "assumed"},
                         {"item": "allowance", "type": "allowance", "parameter": "reform_costs/kinship_allowance",
                          "every": "week", "per": "children:role:kinship", "from": "2025-04-01"}]})
    fc = hand_forecast({"kinship_foster": 7}, months=12)
    from sufficiency.reforms.compare import measure
    from sufficiency.reforms.money import investment

    p = plan([r], MAP, fc.dates)
    placed = np.stack([measure(fc, p, NO_HOMES, PARAMS)[c] for c in CATS], axis=2)
    _, items = investment(p, PARAMS, fc.dates, placed, plan)
    days = np.diff(fc.dates).sum()
    assert items[0].paid.sum() == pytest.approx(3 * 50_000 * days / 365.25)  # priced on its start: 2025-26
    # priced April 2024 (2024-25), paid by the child in kinship foster care: on the fostering index
    assert items[1].paid.sum() == pytest.approx(7 * 213 * RATE["fostering"] * days / 7)


def parse(raw):
    from sufficiency.reforms.schema import parse_reform

    return parse_reform(raw, "plan.yaml", MAP)


@pytest.mark.parametrize("cost, key", [
    ({"item": "x", "type": "capital", "amount": 5, "from": "2025-04-01"}, "costs[0]"),
    ({"item": "x", "type": "capital", "amount": 5, "parameter": "reform_costs.kinship_allowance", "note": "n",
      "from": "2025-04-01"}, "costs[0]"),
    ({"item": "x", "type": "lunch", "amount": 5, "note": "n", "from": "2025-04-01"}, "costs[0].type"),
])
def test_a_wrong_cost_names_the_file_and_the_key(cost, key):
    with pytest.raises(SchemaError, match="plan.yaml: " + re.escape(key)):
        parse({"name": "x", "changes": [{"kind": "entries", "change_percent": -1, "from": "2025-04-01"}],
               "costs": [cost]})
    with pytest.raises(SchemaError, match=r"costs\[0\].per: unknown placement category 'castle'"):
        parse({"name": "x", "changes": [{"kind": "entries", "change_percent": -1, "from": "2025-04-01"}],
               "costs": [{"item": "x", "type": "allowance", "amount": 5, "note": "n", "every": "week",
                          "per": "children:castle", "from": "2025-04-01"}]})


# --- sourced defaults and the reforms' own workforce -------------------------------------------


def test_the_recruitment_default_is_the_reviews_9000_over_three_years_scaled_to_the_council():
    from sufficiency.reference.benchmarks import england
    from sufficiency.reforms.defaults import ENGLAND_HOUSEHOLDS, with_defaults

    e = england().set_index(["indicator", "year"])["value"]
    in_foster = e[("cla_31_march", 2025)] * e[("pct_placed_foster", 2025)] / 100  # England, 31 March 2025
    share = 160 / in_foster
    grow = load_reform("foster-recruitment")
    assert grow.changes[0].households_per_year is None  # the example rests on the default
    done, notes, used = with_defaults([grow], PARAMS, 160, dt.date(2025, 3, 31))
    assert done[0].changes[0].households_per_year == pytest.approx(9000 / 3 * share)
    assert used == [ENGLAND_HOUSEHOLDS] and "Independent Review" in PARAMS.at(
        ENGLAND_HOUSEHOLDS, "2025-04-01").reference.title
    assert "rests on a default" in notes[0] and f"{9000 / 3 * share:.1f} new foster households" in notes[0]
    own = reform({"kind": "foster_recruitment", "households_per_year": 12, "from": "2025-04-01"})
    assert with_defaults([own], PARAMS, 160, dt.date(2025, 3, 31)) == ([own], [], [])  # its own size stands


def test_family_help_adds_its_own_posts_to_the_social_workers_reported():
    from sufficiency.reforms.compare import measure

    helped = load_reform("family-help")
    fc = hand_forecast({"inhouse_foster": 50}, months=24)
    base = Baseline(0, 0, 4, 0.0, {c: 0.5 for c in CATS}, 50, 50)
    with_posts = measure(fc, plan([helped], MAP, fc.dates), base, PARAMS)
    costs = [c.model_copy(update={"social_work_posts": False}) for c in helped.costs]
    without = measure(fc, plan([helped.model_copy(update={"costs": costs})], MAP, fc.dates), base, PARAMS)
    added = with_posts["social_workers_permanent"][0] - without["social_workers_permanent"][0]
    posts = helped.costs[0].count
    assert added[0] == 0 and added[6] == pytest.approx(posts / 2, abs=0.5) and added[-1] == pytest.approx(posts)
    assert with_posts["social_workers_reform"][0, -1] == pytest.approx(posts)
    assert with_posts["caseload"][0, -1] < without["caseload"][0, -1]  # the cases are shared among more
    assert with_posts["workforce_cost_per_year"][0, -1] == without["workforce_cost_per_year"][0, -1]  # paid as investment


# --- cash flow, payback, net present value ----------------------------------------------------


def test_cash_flow_payback_and_npv_by_year():
    months = 36
    base = np.zeros((1, months + 1))
    base[0, 1:] = 10.0  # 120 a year spent without the plan
    plan_spend = np.zeros((1, months + 1))
    plan_spend[0, 1:] = 5.0  # 60 a year with it: a gross saving of 60 a year
    invest = np.zeros((1, months + 1))
    invest[0, 1] = 100.0
    f = cash_flows(base, plan_spend, invest, 3)
    assert f["gross_saving"][0].tolist() == [60, 60, 60] and f["investment"][0].tolist() == [100, 0, 0]
    assert f["cumulative_net"][0].tolist() == [-40, 20, 80]
    assert payback(f["cumulative_net"])[0] == 2
    assert payback(np.array([[-1.0, 1.0, -1.0]]))[0] == np.inf  # back under: not paid back
    p = PARAMS.set_from("finance.general_inflation", "2020-04-01", value=0, note="test")
    assert npv(f["net_saving"], p, "2025-03-31")[0] == pytest.approx(-40 + 60 / 1.035 + 60 / 1.035**2)


# --- the council's own workforce ----------------------------------------------------------------


def test_leeds_own_workforce_census_replaces_englands_rates():
    p, notes = with_council_workforce(PARAMS, "E08000035", dt.date(2025, 3, 31))
    assert p.value("workforce.agency_rate", "2025-03-31") == 5.2  # 30 September 2024
    assert p.value("workforce.agency_rate", "2025-10-01") == 2.1
    assert p.value("workforce.fte", "2025-03-31") == pytest.approx(640.6 + 50)
    assert "Leeds" in notes[0] and "30 September 2024" in notes[0]
    assert "agency social worker rate" in notes[0] and "and social work posts (FTE)" in notes[0]  # the DfE's words
    mine = PARAMS.set_from("workforce.agency_rate", "2020-04-01", value=9.0, note="ours")
    kept, said = with_council_workforce(mine, "E08000035", dt.date(2025, 3, 31))
    assert kept.value("workforce.agency_rate", "2025-03-31") == 9.0  # the council's own figure is kept
    assert "agency social worker rate" not in said[0] and "social worker vacancy rate" in said[0]
    assert with_council_workforce(PARAMS, None, dt.date(2025, 3, 31))[0] is PARAMS


def test_posts_follow_cases_not_children_looked_after():
    one_for_one = project(np.array([1400.0]), 1500, 600, vacancy_percent=0, agency_percent=0, caseload_now=15,
                          cost_permanent=1, cost_agency=1)
    by_cases = project(np.array([1400.0]), 1500, 600, vacancy_percent=0, agency_percent=0, caseload_now=15,
                       cost_permanent=1, cost_agency=1, cases_now=4420)
    assert one_for_one.permanent[0] == pytest.approx(600 * 1400 / 1500)
    assert by_cases.permanent[0] == pytest.approx(600 * (4420 - 100) / 4420)


# --- synthetic Leeds with Leeds' own prices -----------------------------------------------------


@pytest.fixture(scope="module")
def leeds(tmp_path_factory):
    from sufficiency.pipeline import load
    from sufficiency.synth import synthesise

    out = tmp_path_factory.mktemp("leeds")
    synthesise(la="Leeds", first_year=2023, last_year=2025, seed=3, out=out / "returns")
    load(out / "returns", db=out / "la.duckdb", la_code="E08000035")
    scenarios = {n: [load_reform(n)] for n in ("small-group-living", "block-contracts", "agency-cap",
                                               "foster-recruitment")}
    return out / "la.duckdb", compare(out / "la.duckdb", scenarios, years=5, runs=40, seed=1, parameters=LEEDS)


def _fin(c, scenario, measure):
    return c.finance.set_index(["scenario", "measure"]).loc[(scenario, measure)]


def test_small_group_living_in_leeds_shows_its_investment_net_saving_and_payback(leeds):
    _, c = leeds
    opened = [dt.date(2025, 10, 1), dt.date(2026, 4, 1), dt.date(2026, 10, 1), dt.date(2027, 4, 1)]
    from sufficiency.vocab import year_of

    capital = sum(1_000_000 * RATE["residential"] ** (year_of(d) - 2023) for d in opened)
    assert _fin(c, "small-group-living", "investment")["median"] == pytest.approx(capital)
    gross = _fin(c, "small-group-living", "gross_saving")["median"]
    assert gross > 100_000  # not 0: Leeds' external bed costs more than its own
    assert _fin(c, "small-group-living", "net_saving")["median"] == pytest.approx(gross - capital, rel=1e-9)
    payback_years = _fin(c, "small-group-living", "payback_years")["median"]
    cum = c.money[(c.money["scenario"] == "small-group-living") & (c.money["measure"] == "cumulative_net")
                  & (c.money["quantile"] == 0.5)]["value"].to_numpy()
    assert (np.isinf(payback_years) and cum[-1] < 0) or cum[int(payback_years) - 1] >= 0
    rows = c.costs[c.costs["scenario"] == "small-group-living"]
    assert rows["type"].tolist() == ["capital"] and "Plymouth" in rows["source"].iloc[0]


def test_an_agency_cap_saves_next_to_nothing_where_agency_staff_are_already_few(leeds, tmp_path):
    db, c = leeds
    assert abs(_fin(c, "agency-cap", "gross_saving")["median"]) < 1_000  # Leeds: 5.2% agency, cap 10%
    england = tmp_path / "england.yaml"
    england.write_text("workforce.agency_rate:\n  description: England\n  unit: percent\n"
                       "  values: {2024-09-30: {value: 16.2, note: England's rate}}\n")
    params = load_parameters(england, MAP)
    e = compare(db, {"agency-cap": [load_reform("agency-cap")]}, years=5, runs=40, seed=1, parameters=params)
    assert _fin(e, "agency-cap", "gross_saving")["median"] > 1_000_000


def test_the_assumptions_list_names_each_default_and_what_replaces_it(leeds):
    _, c = leeds
    a = c.assumptions.set_index("parameter")
    assert a.loc["costs.weekly.external_residential", "basis"].startswith("the council's own")
    assert a.loc["workforce.agency_rate", "basis"] == "the council's own (workforce census)"
    assert a.loc["costs.uplift.residential", "basis"] == "default: assumption"  # derived from the S251 series
    assert a.loc["finance.discount_rate", "value"] == 3.5
    assert a.loc["market.block_discount_percent", "override"] == "--params FILE with market.block_discount_percent"
    assert a.loc["reform_costs.childrens_home_capital", "basis"].startswith("default")


def test_a_reform_resting_on_a_default_says_so_beside_its_results(leeds):
    _, c = leeds
    said = [n for n in c.baseline.notes if n.startswith("Grow local foster carers rests on a default")]
    assert len(said) == 1 and "Independent Review" in said[0]
    a = c.assumptions.set_index("parameter")
    assert a.loc["reforms.foster_households_england", "value"] == 3000
    recruited = c.measures[(c.measures["scenario"] == "foster-recruitment") & (c.measures["measure"] == "foster_gap")]
    base = c.measures[(c.measures["scenario"] == "baseline") & (c.measures["measure"] == "foster_gap")]
    assert recruited["value"].max() > base["value"].max()  # the default recruits households


def test_report_and_workbook_show_every_plans_money_and_assumptions(leeds, tmp_path):
    from sufficiency.reforms.present import write_workbook
    from sufficiency.report import write_report

    db, c = leeds
    c.write(db)
    html = write_report(db, tmp_path / "r.html").html.read_text()
    section = html[html.index('id="reforms"'):]
    for text in ("Gross saving", "Investment", "Net saving", "Cumulative net saving", "Pays back",
                 "Net present value", "Assumptions", "How far below the spot price of the same placement a "
                 "block-contracted bed is priced", "the council&#39;s own figure, in its parameters file",
                 "children&#39;s homes 12.72%, fostering 5.61%"):
        assert text in section
    assert "market.block_discount_percent" not in section  # a reader sees words; the workbook keeps the name
    for plan_name in ("small-group-living", "block-contracts", "agency-cap"):
        assert plan_name in section
    book = pd.read_excel(write_workbook(c, {}, tmp_path / "c.xlsx"), sheet_name=None)
    assert {"money", "cash_flow", "investment", "assumptions"} <= set(book)
    assert "market.block_discount_percent" in set(book["assumptions"]["parameter"])
    assert set(book["money"]["measure"]) == {"gross_saving", "investment", "net_saving", "npv", "payback_years"}


def test_the_plans_baseline_is_set_beside_the_forecasts_figure():
    end = pd.Timestamp("2030-03-31")
    fc = pd.DataFrame({"breakdown": "total", "date": end, "quantile": [0.05, 0.5, 0.95],
                       "value": [1100.0, 1342.0, 1600.0]})
    same = baseline_text(1342.2, end, fc, 500, 1000)
    assert "1,342" in same and "the same as the forecast above" in same
    other = baseline_text(1357.0, end, fc, 500, 1000)
    assert "1,357" in other and "1,342" in other and "+15" in other and "1,100 to 1,600" in other
    assert baseline_text(1357.0, end, None, 500, 1000).endswith("(median).")


def test_the_report_baseline_matches_or_explains_the_forecast_section(leeds, tmp_path):
    from sufficiency.api import ForecastOptions, forecast
    from sufficiency.report import write_report

    db, c = leeds
    forecast(ForecastOptions(db=db, years=5, runs=40, seed=1, window=5))
    c.write(db)
    html = write_report(db, tmp_path / "r.html").html.read_text()
    q = pd.DataFrame(__import__("duckdb").connect(str(db), read_only=True).sql(
        "SELECT * FROM forecast_quantiles WHERE breakdown = 'total' AND quantile = 0.5").df())
    fc_end = q.loc[pd.to_datetime(q["date"]) == pd.Timestamp("2030-03-31"), "value"].iloc[0]
    base = c.summary().set_index(["scenario", "measure"]).loc[("baseline", "children_looked_after"), "median"]
    section = html[html.index('id="reforms"'):]
    assert f"{base:,.0f}" in section
    if round(fc_end) != round(base):
        assert f"the forecast above says {fc_end:,.0f}" in section
    else:
        assert "the same as the forecast above" in section
