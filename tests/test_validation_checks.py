"""One bad fixture per validation check, with the exact code, row and child it must report."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sufficiency.ssda903.returns import Returns
from sufficiency.ssda903.schema import default_schema
from sufficiency.ssda903.validate import catalogue, validate

SCHEMA = default_schema()
HEADER = {"CHILD": "1", "SEX": "M", "DOB": "01/01/2015", "ETHNIC": "WBRI", "UPN": "A123456789012"}
EPISODES = [
    {"CHILD": "1", "DECOM": "01/05/2024", "RNE": "S", "LS": "C1", "CIN": "N1", "PLACE": "U6",
     "PLACE_PROVIDER": "PR1", "DEC": "01/09/2024", "REC": "X1", "REASON_PLACE_CHANGE": "CARPL",
     "HOME_POST": "LS1 4AP", "PL_POST": "LS2 7", "URN": "SC123456"},
    {"CHILD": "1", "DECOM": "01/09/2024", "RNE": "P", "LS": "C2", "CIN": "N1", "PLACE": "K2",
     "PLACE_PROVIDER": "PR4", "HOME_POST": "LS1 4AP", "PL_POST": "BD1 1AA", "URN": "1234567"},
]


def frame(table: str, rows: list[dict], year: int = 2025) -> pd.DataFrame:
    cols = SCHEMA.table(table).column_names
    f = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols).astype("string")
    f["_year"] = year
    f["_file"] = f"{table}.csv"
    f["_row"] = range(2, len(f) + 2)
    return f


def returns(episodes=EPISODES, header=(HEADER,), **others) -> Returns:
    frames = {"episodes": frame("episodes", list(episodes)), "header": frame("header", list(header))}
    for name, rows in others.items():
        frames[name] = frame(name, rows)
    return Returns(frames=frames, files=[])


def edit(i: int, **changes) -> list[dict]:
    rows = [dict(r) for r in EPISODES]
    rows[i].update(changes)
    return rows


def test_clean_fixture_has_no_issues():
    report = validate(returns())
    assert report.issues.empty, report.to_text()


CASES = [
    # (description, returns, code, table, row, column)
    ("blank required", returns(edit(0, CIN=None)), "VALUE_MISSING", "episodes", 2, "CIN"),
    ("bad date", returns(edit(1, DECOM="31/02/2024")), "DATE_INVALID", "episodes", 3, "DECOM"),
    ("code withdrawn", returns(edit(1, PLACE="H5"), header=[HEADER]), None, None, None, None),
    ("unknown code", returns(edit(1, PLACE="Q9")), "CODE_INVALID", "episodes", 3, "PLACE"),
    ("sex code of old years", returns(header=[{**HEADER, "SEX": "1"}]), "CODE_INVALID", "header", 2, "SEX"),
    ("UPN", returns(header=[{**HEADER, "UPN": "12345"}]), "UPN_INVALID", "header", 2, "UPN"),
    ("URN", returns(edit(1, URN="12AB")), "URN_INVALID", "episodes", 3, "URN"),
    ("postcode malformed", returns(edit(1, PL_POST="LEEDS")), "POSTCODE_INVALID", "episodes", 3, "PL_POST"),
    ("postcode unknown", returns(edit(1, PL_POST="ZZ9 9ZZ")), "POSTCODE_UNKNOWN", "episodes", 3, "PL_POST"),
    ("DEC before DECOM", returns(edit(0, DEC="01/04/2024")), "DEC_BEFORE_DECOM", "episodes", 2, "DEC"),
    ("DEC without REC", returns(edit(0, REC=None)), "DEC_REC_MISMATCH", "episodes", 2, "REC"),
    ("after year end", returns(edit(1, DEC="05/04/2025", REC="E4A")), "DATE_AFTER_YEAR", "episodes", 3, "DEC"),
    ("overlap", returns(edit(0, DEC="01/10/2024")), "EPISODE_OVERLAP", "episodes", 2, "DEC"),
    ("open not last", returns(edit(0, DEC=None, REC=None, REASON_PLACE_CHANGE=None)), "OPEN_NOT_LAST", "episodes", 2, "DEC"),
    ("X1 with no next", returns(edit(1, DEC="01/12/2024", REC="X1")), "X1_NO_NEXT_EPISODE", "episodes", 3, "REC"),
    ("provider blank", returns(edit(1, PLACE_PROVIDER=None)), "PROVIDER_MISSING", "episodes", 3, "PLACE_PROVIDER"),
    ("born after DECOM", returns(header=[{**HEADER, "DOB": "01/06/2024"}]), "DOB_AFTER_DECOM", "episodes", 2, "DECOM"),
    ("aged 18", returns(header=[{**HEADER, "DOB": "01/01/2006"}]), "AGE_18_AT_DECOM", "episodes", 2, "DECOM"),
    ("not in header", returns(header=[{**HEADER, "CHILD": "2"}]), "CHILD_NOT_IN_HEADER", "episodes", 2, "CHILD"),
    ("duplicate row", returns([*EPISODES, EPISODES[1]]), "ROW_DUPLICATE", "episodes", 4, None),
    ("same start twice", returns([*EPISODES, {**EPISODES[1], "PLACE": "U4"}]), "EPISODE_DUPLICATE", "episodes", 4, "DECOM"),
    ("missing ends first", returns(missing=[{"CHILD": "1", "DOB": "01/01/2015", "MISSING": "M",
                                             "MIS_START": "05/10/2024", "MIS_END": "03/10/2024"}]),
     "MISSING_END_BEFORE_START", "missing", 2, "MIS_END"),
    ("review after year", returns(reviews=[{"CHILD": "1", "DOB": "01/01/2015", "REVIEW": "02/04/2025",
                                            "REVIEW_CODE": "PN1"}]), "REVIEW_DATE_OUTSIDE", "reviews", 2, "REVIEW"),
    ("SDQ out of range", returns(oc2=[{"CHILD": "1", "DOB": "01/01/2015", "SDQ_SCORE": "41"}]),
     "VALUE_OUT_OF_RANGE", "oc2", 2, "SDQ_SCORE"),
]


@pytest.mark.parametrize("desc,ret,code,table,row,column", [c for c in CASES if c[2]], ids=[c[0] for c in CASES if c[2]])
def test_each_check_reports_exact_place(desc, ret, code, table, row, column):
    issues = validate(ret).issues
    hit = issues[issues["code"] == code]
    assert len(hit) >= 1, validate(ret).to_text()
    first = hit.iloc[0]
    assert (first["table"], first["row"]) == (table, row)
    if column:
        assert first["column"] == column
    assert first["child"] == "1"
    assert first["severity"] == catalogue()[code]["severity"]
    assert "1" in first["message"]


def test_withdrawn_code_message_says_when():
    ret = Returns(frames={"episodes": frame("episodes", edit(1, PLACE="H5"), year=2026),
                          "header": frame("header", [HEADER], year=2026)}, files=[])
    issues = validate(ret).issues
    msg = issues.loc[issues["code"] == "CODE_INVALID", "message"].iloc[0]
    assert "H5" in msg and "2025/26" in msg and "withdrawn after 2024/25" in msg


def test_dec_before_decom_message_names_both_dates():
    issues = validate(returns(edit(0, DEC="01/04/2024"))).issues
    msg = issues.loc[issues["code"] == "DEC_BEFORE_DECOM", "message"].iloc[0]
    assert "DEC 01/04/2024 is before DECOM 01/05/2024" in msg


def test_every_emitted_code_is_in_the_catalogue():
    codes = set()
    for _desc, ret, *_ in CASES:
        codes |= set(validate(ret).issues["code"])
    assert codes <= set(catalogue())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 1), st.sampled_from(SCHEMA.table("episodes").column_names),
                          st.one_of(st.none(), st.text(max_size=10), st.sampled_from(["01/13/2024", "X1", "45000", "S"]))),
                max_size=8))
def test_mutations_never_raise(muts):
    rows = [dict(r) for r in EPISODES]
    for i, col, value in muts:
        rows[i][col] = value
    validate(returns(rows))
