"""Time clean() (with placement distances) on about a million episode rows built in memory.

    .venv/bin/python bench/clean_scale.py [--children 250000] [--years 2016-2025] [--seed 1]
                                          [--la E08000035] [--profile]

Builds, with one numpy Generator, every year's return for a synthetic council whose children
enter care on random days and move through chains of episodes, so that every cleaning rule
has work to do at a realistic scale:
  - each return repeats the episodes open across 1 April (superseded by the later return),
    and has a Header row per child (SEX 1/2 to 2023/24, M/F from 2024/25);
  - ~25% of later episodes are legal-status changes only (RNE L, same placement and carer),
    which merge into placements; periods end with a leaving code and some children return;
  - ~2% of children have only short breaks (LS V3/V4);
  - ~1% of children vanish from the returns after some year (their open episode is censored);
  - 0.3% of episodes run past the next one's start (truncated), 0.2% of rows are repeated
    in the same return, 0.1% have an unreadable DECOM and 0.05% no CHILD;
  - home postcodes are real postcodes of the council, placements 70% in it and 30% anywhere in
    England, 10% of each written as a sector ("LS1 4"), 0.5% malformed.
Then times clean(returns, la_code=None) (council inferred from home postcodes) with the postcode
directory loaded beforehand (its load is timed separately), and prints the summary of the log.
Figures go in docs/benchmarks.md with this command; nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

import numpy as np
import pandas as pd

from sufficiency.reference.postcodes import directory
from sufficiency.ssda903.clean import clean
from sufficiency.ssda903.returns import Returns

PLACES = np.array(["U1", "U3", "U4", "U6", "K2", "R1", "P1", "S1", "U5", "A5", "H5"])
PLACE_P = np.array([.06, .1, .2, .33, .12, .02, .07, .02, .03, .03, .02])
RNE_LATER = np.array(["P", "L", "T", "B", "U"])
RNE_P = np.array([.45, .25, .15, .1, .05])
LEAVE = np.array(["E4A", "E4B", "E13", "E41", "E45", "E46", "E11", "E12", "E8", "E17"])
LS = np.array(["C2", "C1", "V2", "E1", "J1"])
LS_P = np.array([.55, .2, .18, .05, .02])


def chains(rng: np.random.Generator, children: int, first: int, last: int) -> pd.DataFrame:
    """Every episode of every child: datetime64[D] dates, codes, placement index."""
    entry = np.datetime64(f"{first - 3}-04-01") + rng.integers(0, 365 * (last - first + 3), children)
    n = rng.geometric(0.3, children)
    child = np.repeat(np.arange(children), n)
    head = np.cumsum(n) - n
    k = np.arange(len(child)) - np.repeat(head, n)
    length = np.maximum(rng.exponential(200, len(child)).astype(np.int64), 1)
    # a child who left care comes back after a gap in 5% of episodes (a new period, RNE S)
    back = (k > 0) & (rng.random(len(child)) < 0.05)
    gap = np.where(back, rng.integers(30, 400, len(child)), 0)
    offset = np.cumsum(length + gap) - (length + gap)
    since_entry = offset - np.repeat(offset[head], n) + gap
    decom = entry[child] + since_entry
    dec = decom + length
    last_one = k == n[child] - 1
    ends_period = last_one | np.append(back[1:], False)
    rne = np.where((k == 0) | back, "S", rng.choice(RNE_LATER, len(child), p=RNE_P))
    place = rng.choice(len(PLACES), len(child), p=PLACE_P)
    pl_slot = rng.integers(0, 1 << 30, len(child))
    legal = rne == "L"
    # RNE L keeps the placement and carer of the episode before: copy its place and postcode
    idx = np.arange(len(child))
    src = np.where(legal, 0, idx)
    src = np.maximum.accumulate(src)
    place, pl_slot = place[src], pl_slot[src]
    short = np.repeat(rng.random(children) < 0.02, n)
    ls = np.where(short, rng.choice(["V3", "V4"], len(child)), rng.choice(LS, len(child), p=LS_P))
    return pd.DataFrame({
        "child": child, "decom": decom, "dec": dec, "rne": rne, "ls": ls,
        "place": PLACES[place], "pl_slot": pl_slot,
        "rec": np.where(ends_period, rng.choice(LEAVE, len(child)), "X1"),
    })


def fmt(dates: np.ndarray) -> np.ndarray:
    """datetime64 -> dd/mm/yyyy text, formatting each distinct date once; NaT -> None."""
    codes, uniques = pd.factorize(pd.DatetimeIndex(dates))
    text = np.append(pd.DatetimeIndex(uniques).strftime("%d/%m/%Y").to_numpy(object), None)
    return text[np.where(codes < 0, len(text) - 1, codes)]


def postcodes(rng: np.random.Generator, la: str) -> tuple[np.ndarray, np.ndarray]:
    """(postcodes of the council, postcodes anywhere), written as 'LS1 4AP'."""
    d = directory()
    inside = d.in_council(la)["pc"].to_numpy(str)
    everywhere = d.all_postcodes()["pc"].to_numpy(str)
    everywhere = everywhere[rng.integers(0, len(everywhere), 50_000)]
    spaced = np.vectorize(lambda p: p[:-3] + " " + p[-3:], otypes=[object])
    return spaced(inside), spaced(everywhere)


def loosen(rng: np.random.Generator, posts: np.ndarray) -> np.ndarray:
    """10% written as sectors ('LS1 4'), 0.5% malformed."""
    out = posts.astype(object).copy()
    u = rng.random(len(out))
    sector = u < 0.10
    out[sector] = np.array([p[:-2] for p in out[sector]], dtype=object)
    out[(u >= 0.10) & (u < 0.105)] = "LEEDS"
    return out


def build(rng: np.random.Generator, children: int, first: int, last: int, la: str) -> Returns:
    ep = chains(rng, children, first, last)
    inside, everywhere = postcodes(rng, la)
    home = inside[rng.integers(0, len(inside), children)]
    slot = ep["pl_slot"].to_numpy()
    pl = np.where(slot % 10 < 7, inside[slot % len(inside)], everywhere[slot % len(everywhere)])
    ep["pl_post"] = loosen(rng, pl)
    ep["home_post"] = loosen(rng, home[ep["child"].to_numpy()])
    # overlaps: a few episodes run past the next one's start
    nxt_same = np.append(ep["child"].to_numpy()[1:] == ep["child"].to_numpy()[:-1], False)
    over = nxt_same & (rng.random(len(ep)) < 0.003)
    ep.loc[over, "dec"] = ep.loc[over, "dec"] + np.timedelta64(10, "D")
    age_days = rng.integers(0, 17 * 365, children).astype("timedelta64[D]")
    dob = ep.groupby("child")["decom"].transform("min").to_numpy() - age_days[ep["child"].to_numpy()]
    ep["dob"] = dob
    vanish = np.full(children, last + 1)
    gone = rng.random(children) < 0.01
    vanish[gone] = rng.integers(first, last, gone.sum())

    episodes, header = [], []
    for year in range(first, last + 1):
        start, end = np.datetime64(f"{year - 1}-04-01"), np.datetime64(f"{year}-03-31")
        e = ep[(ep["decom"] <= end) & (ep["dec"] >= start)
               & (vanish[ep["child"].to_numpy()] >= year)]
        is_open = (e["dec"] > end).to_numpy()
        f = pd.DataFrame({
            "CHILD": e["child"].astype(str).to_numpy(), "DECOM": fmt(e["decom"].to_numpy()),
            "RNE": e["rne"].to_numpy(), "LS": e["ls"].to_numpy(),
            "CIN": rng.choice(["N1", "N2", "N4", "N5"], len(e)), "PLACE": e["place"].to_numpy(),
            "PLACE_PROVIDER": np.where(e["place"] == "P1", "PR0",
                                       rng.choice(["PR1", "PR4"], len(e))),
            "DEC": np.where(is_open, None, fmt(e["dec"].to_numpy())),
            "REC": np.where(is_open, None, e["rec"].to_numpy()),
            "REASON_PLACE_CHANGE": np.where(e["rne"].isin(["P", "B", "T", "U"]), "CARPL", None),
            "HOME_POST": e["home_post"].to_numpy(), "PL_POST": e["pl_post"].to_numpy(),
            "URN": rng.choice(["SC123456", "1234567", "XXXXXXX"], len(e)),
        })
        n = len(f)
        f.loc[rng.random(n) < 0.001, "DECOM"] = "31/02/2023"
        f.loc[rng.random(n) < 0.0005, "CHILD"] = None
        f = pd.concat([f, f.iloc[np.flatnonzero(rng.random(n) < 0.002)]], ignore_index=True)
        episodes.append(_meta(f, year, "episodes"))
        kids = e.drop_duplicates("child")
        h = pd.DataFrame({
            "CHILD": kids["child"].astype(str).to_numpy(),
            "SEX": np.where(kids["child"].to_numpy() % 2 == 0, "1" if year < 2025 else "M",
                            "2" if year < 2025 else "F"),
            "DOB": fmt(kids["dob"].to_numpy()),
            "ETHNIC": rng.choice(["WBRI", "MOTH", "BAFR", "APKN"], len(kids)),
            "UPN": "UN1", "MOTHER": None, "MC_DOB": None})
        header.append(_meta(h, year, "header"))
    frames = {"episodes": pd.concat(episodes, ignore_index=True),
              "header": pd.concat(header, ignore_index=True)}
    return Returns(frames=frames, files=[])


def _meta(frame: pd.DataFrame, year: int, table: str) -> pd.DataFrame:
    frame = frame.astype("string")
    frame["_year"] = year
    frame["_file"] = pd.Series(f"{year}/{table}.csv", index=frame.index, dtype="string")
    frame["_row"] = np.arange(2, len(frame) + 2)
    return frame


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--children", type=int, default=250_000)
    p.add_argument("--years", default="2016-2025")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--la", default="E08000035", help="council whose postcodes are homes")
    p.add_argument("--profile", action="store_true", help="pyinstrument profile of clean()")
    a = p.parse_args()
    first, last = (int(y) for y in a.years.split("-"))
    t = time.perf_counter()
    directory().arrays  # noqa: B018 - load the postcode directory outside the timing
    load = time.perf_counter() - t
    t = time.perf_counter()
    returns = build(np.random.default_rng(a.seed), a.children, first, last, a.la)
    print(f"postcode directory loaded in {load:.2f} s; returns built in "
          f"{time.perf_counter() - t:.1f} s: "
          + ", ".join(f"{k} {len(v):,} rows" for k, v in returns.frames.items()))
    profiler = None
    if a.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    wall, cpu = time.perf_counter(), time.process_time()
    history = clean(returns, la_code=None)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"clean (with distances, council inferred as {history.la_code}): {wall:.2f} s wall, "
          f"{cpu:.2f} s CPU, peak RSS {peak:,.0f} MB "
          f"({platform.machine()}, Python {platform.python_version()}, pandas {pd.__version__})")
    print(", ".join(f"{k} {len(v):,}" for k, v in history.tables.items()))
    print(history.summary().to_string(index=False))


if __name__ == "__main__":
    main()
