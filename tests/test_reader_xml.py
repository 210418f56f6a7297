"""The DfE's 903 XML export: the same tables as the CSVs, element paths in messages, and a
sentence (never a traceback) for a file cut short or not an export. Every file here is
hand-built in the export's layout."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sufficiency.cli import app
from sufficiency.ssda903.reader import read_returns
from sufficiency.ssda903.validate import validate

# Two children in the layout of the export: a child's own fields in HEADER, reviews, missing
# spells, previous permanence and OC2 inside HEADER, episodes beside it, PL for PLACE.
EXPORT = """<?xml version='1.0' encoding='us-ascii'?>
<EXPSSDA903>
 <CHILD>
  <HEADER>
   <CHILDID>501</CHILDID><UPN>A123456789012</UPN><SEX>1</SEX><DOB>14/02/2009</DOB>
   <ETHNIC>WBRI</ETHNIC><UASC /><DUC>14/02/2027</DUC>
   <AREVIEW><REVIEW>10/06/2023</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW>
   <AREVIEW><REVIEW>12/12/2023</REVIEW><REVIEW_CODE>PN0</REVIEW_CODE></AREVIEW>
   <AMISSING><MISSING>M</MISSING><MIS_START>01/08/2023</MIS_START><MIS_END>03/08/2023</MIS_END></AMISSING>
   <MOTHER /><MC_DOB />
   <PERMANENCE><PREV_PERM>Z1</PREV_PERM></PERMANENCE>
   <OC2><SDQ_SCORE>12</SDQ_SCORE><CONVICTED>0</CONVICTED><HEALTH_CHECK>1</HEALTH_CHECK>
    <IMMUNISATIONS>1</IMMUNISATIONS><TEETH_CHECK>1</TEETH_CHECK><HEALTH_ASSESSMENT>1</HEALTH_ASSESSMENT>
    <SUBSTANCE_MISUSE>0</SUBSTANCE_MISUSE><INTERVENTION_RECEIVED /><INTERVENTION_OFFERED /></OC2>
  </HEADER>
  <EPISODE><DECOM>01/05/2023</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL>
   <PL_POST>LS2 7</PL_POST><HOME_POST>LS1 4AP</HOME_POST><URN>SC123456</URN>
   <PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC>05/06/2023</DEC><REC>X1</REC>
   <REASON_PLACE_CHANGE>CARPL</REASON_PLACE_CHANGE></EPISODE>
  <EPISODE><DECOM>05/06/2023</DECOM><RNE>P</RNE><LS>C2</LS><CIN>N1</CIN><PL>K2</PL>
   <PL_POST>BD1 1AA</PL_POST><HOME_POST>LS1 4AP</HOME_POST><URN>1234567</URN>
   <PLACE_PROVIDER>PR4</PLACE_PROVIDER><DEC /><REC /><REASON_PLACE_CHANGE /></EPISODE>
 </CHILD>
 <CHILD>
  <HEADER>
   <CHILDID>502</CHILDID><UPN /><SEX>2</SEX><DOB>20/03/2005</DOB><ETHNIC>BAFR</ETHNIC><UASC />
   <IN_TOUCH>YES</IN_TOUCH><ACTIV>F1</ACTIV><ACCOM>S1</ACCOM>
   <MOTHER>0</MOTHER><MC_DOB />
   <AD_PLACED><DATE_PLACED>02/02/2024</DATE_PLACED><DATE_PLACED_CEASED /><REASON_PLACED_CEASED /></AD_PLACED>
  </HEADER>
  <EPISODE><DECOM>01/09/2022</DECOM><RNE>S</RNE><LS>V2</LS><CIN>N2</CIN><PL>U6</PL>
   <PL_POST /><HOME_POST /><URN /><PLACE_PROVIDER>PR1</PLACE_PROVIDER>
   <DEC>20/03/2024</DEC><REC>E4A</REC><REASON_PLACE_CHANGE /></EPISODE>
 </CHILD>
</EXPSSDA903>
"""

# The same return as CSV files, table by table.
CSVS = {
    "header.csv": "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
                  "501,1,14/02/2009,WBRI,A123456789012,,\n502,2,20/03/2005,BAFR,,0,\n",
    "episodes.csv": "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
                    "501,01/05/2023,S,C2,N1,U4,PR1,05/06/2023,X1,CARPL,LS1 4AP,LS2 7,SC123456\n"
                    "501,05/06/2023,P,C2,N1,K2,PR4,,,,LS1 4AP,BD1 1AA,1234567\n"
                    "502,01/09/2022,S,V2,N2,U6,PR1,20/03/2024,E4A,,,,\n",
    "reviews.csv": "CHILD,DOB,REVIEW,REVIEW_CODE\n501,14/02/2009,10/06/2023,PN1\n501,14/02/2009,12/12/2023,PN0\n",
    "missing.csv": "CHILD,DOB,MISSING,MIS_START,MIS_END\n501,14/02/2009,M,01/08/2023,03/08/2023\n",
    "prevperm.csv": "CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM\n501,14/02/2009,Z1,,\n",
    "oc2.csv": "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,"
               "HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\n"
               "501,14/02/2009,12,,0,1,1,1,1,0,,\n",
    "uasc.csv": "CHILD,SEX,DOB,DUC\n501,1,14/02/2009,14/02/2027\n",
    "oc3.csv": "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n502,20/03/2005,YES,F1,S1\n",
    "placed.csv": "CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED\n502,20/03/2005,02/02/2024,,\n",
}


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _data(returns, table: str) -> pd.DataFrame:
    cols = [*returns.schema.table(table).column_names, "_year"]
    return returns.frames[table][cols].reset_index(drop=True)


def test_the_export_gives_the_same_tables_and_values_as_the_csvs(tmp_path):
    _write(tmp_path / "xml" / "2024" / "ssda903.xml", EXPORT)
    for name, text in CSVS.items():
        _write(tmp_path / "csv" / "2024" / name, text)
    from_xml, from_csv = read_returns(tmp_path / "xml"), read_returns(tmp_path / "csv")
    assert sorted(from_xml.frames) == sorted(from_csv.frames) == sorted(
        ["header", "episodes", "reviews", "missing", "prev_perm", "oc2", "uasc", "oc3", "placed_adoption"])
    for table in from_csv.frames:
        pd.testing.assert_frame_equal(_data(from_xml, table), _data(from_csv, table), obj=table)
    assert from_xml.issues.empty
    ep = from_xml.frames["episodes"]
    assert ep["_row"].tolist() == [1, 2, 3] and ep["_year"].unique().tolist() == [2024]
    assert {f.format for f in from_xml.files} == {"xml"} and from_xml.gaps() == []


def test_validation_names_the_element_where_csv_gives_the_row(tmp_path):
    bad = EXPORT.replace("<DECOM>05/06/2023</DECOM>", "<DECOM>31/02/2023</DECOM>")
    _write(tmp_path / "2024" / "ssda903.xml", bad)
    report = validate(read_returns(tmp_path))
    (found,) = report.issues[report.issues["code"] == "DATE_INVALID"].itertuples()
    assert found.message.startswith("EXPSSDA903/CHILD[1]/EPISODE[2]/DECOM: ")
    assert "31/02/2023" in found.message and found.row == 2 and found.column == "DECOM"
    place = EXPORT.replace("<PL>U6</PL>", "<PL>ZZ</PL>")
    _write(tmp_path / "2024" / "ssda903.xml", place)
    report = validate(read_returns(tmp_path))
    (found,) = report.issues[report.issues["code"] == "CODE_INVALID"].itertuples()
    assert found.message.startswith("EXPSSDA903/CHILD[2]/EPISODE[1]/PL: ")


@pytest.mark.parametrize("cut", [len(EXPORT) // 2, len(EXPORT) - 20])
def test_an_export_cut_short_is_unreadable_with_a_sentence(tmp_path, cut):
    _write(tmp_path / "2024" / "ssda903.xml", EXPORT[:cut])
    r = read_returns(tmp_path)
    assert not r.frames
    (err,) = r.issues[r.issues["code"] == "XML_INVALID"].itertuples()
    assert err.severity == "error" and "ssda903.xml" in err.message and "cut short" in err.message
    (src,) = r.unreadable
    assert src.format == "xml" and src.year == 2024 and src.unreadable == err.message
    assert [(g.year, g.table) for g in r.gaps()] == [(2024, "header"), (2024, "episodes")]


@pytest.mark.parametrize(
    "content,code",
    [
        ("<?xml version='1.0'?><catalog><book>x</book></catalog>", "XML_NOT_903"),
        ("CHILD,SEX\n1,2\n", "XML_INVALID"),
        (b"\x00\x01\x02\xff" * 50, "XML_INVALID"),
        ("<EXPSSDA903></EXPSSDA903>", "FILE_EMPTY"),
    ],
)
def test_xml_that_is_not_an_export_gets_a_sentence(tmp_path, content, code):
    _write(tmp_path / "2024" / "data.xml", content)
    r = read_returns(tmp_path)
    assert not r.frames
    row = r.issues[r.issues["code"] == code]
    assert len(row) == 1 and "data.xml" in row["message"].iloc[0]


def test_layout_variants_read_alike(tmp_path):
    """Fields directly under CHILD, a namespace, OC3 as an element, unknown elements reported."""
    variant = """<?xml version="1.0" encoding="UTF-8"?>
<EXPSSDA903 xmlns="urn:example:903"><CHILD><CHILDID>7</CHILDID><SEX>2</SEX><DOB>01/01/2006</DOB>
<ETHNIC>WBRI</ETHNIC><UPN /><MOTHER /><MC_DOB /><WORKER>Ann</WORKER>
<OC3><IN_TOUCH>NO</IN_TOUCH><ACTIV>G6</ACTIV><ACCOM>T</ACCOM></OC3>
<EPISODE><DECOM>01/05/2023</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL><NOTE>x</NOTE>
<PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC /><REC /><REASON_PLACE_CHANGE /><HOME_POST /><PL_POST /><URN /></EPISODE>
<EPISODE><DECOM>02/05/2023</DECOM><NOTE>y</NOTE></EPISODE></CHILD></EXPSSDA903>"""
    _write(tmp_path / "903_2023-24.xml", variant)
    r = read_returns(tmp_path)
    assert r.frames["header"][["CHILD", "SEX", "DOB"]].iloc[0].tolist() == ["7", "2", "01/01/2006"]
    assert r.frames["oc3"][["CHILD", "DOB", "ACTIV"]].iloc[0].tolist() == ["7", "01/01/2006", "G6"]
    assert r.frames["episodes"]["PLACE"].tolist() == ["U4", pd.NA]
    assert r.frames["episodes"]["CHILD"].tolist() == ["7", "7"]
    unknown = r.issues[r.issues["code"] == "XML_ELEMENT_UNKNOWN"]
    assert unknown["value"].tolist() == ["EPISODE/NOTE", "WORKER"]
    assert "2 <NOTE> element(s)" in unknown["message"].iloc[0]
    assert "EXPSSDA903/CHILD[1]/EPISODE[1]/NOTE" in unknown["message"].iloc[0]
    report = validate(r)
    (blank,) = report.issues[(report.issues["code"] == "VALUE_MISSING") & (report.issues["column"] == "RNE")].itertuples()
    assert blank.message.startswith("EXPSSDA903/CHILD[1]/EPISODE[2]/RNE: ")
    assert r.frames["episodes"]["_year"].unique().tolist() == [2024]


def test_an_export_in_a_zip_without_a_year_takes_the_year_of_its_dates(tmp_path):
    z = tmp_path / "returns.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("export.xml", EXPORT)
    r = read_returns(z)
    assert {int(f["_year"].unique()[0]) for f in r.frames.values()} == {2024}
    assert r.frames["episodes"]["_file"].unique().tolist() == [f"{z}:export.xml"]
    inferred = r.issues[r.issues["code"] == "YEAR_INFERRED"]
    assert len(inferred) == len(r.frames)  # episodes from its dates, the rest from the episodes


# ---------------------------------------------------------------- a folder of mixed years

runner = CliRunner()


def _mixed(tmp_path: Path) -> Path:
    """2023/24 as the XML export, 2024/25 as CSV files, 2025/26 as a workbook with a title."""
    root = tmp_path / "returns"
    _write(root / "2023-24" / "ssda903.xml", EXPORT)
    header = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n501,M,14/02/2009,WBRI,A123456789012,,\n"
    episodes = CSVS["episodes.csv"].splitlines()[0]
    _write(root / "2024-25" / "header.csv", header)
    _write(root / "2024-25" / "episodes.csv",
           f"{episodes}\n501,05/06/2023,P,C2,N1,K2,PR4,,,,LS1 4AP,BD1 1AA,1234567\n")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Header"
    for row in (["SSDA903 2025/26"], [], header.splitlines()[0].split(","), header.splitlines()[1].split(",")):
        ws.append(row)
    ep = wb.create_sheet("Episodes")
    for line in (episodes, "501,05/06/2023,P,C2,N1,K2,PR4,01/10/2025,E4A,,LS1 4AP,BD1 1AA,1234567"):
        ep.append(line.split(","))
    wb.save(root / "2025-26.xlsx")
    return root


def test_validate_and_load_a_folder_mixing_csv_xlsx_and_xml_years(tmp_path):
    root = _mixed(tmp_path)
    r = read_returns(root)
    assert sorted({(f.format, f.year) for f in r.files if f.table == "episodes"}) == [
        ("csv", 2025), ("xlsx", 2026), ("xml", 2024)]
    assert r.gaps() == []
    result = runner.invoke(app, ["validate", str(root), "--format", "json"])
    assert result.exit_code == 0, result.output
    issues = json.loads(result.stdout)["issues"]
    assert [i["code"] for i in issues] == ["TITLE_ROWS_SKIPPED"]
    db = tmp_path / "la.duckdb"
    loaded = runner.invoke(app, ["load", str(root), "--db", str(db), "--la", "Leeds"])
    assert loaded.exit_code == 0, loaded.output
    con = duckdb.connect(str(db), read_only=True)
    years = json.loads(con.execute("select value from meta where key = 'years'").fetchone()[0])
    assert years == [2024, 2025, 2026]
    files = con.execute("select distinct path from source_files").fetchall()
    assert sorted(Path(p).name for (p,) in files) == ["2025-26.xlsx [Episodes]", "2025-26.xlsx [Header]",
                                                "episodes.csv", "header.csv", "ssda903.xml"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(EXPORT)), junk=st.binary(max_size=40))
def test_an_export_cut_anywhere_or_spliced_with_junk_never_raises(tmp_path, cut, junk):
    _write(tmp_path / "2024" / "ssda903.xml", EXPORT.encode()[:cut] + junk + EXPORT.encode()[cut:][: len(junk)])
    r = read_returns(tmp_path)  # no exception is the property; a file not read is named
    if not r.frames:
        assert r.issues["file"].str.endswith("ssda903.xml").any()
