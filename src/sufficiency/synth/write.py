"""Write simulated care histories as each collection year's SSDA903 return, one folder a year.

Each year's return holds every child looked after at any time in the year (Header), every
episode open at any time in it, the reviews and missing episodes in it, outcomes (OC2) for
children looked after for 12 months on 31 March, care leavers (OC3) around their 17th-21st
birthdays, adoptions (AD1, PlacedAdoption), previous permanence of starters, UASC and, from
2023/24, social worker episodes. Codes follow the year (SEX 1/2 to 2023/24, M/F from 2024/25;
H5, P2 and Z1 withdrawn from 2025/26).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..ssda903.schema import default_schema
from . import hazards as hz
from .reviews import review_history, reviews
from .tables import (
    adoption,
    adoption_facts,
    care_leavers,
    leaver_facts,
    missing,
    outcomes,
    prev_perm,
    social_worker_history,
    social_workers,
)
from .targets import leaver_rates

SHORT_BREAKS = ["V3", "V4"]
WITHDRAWN_2026 = {"H5": "K3", "P2": "K3", "Z1": "Z14"}


def dates(days) -> np.ndarray:
    """Day numbers -> 'dd/mm/yyyy' (object array); formats each distinct day once."""
    d = np.asarray(days, dtype=np.int64)
    if not len(d):
        return np.array([], dtype=object)
    uniq, inv = np.unique(d, return_inverse=True)
    text = pd.to_datetime(uniq.clip(-200_000, 200_000), unit="D").strftime("%d/%m/%Y").to_numpy(object)
    return text[inv]


def write_csv(path: Path, columns: list[str], table: dict) -> None:
    """Write a table (column name -> array or scalar; None is blank) as CSV with `columns`.

    Plain string joins: several times faster than DataFrame.to_csv for object columns, and no
    value we write contains a comma or a quote."""
    n = max((len(v) for v in table.values() if np.ndim(v)), default=0)
    cols = []
    for c in columns:
        v = table.get(c)
        if v is None or np.ndim(v) == 0:
            cols.append(np.full(n, "" if v is None else str(v), dtype=object))
            continue
        arr = np.asarray(v)
        if arr.dtype.kind not in "UO":
            arr = arr.astype(str)
        arr = arr.astype(object)
        arr[pd.isna(arr)] = ""
        cols.append(arr)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(columns) + "\n")
        if n:
            fh.write("\n".join(map(",".join, zip(*cols, strict=True))))
            fh.write("\n")


def ids(child) -> np.ndarray:
    """Stable CHILD identifiers that do not look like positions."""
    return (np.asarray(child, dtype=np.int64) * 7 + 100003).astype(str)


def write_returns(p: dict, ch: pd.DataFrame, ep: pd.DataFrame, first_year: int, last_year: int,
                  out: Path, rng, la_code: str = "", area: str = "england") -> tuple[list[Path], pd.DataFrame]:
    """Write each year's return; `area` names whose published care leavers' figures are
    drawn to (the council's DfE number, or "england"; synth/targets.py)."""
    schema = default_schema()
    files: list[Path] = []
    summary = []
    ch = ch.set_index("child", drop=False)
    care = ep[~ep["ls"].isin(SHORT_BREAKS)]
    # the child's latest period of care: its start, and how the last episode ended
    period = care.groupby("child").agg(last_dec=("dec", "last"), last_rec=("rec", "last"))
    period["entry"] = care[care["rne"] == "S"].groupby("child")["start"].max()
    facts = adoption_facts(ep)
    leaving = leaver_facts(ch, period)
    # every period of care (a child may come back): its child, start and how its last episode ended
    ordered = care.sort_values(["child", "start"], kind="stable")
    number = (ordered["rne"] == "S").cumsum().to_numpy()
    periods = ordered.assign(pid=number).groupby("pid").agg(
        child=("child", "first"), entry=("start", "first"), last_dec=("dec", "last"))
    workers = social_worker_history(p, ch, periods, hz.day_of(f"{last_year}-03-31"), rng)
    held = review_history(p, periods, hz.day_of(f"{last_year}-03-31"), rng)
    for year in range(first_year, last_year + 1):
        ys, ye = hz.day_of(f"{year - 1}-04-01"), hz.day_of(f"{year}-03-31")
        e = ep[(ep["start"] <= ye) & ((ep["dec"] < 0) | (ep["dec"] >= ys))]
        open_now = ((e["dec"] < 0) | (e["dec"] > ye)).to_numpy()
        tables: dict[str, dict] = {}
        place = e["place"].to_numpy(object).copy()
        if year >= 2026:
            for old, new in WITHDRAWN_2026.items():
                place[place == old] = new
        child = e["child"].to_numpy()
        uasc = ch["uasc"].to_numpy()[child]
        tables["episodes"] = {
            "CHILD": ids(child), "DECOM": dates(e["start"]), "RNE": e["rne"].to_numpy(object),
            "LS": e["ls"].to_numpy(object), "CIN": e["cin"].to_numpy(object), "PLACE": place,
            "PLACE_PROVIDER": e["provider"].to_numpy(object),
            "DEC": np.where(open_now, None, dates(e["dec"])),
            "REC": np.where(open_now, None, e["rec"].to_numpy(object)),
            "REASON_PLACE_CHANGE": np.where(open_now, None, e["reason_place_change"].to_numpy(object)),
            "HOME_POST": np.where(uasc, None, ch["home_post"].to_numpy(object)[child]),
            "PL_POST": e["pl_post"].to_numpy(object), "URN": e["urn"].to_numpy(object),
        }
        tables["oc3"], leavers = care_leavers(p, ch, leaving, ys, ye, rng,
                                                   leaver_rates(area, year))
        in_year = np.unique(child)
        kids = np.union1d(in_year, leavers)
        ec = e[~e["ls"].isin(SHORT_BREAKS)]
        # the period of care in force in this year: its start, and how its last episode ended
        yperiod = ec.groupby("child").agg(last_dec=("dec", "last"), last_rec=("rec", "last"))
        starts = care[(care["rne"] == "S") & (care["start"] <= ye)]
        yperiod["entry"] = starts.groupby("child")["start"].max()
        last = yperiod["last_dec"].reindex(kids).to_numpy()
        stop = np.where(np.isnan(last) | (last < 0) | (last > ye), ye, np.nan_to_num(last)).astype(np.int64)
        tables["header"] = _header(ch, kids, np.isin(kids, in_year), year, stop)
        tables["uasc"] = _uasc(ch, in_year, year, ys, ye)
        tables["reviews"] = reviews(p, ch, held, ys, ye, rng)
        tables["missing"] = missing(p, ch, ec, ys, ye, rng)
        tables["oc2"] = outcomes(p, ch, ec, yperiod, ye, rng)
        tables["ad1"], tables["placed_adoption"] = adoption(p, ch, facts, e, ys, ye, rng)
        tables["prev_perm"] = prev_perm(p, ch, e, ys, la_code, rng)
        if year >= 2024:
            tables["sw_episodes"] = social_workers(workers, ch, ec, ys, ye)
        folder = out / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in tables.items():
            path = folder / f"{name}.csv"
            write_csv(path, schema.table(name).column_names, frame)
            files.append(path)
        cla = e.loc[open_now & ~e["ls"].isin(SHORT_BREAKS).to_numpy(), "child"].nunique()
        summary.append({"year": year, "children": len(in_year), "episodes": len(e),
                        "looked_after_31_march": int(cla)})
    return files, pd.DataFrame(summary)


def _header(ch: pd.DataFrame, kids: np.ndarray, in_care: np.ndarray, year: int, stop: np.ndarray) -> pd.DataFrame:
    """Header rows; `stop` is each child's last day in care in the year (31 March if in care)."""
    male = ch["male"].to_numpy()[kids]
    sex = np.where(male, "1", "2") if year <= 2024 else np.where(male, "M", "F")
    mother_day = ch["mother_day"].to_numpy()[kids]
    is_mother = mother_day <= stop  # a first child born while looked after (DfE rule 625)
    # girls looked after in the year (not on short breaks only): MOTHER 1/0 and MC_DOB; neither
    # for care leavers in OC3 only (DfE rules 628, 612; rule 624 then flags a mother's MC_DOB
    # going blank the year after she left care: the rules contradict each other there)
    girl = ~male & ~ch["short_breaks"].to_numpy()[kids]
    mother = np.where(girl & in_care, np.where(is_mother, "1", "0"), None)
    return {
        "CHILD": ids(kids), "SEX": sex, "DOB": dates(ch["dob"].to_numpy()[kids]),
        "ETHNIC": ch["ethnic"].to_numpy(object)[kids], "UPN": ch["upn"].to_numpy(object)[kids],
        "MOTHER": mother,
        "MC_DOB": np.where(mother == "1", dates(np.minimum(mother_day, stop)), None)}


def _uasc(ch: pd.DataFrame, in_year: np.ndarray, year: int, ys: int, ye: int) -> pd.DataFrame:
    """Children who were unaccompanied asylum seekers while looked after in the year."""
    uk = in_year[ch["uasc"].to_numpy()[in_year]]
    male = ch["male"].to_numpy()[uk]
    sex = np.where(male, "1", "2") if year <= 2024 else np.where(male, "M", "F")
    dob = ch["dob"].to_numpy()[uk]
    duc = hz.birthday(dob, 18)
    return {"CHILD": ids(uk), "SEX": sex, "DOB": dates(dob),
                         "DUC": dates(duc)}  # the 18th birthday, the same in every year (DfE rule 205B)
