"""The measures scrutiny papers ask for beyond placements, each on a hand-built council whose
answers are worked out below (the DfE's definitions are in the catalogue and the modules).

Returns 2022/23 to 2025/26 are written as a council's system writes them and loaded through the
real path. The year is 2024/25 (census day 31 March 2025) unless said.

Looked after on 31 March 2025 (11): 201 to 211.
  201 aged 3, in care since 01/01/2023        202 aged 8, since 01/04/2024 (exactly 12 months)
  203 aged 12, since 2022                     204 aged 15, since 2023
  205 aged 16, since 2022, semi-independent (H5) from 01/02/2025, after his 16th birthday
  206 aged 17, since 2021, supported accommodation (K3) from 01/10/2024
  207 aged 10, started 02/04/2024 (one day short of 12 months; has an OC2 row all the same)
  208 aged 14, started 01/06/2024, in H5 from 01/09/2024 to 01/12/2024: under 16 in it
  209 aged 16, started 01/05/2024 in an other placement (Z1), a children's home from 01/07/2024
  210 aged 17, started 01/06/2024 living independently (P2)
  211 aged 13, started 01/01/2025 in Z1, a children's home from 01/04/2025
Ceased in 2024/25 (11): 220 SGO to former foster carers (E45), 221 SGO to other carers (E48),
  222 child arrangements order (E41), 223 home (E4A), 224 left foster care on his 18th birthday
  (E17), 225 left foster care on her 18th birthday (E5), 226 left a children's home on her 18th
  birthday (E6), 230, 232 and 233 adopted (E11), 231 adopted by her foster carers (E12); 233's
  care began in 2021, before the first return loaded (2022/23) shows it.
  227 left foster care at 17 (01/03/2024, in 2023/24).
2025/26: 240 placed where she may be deprived of liberty (Z12) 01/05/2025 to 01/08/2025.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_indicators_dfe import got

from sufficiency.indicators import compute_all
from sufficiency.pipeline import load

EP = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
H, IN = "LS1 4AP", "LS2 7JT"
HISTORY = [  # CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC
    "201,01/01/2023,S,C2,N1,U4,PR1,,", "202,01/04/2024,S,C2,N1,U4,PR1,,", "203,01/01/2022,S,C2,N1,U4,PR1,,",
    "204,01/01/2023,S,C2,N1,U4,PR1,,",
    "205,01/01/2022,S,C2,N1,U4,PR1,01/02/2025,X1", "205,01/02/2025,P,C2,N1,H5,PR4,,",
    "206,01/01/2021,S,C2,N1,U4,PR1,01/10/2024,X1", "206,01/10/2024,P,C2,N1,K3,PR4,,",
    "207,02/04/2024,S,V2,N4,U6,PR4,,",
    "208,01/06/2024,S,V2,N4,U6,PR4,01/09/2024,X1", "208,01/09/2024,P,V2,N4,H5,PR4,01/12/2024,X1",
    "208,01/12/2024,P,V2,N4,U6,PR4,,",
    "209,01/05/2024,S,V2,N4,Z1,,01/07/2024,X1", "209,01/07/2024,P,V2,N4,K2,PR4,,",
    "210,01/06/2024,S,V2,N8,P2,PR4,,",
    "211,01/01/2025,S,C1,N1,Z1,,01/04/2025,X1", "211,01/04/2025,P,C1,N1,K2,PR4,,",
    "220,01/01/2022,S,C2,N1,U4,PR1,01/10/2024,E45", "221,01/01/2023,S,C2,N1,U6,PR4,01/11/2024,E48",
    "222,01/06/2023,S,C2,N1,U4,PR1,01/12/2024,E41", "223,01/01/2024,S,V2,N4,U6,PR4,01/06/2024,E4A",
    "224,01/01/2020,S,C2,N1,U4,PR1,01/09/2024,E17", "225,01/01/2021,S,C2,N1,U6,PR4,01/11/2024,E5",
    "226,01/01/2022,S,C2,N1,K2,PR4,01/12/2024,E6", "227,01/01/2021,S,C2,N1,U4,PR1,01/03/2024,E8",
    "230,01/02/2022,S,C1,N1,U6,PR4,01/10/2022,X1", "230,01/10/2022,L,E1,N1,U6,PR4,01/03/2023,X1",
    "230,01/03/2023,P,E1,N1,A6,PR1,01/09/2024,E11",
    "231,01/04/2022,S,C1,N1,U6,PR4,01/06/2022,X1", "231,01/06/2022,P,C1,N1,U4,PR1,01/01/2023,X1",
    "231,01/01/2023,L,E1,N1,U4,PR1,01/05/2023,X1", "231,01/05/2023,T,E1,N1,A5,PR1,01/02/2025,E12",
    "232,01/02/2022,S,C1,N1,U6,PR4,01/08/2022,X1", "232,01/08/2022,L,E1,N1,U6,PR4,01/07/2023,X1",
    "232,01/07/2023,P,E1,N1,A6,PR1,01/12/2024,E11",
    "233,01/06/2021,S,C1,N1,U6,PR4,01/03/2022,X1", "233,01/03/2022,L,E1,N1,U6,PR4,01/04/2023,X1",
    "233,01/04/2023,P,E1,N1,A6,PR1,01/01/2025,E11",
    "240,01/05/2025,S,C1,N1,Z12,,01/08/2025,X1", "240,01/08/2025,P,C1,N1,K2,PR4,,",
]
DOB = {"201": "01/06/2021", "202": "01/01/2017", "203": "01/01/2013", "204": "01/06/2009", "205": "01/01/2009",
       "206": "01/02/2008", "207": "01/01/2015", "208": "01/09/2010", "209": "01/03/2009", "210": "01/05/2007",
       "211": "01/01/2012", "220": "01/01/2016", "221": "01/01/2019", "222": "01/01/2014", "223": "01/01/2012",
       "224": "01/09/2006", "225": "01/11/2006", "226": "01/12/2006", "227": "01/07/2006", "230": "01/01/2022",
       "231": "01/03/2022", "232": "01/01/2022", "233": "01/01/2021", "240": "01/01/2011"}
OC2 = ["CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,"
       "SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED",
       "201,01/06/2021,,,,1,1,0,1,0,,", "202,01/01/2017,12,,,,0,1,1,0,,", "203,01/01/2013,20,,1,,0,1,1,1,1,",
       "204,01/06/2009,,SDQ5,0,,1,0,0,0,,", "206,01/02/2008,,SDQ1,0,,1,0,1,0,,", "207,01/01/2015,5,,0,,1,1,1,0,,"]
SW = ["CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON",
      "201,01/06/2021,SW1,01/01/2023,,FCONTA",
      "203,01/01/2013,SW2,01/01/2022,01/05/2024,FCONTA", "203,01/01/2013,SW3,01/05/2024,01/08/2024,LEFTRL",
      "203,01/01/2013,SW4,01/08/2024,,MANAGE",
      "204,01/06/2009,SW5,01/01/2023,01/06/2024,FCONTA", "204,01/06/2009,SW6,01/06/2024,01/10/2024,ABSENC",
      "204,01/06/2009,SW5,01/10/2024,,ABSENC",
      "202,01/01/2017,SW7,01/04/2024,01/05/2024,FCONTA", "202,01/01/2017,SW8,01/05/2024,01/06/2024,LEFTRL",
      "202,01/01/2017,SW9,01/06/2024,,LEFTRL",
      "205,01/01/2009,SW10,01/01/2022,31/03/2024,FCONTA", "205,01/01/2009,SW11,31/03/2024,01/02/2025,LEFTRL",
      "205,01/01/2009,SW12,01/02/2025,,TSPROC"]
OC3 = ["CHILD,DOB,IN_TOUCH,ACTIV,ACCOM", "224,01/09/2006,YES,F2,Z1", "225,01/11/2006,YES,F4,T1",
       "226,01/12/2006,YES,G5,D1", "227,01/07/2006,YES,F2,Z1"]
AD1 = ["CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR",
       "230,01/01/2022,01/08/2022,01/01/2023,0,2,MF,L11", "231,01/03/2022,,01/03/2023,1,2,MF,L11",
       "232,01/01/2022,01/06/2022,01/07/2022,0,1,F1,L0", "233,01/01/2021,01/01/2022,01/02/2023,0,2,MF,L11"]
PLACED = ["CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED",
          "230,01/01/2022,01/07/2022,,", "231,01/03/2022,01/11/2022,,"]


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
        if end is not None and end > last:
            f[7] = f[8] = ""
        rows.append(",".join([*f, "", H, IN, ""]))
        kids.append(f[0])
    sex = "M" if year >= 2025 else "1"
    out = {"episodes": rows,
           "header": ["CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB",
                      *[f"{c},{sex},{DOB[c]},WBRI,,," for c in sorted(set(kids))]]}
    if year == 2025:
        out |= {"oc2": OC2, "sw_episodes": SW, "oc3": OC3, "ad1": AD1, "placed_adoption": PLACED}
    return out


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("903")
    for y in (2023, 2024, 2025, 2026):
        ret = folder / str(y)
        ret.mkdir(parents=True)
        for name, lines in _return(y).items():
            (ret / f"{name}.csv").write_text("\n".join(lines) + "\n")
    load(folder, db=folder / "la.duckdb", la_code="E08000035")
    return folder / "la.duckdb"


@pytest.fixture(scope="module")
def council(store):
    return compute_all(store).frame


EXPECTED = {  # (indicator, category): (value, numerator, denominator), worked out by hand
    # the 12-month cohort: 201 to 206 (202 since 01/04/2024 counts; 207 from 02/04/2024 does not)
    ("cla_12_months", "all"): (6, 6, None),
    # aged 0 to 4: 201 only, up to date
    ("pct_development_assessments", "all"): (100.0, 1, 1),
    # 205 has no OC2 row and stays in every base. Health assessment: 201 202 203 206
    ("pct_health_assessments", "all"): (round(400 / 6, 6), 4, 6),
    ("pct_immunisations", "all"): (50.0, 3, 6),  # 201 204 206 (207's row is not the cohort's)
    ("pct_dental_checks", "all"): (round(200 / 6, 6), 2, 6),  # 202 203
    ("pct_substance_misuse", "all"): (round(100 / 6, 6), 1, 6),  # 203
    # aged 10 to 17: 203 204 205 206; 203 convicted
    ("pct_convicted", "all"): (25.0, 1, 4),
    # aged 5 to 16: 202 (12) 203 (20) 204 (refused, SDQ5) 205 (no row): 2 of 4, mean 16
    ("pct_sdq_received", "all"): (50.0, 2, 4),
    ("sdq_mean_score", "all"): (16.0, None, 2),
    # social workers in 2024/25: 202 SW7 SW8 SW9 (3), 203 SW2 SW3 SW4 (3), 204 SW5 SW6 SW5 again
    # (2), 205 SW11 SW12 (SW10 ended 31/03/2024, before the year: 2), 201 one, others none
    ("pct_3plus_social_workers", "all"): (round(200 / 11, 6), 2, 11),
    # aged 16 or 17 on 31 March: 205 (H5) 206 (K3) 209 (K2) 210 (P2)
    ("supported_16_17", "all"): (3, 3, 4),
    ("pct_16_17_supported", "all"): (75.0, 3, 4),
    ("supported_16_17", "semi-independent living"): (1, 1, 3),
    ("supported_16_17", "supported accommodation registered with Ofsted"): (1, 1, 3),
    ("supported_16_17", "independent living"): (1, 1, 3),
    # 208 was 14 in H5; 205 went into H5 after his 16th birthday. Looked after in the year: the
    # 11 on 31 March, the 11 who ceased
    ("under_16_supported", "all"): (1, 1, 22),
    ("other_placements_31_march", "all"): (1, 1, 11),  # 211
    ("other_placements_during", "all"): (2, 2, 22),  # 209 211
    # ceased: 11; SGO 220 (former foster carers) 221 (other carers); CAO 222
    ("pct_ceased_sgo", "all"): (round(200 / 11, 6), 2, 11),
    ("ceased_sgo", "former foster carers"): (1, 1, 2),
    ("ceased_sgo", "other carers"): (1, 1, 2),
    ("pct_ceased_cao", "all"): (round(100 / 11, 6), 1, 11),
    # aged 18 in the OC3: 224 225 left foster care on their 18th birthday (226 left a children's
    # home, 227 left at 17); 224 lives with his former foster carers (Z1)
    ("pct_staying_put_18", "all"): (50.0, 1, 2),
    # adopted and placed first: 230, 231, 232, 233 (233's entry to care is not in the data).
    # A1: 230 01/02/2022 -> 01/03/2023 = 393; 231 01/04/2022 -> 01/05/2023 = 395;
    #     232 01/02/2022 -> 01/07/2023 = 515; mean 1303 / 3
    ("adoption_days_entry_to_placement", "all"): (round(1303 / 3, 6), None, 3),
    # A10: 231 moved in with the carers who adopted her on 01/06/2022 (the A5 placement kept the
    #      carer, RNE T): 61 days; mean (393 + 61 + 515) / 3
    ("adoption_days_entry_to_placement_adjusted", "all"): (323.0, None, 3),
    # A2: 230 order 01/10/2022 -> match 01/01/2023 = 92; 231 01/01/2023 -> 01/03/2023 = 59;
    #     232 matched 01/07/2022, before the order of 01/08/2022: 0; 233 01/03/2022 -> 01/02/2023
    #     = 337; mean 488 / 4
    ("adoption_days_order_to_match", "all"): (122.0, None, 4),
    # decision to match: 230 AD1 DATE_INT 01/08/2022 (not PlacedAdoption's 01/07/2022) -> 153;
    # 231 no DATE_INT: PlacedAdoption 01/11/2022 -> 120; 232 01/06/2022 -> 30; 233 01/01/2022
    # -> 396; mean 699 / 4
    ("adoption_days_decision_to_match", "all"): (174.75, None, 4),
}


@pytest.mark.parametrize(("key", "expected"), EXPECTED.items(), ids=[f"{a}:{b}" for a, b in EXPECTED])
def test_903_measures_on_a_hand_built_council(council, key, expected):
    value, num, den = got(council, *key)
    assert value == pytest.approx(expected[0]) and (num, den) == expected[1:]


def test_adoption_from_entry_to_care_leaves_out_care_begun_before_the_data(council):
    f = council.set_index(["indicator", "year", "category"])["note"]
    note = "1 adopted child whose care began before the first return loaded left out (the day care began is not in the data)"
    assert f[("adoption_days_entry_to_placement", 2025, "all")] == note
    assert f[("adoption_days_order_to_match", 2025, "all")] == ""


def test_deprivation_of_liberty_is_counted_from_2025_26_only(council):
    """240 was in Z12 in 2025/26; before 2025/26 the 903 has no such code and the year says so."""
    assert got(council, "deprivation_of_liberty_during", year=2026)[:2] == (1, 1)
    f = council.set_index(["indicator", "year", "category"])
    assert got(council, "deprivation_of_liberty_during")[0] is None
    assert "from 2025/26" in f.loc[("deprivation_of_liberty_during", 2025, "all"), "note"]


def test_a_missing_table_says_so_rather_than_showing_zero(council):
    """SWEpisodes are collected from 2023/24; the 2023/24 and 2025/26 returns hold none, and no
    return but 2024/25's holds OC2."""
    f = council.set_index(["indicator", "year", "category"])["note"]
    assert got(council, "pct_3plus_social_workers", year=2023)[0] is None
    assert f[("pct_3plus_social_workers", 2023, "all")] == "the SWEpisodes table is collected from 2023/24"
    assert f[("pct_3plus_social_workers", 2024, "all")] == "the 2023/24 return holds no SWEpisodes table"
    assert got(council, "pct_health_assessments", year=2026)[0] is None
    assert f[("pct_health_assessments", 2026, "all")] == "the 2025/26 return holds no OC2 table"
    assert f[("pct_health_assessments", 2025, "all")] == ""


def test_the_codes_read_as_deprivation_of_liberty_mean_it_in_the_schema():
    from sufficiency.indicators.settings import DEPRIVED_OF_LIBERTY, OTHER, SUPPORTED
    from sufficiency.ssda903.schema import default_schema

    place = default_schema().codelist("PLACE")
    assert all("deprived of liberty" in place.meaning(c) for c in DEPRIVED_OF_LIBERTY)
    assert set(DEPRIVED_OF_LIBERTY) < set(OTHER) and all(c in place.codes for c in [*OTHER, *SUPPORTED])


def test_the_report_shows_the_section_and_says_why_a_figure_is_missing(store):
    from sufficiency.report import build_report

    report, _ = build_report(store)
    section = next(s for s in report.sections if s.id == "outcomes")
    assert [t.name for t in section.tables] == ["health", "settings", "permanence"] and section.charts
    health = {r[0]: r[1:] for r in section.tables[0].rows}
    assert health["Annual health assessment"][2:] == ["c", ":"]  # 4 of 6: a small count; 2025/26 none
    assert any("2025/26" in t and "holds no OC2 table" in t for t in section.text)
