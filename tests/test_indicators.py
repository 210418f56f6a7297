"""Indicators on a hand-built council of a few children, with every answer written out.

The return is 2024/25 (census day 31 March 2025, year from 1 April 2024). Children:
  1  kinship foster (U1) since 2020, aged 12; reviews 01/05/2024 (its previous is before the
     data: not assessable) and 01/10/2024 (5 months later: on time)
  2  starts 01/05/2024 with an agency carer (U6 PR4), moves 01/08/2024 to an external children's
     home in Manchester (K2 PR4, more than 20 miles, outside Leeds), 01/12/2024 to an in-house
     home in Manchester (K2 PR1): 3 placements, still there; reviews 20/05/2024 (13 working
     days: on time) and 01/09/2024 (limit 20/08: late); missing twice (M)
  3  starts 01/06/2024 in in-house foster care (U4 PR1), goes home 01/10/2024 (E4A)
  4  placed for adoption (A4) since 2021, adopted 01/03/2025 (E11)
  5  in supported accommodation (K3) since 2022, leaves on 01/02/2025 at 18 (E5)
  6  a series of short breaks (V3): never counted
  7  unaccompanied asylum-seeker from 01/09/2024 (V2, U6 PR1, no home postcode), aged 17;
     review 15/10/2024 (30 working days: late); away without authorisation once (A)
  8  placed with parents (P1) since 01/01/2023, aged 4
  Care leavers 21 (aged 18: in touch, F1, B1 suitable), 22 (19: G5, C2 not suitable), 23 (20: not
  in touch) in OC3. Long-term stability needs returns from 2022/23: one return gives no value.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sufficiency.indicators import compare_england, compute_all
from sufficiency.parameters import load_parameters
from sufficiency.pipeline import load

EP = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
EPISODES = [
    "1,01/01/2020,S,C2,N1,U1,PR1,,,,LS1 4AP,LS2 7JT,",
    "2,01/05/2024,S,V2,N4,U6,PR4,01/08/2024,X1,,LS1 4AP,LS2 7JT,",
    "2,01/08/2024,P,V2,N4,K2,PR4,01/12/2024,X1,CARPL,LS1 4AP,M1 1AE,SC111111",
    "2,01/12/2024,P,V2,N4,K2,PR1,,,CARPL,LS1 4AP,M1 1AE,SC222222",
    "3,01/06/2024,S,C1,N1,U4,PR1,01/10/2024,E4A,,LS1 4AP,LS2 7JT,",
    "4,01/02/2021,S,E1,N1,A4,PR1,01/03/2025,E11,,LS1 4AP,LS2 7JT,",
    "5,01/01/2022,S,V2,N5,K3,PR4,01/02/2025,E5,,LS1 4AP,LS2 7JT,",
    "6,01/06/2024,S,V3,N2,U6,PR1,02/06/2024,E8,,LS1 4AP,LS2 7JT,",
    "7,01/09/2024,S,V2,N8,U6,PR1,,,,,LS2 7JT,",
    "8,01/01/2023,S,C2,N1,P1,PR0,,,,LS1 4AP,LS1 4AP,",
]
HEADER = ["CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB",
          "1,M,01/06/2012,WBRI,,,", "2,F,01/01/2010,WBRI,,,", "3,M,01/01/2015,WBRI,,,",
          "4,F,01/01/2020,WBRI,,,", "5,M,01/02/2007,WBRI,,,", "6,M,01/01/2016,WBRI,,,",
          "7,M,01/01/2008,OOTH,,,", "8,F,01/06/2020,WBRI,,,"]
REVIEWS = ["CHILD,DOB,REVIEW,REVIEW_CODE", "1,01/06/2012,01/05/2024,PN1", "1,01/06/2012,01/10/2024,PN1",
           "2,01/01/2010,20/05/2024,PN1", "2,01/01/2010,01/09/2024,PN1", "7,01/01/2008,15/10/2024,PN1"]
MISSING = ["CHILD,DOB,MISSING,MIS_START,MIS_END", "2,01/01/2010,M,01/06/2024,02/06/2024",
           "2,01/01/2010,M,01/07/2024,03/07/2024", "7,01/01/2008,A,01/12/2024,01/12/2024"]
UASC = ["CHILD,SEX,DOB,DUC", "7,M,01/01/2008,01/01/2026"]
OC3 = ["CHILD,DOB,IN_TOUCH,ACTIV,ACCOM", "21,01/05/2006,YES,F1,B1", "22,01/05/2005,YES,G5,C2",
       "23,01/05/2004,NO,0,0"]


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    d = tmp_path_factory.mktemp("council")
    ret = d / "2025"
    ret.mkdir()
    for name, lines in {"episodes": [EP, *EPISODES], "header": HEADER, "reviews": REVIEWS,
                        "missing": MISSING, "uasc": UASC, "oc3": OC3}.items():
        (ret / f"{name}.csv").write_text("\n".join(lines) + "\n")
    load(d, db=d / "la.duckdb", la_code="E08000035")
    ind = compute_all(d / "la.duckdb", child_population=10_000)
    return ind.frame


def value(frame, indicator, category="all", year=2025):
    f = frame[(frame["indicator"] == indicator) & (frame["category"] == category) & (frame["year"] == year)]
    assert len(f) == 1, (indicator, category, f)
    return f.iloc[0]


EXPECTED = {  # (indicator, category): (value, numerator, denominator)
    ("cla_31_march", "all"): (4, 4, None),
    ("cla_rate_per_10k", "all"): (4.0, 4, 10_000),
    ("started", "all"): (3, 3, None),
    ("ceased", "all"): (3, 3, None),
    ("ceased_by_reason", "returned home to parents"): (1, 1, 3),
    ("ceased_by_reason", "adopted"): (1, 1, 3),
    ("ceased_by_reason", "independent living"): (1, 1, 3),
    ("ceased_by_reason", "special guardianship order"): (0, 0, 3),
    ("ceased_by_reason", "other reason"): (0, 0, 3),
    ("placement_category", "kinship_foster"): (1, 1, 4),
    ("placement_category", "inhouse_residential"): (1, 1, 4),
    ("placement_category", "inhouse_foster"): (1, 1, 4),
    ("placement_category", "with_parents"): (1, 1, 4),
    ("placement_category", "ifa"): (0, 0, 4),
    ("placement_provider", "own provision"): (3, 3, 4),
    ("placement_provider", "parents"): (1, 1, 4),
    ("pct_kinship", "all"): (25.0, 1, 4),
    ("pct_over_20_miles", "all"): (25.0, 1, 4),
    ("pct_outside_la", "all"): (25.0, 1, 4),
    ("distance_not_known", "all"): (1, 1, 4),
    ("pct_3plus_placements", "all"): (25.0, 1, 4),
    ("pct_outside_la_over_20_miles", "all"): (25.0, 1, 4),
    ("pct_long_term_stability", "all"): (float("nan"), None, None),  # one return: too little history
    ("cla_by_age", "1 to 4"): (1, 1, 4),
    ("cla_by_age", "10 to 15"): (2, 2, 4),
    ("cla_by_age", "16 and over"): (1, 1, 4),
    ("cla_by_legal_status", "full care order"): (2, 2, 4),
    ("cla_by_legal_status", "section 20 agreement"): (2, 2, 4),
    ("cla_by_need", "absent parenting"): (1, 1, 4),
    ("uasc_31_march", "all"): (1, 1, 4),
    ("uasc_started", "all"): (1, 1, 3),
    ("reviews_on_time", "all"): (50.0, 2, 4),
    ("missing_children", "all"): (1, 1, 7),
    ("pct_missing", "all"): (100 / 7, 1, 7),
    ("missing_incidents_per_child", "all"): (2.0, 2, 1),
    ("away_children", "all"): (1, 1, 7),
    ("care_leavers", "all"): (3, 3, None),
    ("pct_suitable_accommodation", "all"): (100 / 3, 1, 3),  # 23 (not in touch) stays in
    ("pct_suitable_accommodation", "17 to 18"): (100.0, 1, 1),
    ("pct_suitable_accommodation", "19 to 21"): (0.0, 0, 2),
    ("pct_eet", "all"): (100 / 3, 1, 3),
}


@pytest.mark.parametrize(("key", "expected"), EXPECTED.items(), ids=[f"{a}:{b}" for a, b in EXPECTED])
def test_hand_built_council(council, key, expected):
    got = value(council, *key)
    assert got["value"] == pytest.approx(expected[0], nan_ok=True)
    none = [None if pd.isna(x) else int(x) for x in (got["numerator"], got["denominator"])]
    assert none == list(expected[1:])


def test_costs_from_unit_costs_and_days(council):
    p = load_parameters()
    w = {c: p.weekly_cost(c, 2025) for c in ("kinship_foster", "inhouse_residential", "inhouse_foster",
                                              "with_parents", "ifa", "external_residential",
                                              "placed_for_adoption", "supported")}
    weekly = w["kinship_foster"] + w["inhouse_residential"] + w["inhouse_foster"] + w["with_parents"]
    assert value(council, "weekly_cost")["value"] == pytest.approx(weekly)
    days = {"kinship_foster": 365, "ifa": 92, "external_residential": 122, "inhouse_residential": 121,
            "inhouse_foster": 122 + 212, "placed_for_adoption": 334, "supported": 306, "with_parents": 365}
    for cat, d in days.items():
        row = value(council, "annual_cost", cat)
        assert row["numerator"] == d, cat
        assert row["value"] == pytest.approx(d * w[cat] / 7), cat
    assert value(council, "annual_cost")["value"] == pytest.approx(sum(d * w[c] / 7 for c, d in days.items()))


def test_headline_rows_and_england_beside_them(council):
    cmp = compare_england(council)
    row = cmp[(cmp["indicator"] == "pct_over_20_miles") & (cmp["year"] == 2025)].iloc[0]
    assert row["england"] == 22.0 and "CLA" in row["england_source"]
    assert pd.isna(cmp[(cmp["indicator"] == "reviews_on_time")].iloc[0]["england"])


def test_every_indicator_is_catalogued_with_a_source():
    from sufficiency.indicators import catalogue

    cat = catalogue()
    assert cat["indicator"].is_unique
    assert cat["source_url"].str.startswith("https://").all()
    assert set(cat["higher_is"]) <= {"better", "worse", "neutral"}


def test_cla_on_31_march_of_the_peer_samples_equals_an_independent_count(peer_samples, tmp_path):
    """cs-demand-model's sample returns (folder "2017" is the 2017/18 return), counted straight
    from the CSVs with plain pandas: the latest return's copy of each episode (CHILD + DECOM),
    short breaks (V3/V4) left out, an episode ending no later than the child's next one starts,
    and one left open in an earlier return ending on that return's 31 March. A child is looked
    after on 31 March if such an episode is open that day. (The samples restate old episodes in
    later returns that the earlier return lacks, so one return alone counts fewer: 367 children
    in the 2017/18 file against 463 in the combined history.)"""
    import io
    import zipfile

    load(peer_samples, tmp_path / "peer.duckdb")
    got = compute_all(tmp_path / "peer.duckdb").headline("cla_31_march")
    parts = []
    with zipfile.ZipFile(peer_samples) as z:
        for name in sorted(n for n in z.namelist() if n.endswith("/episodes.csv")):
            ep = pd.read_csv(io.BytesIO(z.read(name)), dtype=str, keep_default_na=False)
            parts.append(ep.assign(y=int(name.split("/")[0]) + 1))
    ep = pd.concat(parts)
    ep["decom"] = pd.to_datetime(ep["DECOM"], dayfirst=True)
    ep["dec"] = pd.to_datetime(ep["DEC"].replace("", None), dayfirst=True)
    ep = ep.sort_values("y").drop_duplicates(["CHILD", "decom"], keep="last")
    ep = ep[~ep["LS"].isin(["V3", "V4"])].sort_values(["CHILD", "decom"])
    following = ep.groupby("CHILD")["decom"].shift(-1)
    last_year = ep["y"].max()
    left_open = ep["dec"].isna() & (ep["y"] < last_year)
    end = ep["dec"].where(~left_open, pd.to_datetime(ep["y"].astype(str) + "-03-31"))
    end = end.where(following.isna() | (end.notna() & (end <= following)), following)
    expected = {}
    for year in sorted(ep["y"].unique()):
        day = pd.Timestamp(year, 3, 31)
        open_ = (ep["decom"] <= day) & (end.isna() | (end > day) | (left_open & (end == day) & following.isna()))
        expected[int(year)] = ep.loc[open_, "CHILD"].nunique()
    assert len(expected) == 5
    assert {y: int(got[y]) for y in expected} == expected


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from sufficiency.synth.council import synthesise

    d = tmp_path_factory.mktemp("synth")
    synthesise("Leeds", 2018, 2025, 1, d / "returns")
    load(d / "returns", db=d / "la.duckdb", la_code="E08000035")
    return d / "returns", compute_all(d / "la.duckdb")


def test_synthetic_council_indicators_agree_with_its_calibration_measures(synthetic):
    """The calibration script measures ages on 31 March straight from the CSVs
    (synth/calibration.py), and the children looked after are counted here from the episodes
    file; the indicators, computed from the cleaned store, agree to the child. (The council's
    published flows, stability and location are checked in test_synth_calibration.py.)"""
    from sufficiency.synth import calibration as cal

    returns, ind = synthetic
    f = ind.frame

    def v(i, y, c="all"):
        return f[(f["indicator"] == i) & (f["category"] == c) & (f["year"] == y)]["value"].iloc[0]

    ages = dict(zip(cal.AGE_GROUPS, ["under 1", "1 to 4", "5 to 9", "10 to 15", "16 and over"], strict=True))
    for y in range(2021, 2026):
        ep = cal.read_year(returns, y, "episodes")
        open_on_31_march = ep[(ep["DEC"] == "") & ~ep["LS"].isin(cal.SHORT_BREAKS)]["CHILD"].nunique()
        assert v("cla_31_march", y) == open_on_31_march
        m = cal.measures(returns, y)
        for g, band in ages.items():
            assert 100 * v("cla_by_age", y, band) / v("cla_31_march", y) == pytest.approx(m[f"aged {g}"])


def test_tables_read_through_arrow_equal_duckdbs_own_frames(synthetic, peer_samples, tmp_path):
    """StoreData reads tables through Arrow (faster); every table of a synthetic store and of
    the peer samples' store (blank integers, true/false with blanks, empty tables, all-blank
    text columns) must come out as DuckDB's `.df()` makes it."""
    import duckdb

    from sufficiency.pipeline import load
    from sufficiency.store import frame

    load(peer_samples, db=tmp_path / "p.duckdb")
    for db in (synthetic[0].parent / "la.duckdb", tmp_path / "p.duckdb"):
        con = duckdb.connect(str(db), read_only=True)
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        assert {"placements", "periods", "children", "validation_issues"} <= set(names)
        for t in names:
            pd.testing.assert_frame_equal(frame(con, f'SELECT * FROM "{t}"'), con.execute(f'SELECT * FROM "{t}"').df())
        con.close()


def test_a_file_that_is_not_a_store_is_named_not_read(tmp_path):
    """Every reader opens a store the same way (store.Store): a missing file, a file that is not
    DuckDB and a DuckDB file that `sufficiency load` did not write each get their own message."""
    import duckdb

    from sufficiency.errors import StoreError
    from sufficiency.store import StoreData

    with pytest.raises(StoreError, match="does not exist"):
        StoreData.read(tmp_path / "none.duckdb")
    text = tmp_path / "notes.duckdb"
    text.write_text("CHILD,DECOM\n1,01/01/2024\n")
    with pytest.raises(StoreError, match="not a DuckDB store"):
        StoreData.read(text)
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t AS SELECT 1 AS x").close()
    with pytest.raises(StoreError, match="not a sufficiency store"):
        StoreData.read(other)
