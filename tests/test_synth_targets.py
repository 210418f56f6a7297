"""Calibration targets, the statutory review schedule and temporary moves of synthetic councils."""

import numpy as np
import pandas as pd
import pytest

from sufficiency.synth import load_params
from sufficiency.synth.reviews import add_months, review_history, working_days_after
from sufficiency.synth.targets import leaver_rates, location_aim, mean_target, target
from sufficiency.synth.temporary import temporary_moves
from sufficiency.vocab import DAY0

LEEDS = "383"


def day(text: str) -> int:
    return int((np.datetime64(text) - DAY0).astype(int))


def test_targets_are_the_councils_own_then_its_nearest_year_then_englands():
    own = target(LEEDS, "pct_long_term_stability", 2025)
    assert own.own and own.year == 2025 and own.value == pytest.approx(100 * 414 / 568, rel=1e-4)
    later = target(LEEDS, "pct_long_term_stability", 2030)
    assert later.year == 2025 and later.value == own.value
    # Leeds' 17-18 "no information" is suppressed in 2025: its 2024 figure, not England's
    none = target(LEEDS, "pct_no_information_17_18", 2025)
    assert none.own and none.year == 2024 and none.value == pytest.approx(100 * 30 / 225, rel=1e-4)
    assert target("no such council", "pct_long_term_stability", 2025).area == "england"
    assert target("no such council", "pct_long_term_stability", 2025, england=False) is None
    assert mean_target(LEEDS, "pct_3plus_placements", range(2024, 2026)).value == pytest.approx(
        (100 * 240 / 1546 + 100 * 201 / 1498) / 2, rel=1e-4)


def test_leaver_rates_and_location_aim_give_back_the_published_shares():
    no_info, suitable = leaver_rates(LEEDS, 2025)["19-21"]
    assert no_info == pytest.approx(81 / 599, rel=1e-4) and (1 - no_info) * suitable == pytest.approx(486 / 599, rel=1e-4)
    outside, far = location_aim(LEEDS, range(2025, 2026))
    assert outside * (1 - 163 / 1778) == pytest.approx((220 + 269) / 1778, rel=1e-4)
    assert far == pytest.approx(269 / (220 + 269), rel=1e-4)


def test_calendar_months_and_working_days_as_the_reviews_indicator_counts_them():
    assert add_months(np.array([day("2024-01-31")]), 3)[0] == day("2024-04-30")
    assert add_months(np.array([day("2023-08-31")]), 6)[0] == day("2024-02-29")
    assert working_days_after(np.array([day("2024-03-01")]), 20)[0] == day("2024-03-29")  # a Friday


def test_reviews_on_time_follow_the_statutory_schedule_from_the_review_held():
    p = load_params()
    p["reviews"]["late_share"] = 0.0
    entry = day("2020-01-01") + np.arange(300) * 5
    periods = pd.DataFrame({"child": np.arange(300), "entry": entry, "last_dec": entry + 2000})
    h = review_history(p, periods, day("2026-03-31"), np.random.default_rng(1)).sort_values(["kid", "day"])
    n = h.groupby("kid").cumcount().to_numpy()
    prev = h.groupby("kid")["day"].shift(1).to_numpy()
    kid, held = h["kid"].to_numpy(), h["day"].to_numpy()
    due = np.where(n == 0, working_days_after(entry[kid], 20),
                   np.where(n == 1, add_months(np.nan_to_num(prev).astype(int), 3),
                            add_months(np.nan_to_num(prev).astype(int), 6)))
    assert (held <= due).all() and (held > np.where(n == 0, entry[kid], prev)).all()
    assert (held < entry[kid] + 2000).all() and h.groupby("kid").size().min() >= 10
    p["reviews"]["late_share"] = 1.0
    late = review_history(p, periods, day("2026-03-31"), np.random.default_rng(1))
    first = late.groupby("kid")["day"].min().to_numpy()
    assert (first > working_days_after(entry, 20)).all()


def test_a_temporary_move_returns_to_the_same_placement():
    p = load_params()
    p["temporary"]["rate"] = 5.0
    ep = pd.DataFrame({"child": [0, 1], "start": [0, 0], "dec": [400, -1], "rec": ["E13", None], "rne": ["S", "S"],
                       "ls": ["C2", "C2"], "cin": ["N1", "N1"], "place": ["U6", "K2"], "provider": ["PR1", "PR4"],
                       "pl_post": ["LS1 4AP", "YO1 7HH"], "urn": ["SC111111", "SC222222"],
                       "reason_place_change": [None, None], "cat": ["foster", "residential"], "pid": [0, 1]})
    out = temporary_moves(p, ep, 2000, np.random.default_rng(2))
    for child, g in out.groupby("child"):
        temp = g["place"].str.startswith("T").to_numpy()
        assert temp.sum() == 1 and len(g) == 3
        before, moved, after = g.iloc[0], g.iloc[1], g.iloc[2]
        assert moved["provider"] is None and moved["pl_post"] is None and moved["urn"] is None
        assert before["dec"] == moved["start"] and moved["dec"] == after["start"] and after["rne"] == "P"
        assert (after[["place", "provider", "pl_post", "urn"]] == before[["place", "provider", "pl_post", "urn"]]).all()
        assert after["dec"] == ep.loc[child, "dec"] and before["rec"] == "X1"
        assert moved["place"] != "T4" or moved["dec"] - moved["start"] <= 7
