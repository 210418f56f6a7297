"""The report: disclosure control, content, no identifiers, offline in a browser, the CLI."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pandas as pd
import pytest
from test_indicators import EP, EPISODES, HEADER, MISSING, OC3, REVIEWS, UASC
from typer.testing import CliRunner

from sufficiency.cli import app
from sufficiency.parameters import load_parameters
from sufficiency.pipeline import load
from sufficiency.report import write_report
from sufficiency.report.suppress import suppress

runner = CliRunner()


def frame(rows):
    cols = ["indicator", "family", "year", "dimension", "category", "value", "numerator", "denominator", "unit"]
    f = pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows])
    f["numerator"] = f["numerator"].astype("Int64")
    f["denominator"] = f["denominator"].astype("Int64")
    return f


def test_primary_suppression_counts_and_what_is_worked_out_from_them():
    f = suppress(frame([
        ("cla_31_march", "p", 2025, "", "all", 3, 3, None, "count"),          # 1-4: c
        ("cla_31_march", "p", 2024, "", "all", 0, 0, None, "count"),          # zero is shown
        ("cla_31_march", "p", 2023, "", "all", 5, 5, None, "count"),          # 5 is shown
        ("pct_kinship", "p", 2025, "", "all", 50.0, 2, 4, "percent"),         # small numerator
        ("pct_kinship", "p", 2024, "", "all", 4.0, 40, 1000, "percent"),      # value 4 is not a count
        ("missing_incidents_per_child", "m", 2025, "", "all", 3.4, 340, 100, "count"),  # a ratio
        ("pct_eet", "c", 2025, "", "all", 100.0, 3, 3, "percent"),           # small base
    ]))
    assert f["suppressed"].tolist() == [True, False, False, True, False, False, True]


def test_secondary_suppression_hides_the_next_smallest_cell_of_a_breakdown():
    f = suppress(frame([
        ("cla_by_age", "p", 2025, "age_band", "under 1", 2, 2, 100, "count"),
        ("cla_by_age", "p", 2025, "age_band", "1 to 4", 0, 0, 100, "count"),
        ("cla_by_age", "p", 2025, "age_band", "5 to 9", 8, 8, 100, "count"),
        ("cla_by_age", "p", 2025, "age_band", "10 to 15", 60, 60, 100, "count"),
        ("cla_by_age", "p", 2025, "age_band", "16 and over", 30, 30, 100, "count"),
        # two small cells already: nothing more to hide
        ("cla_by_need", "p", 2025, "need", "a", 1, 1, 100, "count"),
        ("cla_by_need", "p", 2025, "need", "b", 2, 2, 100, "count"),
        ("cla_by_need", "p", 2025, "need", "c", 97, 97, 100, "count"),
    ]))
    assert f["suppressed"].tolist() == [True, False, True, False, False, True, True, False]


CHILD_IDS = {str(i): f"ZQX{i:05d}" for i in range(1, 30)}


def _renamed(lines: list[str]) -> list[str]:
    out = [lines[0]]
    for line in lines[1:]:
        first, rest = line.split(",", 1)
        out.append(f"{CHILD_IDS[first]},{rest}")
    return out


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    ret = d / "returns" / "2025"
    ret.mkdir(parents=True)
    for name, lines in {"episodes": [EP, *EPISODES], "header": HEADER, "reviews": REVIEWS,
                        "missing": MISSING, "uasc": UASC, "oc3": OC3}.items():
        (ret / f"{name}.csv").write_text("\n".join(_renamed(lines)) + "\n")
    load(d / "returns", db=d / "la.duckdb", la_code="E08000035")
    return d / "la.duckdb"


def _sheets_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


def test_report_suppressed_by_default_with_no_child_identifiers(store, tmp_path):
    files = write_report(store, tmp_path / "r.html", xlsx=tmp_path / "t.xlsx")
    html = files.html.read_text()
    assert "<h1>Children looked after: Leeds</h1>" in html
    # four children on 31 March: the count and everything worked out from it is "c"
    assert re.search(r'Children looked after on 31 March</div><div class="value">c</div>', html)
    assert "Not for publication" not in html
    text = html + _sheets_text(files.xlsx)
    for child in CHILD_IDS.values():
        assert child not in text
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", html), "the report must fetch nothing"
    assert "<script" not in html


def test_the_councils_parameters_set_the_tolerance_the_report_flags_by(store, tmp_path):
    ours = tmp_path / "ours.yaml"
    ours.write_text("reconciliation.tolerance_points:\n  description: ours\n  unit: percent\n"
                    "  values: {2020-04-01: {value: 7.5, note: our own}}\n")
    default = write_report(store, tmp_path / "default.html").html.read_text()
    theirs = write_report(store, tmp_path / "ours.html", parameters=load_parameters(ours)).html.read_text()
    assert "by more than 2 percentage points" in default
    assert "by more than 7.5 percentage points" in theirs


def test_no_suppression_shows_small_numbers_under_a_banner(store, tmp_path):
    html = write_report(store, tmp_path / "r.html", suppression=False).html.read_text()
    assert "Not for publication" in html
    assert re.search(r'Children looked after on 31 March</div><div class="value">4</div>', html)


def test_workbook_has_every_report_table_and_the_definitions(store, tmp_path):
    files = write_report(store, tmp_path / "r.html", xlsx=tmp_path / "t.xlsx")
    sheets = pd.read_excel(files.xlsx, sheet_name=None)
    assert {"README", "definitions", "indicators", "trends", "england", "placement_category"} <= set(sheets)
    ind = sheets["indicators"]
    cla = ind[(ind["indicator"] == "cla_31_march") & (ind["year"] == 2025)]
    assert cla["value"].tolist() == ["c"]
    tables = sum(len(s.tables) for s in files.report.sections)
    assert len(sheets) == tables + 4  # README, definitions, indicators, published


def test_cli_report_and_indicators(store, tmp_path):
    r = runner.invoke(app, ["report", "--db", str(store), "--out", str(tmp_path / "r.html"),
                            "--xlsx", str(tmp_path / "t.xlsx")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "r.html").exists() and (tmp_path / "t.xlsx").exists()
    r = runner.invoke(app, ["indicators", "--db", str(store), "--out", str(tmp_path / "i.csv")])
    assert r.exit_code == 0, r.output
    ind = pd.read_csv(tmp_path / "i.csv", dtype=str)
    assert ind.loc[(ind["indicator"] == "cla_31_march") & (ind["year"] == "2025"), "value"].tolist() == ["c"]
    r = runner.invoke(app, ["indicators", "--db", str(store), "--out", str(tmp_path / "i.csv"), "--no-suppression"])
    ind = pd.read_csv(tmp_path / "i.csv")
    assert ind.loc[(ind["indicator"] == "cla_31_march") & (ind["year"] == 2025), "value"].tolist() == [4.0]


@pytest.mark.parametrize("args", [["report", "--db", "nowhere.duckdb"], ["indicators", "--db", "nowhere.duckdb"]])
def test_cli_missing_store_is_a_sentence(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert "does not exist" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("command", ["validate", "load", "synth", "demo", "report", "indicators", "forecast", "backtest", "compare"])
def test_every_command_has_help(command):
    r = runner.invoke(app, [command, "--help"])
    assert r.exit_code == 0
    assert len(r.output.strip()) > 80


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (apt-get install chromium)")
def test_report_renders_offline_in_chromium_without_errors(store, tmp_path):
    """Chromium, with every network request sent to a dead proxy, loads the report from disk and
    logs no console error and no failed request; its DOM has the report's sections."""
    html = write_report(store, tmp_path / "r.html").html
    proc = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         f"--user-data-dir={tmp_path / 'profile'}", "--proxy-server=127.0.0.1:9", "--enable-logging=stderr",
         "--v=0", "--dump-dom", html.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'id="definitions"' in proc.stdout and "<svg" in proc.stdout
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Failed to load" in line
               or "ERR_" in line]
    assert console == []


def test_forecast_section_appears_once_a_forecast_is_in_the_store(store, tmp_path):
    import shutil as sh

    db = tmp_path / "la.duckdb"
    sh.copyfile(store, db)
    assert 'id="forecast"' not in write_report(db, tmp_path / "a.html").html.read_text()
    r = runner.invoke(app, ["forecast", "--db", str(db), "--runs", "40", "--years", "2"])
    assert r.exit_code == 0, r.output
    html = write_report(db, tmp_path / "b.html").html.read_text()
    assert 'id="forecast"' in html and "recorded and forecast" in html
    for child in CHILD_IDS.values():
        assert child not in html
    assert "How such forecasts did on past years" not in html
    # the entrants the forecast assumes, as recorded with it, rounded for a published page
    from sufficiency.report.results import _about
    from sufficiency.store import Store

    with Store(db) as st:
        info = st.meta()["forecast"]

    assert f"Children entering care are taken at {_about(info['entrants_per_year'])} a year" in html
    assert _about(3.2) == "fewer than 10" and _about(12.4) == "about 10" and _about(493.3) == "about 495"
    import html as markup

    assert "Children leave care before 18 at the pace of the council's recent years" in markup.unescape(html)
    from sufficiency.report.results import _entrants_text

    def pace(level):
        return _entrants_text({"entrants_per_year": 100, "exit_level": level})[-1]

    assert pace(1.01).endswith("about its average over the years fitted.")
    assert "8% faster" in pace(1.08) and "5% slower" in pace(0.95)
    # entrants expected to go back towards the council's average: said with the third year's rate, and not
    # where it rounds to the rate at the start
    back = _entrants_text({"entrants_per_year": 480, "entrants_third_year": 452})[0]
    assert "go part of the way back: about 450 a year in the third year" in back
    assert "third year" not in _entrants_text({"entrants_per_year": 480, "entrants_third_year": 481})[0]
    # a backtest's summary in the store (this one-year store is too short to run one): its figures shown
    import duckdb
    import pandas as pd

    summary = pd.DataFrame({"method": ["model", "last_value", "linear_trend"], "horizon": 1, "series": "all",
                            "n": 7, "mae": 1.0, "mape": [4.25, 3.5, 6.0], "wape": 1.0, "bias": 0.0,
                            "coverage_50": [50.0, None, None], "coverage_90": [85.7, None, None]})
    con = duckdb.connect(str(db))
    con.register("s", summary)
    con.execute("CREATE TABLE backtest_summary AS SELECT * FROM s")
    con.close()
    html = write_report(db, tmp_path / "c.html").html.read_text()
    assert "How such forecasts did on past years" in html
    for text in ("1 year ahead", ">7<", "4.2%", "3.5%", "6.0%", "85.7%"):
        assert text in html, text
