"""The per-year tables other than Header and Episodes, drawn from the simulated care histories.

Each function takes the children (`ch`, indexed by child), the year's episodes and the day
numbers of 1 April (`ys`) and 31 March (`ye`), and returns the table with schema columns.
Values that must agree across years (adoption decision dates, social worker histories) are
derived from the child, not drawn afresh each year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import hazards as hz


def _ids(child) -> np.ndarray:
    return (np.asarray(child, dtype=np.int64) * 7 + 100003).astype(str)


def _dates(days) -> np.ndarray:
    from .write import dates

    return dates(days)


def _pick(rng, n: int, shares: dict) -> np.ndarray:
    keys = np.array(list(shares), dtype=object)
    if not n:
        return np.array([], dtype=object)
    return keys[rng.choice(len(keys), n, p=np.array(list(shares.values())))]


def _spread(child: np.ndarray, lo: float, hi: float, salt: int) -> np.ndarray:
    """A whole number in [lo, hi] fixed for each child (the same in every year's return)."""
    h = (np.asarray(child, dtype=np.uint64) * np.uint64(2654435761) + np.uint64(salt * 97531)) % np.uint64(2**31)
    return (lo + (h.astype(np.float64) / 2**31) * (hi - lo + 1)).astype(np.int64)


def _stop(period: pd.DataFrame, kids: np.ndarray, ye: int) -> np.ndarray:
    """Last day in care within the year (31 March if still in care)."""
    last = period["last_dec"].reindex(kids).to_numpy()
    return np.where((last < 0) | (last > ye), ye, last)


def missing(p, ch, e, ys, ye, rng) -> pd.DataFrame:
    """Missing (M) and away (A) episodes: a share of children by age; counts gamma-Poisson."""
    m = p["missing"]
    g = e.assign(stop=np.where((e["dec"] < 0) | (e["dec"] > ye), ye, e["dec"]))
    care = g.assign(open=(e["dec"] < 0) | (e["dec"] > ye)).groupby("child").agg(
        first=("start", "min"), stop=("stop", "max"), open=("open", "max"))
    kids = care.index.to_numpy()
    start = np.maximum(care["first"].to_numpy(), ys)
    span = np.maximum(care["stop"].to_numpy() - start, 0)
    dob = ch["dob"].to_numpy()[kids]
    band = hz.band_of_age(hz.age_at(dob, start))
    share = np.array([m["share_in_year"][b] for b in ("0", "1-4", "5-9", "10-15", "16-17")])[band]
    goes = (rng.random(len(kids)) < share) & (span > 1)
    k = max(m["dispersion"], 1e-3)
    rate = rng.gamma(k, max(m["episodes_per_child"] - 1, 0) / k, len(kids))
    n = np.where(goes, 1 + rng.poisson(rate * span / 365.25), 0)
    kid = np.repeat(kids, n)
    begin = np.repeat(start, n) + (rng.random(int(n.sum())) * np.repeat(span, n)).astype(np.int64)
    length = rng.exponential(m["mean_days"], len(kid)).astype(np.int64)
    stop = np.repeat(care["stop"].to_numpy(), n)
    # a missing period ends before the day care ends (DfE rule 580: not on an 18th birthday) and
    # by 31 March (csc-validator 575/577 flag any period open on 31 March, even in care)
    end = np.maximum(np.minimum(begin + length, np.minimum(stop - 1, ye)), begin)
    # only while in care: inside one of the child's episodes (not between two periods of care)
    ep_key = e["child"].to_numpy().astype(np.int64) * 2**32 + e["start"].to_numpy()
    order = np.argsort(ep_key, kind="stable")
    at = np.searchsorted(ep_key[order], kid.astype(np.int64) * 2**32 + begin, side="right") - 1
    at = order[np.maximum(at, 0)]
    dec = e["dec"].to_numpy()[at]
    inside = (e["child"].to_numpy()[at] == kid) & (e["start"].to_numpy()[at] <= begin) & \
        ((dec < 0) | (dec > end))
    kid, begin, end = kid[inside], begin[inside], end[inside]
    frame = pd.DataFrame({"kid": kid, "begin": begin, "end": end}).sort_values(["kid", "begin"])
    prev_end = frame.groupby("kid")["end"].cummax().groupby(frame["kid"]).shift().fillna(-1).to_numpy()
    frame = frame[frame["begin"].to_numpy() > prev_end]
    kid = frame["kid"].to_numpy()
    end = frame["end"].to_numpy()
    kind = np.where(rng.random(len(frame)) < m["away_share"], "A", "M")
    return {"CHILD": _ids(kid), "DOB": _dates(ch["dob"].to_numpy()[kid]), "MISSING": kind,
                         "MIS_START": _dates(frame["begin"]),
                         "MIS_END": np.where(end > ye, None, _dates(np.minimum(end, ye)))}


def outcomes(p, ch, e, period, ye, rng) -> pd.DataFrame:
    """OC2 for children looked after continuously for 12 months on 31 March."""
    o = p["outcomes"]["oc2"]
    open_end = e[(e["dec"] < 0) | (e["dec"] >= ye)]  # leaving on 31 March still counts
    kids = np.unique(open_end["child"].to_numpy())
    kids = kids[period["entry"].reindex(kids).to_numpy() <= ye - 364]  # in care all year (from 1 April)
    dob = ch["dob"].to_numpy()[kids]
    age = hz.age_at(dob, np.full(len(kids), ye))
    n = len(kids)

    def yes(share: float) -> np.ndarray:
        return np.where(rng.random(n) < share, "1", "0")

    sdq_age = (age >= 4) & (age <= 16)
    no_sdq = rng.random(n) < o["sdq_missing_reason"]
    # 17th birthday in the year: no SDQ expected, reason SDQ1 (DfE rules 157, 197B)
    turned_17 = (age == 17) & (hz.birthday(dob, 17) >= ye - 364)
    misuse = yes(o["substance_misuse"])
    received = np.where(misuse == "1", yes(o["intervention_received"]), None)
    return {
        "CHILD": _ids(kids), "DOB": _dates(dob),
        "SDQ_SCORE": np.where(sdq_age & ~no_sdq, rng.integers(0, 41, n).astype(str), None),
        "SDQ_REASON": np.where(sdq_age & no_sdq, _pick(rng, n, {"SDQ2": 0.3, "SDQ3": 0.3, "SDQ4": 0.2,
                                                                "SDQ5": 0.2}),
                               np.where(turned_17, "SDQ1", None)),
        "CONVICTED": np.where(age >= 10, yes(o["convicted_10plus"]), None),
        "HEALTH_CHECK": np.where(age < 5, yes(o["health_check_under5"]), None),
        "IMMUNISATIONS": yes(o["immunisations"]), "TEETH_CHECK": yes(o["teeth_check"]),
        "HEALTH_ASSESSMENT": yes(o["health_assessment"]), "SUBSTANCE_MISUSE": misuse,
        "INTERVENTION_RECEIVED": received,
        "INTERVENTION_OFFERED": np.where((misuse == "1") & (received != "1"), yes(o["intervention_offered"]), None),
    }


def leaver_facts(ch, period) -> dict[str, np.ndarray]:
    """Care leavers (left at 16+ after 13 weeks in care, not transferred to another council,
    DfE rule 1011) with their leaving day and 17th-21st birthdays, once for all years."""
    left = period[(period["last_dec"] >= 0) & (period["last_rec"] != "E3")]
    kids = left.index.to_numpy()
    dob = ch["dob"].to_numpy()[kids]
    dec = left["last_dec"].to_numpy()
    eligible = (hz.age_at(dob, dec) >= 16) & (dec - left["entry"].to_numpy() >= 91)
    kids, dob, dec = kids[eligible], dob[eligible], dec[eligible]
    return {"kid": kids, "dec": dec, "bday": np.column_stack([hz.birthday(dob, y) for y in range(17, 22)])}


def care_leavers(p, ch, leavers, ys, ye, rng, rates: dict[str, tuple[float, float]]) -> tuple[dict, np.ndarray]:
    """OC3 for care leavers on their 17th-21st birthdays in the year. `rates`: by age group
    ("17-18", "19-21"), the share with no information (not in touch, refused, returned home,
    died, not required) and the share of the others in suitable accommodation (targets.py)."""
    c = p["care_leavers"]
    kids, dec = leavers["kid"], leavers["dec"]
    rows_kid, rows_age = [], []
    for i, years in enumerate(range(17, 22)):
        bday = leavers["bday"][:, i]
        # at 17 or 18 only for those who had left by that birthday (DfE rules 1007, 1016: a
        # young person leaving care on the birthday, as most do at 18, is reported)
        hit = (bday >= ys) & (bday <= ye) & (dec <= ye) & (bday >= dec)
        rows_kid.append(kids[hit])
        rows_age.append(np.full(int(hit.sum()), years))
    kid, age = np.concatenate(rows_kid), np.concatenate(rows_age)
    n = len(kid)
    group = np.where(age <= 18, "17-18", "19-21")
    no_info = np.array([rates[g][0] for g in group]) if n else np.zeros(0)
    suitable_share = np.array([rates[g][1] for g in group]) if n else np.zeros(0)
    others = {k: v for k, v in c["in_touch"].items() if k != "YES"}
    total = sum(others.values())
    known = rng.random(n) >= no_info
    touch = np.where(known, "YES", _pick(rng, n, {k: v / total for k, v in others.items()}))
    activ = np.where(age <= 18, _pick(rng, n, c["activity"]["17-18"]), _pick(rng, n, c["activity"]["19-21"]))
    acc = c["accommodation"]
    letter = np.where(age == 17, _pick(rng, n, acc["17"]),
                      np.where(age == 18, _pick(rng, n, acc["18"]), _pick(rng, n, acc["19-21"]))).astype(str)
    suitable = rng.random(n) < suitable_share
    # custody (S) and no fixed abode (X) are never suitable (DfE rule 133): independent living instead
    letter = np.where(suitable & np.isin(letter, ["S", "X"]), "U", letter)
    code = np.char.add(letter, np.where(suitable, "1", "2"))
    # not in touch, died or returned home: activity and accommodation are coded 0 (rules 153, 344)
    frame = {"CHILD": _ids(kid), "DOB": _dates(ch["dob"].to_numpy()[kid]), "IN_TOUCH": touch,
             "ACTIV": np.where(known, activ, "0"), "ACCOM": np.where(known, code, "0")}
    return frame, np.unique(kid)


def _period_start_before(ep: pd.DataFrame, day: pd.Series) -> pd.Series:
    """Start of the period of care in force on `day` (by child): the last RNE S on or before it."""
    s = ep.loc[ep["rne"] == "S", ["child", "start"]]
    s = s[s["start"].to_numpy() <= day.reindex(s["child"]).to_numpy()]
    return s.groupby("child")["start"].max()


def adoption_facts(ep: pd.DataFrame) -> dict[str, pd.Series | pd.DataFrame]:
    """Per child, once for all years: placement order day, adoption placement, entry, last episode."""
    return {"order": ep[ep["ls"] == "E1"].groupby("child")["start"].min(),
            "placed": ep[ep["cat"] == "adoption"].groupby("child").agg(day=("start", "min"), rne=("rne", "first")),
            "entry": _period_start_before(ep, ep[ep["ls"] == "E1"].groupby("child")["start"].min()),
            "last": ep.groupby("child").agg(dec=("dec", "last"), rec=("rec", "last"))}


def adoption(p, ch, facts, e, ys, ye, rng) -> tuple[dict, dict]:
    """AD1 for children adopted in the year; PlacedAdoption for those with a decision to place."""
    lg = p["legal"]
    order, placed, entry = facts["order"], facts["placed"], facts["entry"]

    def decision(kids: np.ndarray) -> np.ndarray:
        lo, hi = lg["decision_days_before_order"]
        o = order.reindex(kids).to_numpy()
        d = o - _spread(kids, lo, hi, 1)
        first = entry.reindex(kids).to_numpy()
        return np.where(d > first, d, first + (o - first) // 2).astype(np.int64)

    adopted = e[e["rec"].isin(["E11", "E12"]) & (e["dec"] >= ys) & (e["dec"] <= ye)]
    kids = adopted["child"].to_numpy()
    kids = kids[order.reindex(kids).notna().to_numpy()]
    n = len(kids)
    dint = decision(kids)
    lo, hi = lg["match_days_before_placement"]
    pday = placed["day"].reindex(kids).to_numpy()
    match = np.maximum(pday - _spread(kids, lo, hi, 2), dint)
    couple = rng.random(n) < 0.85
    sex = np.where(couple, np.where(rng.random(n) < 0.88, "MF", np.where(rng.random(n) < 0.5, "FF", "MM")),
                   np.where(rng.random(n) < 0.85, "F1", "M1"))
    ad1 = {
        "CHILD": _ids(kids), "DOB": _dates(ch["dob"].to_numpy()[kids]), "DATE_INT": _dates(dint),
        "DATE_MATCH": _dates(match),
        "FOSTER_CARE": np.where(placed["rne"].reindex(kids).isin(["T", "U"]).to_numpy(), "1", "0"),
        "NB_ADOPTR": np.where(couple, "2", "1"),
        "SEX_ADOPTR": sex,
        # married (L11) different-sex, civil partners (L12) same-sex, or other couples (L2)
        "LS_ADOPTR": np.where(couple, np.where(rng.random(n) < 0.75, np.where(sex == "MF", "L11", "L12"), "L2"), "L0"),
    }
    in_year = np.unique(e["child"].to_numpy())
    with_order = in_year[order.reindex(in_year).notna().to_numpy()]
    dp = decision(with_order)
    with_order, dp = with_order[dp <= ye], dp[dp <= ye]
    # left care in the year without being adopted: the decision ceased (DfE rule 557)
    last = facts["last"].reindex(with_order)
    ceased = (last["dec"].to_numpy() >= ys) & (last["dec"].to_numpy() <= ye) & \
        ~last["rec"].isin(["E11", "E12"]).to_numpy() & last["rec"].notna().to_numpy()
    home = last["rec"].isin(["E4A", "E4B", "E13", "E41", "E45", "E46", "E47", "E48"]).to_numpy()
    pa = {"CHILD": _ids(with_order), "DOB": _dates(ch["dob"].to_numpy()[with_order]),
                       "DATE_PLACED": _dates(dp),
                       "DATE_PLACED_CEASED": np.where(ceased, _dates(np.maximum(last["dec"].to_numpy(), dp)), None),
                       "REASON_PLACED_CEASED": np.where(ceased, np.where(home, "RD1", "RD2"), None)}
    return ad1, pa


def prev_perm(p, ch, e, ys, la_code, rng) -> pd.DataFrame:
    """Previous permanence of children starting a period of care in the year."""
    kids = np.unique(e.loc[(e["rne"] == "S") & (e["start"] >= ys), "child"].to_numpy())
    n = len(kids)
    code = _pick(rng, n, p["outcomes"]["prev_perm"])
    dob = ch["dob"].to_numpy()[kids]
    # before the child's first period of care, so before any episode of a child who came back
    # (csc-validator 632: DATE_PERM before the first episode's DECOM)
    entry = ch["entry"].to_numpy()[kids]
    perm = dob + ((entry - 30 - dob) * rng.uniform(0.2, 0.9, n)).astype(np.int64)
    code = np.where((code != "Z1") & (perm <= dob + 30), "Z1", code)
    has = code != "Z1"
    return {"CHILD": _ids(kids), "DOB": _dates(dob), "PREV_PERM": code,
                         "LA_PERM": np.where(has, la_code or None, None),
                         "DATE_PERM": np.where(has, _dates(perm), None)}


def _days_to_31_march(day: np.ndarray) -> np.ndarray:
    march31 = np.array([hz.day_of(f"{y}-03-31") for y in range(1900, 2201)])
    return march31[np.minimum(np.searchsorted(march31, day), len(march31) - 1)] - day


def social_worker_history(p, ch, period, horizon, rng) -> pd.DataFrame:
    """Every child's social worker episodes over the whole simulation (kid, begin, end, sw, reason).

    `period` has one row per period of care (child, entry, last_dec), so a child who comes
    back into care has a social worker in each period."""
    s = p["social_workers"]
    kids = period["child"].to_numpy()
    pid = np.arange(len(period))
    entry = period["entry"].to_numpy()
    last = period["last_dec"].to_numpy()
    lo, hi = s["closure_days"]
    close = np.where(last < 0, hz.NEVER, last + rng.integers(int(lo), int(hi) + 1, len(kids)))
    # not in the last 5 days of a return year with no successor (csc-validator SW11bSTG2): a week later
    close = np.where((last >= 0) & (_days_to_31_march(close) <= 5), close + 7, close)
    # a child who comes back into care keeps a social worker while at home, until the next
    # period starts (2023/24 rules SW10STG2, SW11aSTG2 want no gaps between episodes)
    again = np.r_[kids[1:] == kids[:-1], False]
    came_back = np.r_[False, kids[1:] == kids[:-1]]
    close = np.where(again, np.r_[entry[1:], 0], close)
    first = entry  # the first social worker episode starts with care (csc-validator SW12STG2)
    stop = np.minimum(np.where(last < 0, horizon, last), horizon)
    n = rng.poisson(s["changes_per_year"] * np.maximum(stop - entry, 0) / 365.25)
    per = np.repeat(pid, n + 1)
    begin = np.repeat(entry, n + 1) + (rng.random(len(per)) * np.repeat(np.maximum(stop - entry, 0), n + 1)).astype(np.int64)
    is_first = np.r_[True, per[1:] != per[:-1]]
    begin = np.where(is_first, np.repeat(first, n + 1), begin)
    # no change of worker in the last 5 days of a return year (csc-validator SW11bSTG2): a week earlier
    begin = np.where(~is_first & (_days_to_31_march(begin) <= 5), begin - 7, begin)
    frame = pd.DataFrame({"per": per, "begin": begin}).sort_values(["per", "begin"]).drop_duplicates(["per", "begin"])
    per, begin = frame["per"].to_numpy(), frame["begin"].to_numpy()
    kid = kids[per]
    nxt = np.r_[per[1:] == per[:-1], False]
    end = np.where(nxt, np.r_[begin[1:], 0], close[per])
    pool = max(int(len(kids) / max(s["caseload"], 1) / 4), 20)
    step = rng.integers(1, pool, len(kid))
    sw = (kid * 31 + np.cumsum(step)) % pool  # consecutive workers of a child always differ
    first_row = np.r_[True, ~nxt[:-1]]
    start_reason = np.where(came_back[per], "PCCHAN", "FCONTA")  # a change in circumstances
    reason = np.where(first_row, start_reason, _pick(rng, len(kid), s["reasons"]))
    return pd.DataFrame({"kid": kid, "begin": begin, "end": end,
                         "sw": np.char.add("SW", (10000 + sw).astype(str)), "reason": reason})


def social_workers(history: pd.DataFrame, ch, e, ys, ye) -> pd.DataFrame:
    """SWEpisodes: the social worker episodes of children looked after in the year that overlap it."""
    kids = np.unique(e["child"].to_numpy())
    h = history[history["kid"].isin(kids) & (history["begin"] <= ye) & (history["end"] >= ys)]
    k = h["kid"].to_numpy()
    return {"CHILD": _ids(k), "DOB": _dates(ch["dob"].to_numpy()[k]), "SW_ID": h["sw"].to_numpy(),
                         "SW_DECOM": _dates(h["begin"]),
                         "SW_DEC": np.where(h["end"].to_numpy() > ye, None, _dates(np.minimum(h["end"].to_numpy(), ye))),
                         "SW_REASON": h["reason"].to_numpy()}
