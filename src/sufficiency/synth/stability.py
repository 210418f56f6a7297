"""Placement stability of a simulated council, and the move hazards that give the council's own.

`pilot_stability` reads a pilot cohort's event rows (careers.simulate) as the DfE counts
stability (carers, not episodes: a status-only change, a legal change or adoption by the same
carer keeps the carer): on census days one year apart at a random phase for each child, so
that each child is sampled in proportion to its time in care as a council's stock on 31 March
is, it measures the share of children in care with 3 or more carers in the year before, and
of children under 16 in care for 2.5 years or more, the share with the same carer for 2 years.

`solve_move_factors` scales the move hazards of the first year in care (`early`) and of later
years (`late`, hazards.time_in_care.move) until the pilot's two shares are the targets'.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from . import careers
from . import hazards as hz
from .episodes import placements_of
from .vocabulary import TIC_BANDS

YEAR = 365.25
LONG_TERM_IN_CARE = 913  # 2.5 years in days (30 months)
SAME_CARER = 730  # 2 years
ROUNDS = 5


def pilot_stability(rows: pd.DataFrame, ends: pd.DataFrame, ent: hz.Entrants, rng) -> tuple[float, float]:
    """(% with 3+ carers in the year, % long-term stability) of a cohort followed to the end of care."""
    pl = placements_of(rows, ends, ent)
    first = rows.drop_duplicates("pid", keep="first")
    period_start = pd.Series(np.where(first["event"].astype(str).to_numpy() == "start",
                                      first["day"].to_numpy(), np.nan)).ffill().to_numpy()
    # a placement with no exit after its start began after the child's last exit: it never
    # happened (build_episodes drops the same rows)
    real = pl["end"].to_numpy() < hz.NEVER
    pl, period_start = pl[real], period_start[real]
    spell = np.cumsum(~pl["same_carer"].to_numpy(bool))
    sp = pd.DataFrame({"child": pl["child"].to_numpy(), "spell": spell, "start": pl["start"].to_numpy(),
                       "end": pl["end"].to_numpy(), "period": period_start}).groupby("spell").agg(
        child=("child", "first"), start=("start", "min"), end=("end", "max"), period=("period", "first"))
    child, start = sp["child"].to_numpy(np.int64), sp["start"].to_numpy(np.int64)
    end = sp["end"].to_numpy(np.int64)
    phase = rng.uniform(0, YEAR, len(ent.entry))[child]
    j0 = np.ceil((start - phase) / YEAR).astype(np.int64)
    j1 = np.ceil((end - phase) / YEAR).astype(np.int64)
    n = np.maximum(j1 - j0, 0)
    i = np.repeat(np.arange(len(sp)), n)
    census = phase[i] + YEAR * (np.repeat(j0, n) + _ramp(n))
    key = child * 2.0**32 + end
    k0 = np.searchsorted(key, child[i] * 2.0**32 + census - YEAR, side="left")
    carers = i - k0 + 1
    three = 100 * float(np.mean(carers >= 3)) if len(i) else 0.0
    age = (census - ent.dob[child[i]]) / YEAR
    eligible = (age < 16) & (census - sp["period"].to_numpy()[i] >= LONG_TERM_IN_CARE)
    stable = start[i] <= census - SAME_CARER
    lts = 100 * float(np.mean(stable[eligible])) if eligible.any() else 0.0
    return three, lts


def _ramp(n: np.ndarray) -> np.ndarray:
    """0, 1, ..., n_k - 1 for each k, concatenated."""
    total = int(n.sum())
    offsets = np.repeat(np.cumsum(n) - n, n)
    return np.arange(total) - offsets


def with_move_factors(p: dict, early: float, late: float) -> dict:
    """A copy of the parameters with the move hazards in the first year in care times `early`
    and after it times `late`."""
    q = copy.deepcopy(p)
    move = q["hazards"]["time_in_care"]["move"]
    for t in TIC_BANDS:
        move[t] *= early if t in TIC_BANDS[:2] else late
    return q


def solve_move_factors(p: dict, exit_factor: float, three: float, lts: float, entrants: int,
                       seed: int) -> tuple[float, float]:
    """(early, late) move factors at which a pilot of `entrants` children has `three` % with 3+
    carers in the year and `lts` % long-term stability. Multiplicative fixed-point steps, the
    same pilot children and chances each round: long-term stability falls as exp(-late x
    hazard), and the 3+ share grows about as the square root of the hazards' sum of squares."""
    early, late = 1.0, 1.0
    target_lts = np.clip(lts, 1.0, 99.0) / 100
    for _ in range(ROUNDS):
        q = with_move_factors(p, early, late)
        rng = np.random.default_rng([seed, 11])
        ent, _ = hz.draw_entrants(q, {2000: entrants}, rng)
        rows, ends = careers.simulate(q, hz.rates(q, exit_factor, change=False), ent, hz.NEVER // 2, rng)
        got_three, got_lts = pilot_stability(rows, ends, ent, rng)
        got_lts = np.clip(got_lts, 1.0, 99.0) / 100
        late = float(np.clip(late * np.log(target_lts) / np.log(got_lts), 0.1, 10.0))
        early = float(np.clip(early * (three / max(got_three, 0.1)) ** 0.7, 0.1, 10.0))
    return early, late
