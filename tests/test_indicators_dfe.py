"""The DfE's definitions, each on a hand-built council whose answers are worked out below.

Three returns are written as a council's system writes them (2022/23, 2023/24, 2024/25: each
holds the episodes open at some time in its year, those still open at 31 March with DEC and
REC blank) and loaded through the real path. The census day is 31 March 2025 unless said.
Home postcode LS1 4AP (Leeds) unless said; LS2 7JT and LS6 2 are in Leeds (1.0 and 1.5 miles),
BD1 1 is Bradford (8.1 miles), M1 1AE Manchester (35.1 miles).

Children looked after on 31 March 2025 (12):
  A 101  aged 10, in care since 01/01/2022: legal status change (RNE L) 01/06/2022, then her
         foster carers move house (RNE T, same carer, LS6 2) 01/09/2023: one carer since 2022
  B 102  aged 11, in care since 01/03/2022 with an agency carer; in hospital (T1) 01/07/2024 to
         10/07/2024, then back to the same carer: one carer since 2022, one placement in the year
  C 103  aged 12, since 01/01/2021 (before the first return), new carer 01/05/2023 (K2 in
         Manchester: outside Leeds, more than 20 miles)
  D 104  aged 4, since 01/06/2022 in agency foster care, placed for adoption with new carers
         (A4) 01/02/2024: the adoptive and previous placements together last over 2 years
  E 105  aged 17, since 2020: too old for long-term stability
  F 106  aged 8, since 01/12/2022: looked after less than 2.5 years
  G 107  aged 13, starts 01/05/2024, moves 01/08/2024 and 01/12/2024 (to BD1 1: outside Leeds,
         8.1 miles): 3 placements in the year
  H 108  aged 9, starts 01/06/2024, new carer 01/09/2024 (RNE B), legal status and placement
         change with the same carer 01/11/2024 (RNE U): 2 placements in the year
  I 109  aged 14, starts 01/01/2023, new carers 01/06/2023, 01/03/2024 and 01/02/2025:
         2 placements in 2024/25, 4 in the two years from 1 April 2023
  J 110  UASC aged 16, since 01/09/2023, UASC status ended 01/02/2025 (DUC): not UASC on 31 March
  K 111  UASC aged 16, starts 01/10/2024, DUC 01/01/2027
  L 112  aged 9, starts 01/01/2024 with need N4; need recorded as N1 from 01/06/2024 (RNE L)
Ceased in 2024/25: M 113 special guardianship (E47) 01/10/2024; N 114 left to live with
relatives (E13) 01/11/2024.
Reviews: H on 01/07/2024 and 02/10/2024.
Care leavers in the 2024/25 OC3 (age on 31 March 2025 = age at the birthday in the year):
  31 aged 17, in touch, F2, D1 (suitable)      32 aged 18, not in touch (no information)
  33 aged 19, in touch, G6, B2 (not suitable)  34 aged 20, in touch, P4, T1 (suitable)
  35 aged 21, refused contact (no information)
"""

from __future__ import annotations

import pandas as pd
import pytest

from sufficiency.indicators import compute_all
from sufficiency.pipeline import load

EP = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
H, IN, NEAR, BD, MAN = "LS1 4AP", "LS2 7JT", "LS6 2", "BD1 1", "M1 1AE"
HISTORY = [  # the full history; each return gets the part of it its year can see
    f"101,01/01/2022,S,C1,N1,U4,PR1,01/06/2022,X1,,{H},{IN},",
    f"101,01/06/2022,L,C2,N1,U4,PR1,01/09/2023,X1,PLACE,{H},{IN},",
    f"101,01/09/2023,T,C2,N1,U4,PR1,,,CARPL,{H},{NEAR},",
    f"102,01/03/2022,S,C2,N1,U6,PR4,01/07/2024,X1,,{H},{IN},SC100001",
    f"102,01/07/2024,P,C2,N1,T1,,10/07/2024,X1,OTHER,{H},{IN},",
    f"102,10/07/2024,P,C2,N1,U6,PR4,,,OTHER,{H},{IN},SC100001",
    f"103,01/01/2021,S,C2,N1,U4,PR1,01/05/2023,X1,,{H},{IN},",
    f"103,01/05/2023,P,C2,N1,K2,PR4,,,CARPL,{H},{MAN},SC100002",
    f"104,01/06/2022,S,C1,N1,U6,PR4,01/02/2024,X1,,{H},{IN},SC100003",
    f"104,01/02/2024,P,E1,N1,A4,PR1,,,CARPL,{H},{IN},",
    f"105,01/01/2020,S,C2,N5,U4,PR1,,,,{H},{IN},",
    f"106,01/12/2022,S,C2,N1,U4,PR1,,,,{H},{IN},",
    f"107,01/05/2024,S,V2,N4,U6,PR4,01/08/2024,X1,,{H},{IN},SC100004",
    f"107,01/08/2024,P,V2,N4,K2,PR4,01/12/2024,X1,CARPL,{H},{IN},SC100005",
    f"107,01/12/2024,P,V2,N4,U4,PR1,,,CARPL,{H},{BD},",
    f"108,01/06/2024,S,C1,N1,U6,PR4,01/09/2024,X1,,{H},{IN},SC100006",
    f"108,01/09/2024,B,C1,N1,U4,PR1,01/11/2024,X1,CARPL,{H},{IN},",
    f"108,01/11/2024,U,C2,N1,U4,PR1,,,CARPL,{H},{NEAR},",
    f"109,01/01/2023,S,C2,N1,U6,PR4,01/06/2023,X1,,{H},{IN},SC100007",
    f"109,01/06/2023,P,C2,N1,U4,PR1,01/03/2024,X1,CARPL,{H},{IN},",
    f"109,01/03/2024,P,C2,N1,K2,PR4,01/02/2025,X1,CARPL,{H},{IN},SC100008",
    f"109,01/02/2025,P,C2,N1,K2,PR1,,,CARPL,{H},{NEAR},SC100009",
    f"110,01/09/2023,S,V2,N8,U6,PR1,,,,,{IN},",
    f"111,01/10/2024,S,V2,N8,U6,PR1,,,,,{IN},",
    f"112,01/01/2024,S,C1,N4,U4,PR1,01/06/2024,X1,,{H},{IN},",
    f"112,01/06/2024,L,C2,N1,U4,PR1,,,PLACE,{H},{IN},",
    f"113,01/01/2023,S,C2,N1,U3,PR1,01/10/2024,E47,,{H},{IN},",
    f"114,01/03/2024,S,V2,N5,U4,PR1,01/11/2024,E13,,{H},{IN},",
]
DOB = {"101": "01/01/2015", "102": "01/01/2014", "103": "01/01/2013", "104": "01/01/2021",
       "105": "01/01/2008", "106": "01/01/2017", "107": "01/01/2012", "108": "01/01/2016",
       "109": "01/01/2011", "110": "01/06/2008", "111": "01/01/2009", "112": "01/01/2016",
       "113": "01/01/2014", "114": "01/01/2012"}
UASC = {"110": "01/02/2025", "111": "01/01/2027"}
REVIEWS = ["CHILD,DOB,REVIEW,REVIEW_CODE", "108,01/01/2016,01/07/2024,PN1", "108,01/01/2016,02/10/2024,PN1"]
OC3 = ["CHILD,DOB,IN_TOUCH,ACTIV,ACCOM", "31,01/05/2007,YES,F2,D1", "32,01/05/2006,NO,0,0",
       "33,01/05/2005,YES,G6,B2", "34,01/05/2004,YES,P4,T1", "35,01/05/2003,REFU,0,0"]


def _return(year: int) -> dict[str, list[str]]:
    """The part of HISTORY the return of `year` holds, as a council's system writes it."""
    first, last = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
    rows, kids = [EP], []
    for line in HISTORY:
        f = line.split(",")
        start = pd.Timestamp(pd.to_datetime(f[1], dayfirst=True))
        end = pd.to_datetime(f[7], dayfirst=True) if f[7] else None
        if start > last or (end is not None and end < first):
            continue
        if end is not None and end > last:  # still open at the end of this year
            f[7] = f[8] = ""
        rows.append(",".join(f))
        kids.append(f[0])
    kids = sorted(set(kids))
    out = {"episodes": rows,
           "header": ["CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB", *[f"{c},1,{DOB[c]},WBRI,,," for c in kids]],
           "uasc": ["CHILD,SEX,DOB,DUC", *[f"{c},1,{DOB[c]},{UASC[c]}" for c in kids if c in UASC]]}
    if year == 2025:
        out["oc3"] = OC3
        out["reviews"] = REVIEWS
    return out


def _council(folder, years) -> pd.DataFrame:
    for y in years:
        ret = folder / str(y)
        ret.mkdir(parents=True)
        for name, lines in _return(y).items():
            (ret / f"{name}.csv").write_text("\n".join(lines) + "\n")
    load(folder, db=folder / "la.duckdb", la_code="E08000035")
    return compute_all(folder / "la.duckdb").frame


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    return _council(tmp_path_factory.mktemp("dfe"), (2023, 2024, 2025))


def got(frame, indicator, category="all", year=2025):
    f = frame[(frame["indicator"] == indicator) & (frame["category"] == category) & (frame["year"] == year)]
    assert len(f) == 1, (indicator, category, year)
    r = f.iloc[0]
    return (None if pd.isna(r["value"]) else round(float(r["value"]), 6),
            None if pd.isna(r["numerator"]) else int(r["numerator"]),
            None if pd.isna(r["denominator"]) else int(r["denominator"]))


EXPECTED = {  # (indicator, category): (value, numerator, denominator), worked out by hand
    # 12 children on 31 March 2025
    ("cla_31_march", "all"): (12, 12, None),
    # long-term: under 16 and in care since 30/09/2022 or earlier: A, B, C, D. Same carer since
    # 31/03/2023 or earlier: A (L and T keep the carer), B (the hospital stay and the return keep
    # it); D placed for adoption, the placement before it from 01/06/2022. C changed carer 2023.
    ("pct_long_term_stability", "all"): (75.0, 3, 4),
    # 3 or more carers in 2024/25: G only (B: 1, H: 2 - the U change keeps the carer, I: 2)
    ("pct_3plus_placements", "all"): (round(100 / 12, 6), 1, 12),
    # looked after on 31 March 2024 and 2025: A B C D E F I J L (9); from 1 April 2023, I had 4
    ("pct_3plus_placements_2_years", "all"): (round(100 / 9, 6), 1, 9),
    # C in Manchester (outside, over 20 miles), G in Bradford (outside, 8.1 miles)
    ("pct_over_20_miles", "all"): (round(100 / 12, 6), 1, 12),
    ("pct_outside_la", "all"): (round(200 / 12, 6), 2, 12),
    ("pct_outside_la_over_20_miles", "all"): (round(100 / 12, 6), 1, 12),
    ("placement_location", "inside the council, 20 miles or less"): (8, 8, 12),
    ("placement_location", "outside the council, 20 miles or less"): (1, 1, 12),
    ("placement_location", "outside the council, more than 20 miles"): (1, 1, 12),
    ("placement_location", "not known"): (2, 2, 12),  # J and K have no home postcode
    # J's UASC status ended 01/02/2025; K's has not
    ("uasc_31_march", "all"): (1, 1, 12),
    # starters 2024/25: G H K (L started 01/01/2024, in 2023/24); K was UASC when care began
    ("started", "all"): (3, 3, None),
    ("uasc_started", "all"): (1, 1, 3),
    # L's need at the start of care was N4; A B C D F H I are N1, E N5, G N4, J K N8
    ("cla_by_need", "family in acute stress"): (2, 2, 12),
    ("cla_by_need", "abuse or neglect"): (7, 7, 12),
    # M special guardianship (E47), N left to live with relatives (E13), nobody else ceased
    ("ceased", "all"): (2, 2, None),
    ("ceased_by_reason", "special guardianship order"): (1, 1, 2),
    ("ceased_by_reason", "left to live with relatives or others"): (1, 1, 2),
    ("ceased_by_reason", "returned home to parents"): (0, 0, 2),
    # care leavers: 17-18 are 31 (suitable, EET) and 32 (no information); 19-21 are 33 (not
    # suitable, NEET), 34 (suitable, EET) and 35 (no information): no information stays in
    ("care_leavers", "17 to 18"): (2, 2, 5),
    ("care_leavers", "19 to 21"): (3, 3, 5),
    ("pct_suitable_accommodation", "all"): (40.0, 2, 5),
    ("pct_suitable_accommodation", "17 to 18"): (50.0, 1, 2),
    ("pct_suitable_accommodation", "19 to 21"): (round(100 / 3, 6), 1, 3),
    ("pct_eet", "17 to 18"): (50.0, 1, 2),
    ("pct_eet", "19 to 21"): (round(100 / 3, 6), 1, 3),
    # reviews (a local measure): H's care began on Saturday 01/06/2024; 20 working days run
    # from Monday 03/06 to Monday 01/07 (28 calendar days would end on 29/06), so the first
    # review is on time; the second, 02/10/2024, is a day past 3 months after the first
    ("reviews_on_time", "all"): (50.0, 1, 2),
}


@pytest.mark.parametrize(("key", "expected"), EXPECTED.items(), ids=[f"{a}:{b}" for a, b in EXPECTED])
def test_dfe_definitions_on_a_hand_built_council(council, key, expected):
    value, num, den = got(council, *key)
    assert value == pytest.approx(expected[0]) and (num, den) == expected[1:]


def test_look_back_measures_say_which_returns_they_need(council):
    """Long-term stability looks back 2.5 years (to 30/09/2022 for 2025: the 2022/23 return);
    3+ placements in 2 years needs the year before. Without them: no value and a note."""
    f = council.set_index(["indicator", "year"])
    assert got(council, "pct_long_term_stability", year=2024)[0] is None
    assert f.loc[("pct_long_term_stability", 2024), "note"] == (
        "needs returns from 2021/22 (the first loaded is 2022/23)")
    assert f.loc[("pct_long_term_stability", 2025), "note"] == ""
    assert got(council, "pct_3plus_placements_2_years", year=2023)[0] is None
    assert got(council, "pct_3plus_placements_2_years", year=2024)[0] is not None


def test_one_return_alone_gives_no_long_term_stability(tmp_path):
    """The 2024/25 return alone shows C in care since 2021 but not whether A's or B's carer was
    the same in 2023 from the data before it: the measure says what it needs instead."""
    f = _council(tmp_path, (2025,))
    assert got(f, "pct_long_term_stability")[0] is None
    note = f[(f["indicator"] == "pct_long_term_stability") & (f["year"] == 2025)]["note"].iloc[0]
    assert note == "needs returns from 2022/23 (the first loaded is 2024/25)"
    assert got(f, "pct_3plus_placements") == (round(100 / 12, 6), 1, 12)  # needs its own year only


def test_every_indicator_cites_where_the_dfe_publishes_it_or_says_it_is_local():
    from sufficiency.indicators import catalogue

    cat = catalogue().set_index("indicator")
    dfe = cat[cat["table"] != ""]
    assert (dfe["field"] != "").all() and (dfe["section"] != "").all()
    assert cat.loc["reviews_on_time", "table"] == ""
    assert "local measure" in cat.loc["reviews_on_time", "title"]
    assert cat.loc["pct_long_term_stability", "table"] == "la_cla_placement_stability"
    assert "same carer" in cat.loc["pct_long_term_stability", "field"]
