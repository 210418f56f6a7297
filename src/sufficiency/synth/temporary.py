"""Temporary moves (PLACE T0-T4): a few days away from a foster, kinship or residential
placement (hospital, a holiday, the carer's holiday, a few nights elsewhere), then back to it.

The episode is split in three, as a council records it: the placement up to the move (REC X1),
the temporary placement (RNE P, no provider, postcode or URN: DfE rules allow none for T0-T4),
and the same placement again (RNE P, the same PLACE, provider, postcode and URN). The DfE's
stability measures count neither the temporary placement nor the return as a new carer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FROM = ("foster", "kinship", "residential")
MARGIN = 7  # days kept in the placement before and after a temporary move


def temporary_moves(p: dict, ep: pd.DataFrame, horizon: int, rng) -> pd.DataFrame:
    """`ep` (build_episodes' frame) with temporary moves inserted at `temporary.rate` a year."""
    t = p["temporary"]
    lo, hi = t["days"]
    end = np.where(ep["dec"].to_numpy() < 0, horizon, ep["dec"].to_numpy())
    start = ep["start"].to_numpy()
    room = end - start - 2 * MARGIN - int(hi)
    chance = 1 - np.exp(-t["rate"] * np.maximum(room, 0) / 365.25)
    pick = np.flatnonzero(ep["cat"].isin(FROM).to_numpy() & (room > 0) & (rng.random(len(ep)) < chance))
    if not len(pick):
        return ep
    codes = np.asarray(list(t["codes"]), dtype=object)
    code = codes[rng.choice(len(codes), len(pick), p=np.array(list(t["codes"].values())))]
    days = rng.integers(int(lo), int(hi) + 1, len(pick))
    days = np.where(code == "T4", np.minimum(days, 7), days)
    away = start[pick] + MARGIN + (rng.random(len(pick)) * room[pick]).astype(np.int64)
    back = away + days
    before = ep.iloc[pick].copy()
    before["dec"], before["rec"], before["reason_place_change"] = away, "X1", "OTHER"
    temp = ep.iloc[pick].copy()
    temp["start"], temp["dec"], temp["rec"], temp["rne"] = away, back, "X1", "P"
    temp["place"], temp["provider"], temp["pl_post"], temp["urn"] = code, None, None, None
    temp["reason_place_change"], temp["cat"] = "OTHER", "other"
    after = ep.iloc[pick].copy()
    after["start"], after["rne"] = back, "P"
    out = pd.concat([ep.drop(ep.index[pick]), before, temp, after], ignore_index=True)
    return out.sort_values(["child", "start"], kind="stable", ignore_index=True)
