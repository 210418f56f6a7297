"""The store's one door: fingerprints, lineage of results, stale results hidden and named, the
counting rules, and the report reading the store through one connection."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest
from test_indicators import EP, EPISODES, HEADER, OC3, REVIEWS
from typer.testing import CliRunner

from sufficiency.cli import app
from sufficiency.errors import StoreError
from sufficiency.pipeline import load
from sufficiency.report import write_report
from sufficiency.store import Store, StoreData, add_tables, fingerprint_tables, open_on

runner = CliRunner()
# returns B: child 8 placed with a kinship carer rather than with parents
OTHER = [e.replace(",P1,PR0,", ",U1,PR1,") if e.startswith("8,") else e for e in EPISODES]


def council(root, episodes=EPISODES):
    """The hand-built council of test_indicators (2024/25) in `root`; returns `root`."""
    d = root / "2025"
    d.mkdir(parents=True)
    for name, lines in {"episodes": [EP, *episodes], "header": HEADER, "reviews": REVIEWS, "oc3": OC3}.items():
        (d / f"{name}.csv").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture(scope="module")
def forecast_a(tmp_path_factory):
    """A store of returns A with a small forecast (20 runs, one year) made from them."""
    d = tmp_path_factory.mktemp("lineage")
    load(council(d / "a"), d / "la.duckdb", la_code="E08000035")
    r = runner.invoke(app, ["forecast", "--db", str(d / "la.duckdb"), "--runs", "20", "--years", "1"])
    assert r.exit_code == 0, r.output
    return d


def test_fingerprint_is_of_content_not_of_row_labels_and_changes_with_any_value():
    t = pd.DataFrame({"child": ["1", "2"], "n": [1, 2]})
    base = fingerprint_tables({"episodes": t}, la_code="E08000035")
    assert fingerprint_tables({"episodes": t.set_axis([7, 9])}, la_code="E08000035") == base
    assert fingerprint_tables({"episodes": t.assign(n=[1, 3])}, la_code="E08000035") != base
    assert fingerprint_tables({"episodes": t}, la_code="E08000036") != base
    assert fingerprint_tables({"children": t}, la_code="E08000035") != base
    assert fingerprint_tables({"episodes": t.astype({"n": "int32"})}, la_code="E08000035") != base
    read_elsewhere = t.assign(source_file=["b/2025/episodes.xlsx"] * 2, source_row=[5, 9])
    assert fingerprint_tables({"episodes": read_elsewhere}, la_code="E08000035") == fingerprint_tables(
        {"episodes": t.assign(source_file=["a/episodes.csv"] * 2, source_row=[2, 3])}, la_code="E08000035")


def test_results_are_stamped_with_the_returns_and_parameters_they_came_from(forecast_a):
    db = forecast_a / "la.duckdb"
    with Store(db) as store:
        results = store.table("results").set_index("table")
        assert {"forecast_quantiles", "forecast_flows", "forecast_costs"} <= set(results.index)
        assert (results["returns"] == store.fingerprint).all() and len(store.fingerprint) == 64
        assert results.loc["forecast_quantiles", "stage"] == "forecast"
        assert store.stale() == {}


def test_other_returns_hide_the_forecast_and_the_report_names_the_command(forecast_a, tmp_path):
    db = tmp_path / "la.duckdb"
    shutil.copyfile(forecast_a / "la.duckdb", db)
    assert "recorded and forecast" in write_report(db, tmp_path / "a.html").html.read_text()
    load(council(tmp_path / "b", OTHER), db, la_code="E08000035")
    html = write_report(db, tmp_path / "b.html").html.read_text()
    sentence = "The forecast was made from other returns: make it again from these returns (the forecast command)."
    assert sentence in html and "recorded and forecast" not in html
    with Store(db) as store:
        assert "forecast_quantiles" not in store.names
        with pytest.raises(StoreError, match="run `sufficiency forecast"):
            store.table("forecast_quantiles")
        assert store.stale() == {"forecast": f"The forecast was made from other returns; run `sufficiency forecast "
                                             f"--db {db}` again."}  # the command line, for the CLI
    con = duckdb.connect(str(db), read_only=True)  # removed, not only hidden
    assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'forecast_%'").fetchone()[0]
    con.close()


def test_the_same_returns_loaded_again_keep_their_results(forecast_a, tmp_path):
    db = tmp_path / "la.duckdb"
    shutil.copyfile(forecast_a / "la.duckdb", db)
    with Store(db) as store:
        before = store.table("forecast_quantiles")
    moved = shutil.copytree(forecast_a / "a", tmp_path / "elsewhere")  # same content, another path
    load(moved, db, la_code="E08000035")
    with Store(db) as store:
        pd.testing.assert_frame_equal(store.table("forecast_quantiles"), before)
        assert store.meta()["forecast"]["runs"] == 20 and store.stale() == {}
    assert "recorded and forecast" in write_report(db, tmp_path / "r.html").html.read_text()


def test_a_stale_comparison_names_the_plans_to_compare_again(forecast_a, tmp_path):
    db = tmp_path / "la.duckdb"
    shutil.copyfile(forecast_a / "la.duckdb", db)
    add_tables(db, {"scenario_summary": pd.DataFrame({"scenario": ["baseline"]})}, {"compare": {"runs": 5}},
               command="sufficiency compare baseline family-help")
    load(council(tmp_path / "b", OTHER), db, la_code="E08000035")
    html = write_report(db, tmp_path / "r.html").html.read_text()
    assert ("The comparison of reforms was made from other returns: make it again from these returns (the compare "
            "command, with the plans baseline and family-help).") in html
    with Store(db) as store:
        assert "compare" not in store.meta()


def test_results_of_a_store_reloaded_meanwhile_are_refused(forecast_a, tmp_path):
    db = tmp_path / "la.duckdb"
    shutil.copyfile(forecast_a / "la.duckdb", db)
    data = StoreData.read(db)
    load(council(tmp_path / "b", OTHER), db, la_code="E08000035")
    with pytest.raises(StoreError, match="loaded with other returns while the backtest ran"):
        add_tables(db, {"backtest_summary": pd.DataFrame({"n": [1]})}, {"backtest": {}}, returns=data.fingerprint)
    add_tables(db, {"backtest_summary": pd.DataFrame({"n": [1]})}, {"backtest": {}},
               returns=StoreData.read(db).fingerprint)
    with Store(db) as store:
        assert store.table("backtest_summary")["n"].tolist() == [1]


def test_parameters_are_fingerprinted(forecast_a, tmp_path):
    db = tmp_path / "la.duckdb"
    shutil.copyfile(forecast_a / "la.duckdb", db)
    t = {"backtest_summary": pd.DataFrame({"n": [1]})}
    add_tables(db, t, {"backtest": {"runs": 5}})
    with Store(db) as store:
        first = store.table("results").set_index("table").loc["backtest_summary", "parameters"]
    add_tables(db, t, {"backtest": {"runs": 6}})
    with Store(db) as store:
        assert store.table("results").set_index("table").loc["backtest_summary", "parameters"] != first


def test_a_stages_new_results_replace_all_its_earlier_ones_and_no_other_stages(forecast_a, tmp_path):
    db = tmp_path / "la.duckdb"
    shutil.copyfile(forecast_a / "la.duckdb", db)
    one = pd.DataFrame({"n": [1]})
    add_tables(db, {"plan_decisions": one, "plan_summary": one}, {"plan": {}})
    add_tables(db, {"backtest_summary": one}, {"backtest": {}})
    add_tables(db, {"plan_slack": one}, {"plan": {}})  # a plan that found none
    with Store(db) as store:
        stamped = set(store.table("results")["table"])
        assert {"plan_slack", "backtest_summary"} <= store.names and not {"plan_decisions", "plan_summary"} & store.names
        assert "forecast_quantiles" in store.names
    assert {"plan_slack", "backtest_summary"} <= stamped and not {"plan_decisions", "plan_summary"} & stamped


def test_counting_rules_are_one_door_for_every_stage(forecast_a):
    data = StoreData.read(forecast_a / "la.duckdb")
    day = pd.Timestamp("2025-03-31")
    ep = data.tables["episodes"]
    assert data.open_on(day)["child"].tolist() == open_on(ep, day)["child"].tolist()
    # the hand-built council: children 1, 2, 7 and 8 are looked after on 31 March 2025
    assert sorted(data.cla(2025)["child"]) == ["1", "2", "7", "8"]
    assert set(data.looked_after_during(2025)) >= {"1", "2", "3", "4", "5", "7", "8"}


def test_the_report_opens_the_store_once(forecast_a, tmp_path, monkeypatch):
    import sufficiency.store.db as db_module

    opened = []
    real = db_module.duckdb.connect

    def counted(*args, **kwargs):
        opened.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(db_module.duckdb, "connect", counted)
    write_report(forecast_a / "la.duckdb", tmp_path / "r.html")
    assert len(opened) == 1


def test_frames_go_to_the_store_through_arrow_with_the_types_and_values_of_the_frame(tmp_path):
    """Every column type the Arrow path takes (text with blanks and all blank, numbers with NaN,
    -0.0 and infinities, true/false, times of each unit with NaT, Int64 and boolean with
    blanks) is stored as DuckDB stores the frame itself; a frame with another column type and
    an empty frame are stored too."""
    import numpy as np

    from sufficiency.store.db import _arrow, write_tables

    times = pd.to_datetime(["2020-01-01 10:11:12", None, "1969-12-31 23:59:59"])
    frame = pd.DataFrame({
        "text": pd.array(["a", None, "é"], dtype="string[pyarrow]"),
        "blank": pd.Series([None, None, None], dtype="str"),
        "x": [1.5, np.nan, -0.0], "inf": [np.inf, -np.inf, 0.0], "f32": np.array([1, 2, np.nan], np.float32),
        "i": [1, 2, 3], "u8": np.array([1, 2, 255], np.uint8), "b": [True, False, True],
        "n": pd.array([1, None, 3], dtype="Int64"), "nb": pd.array([True, None, False], dtype="boolean"),
        **{f"t_{unit}": times.as_unit(unit) for unit in ("s", "ms", "us", "ns")}})
    tables = {"all": frame, "empty": frame.iloc[:0], "objects": pd.DataFrame({"o": ["a", None, 1]}, dtype=object)}
    assert _arrow(frame) is not None and _arrow(tables["objects"]) is None
    write_tables(tmp_path / "a.duckdb", tables, {})
    con = duckdb.connect()
    for name, t in tables.items():
        con.register("_frame", t)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _frame')
        con.unregister("_frame")
    con.execute(f"ATTACH '{tmp_path / 'a.duckdb'}' AS a (READ_ONLY)")
    for name, t in tables.items():
        assert con.execute(f'DESCRIBE "{name}"').fetchall() == con.execute(f'DESCRIBE a."{name}"').fetchall()
        text = ", ".join(f'"{c}"::VARCHAR' for c in t.columns)  # tells -0.0 from 0.0
        rows = [con.execute(f'SELECT *, {text} FROM {table}').fetchall() for table in (f'"{name}"', f'a."{name}"')]
        assert rows[0] == rows[1]
