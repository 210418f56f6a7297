"""The reader: real file quirks, table recognition, years, and never a traceback."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sufficiency.errors import InputError
from sufficiency.ssda903.reader import read_returns, recognise
from sufficiency.ssda903.schema import default_schema

EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
ROWS = [
    "101,01/04/2023,S,C2,N1,U4,PR1,05/06/2023,X1,CARPL,LS1 4AP,LS2 7,SC123456",
    "101,05/06/2023,P,C2,N1,K2,PR4,,,,LS1 4AP,BD1 1AA,1234567",
    "102,2023-09-01,S,V2,N1,U6,PR1,2024-03-31,E4A,,LS1 4AP,LS2 7,",
]


def write(path: Path, text: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode(encoding)
    path.write_bytes(text)
    return path


def codes(returns) -> list[str]:
    return sorted(returns.issues["code"].tolist())


def test_plain_csv_is_read_with_rows_and_year(tmp_path):
    write(tmp_path / "2024" / "episodes.csv", "\n".join([EPISODES, *ROWS]) + "\n")
    r = read_returns(tmp_path)
    ep = r.frames["episodes"]
    assert list(ep["CHILD"]) == ["101", "101", "102"]
    assert list(ep["_row"]) == [2, 3, 4]
    assert set(ep["_year"]) == {2024}
    assert ep.loc[1, "DEC"] is pd.NA  # blank -> NA
    assert r.issues.empty


@pytest.mark.parametrize(
    "encoding,delimiter,newline,bom",
    [
        ("utf-8", ",", "\n", False),
        ("utf-8", ",", "\r\n", True),  # Excel "CSV UTF-8"
        ("cp1252", ";", "\r\n", False),  # European Excel
        ("utf-16", "\t", "\r\n", False),  # Excel "Unicode text"
        ("utf-8", "|", "\n", False),
    ],
)
def test_csv_dialects_read_the_same(tmp_path, encoding, delimiter, newline, bom):
    lines = [line.replace(",", delimiter) for line in [EPISODES, *ROWS]]
    text = newline.join(lines) + newline
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    write(tmp_path / "episodes_2023-24.csv", data)
    r = read_returns(tmp_path)
    ep = r.frames["episodes"]
    assert list(ep["PL_POST"]) == ["LS2 7", "BD1 1AA", "LS2 7"]
    assert list(ep["URN"].fillna("")) == ["SC123456", "1234567", ""]
    assert set(ep["_year"]) == {2024}


def test_columns_recognised_case_and_space_insensitive_extra_reported(tmp_path):
    header = " child , Decom,rne,LS,cin,Place,place provider,DEC,REC,reason_place_change,HOME_POST,PL_POST,URN,Worker"
    write(tmp_path / "2025" / "data.csv", header + "\n" + ROWS[0] + ",Ann\n")
    r = read_returns(tmp_path)
    assert "episodes" in r.frames
    assert r.frames["episodes"].loc[0, "PLACE_PROVIDER"] == "PR1"
    extra = r.issues[r.issues["code"] == "COLUMN_EXTRA"]
    assert extra["column"].tolist() == ["Worker"]


def test_missing_column_reported_and_blank(tmp_path):
    header = EPISODES.replace(",URN", "")
    write(tmp_path / "2025" / "episodes.csv", header + "\n" + ROWS[0].rsplit(",", 1)[0] + "\n")
    r = read_returns(tmp_path)
    miss = r.issues[r.issues["code"] == "COLUMN_MISSING"]
    assert miss["column"].tolist() == ["URN"] and miss["severity"].tolist() == ["error"]
    assert r.frames["episodes"]["URN"].isna().all()


def test_trailing_blank_rows_skipped_and_counted(tmp_path):
    text = EPISODES + "\r\n" + ROWS[0] + "\r\n" + ",,,,,,,,,,,,\r\n\r\n,,,,,,,,,,,,\r\n"
    write(tmp_path / "2024" / "episodes.csv", text)
    r = read_returns(tmp_path)
    assert len(r.frames["episodes"]) == 1
    (src,) = [f for f in r.files if f.table == "episodes"]
    assert src.blank_rows == 3
    assert "ROWS_BLANK_SKIPPED" in codes(r)


def test_quoted_fields_with_delimiters_and_newlines(tmp_path):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(EPISODES.split(","))
    w.writerow(["7", "01/04/2023", "S", "C2", "N1", "U4", "PR1", "", "", "", "LS1 4AP", "LS2 7", 'SC1,"2"\n3'])
    w.writerow(["8", "01/04/2023", "S", "C2", "N1", "U4", "PR1", "", "", "", "", "", ""])
    write(tmp_path / "2024" / "episodes.csv", buf.getvalue())
    ep = read_returns(tmp_path).frames["episodes"]
    assert ep["CHILD"].tolist() == ["7", "8"]
    assert ep.loc[0, "URN"] == 'SC1,"2"\n3'


def test_ragged_rows_padded_and_reported(tmp_path):
    text = EPISODES + "\n" + ROWS[0] + ",surplus,more\n" + "9,01/04/2023,S\n"
    write(tmp_path / "2024" / "episodes.csv", text)
    r = read_returns(tmp_path)
    ep = r.frames["episodes"]
    assert ep["CHILD"].tolist() == ["101", "9"]
    assert ep.loc[1, "PLACE"] is pd.NA
    assert "ROW_FIELD_COUNT" in codes(r)


def test_xlsx_with_dates_and_numbers(tmp_path):
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Episodes"
    ws.append(EPISODES.split(","))
    ws.append([101, dt.datetime(2023, 4, 1), "S", "C2", "N1", "U4", "PR1", 45382, "E4A", None,
               "LS1 4AP", "LS2 7", 1234567])
    hs = wb.create_sheet("Header")
    hs.append(["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"])
    hs.append([101, 1, "01/02/2010", "WBRI", "UN1", None, None])
    notes = wb.create_sheet("Notes")
    notes.append(["Prepared by", "Data team"])
    path = tmp_path / "SSDA903 2023-24.xlsx"
    wb.save(path)
    r = read_returns(path)
    ep = r.frames["episodes"]
    assert ep.loc[0, "CHILD"] == "101" and ep.loc[0, "DECOM"] == "2023-04-01"
    assert ep.loc[0, "DEC"] == "45382" and ep.loc[0, "URN"] == "1234567"
    assert r.frames["header"].loc[0, "SEX"] == "1"
    assert set(ep["_year"]) == {2024}
    assert "TABLE_UNRECOGNISED" in codes(r)  # the notes sheet, named in the message
    assert r.issues.loc[r.issues["code"] == "TABLE_UNRECOGNISED", "file"].str.contains("Notes").all()


def test_zip_by_year_folders(tmp_path):
    z = tmp_path / "returns.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("2023/episodes.csv", EPISODES + "\n" + ROWS[0] + "\n")
        zf.writestr("2024/episodes.csv", EPISODES + "\n" + ROWS[1] + "\n")
        zf.writestr("__MACOSX/2024/._episodes.csv", b"\x00\x05junk")
        zf.writestr("readme.pdf", b"%PDF-1.4")
    r = read_returns(z)
    assert sorted(r.frames["episodes"]["_year"].tolist()) == [2023, 2024]
    assert r.frames["episodes"]["_file"].str.startswith(str(z)).all()
    assert codes(r) == ["FILE_SKIPPED"]


@pytest.mark.parametrize(
    "name,year",
    [("2024/episodes.csv", 2024), ("episodes_2023-24.csv", 2024), ("ep_2023_2024.csv", 2024),
     ("SSDA903_202324_episodes.csv", 2024), ("2023 to 2024/episodes.csv", 2024)],
)
def test_year_from_names(tmp_path, name, year):
    write(tmp_path / name, EPISODES + "\n" + ROWS[0] + "\n")
    assert read_returns(tmp_path).frames["episodes"]["_year"].tolist() == [year]


def test_lone_year_labels_read_as_start_year_when_dates_say_so(tmp_path):
    # cs-demand-model labels the 2017/18 return "2017": its dates run to 31/03/2018.
    write(tmp_path / "2017-episodes.csv", EPISODES + "\n101,01/05/2017,S,C2,N1,U4,PR1,31/03/2018,E4A,,,,\n")
    write(tmp_path / "2017-header.csv", "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n101,1,01/01/2010,WBRI,UN1,,\n")
    r = read_returns(tmp_path)
    assert r.frames["episodes"]["_year"].tolist() == [2018]
    assert r.frames["header"]["_year"].tolist() == [2018]
    assert "YEAR_LABEL_INTERPRETED" in codes(r)


def test_no_year_anywhere_is_inferred_from_episodes_or_reported(tmp_path):
    write(tmp_path / "episodes.csv", EPISODES + "\n101,01/05/2023,S,C2,N1,U4,PR1,,,,,,\n")
    write(tmp_path / "header.csv", "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n101,1,01/01/2010,WBRI,UN1,,\n")
    write(tmp_path / "other" / "reviews.csv", "CHILD,DOB,REVIEW,REVIEW_CODE\n101,01/01/2010,01/06/2023,PN1\n")
    r = read_returns(tmp_path)
    assert r.frames["episodes"]["_year"].tolist() == [2024]
    assert r.frames["header"]["_year"].tolist() == [2024]
    assert "reviews" not in r.frames
    assert "YEAR_UNKNOWN" in codes(r)


@pytest.mark.parametrize(
    "content,code",
    [
        (b"", "FILE_EMPTY"),
        (b"\x00\x01\x02\xff" * 100, "FILE_UNREADABLE"),
        (b"PK\x03\x04rest-of-a-zip", "FILE_UNREADABLE"),
        (b"name,age\nann,3\n", "TABLE_UNRECOGNISED"),
        (b"   \n\n", "FILE_EMPTY"),
    ],
)
def test_bad_files_give_a_sentence(tmp_path, content, code):
    write(tmp_path / "2024" / "episodes.csv", content)
    r = read_returns(tmp_path)
    row = r.issues[r.issues["code"] == code]
    assert len(row) == 1
    assert "episodes.csv" in row["message"].iloc[0]


def test_wrong_table_in_a_workbook_and_corrupt_workbook(tmp_path):
    write(tmp_path / "2024" / "broken.xlsx", b"PK\x03\x04 not really a workbook")
    write(tmp_path / "2024" / "old.xls", b"\xd0\xcf\x11\xe0")
    r = read_returns(tmp_path)
    assert codes(r) == ["FILE_SKIPPED", "FILE_UNREADABLE", "NO_TABLES"]
    assert "save it as .xlsx" in r.issues.loc[r.issues["code"] == "FILE_SKIPPED", "message"].iloc[0]


def test_file_over_the_limit_is_refused_with_its_size(tmp_path):
    write(tmp_path / "2024" / "episodes.csv", EPISODES + "\n" + "\n".join(ROWS * 2000))
    r = read_returns(tmp_path, max_file_mb=0.1)
    (msg,) = r.issues.loc[r.issues["code"] == "FILE_TOO_LARGE", "message"]
    assert "MB" in msg and "split it by year" in msg and "--max-file-mb" not in msg
    assert "episodes" not in r.frames


def test_missing_path_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_returns(tmp_path / "nope")


def test_recognise_every_schema_table_by_its_columns():
    schema = default_schema()
    for name, table in schema.tables.items():
        assert recognise([c.lower() for c in table.column_names], schema)[0] == name


# ---------------------------------------------------------------- property-based fuzzing


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000))
def test_random_bytes_never_crash(tmp_path, data):
    write(tmp_path / "2024" / "episodes.csv", data)
    read_returns(tmp_path)  # no exception is the property


def _mutations():
    cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
    return st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 20), st.integers(0, 14), cell), max_size=12
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(muts=_mutations(), sep=st.sampled_from([",", ";", "\t"]))
def test_mutated_valid_files_never_crash_and_every_row_is_accounted_for(tmp_path, muts, sep):
    rows = [EPISODES.split(",")] + [r.split(",") for r in ROWS * 4]
    for op, i, j, value in muts:
        i = i % len(rows)
        if op == 0 and j < len(rows[i]):  # overwrite a cell
            rows[i][j] = value
        elif op == 1:  # blank a whole row
            rows[i] = [""] * len(rows[i])
        elif op == 2 and i > 0:  # drop a trailing field
            rows[i] = rows[i][:-1]
        elif op == 3:  # append a field
            rows[i] = rows[i] + [value]
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows(rows)
    write(tmp_path / "2024" / "episodes.csv", buf.getvalue())
    r = read_returns(tmp_path)
    recognised = [f for f in r.files if f.table == "episodes"]
    if recognised:
        (src,) = recognised
        data_rows = len(list(csv.reader(io.StringIO(buf.getvalue(), newline=""), delimiter=sep))) - 1
        assert src.rows + src.blank_rows == data_rows
        assert len(r.frames["episodes"]) == src.rows
    else:  # the header was mutated beyond recognition: the file is named in an error
        assert (r.issues["severity"] == "error").any()


def test_a_folder_without_any_903_table_is_an_error_and_load_writes_no_store(tmp_path):
    from sufficiency.errors import InputError
    from sufficiency.pipeline import load

    (tmp_path / "in").mkdir()
    assert codes(read_returns(tmp_path / "in")) == ["NO_TABLES"]
    write(tmp_path / "in" / "notes.csv", b"name,comment\nx,y\n")
    assert codes(read_returns(tmp_path / "in")) == ["NO_TABLES", "TABLE_UNRECOGNISED"]
    with pytest.raises(InputError, match="holds no file recognised as a 903 table"):
        load(tmp_path / "in", db=tmp_path / "la.duckdb")
    assert not (tmp_path / "la.duckdb").exists()


def test_codes_written_as_decimal_numbers_lose_the_suffix_with_a_warning(tmp_path):
    write(tmp_path / "2025" / "header.csv",
          "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
          "101.0,M,01/01/2015,WBRI,,,\n"
          "102.0,F,01/01/2012,WBRI,,1.0,01/02/2030\n"
          "103.5,F,01/01/2012,WBRI,,0.0,\n")
    r = read_returns(tmp_path)
    h = r.frames["header"]
    # CHILD has one value that is not a whole number: left as written; MOTHER is all ".0"
    assert h["CHILD"].tolist() == ["101.0", "102.0", "103.5"]
    assert h["MOTHER"].tolist()[1:] == ["1", "0"]
    found = r.issues[r.issues["code"] == "FLOAT_SUFFIX_REMOVED"]
    assert found["column"].tolist() == ["MOTHER"]


# ---------------------------------------------------------------- title rows above the column names

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"


def _workbook(path: Path, rows: list[list], title: str = "Header") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_xlsx_header_below_a_title_and_a_blank_row_is_found_and_reported(tmp_path):
    _workbook(tmp_path / "header_2024-25.xlsx", [
        ["Looked after children: Header 2024/25"],
        [],
        HEADER.split(","),
        [101, 1, "01/02/2010", "WBRI", "A123456789012", None, None],
        [102, 2, "03/04/2012", "WIRI", None, 1, "05/06/2030"],
    ])
    r = read_returns(tmp_path)
    h = r.frames["header"]
    assert h["CHILD"].tolist() == ["101", "102"]
    assert h["ETHNIC"].tolist() == ["WBRI", "WIRI"] and h.loc[1, "MOTHER"] == "1"
    assert h["_row"].tolist() == [4, 5]  # as the spreadsheet shows them
    (warn,) = r.issues[r.issues["code"] == "TITLE_ROWS_SKIPPED"].itertuples()
    assert warn.severity == "warning" and warn.value == "2"
    assert "header_2024-25.xlsx [Header]" in warn.message and "row 3" in warn.message
    assert "Looked after children" in warn.message
    (src,) = r.files
    assert (src.table, src.year, src.header_row, src.skipped_rows, src.format) == ("header", 2025, 3, 2, "xlsx")
    assert src.unreadable is None and r.gaps(("header",)) == []


def test_a_sheet_whose_column_names_cannot_be_found_is_unreadable_not_misread(tmp_path):
    rows = [["Looked after children: Header 2024/25"], [], ["Child id", "Gender", "Birth"],
            [101, 1, "01/02/2010"]]
    (tmp_path / "2025").mkdir()
    _workbook(tmp_path / "2025" / "return.xlsx", rows)
    write(tmp_path / "2025" / "episodes.csv", "\n".join([EPISODES, *ROWS]) + "\n")
    r = read_returns(tmp_path)
    assert "header" not in r.frames
    (src,) = [f for f in r.files if f.table is None]
    assert src.unreadable and "not a 903 table" in src.unreadable and src.table_hint == "header"
    assert src.year == 2025
    assert r.issues.loc[r.issues["code"] == "TABLE_UNRECOGNISED", "severity"].tolist() == ["error"]
    (gap,) = r.gaps()
    assert (gap.year, gap.table) == (2025, "header") and gap.reason == src.unreadable


def test_csv_title_rows_are_skipped_whatever_the_delimiter(tmp_path):
    lines = ["SSDA903 Episodes return 2023-24", "", EPISODES.replace(",", ";"),
             *[r.replace(",", ";") for r in ROWS]]
    write(tmp_path / "2024" / "episodes.csv", "\r\n".join(lines) + "\r\n")
    r = read_returns(tmp_path)
    ep = r.frames["episodes"]
    assert ep["CHILD"].tolist() == ["101", "101", "102"] and ep.loc[1, "PL_POST"] == "BD1 1AA"
    assert ep["_row"].tolist() == [4, 5, 6]
    assert r.issues["code"].tolist() == ["TITLE_ROWS_SKIPPED"]


def test_gaps_name_a_year_without_episodes_and_an_unreadable_one(tmp_path):
    write(tmp_path / "2024" / "header.csv", HEADER + "\n101,1,01/01/2010,WBRI,,,\n")
    write(tmp_path / "2024" / "episodes.csv", "\n".join([EPISODES, *ROWS]) + "\n")
    write(tmp_path / "2025" / "header.csv", HEADER + "\n101,1,01/01/2010,WBRI,,,\n")
    write(tmp_path / "2025" / "episodes.csv", b"\x00\x01\x02\xff" * 100)
    r = read_returns(tmp_path)
    (gap,) = r.gaps()
    assert (gap.year, gap.table) == (2025, "episodes") and "episodes.csv" in gap.reason
    assert [f.path for f in r.unreadable] == [str(tmp_path / "2025" / "episodes.csv")]
    assert [(g.year, g.table) for g in r.gaps(("header", "episodes", "reviews"))] == [
        (2024, "reviews"), (2025, "episodes"), (2025, "reviews")]


def test_latest_episode_date_is_the_99th_percentile_pandas_takes():
    """Of every start and end date of an Episodes table (blank and unparseable left out), the
    99th percentile as pandas' Series.quantile takes it: linear between the two dates around
    it, so here not a midnight."""
    import numpy as np
    import pyarrow as pa

    from sufficiency.ssda903.dates import parse_dates
    from sufficiency.ssda903.reader import _latest_episode_date
    from sufficiency.ssda903.table_rows import TableRows

    starts = [f"{d:02d}/0{m}/2020" for m in range(1, 8) for d in range(1, 28)]
    ends = ["", "x", None] + [f"2021-03-{d:02d}" for d in range(1, 29, 3)] + ["31/03/2021"]
    ends += [""] * (len(starts) - len(ends))
    rows = TableRows({"DECOM": pa.array(starts, pa.large_string()), "DEC": pa.array(ends, pa.large_string())},
                     "e.csv", np.arange(1, len(starts) + 1))
    expected = pd.concat([parse_dates(rows.series("DECOM")), parse_dates(rows.series("DEC"))]).dropna()
    got = _latest_episode_date(rows)
    assert got == expected.quantile(0.99) and got != got.normalize()
    blank = TableRows({"DECOM": pa.array(["", None], pa.large_string()), "DEC": None}, "e.csv", np.arange(1, 3))
    assert _latest_episode_date(blank) is None


def test_empty_texts_are_found_from_the_offsets_of_a_slice_with_nulls():
    """"" is empty and a null is not, in an array that starts part way into its buffers."""
    import pyarrow as pa

    from sufficiency.ssda903.reader import _empty_texts

    texts = pa.array(["a", "", None, "bc", "", None, " "], pa.large_string()).slice(1, 5)
    assert _empty_texts(texts).tolist() == [True, False, False, True, False]
    assert _empty_texts(pa.array([], pa.large_string())).tolist() == []
