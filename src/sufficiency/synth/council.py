"""Synthesise a council's SSDA903 returns: calibrate, simulate, place, write one folder a year."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..reference.authorities import Authority, find_authority
from . import careers
from . import hazards as hz
from .episodes import build_episodes, placements_of, short_breaks
from .params import load_params
from .stability import solve_move_factors, with_move_factors
from .targets import location_aim, mean_target
from .temporary import temporary_moves

Progress = Callable[[str, int, int], None]
PUBLISHED = range(2021, 2026)  # years with published council facts (reference/data)
PILOT_CHILDREN = 6000


@dataclass
class SynthResult:
    out: Path
    files: list[Path] = field(default_factory=list)
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)  # year, children, episodes, looked_after_31_march
    seed: int = 0
    exit_factor: float = 1.0  # the council multiplier on exit hazards (see hazards.true_rates)
    params: dict = field(default_factory=dict, repr=False)


def published_starts(la: Authority) -> dict[int, float]:
    """The council's published starts by collection year (years suppressed or not published left out)."""
    return {y: la.fact("starts", y) for y in PUBLISHED if la.fact("starts", y)}


def _england_starts_per_child(year: int) -> float:
    """England's starts over its children looked after on 31 March in `year` (reference data)."""
    from ..reference.benchmarks import england

    eng = england().set_index(["indicator", "year"])["value"]
    return float(eng[("started", year)] / eng[("cla_31_march", year)])


def targets(la: Authority, children: int | None, p: dict, years: range) -> tuple[dict[int, float], float]:
    """(expected starts by collection year, target mean stay in days).

    Starts follow the council's published starts where known (scaled if `children` is set);
    the mean stay is the council's published children looked after / starts (Little's law).
    """
    cla = {y: la.fact("cla", y) for y in PUBLISHED if la.fact("cla", y)}
    starts = published_starts(la)
    if not cla or not starts:  # a council with suppressed figures: England's ratio, 1,000 children
        cla, starts = {2025: 1000}, {2025: 1000 * _england_starts_per_child(2025)}
    ratio = float(np.mean(list(cla.values())) / np.mean(list(starts.values())))
    scale = 1.0
    if children is not None:
        if children <= 0:
            raise InputError(f"The number of children must be positive, not {children}.")
        scale = children / cla.get(2025, np.mean(list(cla.values())))
    base = float(np.mean(list(starts.values())))
    e = p["entries"]
    expected = {}
    for y in years:
        if e["follow_published_starts"] and y in starts:
            expected[y] = starts[y] * scale
        else:
            # before the published years: their mean (or the first of them); after them: the last
            anchor = max(starts) if y > max(starts) else 2025
            level = starts[anchor] if y > max(starts) and e["follow_published_starts"] else base
            if y < min(starts) and e["follow_published_starts"] and e["hold_first_published"]:
                anchor = min(starts)
                level = starts[anchor]
            expected[y] = level * scale * (1 + e["trend"]) ** (y - anchor)
    return expected, ratio * 365.25


def solve_exit_factor(p: dict, mean_stay_days: float, seed: int) -> tuple[float, float]:
    """(exit multiplier giving the target mean length of a period of care, periods per child).

    Bisection on a pilot cohort followed to the end of care. The same pilot children and seed
    are used for every trial factor, so the answer is reproducible for a seed; it is as exact as
    a cohort of PILOT_CHILDREN allows (a few per cent). A child who returns to care starts a
    second period, so `periods per child` turns published starts into new entrants."""
    lo, hi = np.log(0.05), np.log(20.0)
    periods = 1.0
    for _ in range(14):
        mid = (lo + hi) / 2
        rng = np.random.default_rng([seed, 7])
        ent, _ = hz.draw_entrants(p, {2000: PILOT_CHILDREN}, rng)
        rows, ends = careers.simulate(p, hz.rates(p, float(np.exp(mid)), change=False), ent, hz.NEVER // 2, rng)
        starts = rows.loc[(rows["event"].astype(str) == "start").to_numpy(), "day"].to_numpy()
        stay = (ends["day"].to_numpy().sum() - starts.sum()) / len(starts)
        periods = len(starts) / len(ent.entry)
        lo, hi = (mid, hi) if stay > mean_stay_days else (lo, mid)
    return float(np.exp((lo + hi) / 2)), float(periods)


def target_area(la: Authority, p: dict) -> str:
    """Whose published figures calibrate the council: its own (DfE number), or England's."""
    return la.old_code if p["calibration"]["council"] else "england"


def calibrate_stability(p: dict, area: str, years: range, stay: float, seed: int) -> tuple[dict, float, float]:
    """(parameters with the move hazards giving the published 3+ placements and long-term
    stability over `years`, exit factor, periods per child): the exit factor is solved first,
    then the move factors at it, then the exit factor again (moves shift the placement mix)."""
    factor, _ = solve_exit_factor(p, stay, seed)
    three = mean_target(area, "pct_3plus_placements", years)
    lts = mean_target(area, "pct_long_term_stability", years)
    if three is not None and lts is not None:
        early, late = solve_move_factors(p, factor, three.value, lts.value, PILOT_CHILDREN, seed)
        p = with_move_factors(p, early, late)
    factor, periods = solve_exit_factor(p, stay, seed)
    return p, factor, periods


def synthesise(la: str, first_year: int, last_year: int, seed: int, out: Path,
               params_path: Path | None = None, children: int | None = None,
               progress: Progress | None = None) -> SynthResult:
    """Write synthetic returns for council `la`, collection years first_year..last_year.

    `out/<year>/<table>.csv` for every 903 table; the same seed gives identical files."""
    if last_year < first_year:
        raise InputError(f"The last year {last_year} is before the first {first_year}.")
    authority = find_authority(la)
    p = load_params(params_path)
    total = 6

    def step(name: str, done: int) -> None:
        if progress:
            progress(name, done, total)

    step("calibrating", 0)
    years = range(first_year - p["simulation"]["warm_up_years"], last_year + 1)
    expected, stay = targets(authority, children, p, years)
    area = target_area(authority, p)
    p, factor, periods = calibrate_stability(p, area, range(first_year, last_year + 1), stay, seed)
    expected = {y: v / periods for y, v in expected.items()}  # published starts include returns
    rng = np.random.default_rng(seed)
    step("simulating children", 1)
    horizon = hz.day_of(f"{last_year}-03-31")
    # the published years' new entrants exactly, if asked (their returns are drawn either way)
    exact = list(published_starts(authority)) \
        if p["entries"]["published_exactly"] and p["entries"]["follow_published_starts"] else []
    ent, male = hz.draw_entrants(p, expected, rng, exact)
    rows, ends = careers.simulate(p, hz.rates(p, factor), ent, horizon, rng)
    step("placing children", 2)
    ch = children_frame(p, ent, male, rng)
    from .places import Locator, place_placements  # the other helper's module

    cla = float(np.mean([expected[y] for y in years if y >= first_year])) * stay / 365.25
    loc = Locator(authority.code, p, cla, rng)
    ch["home"] = loc.homes(len(ch), rng)
    pl = placements_of(rows, ends, ent)
    aim = location_aim(area, range(first_year, last_year + 1))
    placed = place_placements(p, pl, ch["home"].to_numpy(), ent.dob, loc, rng, aim)
    ch["home_post"] = loc.home_post(ch["home"].to_numpy())
    step("building episodes", 3)
    ep = build_episodes(p, rows, ends, pl, placed, ch, rng)
    ep = temporary_moves(p, ep, horizon, rng)
    ep, ch = short_breaks(p, ep, ch, expected, horizon, loc, rng)
    step("writing returns", 4)
    from .write import write_returns

    files, summary = write_returns(p, ch, ep, first_year, last_year, Path(out), rng,
                                   la_code=authority.old_code, area=area)
    step("done", total)
    return SynthResult(Path(out), files, summary, seed=seed, exit_factor=factor, params=p)


def children_frame(p: dict, ent: hz.Entrants, male: np.ndarray, rng) -> pd.DataFrame:
    """One row per child: dob, sex, UASC, category of need, ethnicity, UPN, motherhood."""
    n = len(ent.entry)
    e, h = p["entries"], p["header"]
    cin = _pick(rng, n, e["category_of_need"])
    cin[ent.uasc] = "N8"
    ethnic = np.where(ent.uasc, _pick(rng, n, h["ethnicity_uasc"]), _pick(rng, n, h["ethnicity"]))
    digits = np.char.zfill(rng.integers(0, 10**12, n).astype(str), 12)
    upn = np.where(ent.uasc, "UN2", np.char.add("A", digits))
    # girls aged 14-17 in care become mothers at `mother_rate` a year (first child's birth day)
    b14 = hz.birthday(ent.dob, 14)
    start = np.maximum(ent.entry, b14)
    wait = rng.exponential(365.25 / max(h["mother_rate"], 1e-9), n).astype(np.int64)
    mother_day = np.where(~male, start + wait, hz.NEVER)
    return pd.DataFrame({"child": np.arange(n), "dob": ent.dob, "entry": ent.entry, "male": male,
                         "uasc": ent.uasc, "cin": cin, "ethnic": ethnic, "upn": upn,
                         "mother_day": mother_day, "short_breaks": False})


def _pick(rng, n: int, shares: dict) -> np.ndarray:
    keys = np.array(list(shares), dtype=object)
    return keys[rng.choice(len(keys), n, p=np.array(list(shares.values())))]
