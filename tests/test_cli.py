"""The CLI, in-process: every command has help, bad input gives a sentence and an exit code."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from sufficiency.cli import app

runner = CliRunner()
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"


def _returns(tmp_path: Path, dec: str = "05/06/2023") -> Path:
    d = tmp_path / "returns" / "2024"
    d.mkdir(parents=True)
    (d / "episodes.csv").write_text(
        f"{EPISODES}\n101,01/05/2023,S,C2,N1,U4,PR1,{dec},E4A,,LS1 4AP,LS2 7,\n"
    )
    (d / "header.csv").write_text(f"{HEADER}\n101,1,01/01/2012,WBRI,A123456789012,,\n")
    return tmp_path / "returns"


def test_every_command_and_option_has_help_text():
    import typer.main

    group = typer.main.get_command(app)
    assert len(group.commands) == 14  # 10 + share, the region group, plan and serve
    for name, command in group.commands.items():
        assert command.help and len(command.help) > 20, f"{name} has no help text"
        assert all("\n" not in p for p in command.help.split("\n\n")), f"{name}'s help breaks mid-paragraph"
        for param in command.params:
            assert getattr(param, "help", None), f"{name} {param.name} has no help text"
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name


@pytest.mark.parametrize("args", [["--help"], ["--db"], ["--nonsense"]])  # none runs a command
def test_the_app_made_for_one_command_answers_as_the_whole_app(args, tmp_path):
    """`sufficiency NAME ...` is run by an app holding that command alone (a faster start): its
    help, usage errors and messages must be the whole app's, for every command."""
    import typer.main

    from sufficiency.cli import app_for

    names = [n for n in typer.main.get_command(app).commands if n != "region"]
    assert len(names) == 13
    for name in names:
        one = app_for([name, *args])
        assert one is not app and len(one.registered_commands) == 1
        whole, alone = (runner.invoke(a, [name, *args], prog_name="sufficiency") for a in (app, one))
        assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output), name
    assert app_for(["region", "share"]) is app and app_for(["--help"]) is app and app_for([]) is app
    assert app_for(["lod"]) is app  # a mistyped name: the whole app says so


@pytest.mark.parametrize("word", ["futures", "Monte Carlo", "pulls"])
def test_help_is_plain_english(word):
    for name in ("forecast", "backtest", "compare", "demo", "synth"):
        assert word.lower() not in runner.invoke(app, [name, "--help"]).output.lower(), name


def test_validate_missing_path_is_a_sentence_not_a_traceback(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "Traceback" not in result.output


def test_validate_exit_codes_and_formats(tmp_path):
    good = _returns(tmp_path)
    ok = runner.invoke(app, ["validate", str(good), "--format", "json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["errors"] == 0

    bad = tmp_path / "bad"
    (bad / "2024").mkdir(parents=True)
    (bad / "2024" / "episodes.csv").write_text(
        f"{EPISODES}\n101,01/05/2023,S,C2,N1,U4,PR1,01/04/2023,E4A,,,,\n"
    )
    (bad / "2024" / "header.csv").write_text(f"{HEADER}\n101,1,01/01/2012,WBRI,A123456789012,,\n")
    out_csv = tmp_path / "report.csv"
    result = runner.invoke(app, ["validate", str(bad), "--format", "csv", "--out", str(out_csv)])
    assert result.exit_code == 1
    text = out_csv.read_text()
    assert "episodes.csv" in text and "01/04/2023" in text


def test_load_writes_store(tmp_path):
    db = tmp_path / "la.duckdb"
    result = runner.invoke(app, ["load", str(_returns(tmp_path)), "--db", str(db), "--la", "Leeds"])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    assert {"episodes", "children", "validation_issues", "cleaning_log", "meta"} <= tables
    assert con.execute("select count(*) from episodes").fetchone()[0] == 1
    la = con.execute("select value from meta where key = 'la_code'").fetchone()[0]
    assert json.loads(la) == "E08000035"


def test_unknown_council_is_a_sentence(tmp_path):
    result = runner.invoke(app, ["load", str(_returns(tmp_path)), "--la", "Atlantis"])
    assert result.exit_code == 2 and "No English local authority" in result.output


@pytest.mark.parametrize("years", ["2025-2018", "twenty"])
def test_synth_rejects_bad_years(tmp_path, years):
    result = runner.invoke(app, ["synth", "--years", years, "--out", str(tmp_path)])
    assert result.exit_code == 2


def test_unexpected_failure_is_reported_as_our_fault_without_traceback(tmp_path, monkeypatch, capsys):
    import sufficiency.cli as cli
    import sufficiency.pipeline as pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(pipeline, "validate_path", boom)
    monkeypatch.setattr("sys.argv", ["sufficiency", "validate", str(_returns(tmp_path))])
    monkeypatch.delenv("SUFFICIENCY_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert "Internal error" in err and "simulated bug" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    from test_forecast import known_store

    return known_store(tmp_path_factory.mktemp("cli") / "k.duckdb", n=300)


@pytest.mark.parametrize(("args", "says"), [
    (["forecast", "--runs", "0"], "--runs must be at least 1 (got 0)."),
    (["forecast", "--years", "0"], "--years must be at least 1 (got 0)."),
    (["forecast", "--years", "11"], "--years must be at most 10 (got 11)."),
    (["forecast", "--as-of", "yesterday"], "--as-of must be a date such as 2025-03-31"),
    (["forecast", "--as-of", "2024-03-31"], "--as-of must be on or before 31 March 2023"),
    (["forecast", "--entry-trend", "5"], "Did you mean 5%?"),
    (["forecast", "--window", "0"], "--window must be more than 0"),
    (["compare", "baseline", "--runs", "0"], "--runs must be at least 1 (got 0)."),
    (["compare", "baseline", "--years", "0"], "--years must be at least 1 (got 0)."),
    (["backtest", "--horizon", "0"], "--horizon must be at least 1 (got 0)."),
])
def test_a_bad_option_exits_2_with_a_sentence_naming_it(known, args, says):
    result = runner.invoke(app, [*args, "--db", str(known)])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert says in said
    assert "Internal error" not in said and "Traceback" not in said
    con = duckdb.connect(str(known), read_only=True)
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    con.close()
    assert not {"forecast_quantiles", "scenario_summary", "backtest_results"} & tables


def test_entry_trend_as_a_percentage(known, tmp_path):
    db = tmp_path / "k.duckdb"
    db.write_bytes(known.read_bytes())
    result = runner.invoke(app, ["forecast", "--db", str(db), "--runs", "10", "--years", "1", "--entry-trend", "5%"])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    meta = json.loads(con.execute("select value from meta where key = 'forecast'").fetchone()[0])
    con.close()
    assert meta["entry_trend_per_year"] == 0.05


def _ctrl_c(*args, **kwargs):
    """A library step the user interrupts."""
    raise KeyboardInterrupt


def test_ctrl_c_during_load_says_nothing_changed_and_exits_130(tmp_path, monkeypatch):
    import sufficiency.api as api

    monkeypatch.setattr(api, "load", _ctrl_c)
    db = tmp_path / "la.duckdb"
    result = runner.invoke(app, ["load", str(_returns(tmp_path)), "--db", str(db)])
    assert result.exit_code == 130
    assert "Interrupted; nothing was changed." in result.output and not db.exists()


def test_counts_are_said_with_correct_plurals():
    from sufficiency.cli.app import plural

    assert [plural(n, "error") for n in (0, 1, 2, 1500)] == ["0 errors", "1 error", "2 errors", "1,500 errors"]


def test_the_command_line_starts_without_the_library():
    """`sufficiency --help` imports neither pandas nor the forecast: each command imports them
    when it runs (checked in a fresh interpreter)."""
    import subprocess
    import sys

    code = ("import sys, sufficiency.cli; print(sorted(m for m in ('pandas', 'scipy', 'numpy', 'duckdb', "
            "'sufficiency.forecast', 'sufficiency.api') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(("args", "library"), [(["--help"], False), (["load", "--help"], False),
                                               (["validate", "nowhere"], True)])
def test_a_command_imports_the_library_first_and_help_does_not(args, library):
    """`main` imports the library before a command runs (with the collector off, then on
    again), but not to print help (checked in a fresh interpreter)."""
    import subprocess
    import sys

    code = (f"import gc, sys; sys.argv = ['sufficiency', *{args!r}]; import sufficiency.cli as cli\n"
            "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
            "print('pandas' in sys.modules, gc.isenabled())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split()[-2:] == [str(library), "True"], done.stdout + done.stderr


def _store_tables(db: Path) -> dict[str, str | None]:
    """Each table of a store and the returns fingerprint its row in `results` names (None: a
    table `load` wrote), with the store's own fingerprint under 'meta.returns'."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()]
        stamps = dict(con.execute('select "table", returns from results').fetchall()) if "results" in names else {}
        returns = json.loads(con.execute("select value from meta where key = 'returns'").fetchone()[0])
    return {**{n: stamps.get(n) for n in names}, "meta.returns": returns}


def test_run_loads_forecasts_and_reports_the_returns_in_one_command(peer_samples, tmp_path):
    db, page = tmp_path / "job.duckdb", tmp_path / "report.html"
    result = runner.invoke(app, ["run", str(peer_samples), "--db", str(db), "--runs", "20", "--years", "2",
                                 "--report", str(page)])
    assert result.exit_code == 0, result.output
    tables = _store_tables(db)
    assert {"episodes", "validation_issues", "forecast_quantiles", "forecast_costs"} <= set(tables)
    assert tables["forecast_quantiles"] == tables["meta.returns"]  # the forecast of these returns
    with duckdb.connect(str(db), read_only=True) as con:
        meta = json.loads(con.execute("select value from meta where key = 'forecast'").fetchone()[0])
    assert (meta["runs"], meta["years"]) == (20, 2)
    assert "Children in care on 31 March" in result.output and f"Report: {page}" in result.output
    assert "<html" in page.read_text(encoding="utf-8")[:500].lower()


def test_run_leaves_the_store_load_then_forecast_leave(tmp_path):
    """`run` fits on the cleaned returns in memory while they are written: its store must be
    the one `load` then `forecast` write, the forecast's figures included."""
    from sufficiency.synth import synthesise

    returns = synthesise(la="Leeds", first_year=2019, last_year=2023, seed=3, out=tmp_path / "synth").out
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    ran = runner.invoke(app, ["run", str(returns), "--db", str(one), "--runs", "40", "--years", "2",
                              "--entry-trend", "3%"])
    assert ran.exit_code == 0, ran.output
    for args in (["load", str(returns), "--db", str(two)],
                 ["forecast", "--db", str(two), "--runs", "40", "--years", "2", "--entry-trend", "3%"]):
        done = runner.invoke(app, args)
        assert done.exit_code == 0, done.output
    with duckdb.connect(str(one), read_only=True) as a, duckdb.connect(str(two), read_only=True) as b:
        names = sorted(r[0] for r in a.execute("select table_name from duckdb_tables()").fetchall())
        assert names == sorted(r[0] for r in b.execute("select table_name from duckdb_tables()").fetchall())
        for name in names:
            if name in ("meta", "results"):  # times of writing differ
                continue
            pd.testing.assert_frame_equal(a.table(name).df(), b.table(name).df(), obj=name)
        assert len(a.table("forecast_quantiles").df()) > 0
    assert _store_tables(one) == _store_tables(two)


def test_a_failed_store_write_fails_the_run_and_writes_no_forecast(tmp_path, monkeypatch):
    import sufficiency.store as store
    from sufficiency.errors import StoreError

    def refused(db, tables, meta):
        raise StoreError(f"{db} cannot be written (disk full).")

    monkeypatch.setattr(store, "write_returns", refused)
    db = tmp_path / "la.duckdb"
    result = runner.invoke(app, ["run", str(_returns(tmp_path)), "--db", str(db), "--runs", "5", "--years", "1"])
    assert result.exit_code != 0 and "cannot be written (disk full)." in " ".join(result.output.split())
    assert "Traceback" not in result.output and not db.exists()


def test_run_refuses_a_bad_option_before_reading_anything(peer_samples, tmp_path):
    db = tmp_path / "job.duckdb"
    result = runner.invoke(app, ["run", str(peer_samples), "--db", str(db), "--runs", "0"])
    assert result.exit_code == 2 and "--runs must be at least 1 (got 0)." in " ".join(result.output.split())
    assert not db.exists()


def test_ctrl_c_after_the_load_says_what_was_done(tmp_path, monkeypatch):
    import sufficiency.api.whole_job as whole_job

    monkeypatch.setattr(whole_job, "forecast_from", _ctrl_c)
    db = tmp_path / "la.duckdb"
    result = runner.invoke(app, ["run", str(_returns(tmp_path)), "--db", str(db)])
    said = " ".join(result.output.split())
    assert result.exit_code == 130
    assert f"the returns were loaded into {db}, but no forecast was made" in said
    assert "nothing was changed" not in said and "forecast_quantiles" not in _store_tables(db)


def test_the_progress_bar_shows_on_a_terminal_only(monkeypatch):
    """At a terminal a command's steps show in a bar; elsewhere (a pipe, a file, a scheduler's
    log) nothing is drawn and the callback does nothing."""
    import importlib
    import io

    from rich.console import Console

    cli_app = importlib.import_module("sufficiency.cli.app")  # the module, not the Typer app of that name

    screen = io.StringIO()
    monkeypatch.setattr(cli_app, "err", Console(file=screen, force_terminal=True, width=100))
    with cli_app.progress("load: ") as update:
        update("reading returns", 1, 4)
        cli_app.err.file.flush()
    assert "load: reading returns" in screen.getvalue() and "1/4" in screen.getvalue()

    piped = io.StringIO()
    monkeypatch.setattr(cli_app, "err", Console(file=piped, force_terminal=False))
    with cli_app.progress("load: ") as update:
        update("reading returns", 1, 4)
    assert piped.getvalue() == ""
