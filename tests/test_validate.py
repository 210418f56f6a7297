"""validate(): one hand-built bad fixture per check, each with the exact issues it must raise.

The clean fixture is two returns (2023/24 and 2024/25) of three children: child 1 in care
throughout (a legal-status change then a move home to parents, P1), child 2 looked after for
ten weeks in 2023/24 and a UASC, child 3 a care leaver in OC3 with no episodes. Every case
below changes one thing and lists every issue that change must produce, no more.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from sufficiency.ssda903.report import issues_frame
from sufficiency.ssda903.returns import Returns
from sufficiency.ssda903.schema import default_schema
from sufficiency.ssda903.validate import catalogue, validate

SCHEMA = default_schema()
C1 = {"CHILD": "1", "DOB": "01/01/2015"}
EP1 = {
    "CHILD": "1",
    "LS": "C2",
    "CIN": "N1",
    "PLACE": "U6",
    "PLACE_PROVIDER": "PR1",
    "HOME_POST": "LS1 4AP",
    "PL_POST": "LS2 7",
    "URN": "SC123456",
}
CLEAN = {
    "header": {
        2024: [
            {**C1, "SEX": "1", "ETHNIC": "WBRI", "UPN": "A123456789012"},
            {"CHILD": "2", "SEX": "2", "DOB": "15/06/2010", "ETHNIC": "BAFR", "UPN": "UN1"},
        ],
        2025: [
            {**C1, "SEX": "M", "ETHNIC": "WBRI", "UPN": "A123456789012"},
            {"CHILD": "3", "SEX": "F", "DOB": "10/03/2005", "ETHNIC": "WBRI", "UPN": "UN2"},
        ],
    },
    "episodes": {
        2024: [
            {
                **EP1,
                "DECOM": "01/05/2023",
                "RNE": "S",
                "LS": "C1",
                "DEC": "01/09/2023",
                "REC": "X1",
            },
            {**EP1, "DECOM": "01/09/2023", "RNE": "L"},
            {
                "CHILD": "2",
                "DECOM": "10/10/2023",
                "RNE": "S",
                "LS": "V2",
                "CIN": "N4",
                "PLACE": "K2",
                "PLACE_PROVIDER": "PR4",
                "DEC": "20/12/2023",
                "REC": "E4A",
                "HOME_POST": "BD1 1AA",
                "PL_POST": "LS6 2",
                "URN": "1234567",
            },
        ],
        2025: [
            {**EP1, "DECOM": "01/09/2023", "RNE": "L", "DEC": "01/06/2024", "REC": "X1"},
            {
                **EP1,
                "DECOM": "01/06/2024",
                "RNE": "P",
                "PLACE": "P1",
                "PLACE_PROVIDER": "PR0",
                "REASON_PLACE_CHANGE": "CARPL",
                "PL_POST": "LS1 4AP",
                "URN": "XXXXXXX",
            },
        ],
    },
    "reviews": {2025: [{**C1, "REVIEW": "01/07/2024", "REVIEW_CODE": "PN1"}]},
    "missing": {2025: [{**C1, "MISSING": "M", "MIS_START": "05/10/2024", "MIS_END": "06/10/2024"}]},
    "oc2": {
        2025: [
            {
                **C1,
                "SDQ_SCORE": "12",
                "CONVICTED": "0",
                "HEALTH_CHECK": "1",
                "IMMUNISATIONS": "1",
                "TEETH_CHECK": "1",
                "HEALTH_ASSESSMENT": "1",
                "SUBSTANCE_MISUSE": "0",
            }
        ]
    },
    "oc3": {
        2025: [{"CHILD": "3", "DOB": "10/03/2005", "IN_TOUCH": "YES", "ACTIV": "F2", "ACCOM": "E1"}]
    },
    "uasc": {2024: [{"CHILD": "2", "SEX": "2", "DOB": "15/06/2010"}]},
    "prev_perm": {2025: [{**C1, "PREV_PERM": "P2", "DATE_PERM": "zz/05/2014"}]},
}


def build(fixture: dict, issues: pd.DataFrame | None = None) -> Returns:
    """Returns from {table: {year: [rows]}}: file '<year>/<table>.csv', rows numbered from 2."""
    frames = {}
    for table, years in fixture.items():
        cols = SCHEMA.table(table).column_names
        parts = []
        for year, rows in years.items():
            f = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols).astype(
                "string"
            )
            f["_year"] = year
            f["_file"] = pd.Series(f"{year}/{table}.csv", index=f.index, dtype="string")
            f["_row"] = range(2, len(f) + 2)
            parts.append(f)
        if parts:
            frames[table] = pd.concat(parts, ignore_index=True)
    returns = Returns(frames=frames, files=[])
    if issues is not None:
        returns.issues = issues
    return returns


def change(table: str, year: int, i: int, **values):
    def apply(fx):
        fx[table][year][i].update(values)

    return apply


def add(table: str, year: int, row: dict):
    def apply(fx):
        fx[table].setdefault(year, []).append(row)

    return apply


def drop(table: str, year: int, i: int | None = None):
    def apply(fx):
        if i is None:
            del fx[table][year]
        else:
            del fx[table][year][i]

    return apply


def issues_of(returns: Returns) -> list[tuple]:
    """(code, table, year, row, child, column) of every issue, blanks as None."""
    cols = ["code", "table", "year", "row", "child", "column"]
    frame = validate(returns).issues[cols].astype(object)
    return sorted(
        tuple(None if pd.isna(v) else v for v in rec) for rec in frame.itertuples(index=False)
    )


def test_clean_fixture_has_no_issues():
    report = validate(build(CLEAN))
    assert report.issues.empty, report.to_text()


EP2_2024 = dict(CLEAN["episodes"][2024][2])
CASES = [
    # id, changes, expected issues: (code, table, year, row, child, column)
    (
        "blank required value",
        [change("episodes", 2025, 1, CIN=None)],
        [("VALUE_MISSING", "episodes", 2025, 3, "1", "CIN")],
    ),
    (
        "blank child",
        [change("reviews", 2025, 0, CHILD=None)],
        [("VALUE_MISSING", "reviews", 2025, 2, None, "CHILD")],
    ),
    (
        "unreadable DECOM",
        [change("episodes", 2024, 2, DECOM="31/02/2023")],
        [("DATE_INVALID", "episodes", 2024, 4, "2", "DECOM")],
    ),
    (
        "unreadable Header DOB",
        [change("header", 2025, 0, DOB="2015-13-01")],
        [("DATE_INVALID", "header", 2025, 2, "1", "DOB")],
    ),
    (
        "partial date with a day but no month",
        [change("prev_perm", 2025, 0, DATE_PERM="05/zz/2014")],
        [("DATE_INVALID", "prev_perm", 2025, 2, "1", "DATE_PERM")],
    ),
    (
        "code introduced later",
        [change("episodes", 2025, 1, PLACE="Z11")],
        [("CODE_INVALID", "episodes", 2025, 3, "1", "PLACE")],
    ),
    (
        "code withdrawn",
        [change("header", 2025, 0, SEX="1")],
        [("CODE_INVALID", "header", 2025, 2, "1", "SEX")],
    ),
    (
        "code never valid",
        [change("episodes", 2024, 2, PLACE="Q9")],
        [("CODE_INVALID", "episodes", 2024, 4, "2", "PLACE")],
    ),
    (
        "SDQ above 40",
        [change("oc2", 2025, 0, SDQ_SCORE="41")],
        [("VALUE_OUT_OF_RANGE", "oc2", 2025, 2, "1", "SDQ_SCORE")],
    ),
    (
        "SDQ not whole",
        [change("oc2", 2025, 0, SDQ_SCORE="12.5")],
        [("VALUE_OUT_OF_RANGE", "oc2", 2025, 2, "1", "SDQ_SCORE")],
    ),
    (
        "SDQ in exponent form",
        [change("oc2", 2025, 0, SDQ_SCORE="1e1")],
        [("VALUE_OUT_OF_RANGE", "oc2", 2025, 2, "1", "SDQ_SCORE")],
    ),
    (
        "UPN of 12 characters",
        [change("header", 2024, 0, UPN="A12345678901")],
        [("UPN_INVALID", "header", 2024, 2, "1", "UPN")],
    ),
    (
        "UPN UN6",
        [change("header", 2024, 1, UPN="UN6")],
        [("UPN_INVALID", "header", 2024, 3, "2", "UPN")],
    ),
    (
        "URN short",
        [change("episodes", 2024, 2, URN="SC12345")],
        [("URN_INVALID", "episodes", 2024, 4, "2", "URN")],
    ),
    (
        "postcode malformed",
        [change("episodes", 2024, 2, PL_POST="LEEDS")],
        [("POSTCODE_INVALID", "episodes", 2024, 4, "2", "PL_POST")],
    ),
    (
        "postcode not in the directory",
        [change("episodes", 2024, 2, HOME_POST="ZZ9 9ZZ")],
        [("POSTCODE_UNKNOWN", "episodes", 2024, 4, "2", "HOME_POST")],
    ),
    (
        "sector not in the directory",
        [change("episodes", 2024, 2, PL_POST="LS99 9")],
        [("POSTCODE_UNKNOWN", "episodes", 2024, 4, "2", "PL_POST")],
    ),
    (
        "DEC before DECOM",
        [change("episodes", 2024, 2, DEC="01/10/2023")],
        [("DEC_BEFORE_DECOM", "episodes", 2024, 4, "2", "DEC")],
    ),
    (
        "DEC without REC",
        [change("episodes", 2024, 2, REC=None)],
        [("DEC_REC_MISMATCH", "episodes", 2024, 4, "2", "REC")],
    ),
    (
        "REC without DEC",
        [change("episodes", 2025, 1, REC="E4A")],
        [("DEC_REC_MISMATCH", "episodes", 2025, 3, "1", "DEC")],
    ),
    (
        "DEC after 31 March",
        [change("episodes", 2025, 1, DEC="05/04/2025", REC="E4A")],
        [("DATE_AFTER_YEAR", "episodes", 2025, 3, "1", "DEC")],
    ),
    (
        "DECOM after 31 March",
        [change("episodes", 2024, 2, DECOM="02/04/2024", DEC=None, REC=None)],
        [("DATE_AFTER_YEAR", "episodes", 2024, 4, "2", "DECOM")],
    ),
    (
        "episode ended before the year",
        [change("episodes", 2024, 2, DECOM="10/10/2022", DEC="20/12/2022")],
        [("EPISODE_BEFORE_YEAR", "episodes", 2024, 4, "2", "DEC")],
    ),
    (
        "same start twice",
        [add("episodes", 2024, {**EP2_2024, "PLACE": "U4"})],
        [("EPISODE_DUPLICATE", "episodes", 2024, 5, "2", "DECOM")],
    ),
    (
        "identical row twice",
        [add("episodes", 2024, dict(EP2_2024))],
        [("ROW_DUPLICATE", "episodes", 2024, 5, "2", None)],
    ),
    (
        "overlap",
        [change("episodes", 2024, 0, DEC="01/10/2023", REC="E8")],
        [("EPISODE_OVERLAP", "episodes", 2024, 2, "1", "DEC")],
    ),
    (
        "open episode not last",
        [change("episodes", 2024, 0, DEC=None, REC=None)],
        [("OPEN_NOT_LAST", "episodes", 2024, 2, "1", "DEC")],
    ),
    (
        "X1 with no episode that day",
        [change("episodes", 2024, 2, REC="X1")],
        [("X1_NO_NEXT_EPISODE", "episodes", 2024, 4, "2", "REC")],
    ),
    (
        "X1 on a one-day episode: its own start is not the next episode",
        [change("episodes", 2024, 1, DEC="01/09/2023", REC="X1")],
        [("X1_NO_NEXT_EPISODE", "episodes", 2024, 3, "1", "REC")],
    ),
    (
        "next episode's start unreadable: X1 is not judged",
        [change("episodes", 2024, 1, DECOM="xx")],
        [("DATE_INVALID", "episodes", 2024, 3, "1", "DECOM")],
    ),
    (
        "first episode's start unreadable: the next is not taken for the first",
        [change("episodes", 2024, 0, DECOM="xx")],
        [("DATE_INVALID", "episodes", 2024, 2, "1", "DECOM")],
    ),
    (
        "provider blank",
        [change("episodes", 2024, 2, PLACE_PROVIDER=None)],
        [("PROVIDER_MISSING", "episodes", 2024, 4, "2", "PLACE_PROVIDER")],
    ),
    (
        "P1 with a provider other than parents",
        [change("episodes", 2025, 1, PLACE_PROVIDER="PR4")],
        [("PROVIDER_NOT_PR0", "episodes", 2025, 3, "1", "PLACE_PROVIDER")],
    ),
    (
        "born after DECOM",
        [change("header", 2024, 1, DOB="01/11/2023")],
        [("DOB_AFTER_DECOM", "episodes", 2024, 4, "2", "DECOM")],
    ),
    (
        "aged 18 at DECOM",
        [change("header", 2024, 1, DOB="15/06/2005")],
        [("AGE_18_AT_DECOM", "episodes", 2024, 4, "2", "DECOM")],
    ),
    (
        "first episode not S",
        [change("episodes", 2024, 2, RNE="P")],
        [("FIRST_EPISODE_NOT_S", "episodes", 2024, 4, "2", "RNE")],
    ),
    (
        "no Header for a year",
        [drop("header", 2024)],
        [("TABLE_MISSING", "header", 2024, None, None, None)],
    ),
    (
        "child not in the Header",
        [drop("header", 2024, 1)],
        [
            ("CHILD_NOT_IN_HEADER", "episodes", 2024, 4, "2", "CHILD"),
            ("CHILD_NOT_IN_HEADER_OTHER", "uasc", 2024, 2, "2", "CHILD"),
        ],
    ),
    (
        "child in the Header with no episode",
        [add("header", 2025, {"CHILD": "4", "SEX": "U", "DOB": "01/01/2012", "ETHNIC": "NOBT"})],
        [("CHILD_NO_EPISODES", "header", 2025, 4, "4", "CHILD")],
    ),
    (
        "child twice in one Header",
        [add("header", 2025, {**CLEAN["header"][2025][0], "ETHNIC": "WOTH"})],
        [("HEADER_DUPLICATE_CHILD", "header", 2025, 4, "1", "CHILD")],
    ),
    (
        "DOB changed between years",
        [change("header", 2025, 0, DOB="02/01/2015")],
        [("DOB_CHANGED", "header", 2025, 2, "1", "DOB")],
    ),
    (
        "review of a child not in the Header",
        [
            add("reviews", 2025, {"CHILD": "9", "DOB": "01/01/2016", "REVIEW": "01/08/2024"}),
            add("reviews", 2025, {"CHILD": "9", "DOB": "01/01/2016", "REVIEW": "01/12/2024"}),
        ],
        [("CHILD_NOT_IN_HEADER_OTHER", "reviews", 2025, 3, "9", "CHILD")],
    ),
    (
        "missing ends before it starts",
        [change("missing", 2025, 0, MIS_END="03/10/2024")],
        [("MISSING_END_BEFORE_START", "missing", 2025, 2, "1", "MIS_END")],
    ),
    (
        "review after the year",
        [change("reviews", 2025, 0, REVIEW="02/04/2025")],
        [("REVIEW_DATE_OUTSIDE", "reviews", 2025, 2, "1", "REVIEW")],
    ),
    (
        "review before birth",
        [change("reviews", 2025, 0, REVIEW="01/12/2014")],
        [("REVIEW_DATE_OUTSIDE", "reviews", 2025, 2, "1", "REVIEW")],
    ),
]
# Changes that look odd but are valid: no issue at all.
TOLERATED = [
    ("codes in lower case", [change("episodes", 2024, 2, PLACE="k2", REC="e4a")]),
    ("whole number written by Excel", [change("oc2", 2025, 0, SDQ_SCORE="12.0")]),
    (
        "temporary placement without provider",
        [change("episodes", 2024, 2, PLACE="T4", PLACE_PROVIDER=None, URN="XXXXXXX")],
    ),
    ("ISO and Excel dates", [change("episodes", 2024, 2, DECOM="2023-10-10", DEC="45280")]),
    (
        "first loaded episode began before the first loaded year",
        [drop("header", 2024), drop("episodes", 2024), drop("uasc", 2024)],
    ),
    (
        "unknown day and month of a previous order",
        [change("prev_perm", 2025, 0, DATE_PERM="zz/zz/2014")],
    ),
]


def _fixture(changes) -> dict:
    fx = copy.deepcopy(CLEAN)
    for apply in changes:
        apply(fx)
    return fx


@pytest.mark.parametrize("changes,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_bad_fixture_reports_exactly_its_issues(changes, expected):
    assert issues_of(build(_fixture(changes))) == sorted(expected)


@pytest.mark.parametrize("changes", [c[1] for c in TOLERATED], ids=[c[0] for c in TOLERATED])
def test_tolerated_variations_raise_nothing(changes):
    report = validate(build(_fixture(changes)))
    assert report.issues.empty, report.to_text()


def test_every_code_validate_emits_is_catalogued_and_every_catalogued_code_is_emitted():
    emitted = {c[0] for _id, _changes, expected in CASES for c in expected}
    ours = {code for code, c in catalogue().items() if c["source"] == "validate"}
    assert emitted == ours
    for _id, changes, _expected in CASES:  # and the severities come from the catalogue
        issues = validate(build(_fixture(changes))).issues
        assert all(issues["severity"] == issues["code"].map(lambda c: catalogue()[c]["severity"]))


def test_reader_issues_are_kept_in_the_report():
    found = issues_frame(
        [
            {
                "code": "COLUMN_EXTRA",
                "severity": "warning",
                "table": "episodes",
                "year": 2024,
                "file": "2024/episodes.csv",
                "row": None,
                "column": "NOTES",
                "value": None,
                "child": None,
                "message": "has a column 'NOTES'",
            }
        ]
    )
    assert issues_of(build(CLEAN, issues=found)) == [
        ("COLUMN_EXTRA", "episodes", 2024, None, None, "NOTES")
    ]


# ---------------------------------------------------------------- messages name the values


def _message(changes, code: str) -> str:
    issues = validate(build(_fixture(changes))).issues
    return issues.loc[issues["code"] == code, "message"].iloc[0]


def test_message_northern_ireland_postcode_says_why():
    msg = _message([change("episodes", 2024, 2, PL_POST="BT7 1NN")], "POSTCODE_UNKNOWN")
    assert msg == (
        "PL_POST 'BT7 1NN' is a Northern Ireland postcode, outside the Great Britain grid that "
        "distances use, for child 2; no distance can be worked out from it."
    )


def test_message_dec_before_decom():
    msg = _message([change("episodes", 2024, 2, DEC="03/10/2023")], "DEC_BEFORE_DECOM")
    assert msg == "DEC 03/10/2023 is before DECOM 10/10/2023 for child 2."


def test_message_code_withdrawn_names_the_years():
    fx = {
        "header": {2026: [{**C1, "SEX": "M", "ETHNIC": "WBRI"}]},
        "episodes": {2026: [{**EP1, "DECOM": "01/05/2025", "RNE": "S", "PLACE": "H5"}]},
    }
    issues = validate(build(fx)).issues
    assert list(issues["code"]) == ["CODE_INVALID"]
    assert (
        issues["message"].iloc[0]
        == "PLACE 'H5' is not valid in 2025/26 (withdrawn after 2024/25), for child 1."
    )
    assert issues["value"].iloc[0] == "H5"


def test_message_code_of_a_year_outside_the_schema_says_which_list():
    fx = {
        "header": {2019: [{**C1, "SEX": "M", "ETHNIC": "WBRI"}]},
        "episodes": {2019: [{**EP1, "DECOM": "01/05/2018", "RNE": "S"}]},
    }
    issues = validate(build(fx)).issues
    assert list(issues["code"]) == ["CODE_INVALID"]
    assert issues["message"].iloc[0] == (
        "SEX 'M' is not valid in 2018/19 (introduced in 2024/25) (returns for 2018/19 are checked "
        "against the 2022/23 codes), for child 1."
    )


def test_message_unknown_code_in_a_short_list_lists_the_valid_ones():
    msg = _message([change("header", 2025, 0, SEX="X")], "CODE_INVALID")
    assert msg == (
        "SEX 'X' is not valid in 2024/25 (not in the Sex of child list in any year; "
        "use one of F, M, U), for child 1."
    )


def test_message_age_and_sequence_name_dates():
    assert _message([change("header", 2024, 1, DOB="15/06/2005")], "AGE_18_AT_DECOM") == (
        "child 2 was 18 on DECOM 10/10/2023 (born 15/06/2005); "
        "a young person of 18 or over is not looked after."
    )
    assert _message(
        [change("episodes", 2024, 0, DEC="01/10/2023", REC="E8")], "EPISODE_OVERLAP"
    ) == (
        "the episode from 01/05/2023 ends on 01/10/2023, "
        "after the next episode starts on 01/09/2023, for child 1."
    )
    assert _message([change("header", 2025, 0, DOB="02/01/2015")], "DOB_CHANGED") == (
        "DOB 02/01/2015 in the 2024/25 Header differs from 01/01/2015 in 2023/24, for child 1; "
        "the latest return's is used."
    )
    assert "(the first is 2024/episodes.csv row 4)" in _message(
        [add("episodes", 2024, {**EP2_2024, "PLACE": "U4"})], "EPISODE_DUPLICATE"
    )


def test_born_on_29_february_turns_18_on_1_march():
    def fixture(decom: str) -> Returns:
        return build(
            {
                "header": {
                    2018: [{"CHILD": "1", "SEX": "1", "DOB": "29/02/2000", "ETHNIC": "WBRI"}]
                },
                "episodes": {2018: [{**EP1, "DECOM": decom, "RNE": "S"}]},
            }
        )

    assert issues_of(fixture("28/02/2018")) == []
    assert issues_of(fixture("01/03/2018")) == [
        ("AGE_18_AT_DECOM", "episodes", 2018, 2, "1", "DECOM")
    ]


def test_column_missing_from_a_file_is_not_reported_row_by_row():
    from sufficiency.ssda903.returns import SourceFile

    returns = build(_fixture([change("episodes", 2025, i, CIN=None) for i in (0, 1)]))
    returns.files = [
        SourceFile("2025/episodes.csv", "episodes", 2025, rows=2, missing_columns=["CIN"])
    ]
    assert issues_of(returns) == []


def test_no_tables_and_empty_tables_give_no_issues():
    assert validate(Returns(frames={}, files=[])).issues.empty
    empty = build({"header": {2025: []}, "episodes": {2025: []}})
    assert validate(empty).issues.empty
