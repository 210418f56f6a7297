"""Backtests: metrics, realised stock and baselines on hand-built cases with exact answers,
origin selection, the store as known on a day, and a smoke backtest on a small synthetic council."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from sufficiency.forecast.backtest import (
    CATEGORIES,
    RESULT_COLUMNS,
    Backtest,
    backtest,
    coverage,
    errors,
    headline,
    inside,
    known_on,
    mae,
    mape,
    origins_for,
    realised_stock,
    summarise,
    wape,
)
from sufficiency.forecast.baselines import baselines, last_value, linear_trend, trend_shares
from sufficiency.store import StoreData, write_tables

T = pd.Timestamp

# --- metrics -----------------------------------------------------------------------------------


def test_errors_and_percentage_errors():
    e = errors([110, 90, 5], [100, 100, 0])
    assert e["error"].tolist() == [10, -10, 5]
    assert e["abs_error"].tolist() == [10, 10, 5]
    assert e["pct_error"].iloc[:2].tolist() == [10, -10] and np.isnan(e["pct_error"].iloc[2])
    assert e["ape"].iloc[:2].tolist() == [10, 10] and np.isnan(e["ape"].iloc[2])


def test_mape_skips_zero_realised_values_mae_and_wape_do_not():
    f, r = [110, 90, 5], [100, 100, 0]
    assert mape(f, r) == pytest.approx(10.0)
    assert mae(f, r) == pytest.approx(25 / 3)
    assert wape(f, r) == pytest.approx(100 * 25 / 200)
    assert mape([3], [0]) != mape([3], [0])  # nothing to average: NaN


def test_coverage_counts_values_inside_including_the_ends():
    lo, hi, r = [0, 0, 10, 4], [10, 5, 20, 5], [5, 6, 20, 3.9]
    assert inside(lo, hi, r).tolist() == [True, False, True, False]
    assert coverage(lo, hi, r) == 50.0


# --- what happened: a tiny store written by hand -------------------------------------------------

EPISODES = [
    # child, decom, dec, place, provider, end_censored
    ("A", "2019-05-01", None, "U4", "PR1", False),  # in-house foster, open throughout
    ("B", "2019-01-01", "2020-03-31", "K2", "PR4", False),  # ends on census day: not open that day
    ("B", "2020-03-31", None, "U1", "PR1", False),  # ...the next starts that day: kinship
    ("C", "2018-06-01", "2020-03-31", "P1", "PR0", True),  # closed by cleaning on census day: open then
    ("E", "2019-06-01", "2020-03-30", "U4", "PR4", False),  # left the day before
    ("F", "2020-04-01", None, "K2", "PR1", False),  # starts the day after: counted a year later
    ("G", "2019-01-01", None, "U4", "PR4", False),  # two open episodes: counted once, the later one
    ("G", "2020-01-01", None, "H5", "PR4", False),
]


def tiny_store(path):
    ep = pd.DataFrame(EPISODES, columns=["child", "decom", "dec", "place", "place_provider", "end_censored"])
    ep["decom"] = pd.to_datetime(ep["decom"])
    ep["dec"] = pd.to_datetime(ep["dec"])
    ep["rec"] = np.where(ep["dec"].notna(), "E8", None)
    ep["ls"] = "C2"
    short = pd.DataFrame({"child": ["S"], "decom": [T("2020-03-30")], "dec": [T("2020-04-02")], "ls": ["V3"],
                          "place": ["U4"], "place_provider": ["PR1"]})
    children = pd.DataFrame({"child": list("ABCEFGS"), "dob": [T("2010-01-01")] * 7, "uasc": [False] * 7})
    write_tables(path, {"episodes": ep, "short_breaks": short, "children": children}, {"years": [2019, 2020, 2021]})
    return path


def test_realised_stock_counts_as_the_dfe_does(tmp_path):
    db = tiny_store(tmp_path / "tiny.duckdb")
    r = realised_stock(db, groups={"fostering": ["kinship_foster", "inhouse_foster", "ifa"]})
    assert list(r.index) == [2019, 2020, 2021]
    y20 = r.loc[2020]
    assert y20["all"] == 4  # A, B (second episode), C (censored on the day), G once; not E, F or the short break
    assert (y20["inhouse_foster"], y20["kinship_foster"], y20["with_parents"], y20["supported"]) == (1, 1, 1, 1)
    assert y20["ifa"] == 0 and y20["external_residential"] == 0 and y20["fostering"] == 2
    y21 = r.loc[2021]
    assert y21["all"] == 4 and y21["inhouse_residential"] == 1 and y21["with_parents"] == 0
    y19 = r.loc[2019]
    assert y19["all"] == 3 and y19["external_residential"] == 1 and y19["ifa"] == 1 and y19["with_parents"] == 1
    # the categories sum to the total
    cats = [c for c in r.columns if c not in ("all", "fostering")]
    assert (r[cats].sum(axis=1) == r["all"]).all()


def test_realised_stock_agrees_with_the_indicators_count(tmp_path):
    db = tiny_store(tmp_path / "tiny.duckdb")
    data = StoreData.read(db)
    r = realised_stock(data)
    for year in (2019, 2020, 2021):
        cla = data.cla(year)
        assert r.loc[year, "all"] == len(cla)
        assert (r.loc[year, list(data.categories.ids)] == cla["category"].value_counts()
                .reindex(list(data.categories.ids), fill_value=0)).all()


def test_groups_must_be_categories(tmp_path):
    db = tiny_store(tmp_path / "tiny.duckdb")
    with pytest.raises(ValueError, match="not among the categories"):
        realised_stock(db, groups={"x": ["fostering"]})
    with pytest.raises(ValueError, match="already a series"):
        realised_stock(db, groups={"ifa": ["ifa"]})


def test_known_on_reopens_later_ends_and_drops_later_starts(tmp_path):
    db = tiny_store(tmp_path / "tiny.duckdb")
    data = StoreData.read(db)
    v = known_on(data, "2020-03-31")
    ep = v.tables["episodes"].set_index(["child", "decom"])
    assert "F" not in set(ep.index.get_level_values("child"))  # started after the day
    assert ep.loc[("B", T("2019-01-01")), "dec"] == T("2020-03-31")  # ended on the day: known then
    assert ep.loc[("E", T("2019-06-01")), "rec"] == "E8"  # ended before: kept with its reason
    assert v.years == [2019, 2020] and set(v.tables["children"]["child"]) >= set("ABCEG")
    assert (realised_stock(v).loc[[2019, 2020]] == realised_stock(data).loc[[2019, 2020]]).all().all()
    v19 = known_on(data, "2019-12-31")
    ep19 = v19.tables["episodes"].set_index(["child", "decom"])
    assert pd.isna(ep19.loc[("B", T("2019-01-01")), "dec"]) and pd.isna(ep19.loc[("B", T("2019-01-01")), "rec"])
    assert pd.isna(ep19.loc[("C", T("2018-06-01")), "dec"])
    assert not ep19.loc[("C", T("2018-06-01")), "end_censored"]  # no longer closed by cleaning: open
    assert v19.years == [2019]


# --- baselines -----------------------------------------------------------------------------------

HISTORY = pd.DataFrame({"all": [100.0, 110.0, 120.0], "a": [60.0, 70.0, 90.0], "b": [40.0, 40.0, 30.0]},
                       index=[2021, 2022, 2023])


def test_baselines_on_a_known_series():
    assert last_value(HISTORY, 2023, 2).tolist() == [120, 90, 30]
    lt = linear_trend(HISTORY, 2023, 2)
    assert lt["all"] == pytest.approx(140) and lt["a"] == pytest.approx(73 + 1 / 3 + 15 * 3)
    assert lt["b"] == pytest.approx(36 + 2 / 3 - 5 * 3)
    ts = trend_shares(HISTORY, 2023, 2)
    assert ts.tolist() == pytest.approx([140, 140 * 0.75, 140 * 0.25])
    # the trend only looks at the origin and the two years before it
    longer = pd.concat([pd.DataFrame({"all": [500.0], "a": [0.0], "b": [0.0]}, index=[2020]), HISTORY])
    assert linear_trend(longer, 2023, 2).tolist() == pytest.approx(lt.tolist())
    assert linear_trend(HISTORY, 2022, 1)["all"] == pytest.approx(120)  # two points: the line through them


def test_trend_is_floored_at_zero_and_needs_two_years():
    falling = pd.DataFrame({"all": [30.0, 20.0, 10.0]}, index=[2021, 2022, 2023])
    assert linear_trend(falling, 2023, 2)["all"] == 0
    one = pd.DataFrame({"all": [50.0]}, index=[2023])
    assert linear_trend(one, 2023, 3)["all"] == 50


def test_baselines_accept_a_mapping_of_years():
    h = {2021: pd.Series({"all": 100.0}), 2022: pd.Series({"all": 110.0}), 2023: pd.Series({"all": 120.0})}
    b = baselines(h, 2023, 2)
    assert b["last_value"]["all"] == 120 and b["linear_trend"]["all"] == pytest.approx(140)
    with pytest.raises(ValueError, match="unknown baseline"):
        baselines(h, 2023, 1, ["crystal_ball"])


# --- origins, summaries, other forecasters -------------------------------------------------------


def test_origins_need_three_years_before_and_the_horizon_after():
    years = list(range(2016, 2026))  # returns 2015/16 .. 2024/25: data from 1 April 2015
    assert origins_for(years, 3, 1) == [2018, 2019, 2020, 2021, 2022, 2023, 2024]
    assert origins_for(years, 3, 3) == [2018, 2019, 2020, 2021, 2022]
    assert origins_for(years, 5, 1) == [2020, 2021, 2022, 2023, 2024]
    assert origins_for([2021, 2022, 2023], 3, 1) == []
    assert origins_for([], 3, 1) == []


def _results():
    rows = [
        # origin, horizon, series, method, forecast, realised, lo50, hi50, lo90, hi90
        (2020, 1, "all", "model", 110, 100, 95, 105, 90, 120),
        (2021, 1, "all", "model", 90, 100, 85, 95, 80, 110),
        (2020, 1, "ifa", "model", 12, 10, 9, 11, 8, 13),
        (2020, 1, "kinship_foster", "model", 0, 0, 0, 0, 0, 0),
        (2020, 1, "all", "last_value", 105, 100, None, None, None, None),
        (2021, 1, "all", "last_value", 100, 100, None, None, None, None),
        (2020, 1, "ifa", "last_value", 10, 10, None, None, None, None),
        (2020, 1, "kinship_foster", "last_value", 1, 0, None, None, None, None),
        (2020, 2, "all", "model", 100, 100, 90, 110, 80, 120),
    ]
    from sufficiency.forecast.backtest import _row, _typed

    return _typed(pd.DataFrame([_row(o, h, s, m, f, r, *(np.nan if b is None else b for b in (l5, h5, l9, h9)))
                                for o, h, s, m, f, r, l5, h5, l9, h9 in rows], columns=RESULT_COLUMNS))


def test_summary_by_method_horizon_and_series():
    s = summarise(_results(), categories=["ifa", "kinship_foster"]).set_index(["method", "horizon", "series"])
    m = s.loc[("model", 1, "all")]
    assert m["n"] == 2 and m["mae"] == 10 and m["mape"] == 10 and m["wape"] == 10 and m["bias"] == 0
    assert m["coverage_50"] == 50 and m["coverage_90"] == 100  # 100 in [95, 105], not in [85, 95]
    lv = s.loc[("last_value", 1, "all")]
    assert lv["mape"] == 2.5 and np.isnan(lv["coverage_90"])
    cat = s.loc[("model", 1, CATEGORIES)]
    assert cat["n"] == 2 and cat["mape"] == 20  # the zero-realised category has no percentage error
    assert cat["wape"] == 20 and cat["coverage_50"] == 100 and cat["coverage_90"] == 100
    assert s.loc[("last_value", 1, CATEGORIES), "wape"] == 10
    h = headline(_results())
    assert h.loc[1, "model"] == 10 and h.loc[1, "last_value"] == 2.5
    assert h.loc[1, "coverage_50"] == 75 and h.loc[1, "coverage_90"] == 100 and h.loc[2, "coverage_50"] == 100


def test_matched_summary_keeps_only_cases_every_method_has():
    s = summarise(_results(), matched=True).set_index(["method", "horizon", "series"])
    assert (2, "all") not in {(h, se) for _, h, se in s.index}  # only the model forecast 2 years ahead
    assert s.loc[("model", 1, "all"), "n"] == 2


def test_other_forecasters_are_scored_against_the_same_realised_values():
    realised = pd.DataFrame({"all": [100.0, 104.0, 110.0], "fostering": [70.0, 72.0, 75.0]}, index=[2020, 2021, 2022])
    bt = Backtest(_results().iloc[:0], realised, {"categories": []})
    peer = pd.DataFrame({"origin": [2020, 2020, 2020, 2021], "horizon": [1, 2, 1, 5], "series": ["all", "all", "fostering", "all"],
                         "forecast": [99.0, 121.0, 72.0, 1.0]})
    out = bt.compare("peer", peer).results.set_index(["origin", "horizon", "series"])
    assert len(out) == 3  # 2021 + 5 is past the data
    assert out.loc[(2020, 1, "all"), "error"] == -5 and out.loc[(2020, 2, "all"), "ape"] == 10
    assert out.loc[(2020, 1, "fostering"), "realised"] == 72 and pd.isna(out.loc[(2020, 1, "all"), "in_90"])
    with pytest.raises(ValueError, match="not in the realised table"):
        bt.compare("peer", peer.assign(series="residential"))


# --- a small synthetic council -------------------------------------------------------------------


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    from sufficiency.pipeline import load
    from sufficiency.synth.council import synthesise

    d = tmp_path_factory.mktemp("bt")
    synthesise("York", 2018, 2024, 5, d / "returns")
    load(d / "returns", db=d / "la.duckdb")
    return d


def test_backtest_on_a_small_synthetic_council(council, tmp_path):
    db = tmp_path / "la.duckdb"
    shutil.copyfile(council / "la.duckdb", db)
    groups = {"fostering": ["kinship_foster", "inhouse_foster", "ifa"]}
    bt = backtest(db, horizons=(1, 2, 3), runs=40, seed=3, groups=groups)
    r = bt.results
    assert bt.params["origins"] == [2020, 2021, 2022, 2023]
    assert set(r["method"]) == {"model", "model_mean", "last_value", "linear_trend", "trend_shares"}
    pairs = set(map(tuple, r[["origin", "horizon"]].drop_duplicates().to_numpy()))
    assert pairs == {(2020, 1), (2020, 2), (2020, 3), (2021, 1), (2021, 2), (2021, 3), (2022, 1), (2022, 2), (2023, 1)}
    data = StoreData.read(db)
    for year in (2021, 2024):
        truth = r[(r["origin"] + r["horizon"] == year) & (r["series"] == "all")]["realised"]
        assert (truth == len(data.cla(year))).all()
    m = r[r["method"] == "model"]
    assert (m["lo90"] <= m["lo50"]).all() and (m["lo50"] <= m["forecast"]).all() and (m["forecast"] <= m["hi50"]).all()
    assert (m["hi50"] <= m["hi90"]).all() and m["in_90"].notna().all()
    assert r[r["method"] == "last_value"]["in_90"].isna().all()
    # a group's realised value is the sum of its categories'
    fost = m[m["series"] == "fostering"].set_index(["origin", "horizon"])["realised"]
    parts = m[m["series"].isin(groups["fostering"])].groupby(["origin", "horizon"])["realised"].sum()
    assert (fost == parts).all()
    s = bt.summary()
    assert {"all", CATEGORIES, "fostering"} <= set(s["series"])
    assert s["coverage_90"].dropna().between(0, 100).all()
    again = backtest(db, origins=[2021], horizons=(1,), runs=40, seed=3)
    assert again.params["origins"] == [2021]
    bt.write(db)
    con = duckdb.connect(str(db), read_only=True)
    back = con.execute("SELECT * FROM backtest_results").df()
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    con.close()
    assert len(back) == len(r) and "backtest_summary" in tables and "episodes" in tables
    assert '"runs": 40' in meta["backtest"]


def test_known_on_matches_a_store_loaded_from_the_returns_up_to_the_day(council, tmp_path):
    from sufficiency.pipeline import load

    part = tmp_path / "returns"
    for year in (2018, 2019, 2020, 2021):
        shutil.copytree(council / "returns" / str(year), part / str(year))
    load(part, db=tmp_path / "part.duckdb")
    full = StoreData.read(council / "la.duckdb")
    early = StoreData.read(tmp_path / "part.duckdb")
    view = known_on(full, "2021-03-31")
    assert view.years == early.years == [2018, 2019, 2020, 2021]
    for name in ("episodes", "placements", "periods"):
        assert len(view.tables[name]) == len(early.tables[name]), name
    open_ = view.tables["episodes"]["dec"].isna().sum()
    assert open_ == early.tables["episodes"]["dec"].isna().sum()
    assert (realised_stock(view) == realised_stock(early)).all().all()


def test_backtest_command(council, tmp_path):
    from typer.testing import CliRunner

    from sufficiency.cli import app

    db = tmp_path / "la.duckdb"
    shutil.copyfile(council / "la.duckdb", db)
    r = CliRunner().invoke(app, ["backtest", "--db", str(db), "--runs", "20", "--horizon", "1", "--out",
                                 str(tmp_path / "r.csv")])
    assert r.exit_code == 0, r.output
    assert "no change" in r.output and (tmp_path / "r.csv").exists()
    r = CliRunner().invoke(app, ["backtest", "--db", str(tmp_path / "nowhere.duckdb")])
    assert r.exit_code == 2 and "does not exist" in r.output and "Traceback" not in r.output
