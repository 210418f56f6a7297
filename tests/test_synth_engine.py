"""The synthetic council's engine (synth/hazards.py): hazards in, the same hazards out."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sufficiency.synth import careers, load_params, true_rates
from sufficiency.synth import hazards as hz
from sufficiency.synth.params import AGE_BANDS, CATEGORIES, TIC_BANDS


@pytest.fixture(scope="module")
def params() -> dict:
    return load_params()


def only_exits(p: dict, per_year: float) -> dict:
    """Parameters where the only event is leaving care, at `per_year` in every cell."""
    q = copy.deepcopy(p)
    hzp = q["hazards"]
    for name in ("move", "status"):
        hzp[name] = {c: {b: 0.0 for b in AGE_BANDS} for c in CATEGORIES}
    hzp["exit"] = {c: {b: per_year for b in AGE_BANDS} for c in CATEGORIES}
    hzp["adopt"] = {b: {t: 0.0 for t in TIC_BANDS} for b in AGE_BANDS}
    hzp["time_in_care"] = {"move": {t: 1.0 for t in TIC_BANDS}, "exit": {t: 1.0 for t in TIC_BANDS}}
    q["legal"]["rates"] = {k: {b: 0.0 for b in AGE_BANDS} for k in q["legal"]["rates"]}
    q["entries"]["uasc_share"] = 0.0
    q["entries"]["age_shares"] = {"0": 1.0}
    q["entries"]["reentry"]["share"] = 0.0
    return q


def test_true_rates_are_the_parameters_per_day_times_the_council_factor(params):
    rates = true_rates(params, factor=0.5).set_index(["event", "category", "age_band", "tic_band"])["per_day"]
    hzp = params["hazards"]
    expected = hzp["exit"]["foster"]["1-4"] / 365.25 * 0.5 * hzp["time_in_care"]["exit"]["1-2y"]
    assert rates[("exit", "foster", "1-4", "1-2y")] == pytest.approx(expected)
    expected = hzp["move"]["residential"]["10-15"] / 365.25 * hzp["time_in_care"]["move"]["0-3m"]
    assert rates[("move", "residential", "10-15", "0-3m")] == pytest.approx(expected)
    assert rates[("status", "foster", "5-9", "0-3m")] == 0.0  # no long-term decision in the first 3 months
    assert rates[("adopt", "residential", "0", "1-2y")] == 0.0  # adoption only from foster or kinship care
    assert len(rates) == 4 * len(CATEGORIES) * len(AGE_BANDS) * len(TIC_BANDS)


def test_a_constant_exit_hazard_gives_exponential_stays(params):
    p = only_exits(params, per_year=2.0)  # mean stay 365.25 / 2 days
    rng = np.random.default_rng(11)
    ent, _ = hz.draw_entrants(p, {2020: 20_000}, rng)
    rows, ends = careers.simulate(p, hz.rates(p), ent, hz.NEVER // 2, rng)
    stay = ends["day"].to_numpy() - ent.entry[ends["child"].to_numpy()]
    assert len(ends) == len(ent.entry)  # everyone leaves, nobody is lost
    assert stay.mean() == pytest.approx(365.25 / 2, rel=0.03)
    # memoryless: the share still in care after one mean stay is exp(-1)
    assert (stay > 365.25 / 2).mean() == pytest.approx(np.exp(-1), abs=0.015)
    # no other event can happen, except the end of an emergency order (L1, L2) on its fixed day
    legal = rows[rows["event"].astype(str) == "legal"]
    assert set(rows["event"].astype(str)) <= {"start", "legal"}
    assert np.isin(ent.ls[legal["child"].to_numpy()], [hz.LS["L1"], hz.LS["L2"]]).all()


def test_nobody_stays_past_18_and_episodes_start_in_order(params):
    rng = np.random.default_rng(5)
    ent, _ = hz.draw_entrants(params, {y: 2_000 for y in range(2010, 2021)}, rng)
    horizon = hz.day_of("2021-03-31")
    rows, ends = careers.simulate(params, hz.rates(params), ent, horizon, rng)
    b18 = hz.birthday(ent.dob, 18)
    assert (ends["day"].to_numpy() <= b18[ends["child"].to_numpy()]).all()
    open_kids = np.setdiff1d(np.arange(len(ent.entry)), ends["child"].to_numpy())
    assert (b18[open_kids] > horizon).all()  # still in care at the horizon only if under 18
    day, child = rows["day"].to_numpy(), rows["child"].to_numpy()
    same = child[1:] == child[:-1]
    assert (day[1:][same] > day[:-1][same]).all()  # one episode start per child per day, in order
    # an exit never falls on an episode start, and every exit closes a period that started
    starts = set(zip(child.tolist(), day.tolist(), strict=True))
    assert not starts & set(zip(ends["child"].tolist(), ends["day"].tolist(), strict=True))
    periods = rows[rows["event"].astype(str) == "start"].groupby("child").size()
    exits = ends.groupby("child").size()
    assert (exits.to_numpy() <= periods.reindex(exits.index).to_numpy()).all()
    assert (periods > 1).any()  # some children come back into care (a new period, RNE S)


def test_the_exit_factor_reaches_the_councils_mean_stay(params):
    from sufficiency.synth.council import PILOT_CHILDREN, solve_exit_factor

    target = 3.0 * 365.25
    factor, periods = solve_exit_factor(params, target, seed=2)
    assert 1.0 <= periods < 1.5  # some children come back into care
    rng = np.random.default_rng([2, 7])
    ent, _ = hz.draw_entrants(params, {2000: PILOT_CHILDREN}, rng)
    rows, ends = careers.simulate(params, hz.rates(params, factor), ent, hz.NEVER // 2, rng)
    starts = rows.loc[(rows["event"].astype(str) == "start").to_numpy(), "day"].to_numpy()
    stay = (ends["day"].to_numpy().sum() - starts.sum()) / len(starts)  # mean length of a period
    assert stay == pytest.approx(target, rel=0.05)  # the pilot cohort is noisy, not exact
    assert solve_exit_factor(params, 2.0 * 365.25, seed=2)[0] > factor  # shorter stays: faster exits


def test_age_at_handles_leap_day_birthdays():
    dob = np.array([hz.day_of("2016-02-29"), hz.day_of("2016-03-01")])
    assert hz.age_at(dob, np.array([hz.day_of("2025-02-28")] * 2)).tolist() == [8, 8]
    assert hz.age_at(dob, np.array([hz.day_of("2025-03-01")] * 2)).tolist() == [9, 9]
    assert hz.birthday(dob[1:], 18)[0] == hz.day_of("2034-03-01")



def _early_exit_rate(p: dict, seed: int = 3) -> dict[int, float]:
    """Exits before 18 per child-year in the first 90 days of care, for children entering from
    April to December of each collection year (so those 90 days fall within it)."""
    rng = np.random.default_rng(seed)
    ent, _ = hz.draw_entrants(p, {y: 10_000 for y in range(2016, 2026)}, rng)
    rows, ends = careers.simulate(p, hz.rates(p), ent, hz.day_of("2025-03-31"), rng)
    end = np.full(len(ent.entry), hz.NEVER, np.int64)
    first = ends.drop_duplicates("child")  # the first period's end
    end[first["child"].to_numpy()] = first["day"].to_numpy()
    at18 = end == hz.birthday(ent.dob, 18)
    stay = np.minimum(end - ent.entry, 90)
    out = {}
    for y in range(2017, 2026):
        new = (ent.entry >= hz.day_of(f"{y - 1}-04-01")) & (ent.entry < hz.day_of(f"{y - 1}-12-31"))
        left = new & (end - ent.entry < 90) & ~at18
        out[y] = left.sum() / (stay[new].sum() / 365.25)
    return out


def test_exit_hazards_change_by_year_when_asked_and_hold_by_default():
    """hazards.exit_change 0.25 from 2022: every exit hazard before 18 is 1.25 times the year
    before's, so children entering in 2023/24 leave in their first 90 days about 1.25^3 = 1.95
    times as fast as those entering in 2020/21; by default, and before 2022, as fast."""
    p = load_params()
    steady = _early_exit_rate(p)
    before = np.mean([steady[y] for y in range(2018, 2022)])
    assert steady[2024] / before == pytest.approx(1.0, abs=0.08)
    p["hazards"]["exit_change"], p["hazards"]["exit_change_from"] = 0.25, 2022
    moved = _early_exit_rate(p)
    assert np.mean([moved[y] for y in range(2018, 2022)]) == pytest.approx(before, rel=0.05)
    assert moved[2024] / before == pytest.approx(1.25 ** 3, rel=0.08)
    assert moved[2025] / before == pytest.approx(1.25 ** 4, rel=0.08)


def test_uasc_share_of_entrants_follows_its_yearly_factors_and_holds_by_default(params):
    """entries.uasc_by_year {2022: 0.5, 2024: 1.5}: UASC are half the usual share of entrants in
    2022 and 2023 (and the years before: the first factor holds back in time) and half as many
    again from 2024; by default the share is the same every year, and every other draw as before."""
    years = {y: 20_000 for y in range(2020, 2026)}
    share = params["entries"]["uasc_share"]

    def by_year(p):
        ent, _ = hz.draw_entrants(p, years, np.random.default_rng(8))
        year = np.searchsorted([hz.day_of(f"{y}-04-01") for y in years], ent.entry, side="right") + 2020
        return ent, {y: ent.uasc[year == y].mean() for y in years}

    steady_ent, steady = by_year(params)
    assert all(v == pytest.approx(share, abs=0.01) for v in steady.values())
    p = copy.deepcopy(params)
    p["entries"]["uasc_by_year"] = {"2022": 0.5, "2024": 1.5}
    moved_ent, moved = by_year(p)
    for y, f in ((2020, 0.5), (2021, 0.5), (2022, 0.5), (2023, 0.5), (2024, 1.5), (2025, 1.5)):
        assert moved[y] == pytest.approx(share * f, abs=0.01), y
    assert np.array_equal(steady_ent.entry, moved_ent.entry)  # the same entrants, other flags
    assert moved_ent.uasc.sum() != steady_ent.uasc.sum()
