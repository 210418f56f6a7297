"""Where children live and are placed: real postcodes, realistic distances, providers, URNs.

Home postcodes are drawn from the council's own postcodes (ONS Postcode Directory, through
`reference.postcodes`). Each placement is inside or outside the council's boundary (a share
by category and provider, `location.inside_share`) at a lognormal distance from home; its
postcode is the council's (or England's, outside it) nearest postcode to a point at that
distance in a random direction. Registered settings (children's homes, secure homes,
supported accommodation, residential schools, family centres) are a fixed set of sites drawn
once per run, so children placed in the same home share its postcode and Ofsted URN.

PLACE codes follow the category, age and date (P2 until 27 October 2023, K3 from 2024/25,
Z11-Z14 from 2025/26); providers follow DfE rules 527-531 and 550 (PR0 only with parents,
in-house residential and supported placements inside the council, rule 1015).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from scipy.special import ndtr

from ..errors import InputError
from ..reference.postcodes import directory
from ..vocab import DAY0
from .params import AGE_BANDS, BAND_START_YEARS, CATEGORIES

METRES_PER_MILE = 1609.3
P2_UNTIL = int((np.datetime64("2023-10-28") - DAY0).astype(int))  # DfE rule 217t
K3_FROM = int((np.datetime64("2024-04-01") - DAY0).astype(int))
Z1_UNTIL = int((np.datetime64("2025-04-01") - DAY0).astype(int))
# settings with a fixed site and its own URN; H5 semi-independent accommodation registered
# with Ofsted from 28 October 2023 and needs a URN after it (DfE rule 230)
REGISTERED = ("K1", "K2", "K3", "H5", "S1", "R3")
NO_PROVIDER = ("Z1", "Z11", "Z12", "Z13", "Z14")  # DfE rules 178, 213
UNREGISTERED = ("P2",)  # URN required (rule 218) but none exists: placeholder
PLACEHOLDER_URN = "XXXXXXX"


def spaced(compact: np.ndarray) -> np.ndarray:
    """'LS14AP' -> 'LS1 4AP'."""
    s = pd.Series(np.asarray(compact).astype(str))
    return (s.str[:-3] + " " + s.str[-3:]).to_numpy(object)


def urn_of(keys: np.ndarray) -> np.ndarray:
    """A stable six-digit Ofsted-style URN ('SC' + digits) for each key string."""
    uniq, inv = np.unique(np.asarray(keys).astype(str), return_inverse=True)
    nums = np.array([100000 + zlib.crc32(k.encode()) % 900000 for k in uniq])
    return np.char.add("SC", nums.astype(str))[inv]


class Locator:
    """The council's postcodes, England's, and the registered sites of one run."""

    def __init__(self, council_code: str, p: dict, cla: float, rng: np.random.Generator):
        a = directory().arrays
        councils = a["councils"]
        hit = np.flatnonzero(councils == council_code)
        if not len(hit):
            raise InputError(f"No postcodes found for council {council_code}.")
        own = a["c"] == hit[0]
        english = np.char.startswith(councils.astype(str), "E")[a["c"]] & ~own
        self.code = council_code
        self.council_pc = a["pc"][own].astype(str)
        self.council_xy = np.column_stack([a["e"][own], a["n"][own]])
        eng = np.flatnonzero(english)
        eng = np.sort(rng.choice(eng, size=min(len(eng), 400_000), replace=False))
        self.england_pc = a["pc"][eng].astype(str)
        self.england_xy = np.column_stack([a["e"][eng], a["n"][eng]])
        self.council = pd.DataFrame(
            {
                "pc": self.council_pc,
                "easting": self.council_xy[:, 0],
                "northing": self.council_xy[:, 1],
            }
        )
        self.council_tree = cKDTree(self.council_xy)
        self.england_tree = cKDTree(self.england_xy)
        sites = p["location"]["registered_sites"]
        n_in = max(5, int(round(sites["inside_per_1000_cla"] * cla / 1000)))
        self.sites = {
            "inside": self._pick(self.council_pc, self.council_xy, n_in, rng),
            "england": self._pick(
                self.england_pc, self.england_xy, int(sites["england_sites"]), rng
            ),
            "secure": self._pick(self.england_pc, self.england_xy, int(sites["secure_sites"]), rng),
        }

    @staticmethod
    def _pick(
        pc: np.ndarray, xy: np.ndarray, n: int, rng
    ) -> tuple[np.ndarray, np.ndarray, cKDTree]:
        i = rng.choice(len(pc), size=min(n, len(pc)), replace=False)
        return pc[i], xy[i], cKDTree(xy[i])

    def homes(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Index into the council's postcodes for `n` children's homes."""
        return rng.integers(0, len(self.council_pc), n)

    def home_post(self, home: np.ndarray) -> np.ndarray:
        """HOME_POST ('LS1 4AP' form) for home indices from `homes()`."""
        return spaced(self.council_pc[np.asarray(home)])

    def near(
        self,
        home: np.ndarray,
        miles: np.ndarray,
        inside: np.ndarray,
        site: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """A compact postcode per placement: the nearest (inside or outside the council; a
        registered site where `site` names a pool) to a point `miles` from home."""
        xy = self.council_xy[home]
        theta = rng.uniform(0, 2 * np.pi, len(home))
        target = xy + (miles * METRES_PER_MILE)[:, None] * np.column_stack(
            [np.cos(theta), np.sin(theta)]
        )
        out = np.empty(len(home), dtype=object)
        plain_in, plain_out = (site == "") & inside, (site == "") & ~inside
        for mask, tree, pcs in (
            (plain_in, self.council_tree, self.council_pc),
            (plain_out, self.england_tree, self.england_pc),
        ):
            if mask.any():
                rows = np.flatnonzero(mask)
                _, i = tree.query(target[rows], workers=-1)
                found = pcs[i]
                clash = np.flatnonzero(found == self.council_pc[home[rows]])  # rule 392d
                if len(clash):
                    _, j = tree.query(target[rows[clash]], k=2)
                    found[clash] = pcs[j[:, 1]]
                out[rows] = found
        for pool in ("inside", "england", "secure"):
            mask = site == pool
            if mask.any():
                pcs, _, tree = self.sites[pool]
                _, i = tree.query(target[mask], workers=-1)
                out[mask] = pcs[i]
        return out


def _choice(rng, n: int, shares: dict) -> np.ndarray:
    keys = list(shares)
    return np.asarray(keys, dtype=object)[
        rng.choice(len(keys), size=n, p=np.array([shares[k] for k in keys]))
    ]


def _age_band(dob: np.ndarray, day: np.ndarray) -> np.ndarray:
    years = ((day - dob) / 365.25).astype(int)  # completed years (to within a day: bands only)
    return np.searchsorted(np.asarray(BAND_START_YEARS[1:]), years, side="right")


def place_codes(
    p: dict,
    cat: np.ndarray,
    start: np.ndarray,
    dob: np.ndarray,
    long_term: np.ndarray,
    same_carer: np.ndarray,
    to_same_carer_adoption: np.ndarray,
    rng,
    end: np.ndarray | None = None,
) -> np.ndarray:
    """PLACE code of each placement. Independent living (P2) only for placements that ended
    by 28 October 2023 (DfE rule 217t), so only when `end` is known."""
    n = len(cat)
    code = np.empty(n, dtype=object)
    band = _age_band(dob, start)
    is_ = {c: cat == c for c in CATEGORIES}
    code[is_["foster"]] = np.where(long_term, "U4", "U6")[is_["foster"]]
    code[is_["kinship"]] = np.where(long_term, "U1", "U3")[is_["kinship"]]
    code[is_["foster"] & to_same_carer_adoption] = "U5"  # fostering for adoption
    code[is_["kinship"] & to_same_carer_adoption] = "U2"
    code[is_["residential"]] = "K2"
    code[is_["secure"]] = "K1"
    p2 = (rng.random(n) < p["codes"]["independent_living_share"]) & (end is not None)
    if end is not None:
        p2 &= end <= P2_UNTIL
    sup = np.where(start >= K3_FROM, "K3", np.where(p2, "P2", "H5"))
    code[is_["supported"]] = sup[is_["supported"]]
    code[is_["parents"]] = "P1"
    code[is_["adoption"]] = np.where(same_carer, "A5", "A6")[is_["adoption"]]
    other = np.flatnonzero(is_["other"])
    table = p["codes"]["other_codes"]
    for bi, b in enumerate(AGE_BANDS):
        m = other[band[other] == bi]
        if len(m):
            code[m] = _choice(rng, len(m), table[b])
    z1 = (code == "Z1") & (start >= Z1_UNTIL)
    code[z1] = np.where(rng.random(int(z1.sum())) < 0.6, "Z11", "Z14")
    return code


def providers(p: dict, cat: np.ndarray, code: np.ndarray, rng) -> np.ndarray:
    """PLACE_PROVIDER of each placement (DfE rules 527-531, 550)."""
    n = len(cat)
    out = np.full(n, "PR4", dtype=object)
    for c, shares in p["codes"]["providers"].items():
        m = cat == c
        if m.any():
            out[m] = _choice(rng, int(m.sum()), shares)
    other = cat == "other"
    by_code = {
        "R2": {"PR3": 1.0},
        "R5": {"PR3": 1.0},
        "R3": {"PR4": 0.6, "PR5": 0.3, "PR1": 0.1},
        "S1": {"PR4": 0.6, "PR5": 0.25, "PR1": 0.15},
        "R1": {"PR4": 0.8, "PR5": 0.2},
    }
    for c, shares in by_code.items():
        m = other & (code == c)
        if m.any():
            out[m] = _choice(rng, int(m.sum()), shares)
    out[np.isin(code, NO_PROVIDER)] = None
    return out


def _groups(cat: str) -> tuple[str, str]:
    """`location.inside_share` keys for a category placed by an agency / in house."""
    if cat in ("residential", "supported"):
        return (f"{cat}_external", f"{cat}_in_house")
    if cat == "foster":
        return ("foster_agency", "foster_in_house")
    return (cat, cat)


def _urns(codes: pd.Series, prov: np.ndarray, pc: np.ndarray, registered: np.ndarray, loc: Locator,
          rng: np.random.Generator) -> np.ndarray:
    """URN of each placement: the fostering or adoption service (the council's own, or one of
    the agencies), or the registered site; a placeholder where the setting is unregistered."""
    n = len(codes)
    agencies = urn_of(np.char.add("agency", (np.arange(60)).astype(str)))
    own_fostering, own_adoption = urn_of(np.array([f"{loc.code}fostering", f"{loc.code}adoption"]))
    urn = np.full(n, None, dtype=object)
    fostering = codes.isin(["U1", "U2", "U3", "U4", "U5", "U6"]).to_numpy()
    urn[fostering] = np.where(
        prov[fostering] == "PR1", own_fostering, agencies[rng.integers(0, 50, int(fostering.sum()))]
    )
    adoption = codes.isin(["A3", "A4", "A5", "A6"]).to_numpy()
    urn[adoption] = np.where(
        prov[adoption] == "PR1", own_adoption, agencies[rng.integers(50, 60, int(adoption.sum()))]
    )
    urn[registered] = urn_of(
        (codes[registered] + pd.Series(pc[registered]).astype(str).to_numpy()).to_numpy()
    )
    urn[codes.isin(UNREGISTERED).to_numpy()] = PLACEHOLDER_URN
    return urn


def _bisect(f, lo: float, hi: float, goal: float, steps: int = 40) -> float:
    """x in [lo, hi] with f(x) = goal, for f increasing."""
    for _ in range(steps):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) < goal else (lo, mid)
    return (lo + hi) / 2


def _aim_location(p_out: np.ndarray, at_home: np.ndarray, med: np.ndarray, sigma: float,
                  aim: tuple[float, float]) -> tuple[np.ndarray, float]:
    """(chance each placement is outside the council, multiplier of the distances outside)
    meeting `aim` in expectation: the odds of being outside scaled by one factor (placements
    outside or inside by rule stay so), then the median distances outside by another.
    Placements with parents at home (inside) are weighed in."""
    free = (p_out > 0) & (p_out < 1)
    odds = p_out[free] / (1 - p_out[free])

    def scaled(log_k: float) -> np.ndarray:
        out = p_out.copy()
        out[free] = odds * np.exp(log_k) / (1 + odds * np.exp(log_k))
        return out

    log_k = _bisect(lambda x: float(np.mean(scaled(x) * (1 - at_home))), -8.0, 8.0, aim[0])
    p = scaled(log_k)
    w = p * (1 - at_home)

    def far(log_m: float) -> float:
        beyond = ndtr((np.log(med) + log_m - np.log(20.0)) / sigma)  # P(lognormal > 20 miles)
        return float(np.sum(w * beyond) / max(w.sum(), 1e-9))

    return p, float(np.exp(_bisect(far, -5.0, 5.0, aim[1])))


def _odds_outside(loc_p: dict, cat: np.ndarray, prov: np.ndarray, aim) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(category index, chance of a placement outside the council, median miles if outside)
    for each placement, scaled to `aim` where given (see place_placements)."""
    ci = pd.Categorical(cat, categories=CATEGORIES).codes
    in_house = prov == "PR1"
    share_in = np.array(
        [[loc_p["inside_share"].get(g, 0.4) for g in _groups(c)] for c in CATEGORIES]
    )
    fostering_kind = np.isin(ci, [CATEGORIES.index(c) for c in ("foster", "kinship", "adoption")])
    p_out = 1 - share_in[ci, in_house.astype(int)]
    p_out[in_house & ~fostering_kind] = 0.0  # rule 1015
    p_out[prov == "PR2"] = 1.0
    med_out = np.array([loc_p["miles_outside"].get(c, 20.0) for c in CATEGORIES])[ci]
    if aim is not None:
        at_home_share = np.where(ci == CATEGORIES.index("parents"), loc_p["with_parents_at_home"], 0.0)
        p_out, stretch = _aim_location(p_out, at_home_share, med_out, loc_p["miles_outside"]["sigma"], aim)
        med_out = med_out * stretch
    return ci, p_out, med_out


def place_placements(
    p: dict,
    placements: pd.DataFrame,
    home_of_child: np.ndarray,
    dob_of_child: np.ndarray,
    loc: Locator,
    rng: np.random.Generator,
    aim: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """PLACE, PLACE_PROVIDER, PL_POST and URN for each placement (one row each, in order).

    `aim` (share of placements outside the council, share of those more than 20 miles from
    home; targets.location_aim) scales the odds of being placed outside and the distances
    outside so that, in expectation over these placements, both are met.

    `placements` has child (index into the child arrays), start (day), cat (name or index
    into CATEGORIES), same_carer and long_term, sorted by child and start; optionally end
    (day the placement ended, a large number if open) to allow P2 before 28 October 2023.
    A placement with
    the same carer as the one before (a status change, or adoption by the foster carer)
    keeps that placement's address, provider and fostering service."""
    pl = placements.reset_index(drop=True)
    n = len(pl)
    cat = pl["cat"].to_numpy()
    if np.issubdtype(cat.dtype, np.integer):
        cat = np.asarray(CATEGORIES, dtype=object)[cat]
    child = pl["child"].to_numpy()
    start = pl["start"].to_numpy(np.int64)
    dob = dob_of_child[child]
    same = pl["same_carer"].to_numpy(bool).copy()
    prev_same_child = np.r_[False, child[1:] == child[:-1]]
    same &= prev_same_child
    nxt_same = np.r_[same[1:], False]
    to_adopt = nxt_same & np.r_[cat[1:] == "adoption", False]
    end = pl["end"].to_numpy(np.int64) if "end" in pl else None
    code = place_codes(p, cat, start, dob, pl["long_term"].to_numpy(bool), same, to_adopt, rng, end)
    prov = providers(p, cat, code, rng)
    # where: inside or outside the council, and how far
    loc_p = p["location"]
    ci, p_out, med_out = _odds_outside(loc_p, cat, prov, aim)
    inside = rng.random(n) >= p_out
    miles = np.where(
        inside,
        rng.lognormal(np.log(loc_p["miles_inside"]["median"]), loc_p["miles_inside"]["sigma"], n),
        rng.lognormal(np.log(med_out), loc_p["miles_outside"]["sigma"], n),
    )
    codes = pd.Series(code)
    registered = codes.isin(REGISTERED).to_numpy()
    site = np.where(
        registered, np.where(inside, "inside", np.where(code == "K1", "secure", "england")), ""
    )
    home = home_of_child[child]
    pc = loc.near(home, miles, inside, site, rng)
    at_home = (ci == CATEGORIES.index("parents")) & (rng.random(n) < loc_p["with_parents_at_home"])
    pc[at_home] = loc.council_pc[home[at_home]]
    inside |= at_home
    urn = _urns(codes, prov, pc, registered, loc, rng)
    # the same carer keeps the address; within a category also the provider and service
    root = np.maximum.accumulate(np.where(same, 0, np.arange(n))) if n else np.arange(0)
    pc, inside = pc[root], inside[root]
    keep = ci == ci[root]
    prov = np.where(keep, prov[root], prov)
    urn = np.where(keep, urn[root], urn)
    return pd.DataFrame(
        {
            "place": code,
            "provider": prov,
            "pl_post": spaced(pc.astype(str)),
            "urn": urn,
            "inside": inside,
        }
    )
