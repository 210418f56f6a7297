"""Synthesise a council's SSDA903 returns: simulate, then write one folder per collection year."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..errors import InputError, SchemaError
from ..reference.authorities import Authority, find_authority
from ..reference.postcodes import directory
from .history import Locator, episodes_from, legal_changes, place_codes, spaced
from .model import _birthday as _birthday_days
from .model import _choice, _days, simulate_children, simulate_placements

ETHNIC = {"WBRI": 0.66, "WOTH": 0.04, "MWBC": 0.04, "MWAS": 0.02, "MOTH": 0.04, "AIND": 0.01, "APKN": 0.03,
          "ABAN": 0.01, "AOTH": 0.02, "BCRB": 0.02, "BAFR": 0.05, "BOTH": 0.02, "CHNE": 0.005,
          "OOTH": 0.035, "WROM": 0.005, "NOBT": 0.005}
UASC_ETHNIC = {"AOTH": 0.3, "BAFR": 0.35, "OOTH": 0.25, "BOTH": 0.1}
Progress = Callable[[str, int, int], None]


@dataclass
class SynthResult:
    out: Path
    files: list[Path] = field(default_factory=list)
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)


def load_params(path: Path | None = None) -> dict:
    """Defaults, overridden key by key by a user's YAML; unknown keys are refused."""
    with resources.files(__package__).joinpath("defaults.yaml").open(encoding="utf-8") as fh:
        params = yaml.safe_load(fh)
    if path is None:
        return params
    try:
        user = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SchemaError(f"{path}: cannot read parameters: {exc}") from exc
    _merge(params, user, str(path), "")
    return params


def _merge(base: dict, new: dict, file: str, where: str) -> None:
    if not isinstance(new, dict):
        raise SchemaError(f"{file}: {where or 'top level'}: expected a mapping")
    for key, value in new.items():
        here = f"{where}.{key}" if where else str(key)
        if key not in base:
            raise SchemaError(f"{file}: {here}: unknown parameter (known: {', '.join(map(str, base))})")
        if isinstance(base[key], dict):
            _merge(base[key], value, file, here)
        elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise SchemaError(f"{file}: {here}: {value!r} is not a non-negative number")
        else:
            base[key] = value


def _scale(la: Authority, children: int | None, p: dict) -> tuple[float, float]:
    """(starts a year in 2024/25, exit multiplier) so the stock on 31 March matches the council's size."""
    national_ratio = 81770 / 32270  # England 2025: CLA on 31 March / starts in year
    cla = la.fact("cla", 2025) or 1000
    starts = la.fact("starts", 2025) or cla / national_ratio
    ratio = np.clip(cla / starts, 1.8, 4.0)
    if children is not None:
        cla = children
        starts = children / ratio
    mult = p["exit_multiplier"] * (national_ratio / ratio) ** 1.3
    return starts, mult


def synthesise(la: str, first_year: int, last_year: int, seed: int, out: Path,
               params_path: Path | None = None, children: int | None = None,
               progress: Progress | None = None) -> SynthResult:
    """Write synthetic returns for council `la` for collection years first_year..last_year."""
    if last_year < first_year:
        raise InputError(f"The last year {last_year} is before the first {first_year}.")
    authority = find_authority(la)
    p = load_params(params_path)
    rng = np.random.default_rng(seed)
    step = (lambda s, i: progress(s, i, 6)) if progress else (lambda s, i: None)
    step("loading postcodes", 0)
    pcs = directory().in_council(authority.code)
    if pcs.empty:
        raise InputError(f"No postcodes found for {authority.name} ({authority.code}).")
    allpc = directory().all_postcodes()
    england = allpc[allpc["council"].str.startswith("E", na=False) & (allpc["council"] != authority.code)]
    england = england.sample(min(len(england), 400_000), random_state=seed)
    locator = Locator(pcs, england)
    starts, mult = _scale(authority, children, p)
    p["exit_multiplier"] = mult
    step("simulating children", 1)
    horizon = _days(f"{last_year}-03-31")
    factors = {}
    base = authority.fact("starts", 2025)
    if p["follow_published_starts"] and base:
        factors = {y: authority.fact("starts", y) / base for y in range(2021, 2026) if authority.fact("starts", y)}
    ch = simulate_children(p, starts, first_year, last_year, rng, factors)
    pl = simulate_placements(p, ch, horizon, rng)
    step("building episodes", 2)
    pl = _locate(p, ch, pl, locator, rng)
    changes = legal_changes(p, ch, pl, rng)
    ep = episodes_from(p, ch, pl, changes, rng)
    ep = ep.merge(pl[["pid", "place", "provider", "pl_post", "urn"]], on="pid", how="left")
    ch["home_post"] = spaced(locator.council["pc"].to_numpy()[ch["home_idx"].to_numpy()])
    ch["upn"] = np.where(ch["uasc"], "UN2", np.char.add("A", np.char.zfill(rng.integers(0, 10**12, len(ch)).astype(str), 12)))
    girl_mother = ~ch["male"].to_numpy() & (rng.random(len(ch)) < 0.03)
    ch["mother_day"] = np.where(girl_mother, _birthday_days(ch["dob"].to_numpy(), 16) + rng.integers(0, 700, len(ch)),
                                np.iinfo(np.int64).max)
    ch["ethnic"] = np.where(ch["uasc"], _choice(rng, len(ch), UASC_ETHNIC), _choice(rng, len(ch), ETHNIC))
    step("writing returns", 3)
    from .write import write_returns

    files, summary = write_returns(p, ch, ep, pl, changes, first_year, last_year, Path(out), rng)
    step("done", 6)
    return SynthResult(Path(out), files, summary)


def _locate(p: dict, ch: pd.DataFrame, pl: pd.DataFrame, locator: Locator, rng) -> pd.DataFrame:
    """Provider, PLACE code, placement postcode and URN for each placement."""
    pl = pl.reset_index(drop=True)
    pl["pid"] = np.arange(len(pl))
    ch["home_idx"] = locator.homes(len(ch), rng)
    pl["provider"] = None
    for cat, shares in p["providers"].items():
        m = (pl["cat"] == cat).to_numpy()
        pl.loc[m, "provider"] = _choice(rng, int(m.sum()), shares)
    pl["place"] = place_codes(pl, rng)
    key = np.where(pl["cat"].isin(["foster", "home"]),
                   pl["cat"] + np.where(pl["provider"] == "PR1", "_in_house", "_external"), pl["cat"])
    share = pd.Series(key).map(p["outside_share"]).fillna(0.3).to_numpy()
    # a child's later placements tend to be further away (DfE: 3rd+ placements more often distant)
    share = np.minimum(share * (1 + 0.12 * np.minimum(pl["number"].to_numpy() - 1, 4)), 0.95)
    outside = rng.random(len(pl)) < share
    home_idx = ch["home_idx"].to_numpy()[pl["child"].to_numpy()]
    pc, _inside = locator.placements(home_idx, outside, p, rng)
    pl["pl_post"] = spaced(pc)
    pl.loc[pl["cat"] == "parents", "pl_post"] = spaced(locator.council["pc"].to_numpy()[home_idx])[(pl["cat"] == "parents").to_numpy()]
    pl["urn"] = _urns(pl, rng)
    return pl


def _urns(pl: pd.DataFrame, rng) -> np.ndarray:
    """Ofsted URNs: registered settings get one (SC + 6 digits); others none."""
    pool = np.array([f"SC{n:06d}" for n in rng.choice(np.arange(400000, 999999), 600, replace=False)])
    own = pool[0]  # the council's own fostering and adoption agency
    u = pool[1:][rng.integers(0, len(pool) - 1, len(pl))]
    needs = pl["place"].isin(["K1", "K2", "K3", "R3", "S1", "U1", "U2", "U3", "U4", "U5", "U6", "A3", "A4", "A5", "A6"]).to_numpy()
    in_house = (pl["provider"] == "PR1").to_numpy() & pl["cat"].isin(["foster", "kinship", "adoption"]).to_numpy()
    return np.where(needs, np.where(in_house, own, u), None)

