"""Cleaning: each rule on a hand-built case, distances by hand, and no row lost unlogged."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sufficiency.reference.postcodes import directory
from sufficiency.ssda903.clean import clean
from sufficiency.ssda903.distance import placement_distances
from sufficiency.ssda903.returns import Returns
from sufficiency.ssda903.schema import default_schema

SCHEMA = default_schema()


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    cols = SCHEMA.table(table).column_names
    f = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols).astype("string")
    f["_year"] = [r.get("_year", 2025) for r in rows]
    f["_file"] = [f"{r.get('_year', 2025)}/{table}.csv" for r in rows]
    f["_row"] = [r.get("_row", i + 2) for i, r in enumerate(rows)]
    return f


def ep(child="1", decom="01/05/2024", dec=None, rec=None, rne="S", ls="C2", place="U6", year=2025, row=2, **kw):
    return {"CHILD": child, "DECOM": decom, "DEC": dec, "REC": rec, "RNE": rne, "LS": ls, "CIN": "N1",
            "PLACE": place, "PLACE_PROVIDER": kw.get("provider", "PR1"), "HOME_POST": kw.get("home", "LS1 4AP"),
            "PL_POST": kw.get("pl", "LS2 7"), "_year": year, "_row": row}


def hd(child="1", sex="M", year=2025, row=2, dob="01/01/2015"):
    return {"CHILD": child, "SEX": sex, "DOB": dob, "ETHNIC": "WBRI", "_year": year, "_row": row}


def run(episodes, header=None, la="E08000035"):
    frames = {"episodes": frame("episodes", episodes),
              "header": frame("header", header or [hd()])}
    return clean(Returns(frames=frames, files=[]), la_code=la)


def test_latest_return_wins_and_the_older_copy_is_logged():
    h = run([ep(year=2024, row=2), ep(dec="01/06/2024", rec="E4A", year=2025, row=2)],
            header=[hd(year=2024, sex="1"), hd(year=2025, sex="M")])
    e = h.tables["episodes"]
    assert len(e) == 1 and e.loc[0, "rec"] == "E4A" and e.loc[0, "source_year"] == 2025
    log = h.log
    assert sorted(log.loc[log["rule"] == "superseded", ["table", "year"]].values.tolist()) == [["episodes", 2024], ["header", 2024]]
    assert h.tables["children"].loc[0, "sex"] == "M"


def test_unusable_rows_dropped_and_logged():
    h = run([ep(decom="not a date", row=2), ep(child=None, row=3), ep(row=4)])
    assert len(h.tables["episodes"]) == 1
    dropped = h.log[h.log["rule"] == "unusable"]
    assert dropped["row"].tolist() == [2, 3]


def test_overlap_truncated_to_next_start():
    h = run([ep(dec="01/10/2024", rec="X1", row=2), ep(decom="01/09/2024", rne="P", place="K2", row=3)])
    e = h.tables["episodes"]
    assert e.loc[0, "dec"] == pd.Timestamp("2024-09-01")
    assert h.log.loc[h.log["rule"] == "truncated", "row"].tolist() == [2]


def test_open_episode_of_a_child_absent_later_is_closed_at_its_return_end():
    h = run([ep(child="7", year=2024), ep(child="8", decom="01/05/2024", year=2025)],
            header=[hd("7", year=2024), hd("8", year=2025)])
    e = h.tables["episodes"].set_index("child")
    assert e.loc["7", "dec"] == pd.Timestamp("2024-03-31") and bool(e.loc["7", "end_censored"])
    assert pd.isna(e.loc["8", "dec"]) and not bool(e.loc["8", "end_censored"])
    assert (e["end_of_data"] == pd.Timestamp("2025-03-31")).all()


def test_short_breaks_moved_apart():
    h = run([ep(ls="V3", row=2), ep(child="2", row=3)], header=[hd(), hd("2", row=3)])
    assert h.tables["short_breaks"]["child"].tolist() == ["1"]
    assert h.tables["episodes"]["child"].tolist() == ["2"]
    assert h.log.loc[h.log["rule"] == "short_break", "action"].tolist() == ["moved"]


def test_legal_status_change_merges_into_one_placement_and_periods_split_on_exit():
    rows = [ep(decom="01/05/2024", dec="01/07/2024", rec="X1", ls="C1", row=2),
            ep(decom="01/07/2024", dec="01/09/2024", rec="X1", rne="L", ls="C2", row=3),
            ep(decom="01/09/2024", dec="01/10/2024", rec="E4A", rne="P", place="U3", row=4),
            ep(decom="01/12/2024", rne="S", place="K2", row=5)]
    h = run(rows)
    pl = h.tables["placements"]
    assert pl["episodes"].tolist() == [2, 1, 1]
    assert (pl.loc[0, "first_ls"], pl.loc[0, "last_ls"]) == ("C1", "C2")
    assert pl.loc[0, "end"] == pd.Timestamp("2024-09-01")
    per = h.tables["periods"]
    assert per["placements"].tolist() == [2, 1]
    assert per.loc[0, "reason_ceased"] == "E4A" and pd.isna(per.loc[1, "reason_ceased"])
    assert per["age_start"].tolist() == [9, 9]


def test_distance_by_hand():
    pcs = pd.Series(["LS1 4AP", "BD1 1AA"])
    loc = directory().locate(pcs)
    de = loc.loc[0, "easting"] - loc.loc[1, "easting"]
    dn = loc.loc[0, "northing"] - loc.loc[1, "northing"]
    expected = round(math.sqrt(de**2 + dn**2) / 1000 / 1.6093, 1)  # 12,837 m east-west: 8.0 miles
    d = placement_distances(pd.Series(["LS1 4AP"]), pd.Series(["BD1 1AA"]), "E08000035")
    assert d.loc[0, "pl_distance"] == expected == 8.0
    assert d.loc[0, "pl_council"] == "E08000032" and not d.loc[0, "placed_inside_la"]


def test_sector_close_to_full_postcode_and_unknown_is_nan():
    d = placement_distances(pd.Series(["LS1 4AP", "LS1 4AP", "LS1 4AP", None]),
                            pd.Series(["LS2 7", "ZZ9 9ZZ", "rubbish", "LS2 7"]), "E08000035")
    full = placement_distances(pd.Series(["LS1 4AP"]), pd.Series(["LS2 7JT"]), "E08000035")
    assert abs(d.loc[0, "pl_distance"] - full.loc[0, "pl_distance"]) <= 0.5
    assert bool(d.loc[0, "placed_inside_la"])
    assert d["pl_distance"].isna().tolist() == [False, True, True, True]
    assert d["pl_kind"].tolist() == ["sector", "full", "malformed", "sector"]


def test_council_inferred_from_home_postcodes_when_not_given():
    h = run([ep()], la=None)
    assert h.la_code == "E08000035" and h.notes


values = st.one_of(st.none(), st.sampled_from(["01/05/2024", "01/06/2024", "01/05/2024", "x", "V3", "S", "L", "X1"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["1", "2", None]), st.sampled_from(["01/05/2024", "01/06/2024", "bad", None]),
                          values, st.sampled_from(["S", "L", "P"]), st.sampled_from(["C2", "V3", "V2"]),
                          st.sampled_from([2024, 2025])), min_size=1, max_size=12))
def test_every_input_row_is_in_the_output_or_the_log(rows):
    episodes = [ep(child=c, decom=d, dec=x, rec="X1" if x else None, rne=r, ls=ls, year=y, row=i + 2)
                for i, (c, d, x, r, ls, y) in enumerate(rows)]
    h = run(episodes, header=[hd("1"), hd("2", row=3)])
    kept = set(zip(h.tables["episodes"]["source_file"], h.tables["episodes"]["source_row"], strict=True))
    dropped = h.log[h.log["action"].isin(["dropped", "moved"]) & (h.log["table"] == "episodes")]
    gone = set(zip(dropped["file"], dropped["row"], strict=True))
    assert not kept & gone
    every = {(f"{e['_year']}/episodes.csv", e["_row"]) for e in episodes}
    assert kept | gone == every


@pytest.mark.parametrize("junk", ["", "  ", "🙂", "01/01/0001", "9999-99-99"])
def test_junk_values_never_raise(junk):
    run([ep(decom=junk, dec=junk, rec=junk, rne=junk, ls=junk, place=junk, home=junk, pl=junk)])
