"""The CLI, in-process: every command has help, bad input gives a sentence and an exit code."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
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


def test_every_command_has_help_text():
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert command.help and len(command.help) > 20, f"{name} has no help text"
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name


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
