"""Cleaning: each rule on a hand-built case with its exact output and log."""

from __future__ import annotations

import pandas as pd
import pytest

from sufficiency.ssda903.clean import clean
from sufficiency.ssda903.cleaning_log import LOG_COLUMNS, join_text
from sufficiency.ssda903.returns import Returns
from sufficiency.ssda903.schema import default_schema

SCHEMA = default_schema()
LEEDS = "E08000035"
NaT = pd.NaT


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """A table as the reader hands it on: schema columns as strings, plus _year/_file/_row."""
    cols = SCHEMA.table(table).column_names
    f = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols).astype("string")
    f["_year"] = pd.Series([r.get("_year", 2025) for r in rows], dtype="int64")
    f["_file"] = pd.Series([f"{r.get('_year', 2025)}/{table}.csv" for r in rows], dtype="string")
    f["_row"] = pd.Series([r.get("_row", i + 2) for i, r in enumerate(rows)], dtype="int64")
    return f


def ep(child="1", decom="01/05/2024", dec=None, rec=None, rne="S", ls="C2", place="U6",
       year=2025, row=2, home="LS1 4AP", pl="LS2 7JT", **kw):
    return {"CHILD": child, "DECOM": decom, "DEC": dec, "REC": rec, "RNE": rne, "LS": ls,
            "CIN": "N1", "PLACE": place, "PLACE_PROVIDER": kw.get("provider", "PR1"),
            "HOME_POST": home, "PL_POST": pl, "REASON_PLACE_CHANGE": kw.get("rpc"),
            "_year": year, "_row": row}


def hd(child="1", sex="M", year=2025, row=2, dob="01/01/2015", ethnic="WBRI"):
    return {"CHILD": child, "SEX": sex, "DOB": dob, "ETHNIC": ethnic, "_year": year, "_row": row}


def run(episodes, header=None, la=LEEDS, **other):
    frames = {"episodes": frame("episodes", episodes),
              "header": frame("header", header if header is not None else [hd()])}
    frames.update({k: frame(k, v) for k, v in other.items()})
    return clean(Returns(frames=frames, files=[]), la_code=la)


def logged(h, *rules):
    log = h.log if not rules else h.log[h.log["rule"].isin(rules)]
    return sorted((r.rule, r.action, r.table, int(r.year), int(r.row))
                  for r in log.itertuples())


def episodes_out(h):
    e = h.tables["episodes"]
    return [(r.child, r.decom, r.dec if not pd.isna(r.dec) else NaT, bool(r.end_censored),
             int(r.source_year), int(r.source_row)) for r in e.itertuples()]


def t(s):
    return pd.Timestamp(s)


EPISODE_CASES = {
    "types: no CHILD, blank or bad DECOM dropped; bad DEC blanked": (
        [ep(child=None, row=2), ep(decom=None, row=3), ep(decom="31/02/2024", row=4),
         ep(dec="soon", row=5)],
        [("1", t("2024-05-01"), NaT, False, 2025, 5)],
        [("unreadable", "changed", "episodes", 2025, 5), ("unusable", "dropped", "episodes", 2025, 2),
         ("unusable", "dropped", "episodes", 2025, 3), ("unusable", "dropped", "episodes", 2025, 4)],
    ),
    "superseded: the latest return's copy of an episode wins": (
        [ep(decom="01/03/2024", year=2024, row=2),
         ep(decom="01/03/2024", dec="01/06/2024", rec="E4A", year=2025, row=7)],
        [("1", t("2024-03-01"), t("2024-06-01"), False, 2025, 7)],
        [("superseded", "dropped", "episodes", 2024, 2)],
    ),
    "duplicate: the same episode twice in one return": (
        [ep(row=2), ep(row=3), ep(child="2", row=4, place="K2"), ep(child="2", row=5)],
        [("1", t("2024-05-01"), NaT, False, 2025, 3), ("2", t("2024-05-01"), NaT, False, 2025, 5)],
        [("duplicate", "dropped", "episodes", 2025, 2), ("duplicate", "dropped", "episodes", 2025, 4)],
    ),
    "truncated: DEC after the next DECOM, and open but not last": (
        [ep(dec="01/10/2024", rec="X1", row=2), ep(decom="01/09/2024", rne="P", row=3),
         ep(child="2", row=4), ep(child="2", decom="01/08/2024", rne="P", row=5)],
        [("1", t("2024-05-01"), t("2024-09-01"), False, 2025, 2),
         ("1", t("2024-09-01"), NaT, False, 2025, 3),
         ("2", t("2024-05-01"), t("2024-08-01"), False, 2025, 4),
         ("2", t("2024-08-01"), NaT, False, 2025, 5)],
        [("truncated", "changed", "episodes", 2025, 2), ("truncated", "changed", "episodes", 2025, 4)],
    ),
    "censored: open at the end of 2024, child not in 2025": (
        [ep(child="7", decom="01/05/2023", year=2024, row=2), ep(child="8", year=2025, row=2)],
        [("7", t("2023-05-01"), t("2024-03-31"), True, 2024, 2),
         ("8", t("2024-05-01"), NaT, False, 2025, 2)],
        [("censored", "changed", "episodes", 2024, 2)],
    ),
    "dec_before_decom: ends at the next DECOM, or on its own DECOM if last": (
        [ep(dec="01/04/2024", rec="X1", row=2), ep(decom="01/09/2024", rne="P", row=3),
         ep(child="2", dec="01/01/2024", rec="E4A", row=4)],
        [("1", t("2024-05-01"), t("2024-09-01"), False, 2025, 2),
         ("1", t("2024-09-01"), NaT, False, 2025, 3),
         ("2", t("2024-05-01"), t("2024-05-01"), False, 2025, 4)],
        [("dec_before_decom", "changed", "episodes", 2025, 2),
         ("dec_before_decom", "changed", "episodes", 2025, 4)],
    ),
    "short breaks: moved out of the care history": (
        [ep(ls="V3", row=2), ep(child="2", ls="V4", row=3), ep(child="3", row=4)],
        [("3", t("2024-05-01"), NaT, False, 2025, 4)],
        [("short_break", "moved", "episodes", 2025, 2), ("short_break", "moved", "episodes", 2025, 3)],
    ),
}


@pytest.mark.parametrize(("rows", "expected", "log"), EPISODE_CASES.values(), ids=EPISODE_CASES)
def test_episode_rules(rows, expected, log):
    children = sorted({r["CHILD"] for r in rows if r["CHILD"]})
    h = run(rows, header=[hd(c, row=i + 2) for i, c in enumerate(children)])
    assert episodes_out(h) == expected
    assert logged(h, "unusable", "unreadable", "superseded", "duplicate", "truncated",
                  "censored", "short_break", "dec_before_decom") == log


def test_every_episode_row_carries_end_of_data_and_columns_in_order():
    h = run([ep(child="7", decom="01/05/2023", year=2024), ep(child="8")])
    e = h.tables["episodes"]
    assert (e["end_of_data"] == t("2025-03-31")).all()
    assert list(e.columns) == [
        "child", "decom", "dec", "rne", "ls", "cin", "place", "place_provider", "rec",
        "reason_place_change", "urn", "home_post", "pl_post", "home_kind", "pl_kind",
        "pl_distance", "pl_council", "placed_inside_la", "end_censored", "end_of_data",
        "source_year", "source_file", "source_row"]
    assert e.loc[0, "pl_distance"] == 1.0 and bool(e.loc[0, "placed_inside_la"])
    assert str(e["decom"].dtype) == "datetime64[ns]" and str(e["place"].dtype) == "string"


def test_codes_stripped_and_upper_cased():
    h = run([ep(place=" u6 ", ls="c2", rne=" s")])
    e = h.tables["episodes"]
    assert (e.loc[0, "place"], e.loc[0, "ls"], e.loc[0, "rne"]) == ("U6", "C2", "S")


def test_short_breaks_table_has_no_postcodes():
    h = run([ep(ls="V3")])
    sb = h.tables["short_breaks"]
    assert sb["child"].tolist() == ["1"] and sb["ls"].tolist() == ["V3"]
    assert "home_post" not in sb and "pl_post" not in sb
    assert not any("post" in c for name, f in h.tables.items() if name != "episodes"
                   for c in f.columns)


LEGAL_ONLY = [
    ep(decom="01/05/2024", dec="01/07/2024", rec="X1", ls="C1", row=2),
    ep(decom="01/07/2024", dec="01/09/2024", rec="X1", rne="L", ls="C2", row=3),
    ep(decom="01/09/2024", dec="01/10/2024", rec="E4A", rne="P", place="U3", row=4),
    ep(decom="01/12/2024", rne="S", place="K2", row=5),
]


def test_legal_status_changes_merge_into_one_placement():
    h = run(LEGAL_ONLY)
    pl = h.tables["placements"]
    got = [(r.child, r.period, r.placement, r.start, r.end, r.place, r.first_ls, r.last_ls,
            r.episodes) for r in pl.itertuples()]
    assert got[:2] == [
        ("1", 1, 1, t("2024-05-01"), t("2024-09-01"), "U6", "C1", "C2", 2),
        ("1", 1, 2, t("2024-09-01"), t("2024-10-01"), "U3", "C2", "C2", 1)]
    assert got[2][:4] == ("1", 2, 3, t("2024-12-01")) and pd.isna(got[2][4])
    assert pl["rec"].tolist()[1] == "E4A"
    assert logged(h, "placement") == [("placement", "merged", "episodes", 2025, 3)]
    assert len(h.tables["episodes"]) == 4  # every episode is kept


def test_periods_of_care_from_start_to_ceasing():
    h = run(LEGAL_ONLY)
    per = h.tables["periods"]
    got = [(r.child, r.period, r.start, r.end, r.reason_ceased, r.placements, r.episodes,
            r.age_start, r.age_end) for r in per.itertuples()]
    assert got[0] == ("1", 1, t("2024-05-01"), t("2024-10-01"), "E4A", 2, 3, 9, 9)
    assert got[1][:4] == ("1", 2, t("2024-12-01"), NaT) or pd.isna(got[1][3])
    assert pd.isna(got[1][4]) and got[1][5:8] == (1, 1, 9) and pd.isna(got[1][8])


@pytest.mark.parametrize(
    ("second", "periods", "placements"),
    [
        # contiguous, X1, RNE L: one period, one placement
        (ep(decom="01/07/2024", rne="L", row=3), 1, 1),
        # RNE S after X1: a new period even though contiguous
        (ep(decom="01/07/2024", rne="S", row=3), 2, 2),
        # a gap between episodes: a new period (and placement) even with RNE L
        (ep(decom="01/08/2024", rne="L", row=3), 2, 2),
        # placement change: same period, new placement
        (ep(decom="01/07/2024", rne="P", row=3), 1, 2),
    ],
)
def test_period_and_placement_boundaries(second, periods, placements):
    h = run([ep(dec="01/07/2024", rec="X1", row=2), second])
    assert len(h.tables["periods"]) == periods
    assert len(h.tables["placements"]) == placements
    assert h.tables["periods"]["placements"].sum() == placements


def test_ceasing_other_than_x1_ends_the_period_even_if_next_starts_same_day():
    h = run([ep(dec="01/07/2024", rec="E4A", row=2), ep(decom="01/07/2024", rne="L", row=3)])
    assert h.tables["periods"]["reason_ceased"].tolist()[0] == "E4A"
    assert len(h.tables["periods"]) == 2 and len(h.tables["placements"]) == 2


# ---------------------------------------------------------------- children and UASC


def test_latest_header_wins_sex_normalised_and_blanks_filled():
    header = [hd("1", sex="1", year=2024, dob="01/01/2014", ethnic="WIRI"),
              hd("1", sex="2", year=2025, dob=None, ethnic="WBRI"),
              hd("2", sex="9", year=2025, row=3), hd("3", sex="M", row=4),
              hd("3", sex="M", row=5)]
    h = run([ep("1"), ep("2", row=3), ep("3", row=4), ep("4", row=5)], header=header)
    ch = h.tables["children"].set_index("child")
    assert ch.loc["1", "sex"] == "F" and ch.loc["1", "ethnic"] == "WBRI"
    assert ch.loc["1", "dob"] == t("2014-01-01")  # blank in 2025: the 2024 value
    assert ch.loc["2", "sex"] == "U"
    assert ch.loc["4", "sex"] == "U" and not ch.loc["4", "in_header"]  # episodes, no header
    assert set(ch["sex"]) <= {"M", "F", "U"}
    assert logged(h, "superseded", "duplicate", "sex_recoded", "header_filled") == [
        ("duplicate", "dropped", "header", 2025, 5),
        ("header_filled", "changed", "header", 2025, 2),
        ("sex_recoded", "changed", "header", 2025, 2),
        ("sex_recoded", "changed", "header", 2025, 3),
        ("superseded", "dropped", "header", 2024, 2)]


def test_uasc_latest_wins_and_flags_the_child():
    uasc = [{"CHILD": "1", "SEX": "M", "DOB": "01/01/2008", "DUC": None, "_year": 2024},
            {"CHILD": "1", "SEX": "M", "DOB": "01/01/2008", "DUC": "01/01/2026", "_year": 2025}]
    h = run([ep("1"), ep("2", row=3)], header=[hd("1"), hd("2", row=3)], uasc=uasc)
    ch = h.tables["children"].set_index("child")
    assert bool(ch.loc["1", "uasc"]) and ch.loc["1", "uasc_ceased"] == t("2026-01-01")
    assert not ch.loc["2", "uasc"] and pd.isna(ch.loc["2", "uasc_ceased"])
    assert h.tables["uasc"]["source_year"].tolist() == [2025]
    assert logged(h, "superseded") == [("superseded", "dropped", "uasc", 2024, 2)]


def test_other_tables_typed_and_exact_duplicates_dropped():
    reviews = [{"CHILD": "1", "DOB": "01/01/2015", "REVIEW": "01/06/2024", "REVIEW_CODE": "pn1"},
               {"CHILD": "1", "DOB": "01/01/2015", "REVIEW": "01/06/2024", "REVIEW_CODE": "pn1"},
               {"CHILD": None, "DOB": "01/01/2015", "REVIEW": "01/07/2024"}]
    oc2 = [{"CHILD": "1", "DOB": "01/01/2015", "SDQ_SCORE": "12"},
           {"CHILD": "2", "DOB": "01/01/2015", "SDQ_SCORE": "twelve"}]
    h = run([ep()], reviews=reviews, oc2=oc2)
    rv = h.tables["reviews"]
    assert rv["review"].tolist() == [t("2024-06-01")] and rv["review_code"].tolist() == ["PN1"]
    assert h.tables["oc2"]["sdq_score"].tolist()[0] == 12
    assert pd.isna(h.tables["oc2"]["sdq_score"].tolist()[1])
    assert logged(h, "duplicate", "unusable", "unreadable") == [
        ("duplicate", "dropped", "reviews", 2025, 3),
        ("unreadable", "changed", "oc2", 2025, 3),
        ("unusable", "dropped", "reviews", 2025, 4)]


def test_council_inferred_and_logged_when_not_given():
    h = run([ep(), ep("2", home="LS6 2AA", row=3), ep("3", home="BD1 1AA", row=4)], la=None)
    assert h.la_code == LEEDS
    note = h.log[h.log["rule"] == "la_inferred"]
    assert len(note) == 1 and LEEDS in note["detail"].iloc[0]


def test_log_and_summary_shapes():
    h = run([ep(row=2), ep(row=3), ep(ls="V3", child="2", row=4)])
    assert list(h.log.columns) == LOG_COLUMNS
    assert set(h.log["action"]) <= {"dropped", "changed", "merged", "moved"}
    s = h.summary().set_index(["rule", "action"])["rows"]
    assert s[("duplicate", "dropped")] == 1 and s[("short_break", "moved")] == 1


def test_empty_returns():
    h = clean(Returns(frames={}, files=[]), la_code=LEEDS)
    for name in ("children", "episodes", "placements", "periods", "short_breaks", "reviews"):
        assert len(h.tables[name]) == 0
    assert len(h.log) == 0


def test_rne_l_with_a_different_placement_is_not_merged():
    # RNE L says "legal status only" but PLACE and PL_POST changed: a hidden move, kept apart
    h = run([ep(dec="01/07/2024", rec="X1", row=2),
             ep(decom="01/07/2024", rne="L", place="K2", pl="M1 1AE", row=3)])
    pl = h.tables["placements"]
    assert pl["place"].tolist() == ["U6", "K2"] and pl["pl_distance"].tolist() == [1.0, 35.1]
    assert logged(h, "placement") == []
    assert len(h.tables["periods"]) == 1


@pytest.mark.parametrize(
    ("later", "wording"),
    [([], "child in no later return"),
     ([ep("1", decom="01/01/2023", dec="01/05/2023", rec="X1", year=2025, row=3)],
      "this episode is not in a later return")],
)
def test_censored_log_says_whether_the_child_is_in_a_later_return(later, wording):
    other = ep("9", year=2025, row=9)  # the 2025 return is loaded, without child 1's episode
    h = run([ep("1", decom="01/05/2023", year=2024), other, *later],
            header=[hd("1", year=2024), hd("9", row=9)])
    detail = h.log.loc[h.log["rule"] == "censored", "detail"].tolist()
    assert len(detail) == 1 and wording in detail[0] and "closed 31/03/2024" in detail[0]


def test_rne_l_merges_when_only_the_spacing_of_the_postcode_differs():
    h = run([ep(dec="01/07/2024", rec="X1", pl="LS2 7JT", row=2),
             ep(decom="01/07/2024", rne="L", pl="ls27jt", row=3)])
    assert h.tables["placements"]["episodes"].tolist() == [2]


def test_join_text_is_string_addition_row_by_row():
    left = pd.Series(["a", None, "c"], dtype="string", index=[7, 8, 9])
    right = pd.Series(["x", "y", "z"], dtype=object)
    joined = join_text("<", left, "-", right, ">")
    expected = ("<" + left + "-" + right.astype("string").set_axis(left.index) + ">").reset_index(drop=True)
    pd.testing.assert_series_equal(joined, expected)
    assert joined.tolist() == ["<a-x>", pd.NA, "<c-z>"]
    assert len(join_text("a", left.iloc[:0])) == 0
