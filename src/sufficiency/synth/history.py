"""Turn simulated placements into 903 episodes: legal status changes, codes, providers,
postcodes of home and placement at realistic distances, Ofsted URNs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .model import DAY0, _choice

METRES_PER_MILE = 1609.3
PLACE_CHANGE_REASONS = {"CARPL": 0.42, "CREQB": 0.12, "CREQO": 0.08, "CLOSE": 0.05, "ALLEG": 0.02,
                        "STAND": 0.02, "APPRR": 0.01, "CHILD": 0.08, "LAREQ": 0.08, "OTHER": 0.12}


def legal_changes(p: dict, ch: pd.DataFrame, pl: pd.DataFrame, rng) -> pd.DataFrame:
    """Dates of legal status changes during care: interim -> full care order; placement order."""
    first = pl.groupby("child").agg(entry=("start", "first"), ls0=("ls0", "first"), adopt_day=("adopt_day", "first"))
    last_end = pl.groupby("child")["end"].agg(lambda e: np.inf if (e < 0).any() else e.max())
    parts = []
    c1 = first[first["ls0"].isin(["C1", "L2", "L1"])]
    day = c1["entry"] + np.maximum(rng.normal(p["interim_to_full_days"], 60, len(c1)), 20).astype(int)
    short_order = c1["ls0"].isin(["L2", "L1"])
    # police protection lasts at most 72 hours; an emergency protection order at most 8 days
    day = np.where(c1["ls0"] == "L1", c1["entry"] + rng.integers(1, 3, len(c1)),
                   np.where(c1["ls0"] == "L2", c1["entry"] + rng.integers(3, 8, len(c1)), day))
    parts.append(pd.DataFrame({"child": c1.index, "day": day, "ls": np.where(short_order, "C1", "C2")}))
    l2 = c1[short_order]
    parts.append(pd.DataFrame({"child": l2.index, "day": l2["entry"] + np.maximum(rng.normal(p["interim_to_full_days"], 60, len(l2)), 40).astype(int), "ls": "C2"}))
    ad = first[first["adopt_day"] < np.iinfo(np.int32).max]
    parts.append(pd.DataFrame({"child": ad.index, "day": ad["adopt_day"] - rng.integers(20, 90, len(ad)), "ls": "E1"}))
    ch_ = pd.concat(parts, ignore_index=True)
    ch_ = ch_[(ch_["day"] > ch_["child"].map(first["entry"])) & (ch_["day"] < ch_["child"].map(last_end))]
    return ch_.sort_values(["child", "day"]).drop_duplicates(["child", "day"], keep="last")


def episodes_from(p: dict, ch: pd.DataFrame, pl: pd.DataFrame, changes: pd.DataFrame, rng) -> pd.DataFrame:
    """Split placements at legal changes; RNE, LS, REC, reason for placement change."""
    pl = pl.reset_index(drop=True)
    pl["pid"] = np.arange(len(pl))
    end_or_inf = np.where(pl["end"] < 0, np.iinfo(np.int64).max, pl["end"])
    # which placement each change falls in
    pos = np.searchsorted(pl["start"].to_numpy() + pl["child"].to_numpy() * 10**6,
                          changes["day"].to_numpy() + changes["child"].to_numpy() * 10**6, side="right") - 1
    inside = (pos >= 0) & (pl["child"].to_numpy()[np.maximum(pos, 0)] == changes["child"].to_numpy())
    inside &= changes["day"].to_numpy() < end_or_inf[np.maximum(pos, 0)]
    splits = pd.DataFrame({"pid": pos[inside], "start": changes["day"].to_numpy()[inside], "legal": True})
    starts = pd.DataFrame({"pid": pl["pid"], "start": pl["start"], "legal": False})
    ep = pd.concat([starts, splits], ignore_index=True).sort_values(["pid", "start", "legal"])
    ep = ep.drop_duplicates(["pid", "start"], keep="first").reset_index(drop=True)
    ep = ep.merge(pl[["pid", "child", "number", "cat", "exit", "end"]], on="pid", how="left")
    nxt_same_pl = ep["pid"].eq(ep["pid"].shift(-1))
    ep["dec"] = np.where(nxt_same_pl, ep["start"].shift(-1).fillna(-1).astype(int), ep["end"])
    last_of_pl = ~nxt_same_pl
    ep["rec"] = np.where(last_of_pl & ep["exit"].notna(), ep["exit"], np.where(ep["dec"] >= 0, "X1", None))
    # legal status in force at each episode's start
    entry_ls = pl.groupby("child")["ls0"].first()
    timeline = pd.concat([pd.DataFrame({"child": entry_ls.index, "day": -10**9, "ls": entry_ls.to_numpy()}),
                          changes], ignore_index=True).sort_values("day")
    ep = pd.merge_asof(ep.sort_values("start"), timeline.rename(columns={"day": "start"}), on="start",
                       by="child", direction="backward").sort_values(["child", "start"], ignore_index=True)
    first_of_child = ~ep["child"].eq(ep["child"].shift())
    new_placement = ~ep["legal"]
    same_carer = rng.random(len(ep)) < 0.08
    ep["rne"] = np.where(first_of_child, "S", np.where(new_placement, np.where(same_carer, "T", "P"), "L"))
    nxt_is_move = ep["child"].eq(ep["child"].shift(-1)) & ~ep["legal"].shift(-1, fill_value=True)
    reason = _choice(rng, len(ep), PLACE_CHANGE_REASONS)
    to_adopt = ep["cat"].shift(-1).eq("adoption") & nxt_is_move
    reason = np.where(to_adopt, "CARPL", reason)
    ep["reason_place_change"] = np.where(nxt_is_move & (ep["rec"] == "X1"), reason, None)
    ep["cin"] = ch["cin"].to_numpy()[ep["child"].to_numpy()]
    return ep.drop(columns=["legal", "end", "exit"])


def place_codes(ep: pd.DataFrame, rng) -> np.ndarray:
    """PLACE code from category, placement length and date (K3 from April 2024)."""
    n = len(ep)
    u = rng.random(n)
    k3_era = ep["start"].to_numpy() >= int((np.datetime64("2024-04-01") - DAY0).astype(int))
    codes = {
        "foster": np.where(u < 0.22, "U4", np.where(u < 0.24, "U5", "U6")),
        "kinship": np.where(u < 0.3, "U1", np.where(u < 0.33, "U2", "U3")),
        "home": np.full(n, "K2"), "secure": np.full(n, "K1"),
        "semi": np.where(k3_era, "K3", "H5"), "parents": np.full(n, "P1"),
        "mother_baby": np.full(n, "R3"), "adoption": np.where(u < 0.25, "A5", "A6"),
    }
    out = np.empty(n, dtype=object)
    for cat, vals in codes.items():
        m = (ep["cat"] == cat).to_numpy()
        out[m] = vals[m]
    return out


class Locator:
    """Picks real postcodes: homes in the council; placements near home or further away."""

    def __init__(self, council_pcs: pd.DataFrame, england_pcs: pd.DataFrame):
        self.council = council_pcs.reset_index(drop=True)
        self.england = england_pcs.reset_index(drop=True)
        self.council_tree = cKDTree(self.council[["easting", "northing"]].to_numpy())
        self.england_tree = cKDTree(self.england[["easting", "northing"]].to_numpy())

    def homes(self, n: int, rng) -> np.ndarray:
        return rng.integers(0, len(self.council), n)

    def placements(self, home_idx: np.ndarray, outside: np.ndarray, p: dict, rng) -> tuple[np.ndarray, np.ndarray]:
        """(postcode, inside flag) for each placement."""
        n = len(home_idx)
        xy = self.council[["easting", "northing"]].to_numpy()[home_idx]
        miles = np.where(outside, rng.lognormal(np.log(p["outside_miles_median"]), p["outside_miles_sigma"], n),
                         rng.lognormal(np.log(p["inside_miles_median"]), 0.7, n))
        theta = rng.uniform(0, 2 * np.pi, n)
        target = xy + (miles * METRES_PER_MILE)[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])
        pc = np.empty(n, dtype=object)
        if (~outside).any():
            _, i = self.council_tree.query(target[~outside])
            pc[~outside] = self.council["pc"].to_numpy()[i]
        if outside.any():
            _, i = self.england_tree.query(target[outside])
            pc[outside] = self.england["pc"].to_numpy()[i]
        return pc, ~outside


def spaced(pc: np.ndarray) -> np.ndarray:
    """'LS14AP' -> 'LS1 4AP'."""
    s = pd.Series(pc, dtype="string")
    return (s.str[:-3] + " " + s.str[-3:]).to_numpy(object)
