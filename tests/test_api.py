"""The public library, called directly: bad options raise OptionError naming the option and the
value; a forecast returns its tables, range and assumptions, reports progress and prints nothing."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import duckdb
import pytest
from test_forecast import known_store

from sufficiency import api
from sufficiency.errors import OptionError, SufficiencyError


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A small known store: returns for the years to 31 March 2020-2023."""
    return known_store(tmp_path_factory.mktemp("api") / "k.duckdb", n=300)


@pytest.fixture
def fresh(store, tmp_path):
    """A copy of the known store for a test that writes, or checks nothing was written."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(store, copy)
    return copy


def _tables(db) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


@pytest.mark.parametrize(("make", "option", "says"), [
    (lambda: api.ForecastOptions(runs=0), "runs", "runs must be at least 1 (got 0)."),
    (lambda: api.ForecastOptions(years=0), "years", "years must be at least 1 (got 0)."),
    (lambda: api.ForecastOptions(years=11), "years", "years must be at most 10 (got 11)."),
    (lambda: api.ForecastOptions(window=0), "window", "window must be more than 0 (got 0)."),
    (lambda: api.ForecastOptions(seed=-1), "seed", "seed must be at least 0 (got -1)."),
    (lambda: api.ForecastOptions(as_of="yesterday"), "as_of", "as_of must be a date such as 2025-03-31"),
    (lambda: api.ForecastOptions(entry_trend=5), "entry_trend", "+500% a year. Did you mean 5%?"),
    (lambda: api.ForecastOptions(entry_trend="-60%"), "entry_trend", "at most 50% a year either way"),
    (lambda: api.ForecastOptions(entry_trend="lots"), "entry_trend", "a percentage such as 5% (got 'lots')"),
    (lambda: api.ForecastOptions(out="f.pdf"), "out", "must be a .xlsx workbook or a .csv file"),
    (lambda: api.ForecastOptions(run=5), "run", "run is not an option."),
    (lambda: api.CompareOptions(scenarios=("baseline",), runs=0), "runs", "runs must be at least 1 (got 0)."),
    (lambda: api.CompareOptions(scenarios=("baseline",), years=0), "years", "years must be at least 1 (got 0)."),
    (lambda: api.CompareOptions(scenarios=()), "scenarios", "scenarios must not be empty"),
    (lambda: api.CompareOptions(scenarios=("baseline",), out="c.csv"), "out", "must be a .xlsx workbook"),
    (lambda: api.BacktestOptions(horizons=(1, 0)), "horizons", "must be at least 1 (got 0)."),
    (lambda: api.BacktestOptions(runs=0), "runs", "runs must be at least 1 (got 0)."),
    (lambda: api.SynthOptions(years="2025-2018"), "years", "must run forwards, such as 2018-2025"),
    (lambda: api.SynthOptions(years="twenty"), "years", "a range of years such as 2018-2025 (got 'twenty')"),
    (lambda: api.IndicatorsOptions(out="i.txt"), "out", "must be a .csv or .xlsx file"),
    (lambda: api.ReportOptions(child_population=0), "child_population", "must be at least 1 (got 0)."),
    (lambda: api.RunOptions(path="r", runs=0), "runs", "runs must be at least 1 (got 0)."),
    (lambda: api.RunOptions(path="r", years=11), "years", "years must be at most 10 (got 11)."),
    (lambda: api.RunOptions(path="r", entry_trend=5), "entry_trend", "Did you mean 5%?"),
    (lambda: api.RunOptions(path="r", report="r.pdf"), "report", "must be an .html file (got 'r.pdf')."),
])
def test_bad_options_raise_an_option_error_naming_the_option(make, option, says):
    with pytest.raises(OptionError) as info:
        make()
    assert info.value.option == option
    assert says in str(info.value) and str(info.value).startswith(option)
    assert isinstance(info.value, SufficiencyError)


@pytest.mark.parametrize(("given", "trend"), [("5%", 0.05), (" -3.5% ", -0.035), ("0.05", 0.05), (0.1, 0.1),
                                              ("50%", 0.5), (0, 0.0)])
def test_entry_trend_as_a_share_or_a_percentage(given, trend):
    assert api.ForecastOptions(entry_trend=given).entry_trend == pytest.approx(trend)


def test_a_trend_that_would_stop_all_entrants_says_so_and_suggests_a_percentage():
    with pytest.raises(OptionError, match="nobody entering care. Did you mean -1%"):
        api.ForecastOptions(entry_trend=-1)


@pytest.mark.parametrize("given", ["2022-03-31", "31/03/2022", dt.date(2022, 3, 31)])
def test_as_of_in_iso_or_uk_form(given):
    assert api.ForecastOptions(as_of=given).as_of == dt.date(2022, 3, 31)


@pytest.mark.parametrize(("as_of", "says"), [("2023-04-01", "on or before 31 March 2023, the last 31 March"),
                                             ("2019-06-30", "on or after 31 March 2020, the first 31 March")])
def test_as_of_outside_the_loaded_years_is_refused_before_anything_is_written(fresh, as_of, says):
    with pytest.raises(OptionError) as info:
        api.forecast(api.ForecastOptions(db=fresh, as_of=as_of, runs=5, years=1))
    assert info.value.option == "as_of" and says in str(info.value)
    assert "forecast_quantiles" not in _tables(fresh)


def test_forecast_returns_what_a_face_shows_and_prints_nothing(fresh, tmp_path, capsys):
    steps = []
    result = api.forecast(api.ForecastOptions(db=fresh, runs=30, years=2, entry_trend="5%",
                                              out=tmp_path / "f.csv"),
                          progress=lambda step, done, total: steps.append((step, done, total)))
    assert capsys.readouterr() == ("", "")
    assert result.meta["forecast"]["entry_trend_per_year"] == 0.05
    assert list(result.totals.columns) == ["date", "low", "median", "high"]
    assert len(result.totals) == 3 and (result.totals["low"] <= result.totals["median"]).all()
    assert (result.totals["median"] <= result.totals["high"]).all()
    assert result.assumptions[0].startswith("Entrants: ") and result.assumptions[1].startswith("Exits before 18")
    assert steps[0][1] == 0 and steps[-1][1] == steps[-1][2] == 3
    assert (tmp_path / "f.csv").exists() and result.out == tmp_path / "f.csv"
    with duckdb.connect(str(fresh), read_only=True) as con:
        meta = json.loads(con.execute("SELECT value FROM meta WHERE key = 'forecast'").fetchone()[0])
    assert meta == result.meta["forecast"]


def test_a_missing_store_is_a_sufficiency_error_not_an_option_error(tmp_path):
    with pytest.raises(SufficiencyError, match="does not exist") as info:
        api.forecast(api.ForecastOptions(db=tmp_path / "nowhere.duckdb", as_of="2023-03-31"))
    assert not isinstance(info.value, OptionError)


def test_runs_store_write_is_waited_for_through_ctrl_c(monkeypatch, tmp_path):
    """Ctrl-C while `run` waits for its store write: the write ends first (the store is whole,
    so what was done can be said), then the interrupt goes on."""
    import time

    import sufficiency.pipeline  # noqa: F401 - imported before the patch, so it keeps the real write_returns
    import sufficiency.store as store
    from sufficiency.api import whole_job

    written = []

    def slow(db, tables, meta):
        time.sleep(0.2)
        duckdb.connect(str(db)).close()
        written.append(db)

    monkeypatch.setattr(store, "write_returns", slow)
    writing = whole_job._Writing(tmp_path / "la.duckdb", {}, {"la_code": "E09000001"})
    writing.start()
    real, pressed = whole_job._Writing.join, []

    def join(self, timeout=None):
        if not pressed:
            pressed.append(True)
            raise KeyboardInterrupt
        return real(self, timeout)

    monkeypatch.setattr(whole_job._Writing, "join", join)
    with pytest.raises(KeyboardInterrupt):
        writing.wait()
    assert pressed and written == [tmp_path / "la.duckdb"]


def test_every_public_name_is_what_it_names_after_every_module_is_imported():
    """`sufficiency.api` imports each name's module on first use; a module named like one of
    its functions (api/plan.py beside api.plan) would take that function's place once imported
    anywhere. Checked in a fresh interpreter, every module of the package imported first."""
    import subprocess
    import sys

    code = ("import importlib, pkgutil, types, sufficiency.api as api\n"
            "for m in pkgutil.iter_modules(api.__path__): importlib.import_module(f'sufficiency.api.{m.name}')\n"
            "print([n for n in api.__all__ if isinstance(getattr(api, n), types.ModuleType)])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
