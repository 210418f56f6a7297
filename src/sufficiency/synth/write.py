"""Write simulated histories as the SSDA903 return of each collection year, one folder a year."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..ssda903.schema import default_schema
from .model import DAY0, _age, _birthday, _choice, _days

REVIEW_CODES = {"PN1": 0.55, "PN2": 0.05, "PN3": 0.05, "PN4": 0.08, "PN5": 0.07, "PN6": 0.12, "PN7": 0.08}
ACTIV = {"F2": 0.25, "F1": 0.06, "F4": 0.12, "P4": 0.08, "F5": 0.07, "G4": 0.08, "G5": 0.25, "G6": 0.05, "P2": 0.04}
ACCOM = {"U1": 0.30, "B1": 0.15, "D1": 0.15, "Z1": 0.12, "E1": 0.06, "T1": 0.05, "C1": 0.03, "S2": 0.02,
         "X2": 0.02, "U2": 0.04, "B2": 0.02, "Y1": 0.04}


def _date(days) -> pd.Series:
    d = pd.Series(np.asarray(days, dtype="int64"))
    out = (DAY0 + d.clip(lower=-10**6).to_numpy().astype("timedelta64[D]")).astype("datetime64[ns]")
    return pd.Series(out).dt.strftime("%d/%m/%Y").astype(object)


def _ids(child) -> np.ndarray:
    return (np.asarray(child) * 7 + 100003).astype(str)


def _leaver_ids(oc3: pd.DataFrame) -> np.ndarray:
    return ((oc3["CHILD"].astype(int).to_numpy() - 100003) // 7).astype(int)


def write_returns(p, ch, ep, pl, changes, first_year, last_year, out: Path, rng):
    schema = default_schema()
    files, summary = [], []
    dob, male, uasc = ch["dob"].to_numpy(), ch["male"].to_numpy(), ch["uasc"].to_numpy()
    end_of_care = pl.groupby("child")["end"].agg(lambda e: -1 if (e < 0).any() else e.max())
    last_rec = pl.sort_values(["child", "start"]).groupby("child")["exit"].last()
    for year in range(first_year, last_year + 1):
        ys, ye = _days(f"{year - 1}-04-01"), _days(f"{year}-03-31")
        tables: dict[str, pd.DataFrame] = {}
        e = ep[(ep["start"] <= ye) & ((ep["dec"] < 0) | (ep["dec"] >= ys))].copy()
        open_now = (e["dec"] < 0) | (e["dec"] > ye)
        tables["oc3"] = _oc3(ch, end_of_care, last_rec, ys, ye, rng)
        leavers = _leaver_ids(tables["oc3"])
        kids = np.union1d(np.unique(e["child"].to_numpy()), leavers)  # the Header covers care leavers too
        place = e["place"].to_numpy(object).copy()
        provider = e["provider"].to_numpy(object).copy()
        v2_home = (place == "P1") & (e["ls"].to_numpy(object) == "V2")  # s20 cannot be placed with parents
        place[v2_home], provider[v2_home] = "U3", "PR1"
        if year >= 2026:
            place[place == "H5"] = "K3"
        tables["episodes"] = pd.DataFrame({
            "CHILD": _ids(e["child"]), "DECOM": _date(e["start"]).to_numpy(), "RNE": e["rne"].to_numpy(),
            "LS": e["ls"].to_numpy(), "CIN": e["cin"].to_numpy(), "PLACE": place,
            "PLACE_PROVIDER": provider,
            "DEC": np.where(open_now, None, _date(e["dec"]).to_numpy()),
            "REC": np.where(open_now, None, e["rec"].to_numpy(object)),
            "REASON_PLACE_CHANGE": np.where(open_now, None, e["reason_place_change"].to_numpy(object)),
            "HOME_POST": np.where(uasc[e["child"].to_numpy()], None, ch["home_post"].to_numpy()[e["child"].to_numpy()]),
            "PL_POST": e["pl_post"].to_numpy(), "URN": e["urn"].to_numpy(),
        })
        sex = np.where(male[kids], "1", "2") if year <= 2024 else np.where(male[kids], "M", "F")
        in_care = np.isin(kids, e["child"].to_numpy())
        # MOTHER for girls looked after in the year (not for care leavers only in OC3)
        is_mother = ch["mother_day"].to_numpy()[kids] <= ye
        mother = np.where(~male[kids] & in_care, np.where(is_mother, "1", "0"), None)
        mc_dob = np.where(mother == "1", _date(ch["mother_day"].to_numpy()[kids].clip(max=ye)), None)
        upn = ch["upn"].to_numpy()[kids]
        tables["header"] = pd.DataFrame({
            "CHILD": _ids(kids), "SEX": sex, "DOB": _date(dob[kids]).to_numpy(), "ETHNIC": ch["ethnic"].to_numpy()[kids],
            "UPN": upn, "MOTHER": mother, "MC_DOB": mc_dob})
        uk = kids[uasc[kids] & in_care]
        duc = _birthday(dob[uk], 18)
        tables["uasc"] = pd.DataFrame({"CHILD": _ids(uk), "SEX": sex[uasc[kids] & in_care], "DOB": _date(dob[uk]).to_numpy(),
                                       "DUC": np.where(duc <= ye, _date(duc).to_numpy(), None)})
        tables["reviews"] = _reviews(p, ch, e, ys, ye, rng)
        tables["missing"] = _missing(p, ch, e, ys, ye, rng)
        tables["oc2"] = _oc2(ch, e, ys, ye, rng)
        tables["ad1"], tables["placed_adoption"] = _adoption(ch, e, pl, changes, ys, ye, rng)
        starters = e[(e["rne"] == "S") & (e["start"] >= ys)]["child"].to_numpy()
        tables["prev_perm"] = pd.DataFrame({"CHILD": _ids(starters), "DOB": _date(dob[starters]).to_numpy(),
                                            "PREV_PERM": "Z1", "LA_PERM": None, "DATE_PERM": None})
        if year >= 2024:
            tables["sw_episodes"] = _social_workers(p, ch, e, np.unique(e["child"].to_numpy()), ys, ye, rng)
        folder = out / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in tables.items():
            cols = schema.table(name).column_names
            path = folder / f"{name}.csv"
            frame.reindex(columns=cols).to_csv(path, index=False)
            files.append(path)
        summary.append({"year": year, "children": int(e["child"].nunique()), "episodes": len(e),
                        "looked_after_31_march": int(e.loc[open_now & ~e["ls"].isin(["V3", "V4"]), "child"].nunique())})
    return files, pd.DataFrame(summary)


def _in_care(e: pd.DataFrame, ye: int) -> pd.DataFrame:
    """Per child: first start in the return and end of the last episode (ye if open)."""
    end = np.where((e["dec"] < 0) | (e["dec"] > ye), ye, e["dec"])
    return e.assign(stop=end).groupby("child").agg(first=("start", "min"), stop=("stop", "max"))


def _reviews(p, ch, e, ys, ye, rng) -> pd.DataFrame:
    care = _in_care(e, ye)
    period_start = e[e["rne"] == "S"].groupby("child")["start"].min().reindex(care.index)
    period_start = period_start.fillna(care["first"] - 400).astype(int)
    offsets = np.concatenate([[p["reviews"]["first_days"], p["reviews"]["first_days"] + p["reviews"]["second_days"]],
                              p["reviews"]["first_days"] + p["reviews"]["second_days"] + p["reviews"]["then_days"] * np.arange(1, 40)])
    kid = np.repeat(care.index.to_numpy(), len(offsets))
    day = np.repeat(period_start.to_numpy(), len(offsets)) + np.tile(offsets, len(care)) - rng.integers(0, 10, len(kid))
    stop = np.repeat(care["stop"].to_numpy(), len(offsets))
    keep = (day >= ys) & (day <= np.minimum(stop, ye))
    kid, day = kid[keep], day[keep]
    dob = ch["dob"].to_numpy()[kid]
    young = _age(dob, day) < 4
    code = np.where(young, "PN0", _choice(rng, len(kid), REVIEW_CODES))
    return pd.DataFrame({"CHILD": _ids(kid), "DOB": _date(dob).to_numpy(), "REVIEW": _date(day).to_numpy(), "REVIEW_CODE": code})


def _missing(p, ch, e, ys, ye, rng) -> pd.DataFrame:
    care = _in_care(e, ye)
    dob = ch["dob"].to_numpy()[care.index.to_numpy()]
    start = np.maximum(care["first"].to_numpy(), ys)
    span = np.maximum(care["stop"].to_numpy() - start, 0)
    older = _age(dob, start) >= 11
    goes = older & (rng.random(len(care)) < p["missing"]["share_11_plus"])
    n = np.where(goes, rng.poisson(p["missing"]["per_year"] * span / 365.0), 0)
    kid = np.repeat(care.index.to_numpy(), n)
    begin = np.repeat(start, n) + (rng.random(n.sum()) * np.repeat(span, n)).astype(int)
    end = begin + rng.exponential(p["missing"]["mean_days"], n.sum()).astype(int)
    end_text = np.where(end > ye, None, _date(end).to_numpy())
    kind = np.where(rng.random(n.sum()) < p["missing"]["away_share"], "A", "M")
    frame = pd.DataFrame({"CHILD": _ids(kid), "DOB": _date(ch["dob"].to_numpy()[kid]).to_numpy(), "MISSING": kind,
                          "MIS_START": _date(begin).to_numpy(), "MIS_END": end_text})
    return frame.drop_duplicates(["CHILD", "MIS_START"])


def _oc2(ch, e, ys, ye, rng) -> pd.DataFrame:
    open_at_end = e[(e["dec"] < 0) | (e["dec"] > ye)]
    period_start = e[e["rne"] == "S"].groupby("child")["start"].min()
    kids = open_at_end["child"].unique()
    started = period_start.reindex(kids).fillna(-10**6).to_numpy()
    kids = kids[started <= ye - 365]
    dob = ch["dob"].to_numpy()[kids]
    age = _age(dob, np.full(len(kids), ye))
    sdq = (age >= 4) & (age <= 16)
    n = len(kids)
    sdq_reason = np.where(age > 16, "SDQ1", None)
    misuse = np.where(rng.random(n) < 0.04, "1", "0")

    def yes(share: float) -> np.ndarray:
        return np.where(rng.random(n) < share, "1", "0")

    return pd.DataFrame({
        "CHILD": _ids(kids), "DOB": _date(dob).to_numpy(),
        "SDQ_SCORE": np.where(sdq, rng.integers(2, 32, n).astype(str), None),
        "SDQ_REASON": np.where(sdq, None, sdq_reason),
        "CONVICTED": np.where(age >= 10, np.where(rng.random(n) < 0.03, "1", "0"), None),
        "HEALTH_CHECK": np.where(age < 5, yes(0.9), None),  # development checks: under 5s only
        "IMMUNISATIONS": yes(0.85), "TEETH_CHECK": yes(0.8), "HEALTH_ASSESSMENT": yes(0.9),
        "SUBSTANCE_MISUSE": misuse,
        "INTERVENTION_RECEIVED": np.where(misuse == "1", yes(0.6), None),
        "INTERVENTION_OFFERED": np.where(misuse == "1", "1", None),
    })


def _oc3(ch, end_of_care, last_rec, ys, ye, rng) -> pd.DataFrame:
    left = end_of_care[end_of_care > 0]
    dob = ch["dob"].to_numpy()[left.index.to_numpy()]
    age_left = _age(dob, left.to_numpy())
    leavers = left.index.to_numpy()[age_left >= 16]
    rows_kid, rows_day = [], []
    for years in (17, 18, 19, 20, 21):
        bday = _birthday(ch["dob"].to_numpy()[leavers], years)
        m = (bday >= ys) & (bday <= ye) & (bday >= end_of_care.reindex(leavers).to_numpy())
        rows_kid.append(leavers[m])
        rows_day.append(bday[m])
    kid = np.concatenate(rows_kid)
    n = len(kid)
    touch = np.where(rng.random(n) < 0.9, "YES", np.where(rng.random(n) < 0.5, "NO", "REFU"))
    known = touch == "YES"
    return pd.DataFrame({"CHILD": _ids(kid), "DOB": _date(ch["dob"].to_numpy()[kid]).to_numpy(), "IN_TOUCH": touch,
                         "ACTIV": np.where(known, _choice(rng, n, ACTIV), None),
                         "ACCOM": np.where(known, _choice(rng, n, ACCOM), None)})


def _adoption(ch, e, pl, changes, ys, ye, rng):
    adopted = e[e["rec"].isin(["E11", "E12"]) & (e["dec"] >= ys) & (e["dec"] <= ye)]
    kids = adopted["child"].to_numpy()
    placed = pl[pl["cat"] == "adoption"].groupby("child")["start"].first().reindex(kids).to_numpy()
    n = len(kids)
    decision = placed - rng.integers(120, 300, n)
    ad1 = pd.DataFrame({"CHILD": _ids(kids), "DOB": _date(ch["dob"].to_numpy()[kids]).to_numpy(),
                        "DATE_INT": _date(decision).to_numpy(), "DATE_MATCH": _date(placed - rng.integers(10, 60, n)).to_numpy(),
                        "FOSTER_CARE": np.where(rng.random(n) < 0.15, "1", "0"),
                        "NB_ADOPTR": np.where(rng.random(n) < 0.85, "2", "1"), "SEX_ADOPTR": None, "LS_ADOPTR": None})
    couple = ad1["NB_ADOPTR"] == "2"
    ad1["SEX_ADOPTR"] = np.where(couple, np.where(rng.random(n) < 0.88, "MF", "FF"), np.where(rng.random(n) < 0.8, "F1", "M1"))
    ad1["LS_ADOPTR"] = np.where(couple, np.where(rng.random(n) < 0.8, "L11", "L2"), "L0")
    orders = changes[(changes["ls"] == "E1") & (changes["day"] <= ye)]
    in_return = orders[orders["child"].isin(e["child"].unique())]
    pa = pd.DataFrame({"CHILD": _ids(in_return["child"]), "DOB": _date(ch["dob"].to_numpy()[in_return["child"].to_numpy()]).to_numpy(),
                       "DATE_PLACED": _date(in_return["day"].to_numpy() - 30).to_numpy(), "DATE_PLACED_CEASED": None,
                       "REASON_PLACED_CEASED": None})
    return ad1, pa


def _social_workers(p, ch, e, kids, ys, ye, rng) -> pd.DataFrame:
    care = _in_care(e, ye).reindex(kids)
    start = np.maximum(care["first"].to_numpy(), ys)
    n = rng.poisson(p["sw_change_per_year"] * np.maximum(care["stop"].to_numpy() - start, 0) / 365.0)
    kid = np.repeat(kids, n + 1)
    first = np.repeat(start, n + 1)
    stop = np.repeat(care["stop"].to_numpy(), n + 1)
    offs = (rng.random(len(kid)) * (stop - first)).astype(int)
    is_first = np.r_[True, kid[1:] != kid[:-1]]
    begin = np.where(is_first, first, first + offs)
    frame = pd.DataFrame({"kid": kid, "begin": begin, "stop": stop}).sort_values(["kid", "begin"])
    frame = frame.drop_duplicates(["kid", "begin"])
    frame = frame[~(frame["kid"].eq(frame["kid"].shift(-1)) & (frame["begin"].shift(-1) - frame["begin"] < 2))]
    nxt = frame["kid"].eq(frame["kid"].shift(-1))
    frame["end"] = np.where(nxt, frame["begin"].shift(-1).fillna(0).astype(int), np.where(frame["stop"] < ye, frame["stop"], -1))
    first_row = ~frame["kid"].eq(frame["kid"].shift())
    reason = np.where(first_row, "FCONTA", _choice(rng, len(frame), {"LEFTRL": 0.35, "MANAGE": 0.25, "TSPROC": 0.2, "ORGRST": 0.1, "OTHERS": 0.1}))
    k = frame["kid"].to_numpy()
    return pd.DataFrame({"CHILD": _ids(k), "DOB": _date(ch["dob"].to_numpy()[k]).to_numpy(),
                         "SW_ID": np.char.add("SW", rng.integers(10000, 99999, len(frame)).astype(str)),
                         "SW_DECOM": _date(frame["begin"]).to_numpy(),
                         "SW_DEC": np.where(frame["end"] > 0, _date(frame["end"].clip(lower=0)).to_numpy(), None),
                         "SW_REASON": reason})
