"""Time validate() on an England-scale set of returns built in memory.

    .venv/bin/python bench/validate_scale.py [--children 330000] [--years 2016-2025] [--seed 1]
                                            [--error-rate 0.005]

Builds, with one numpy Generator, returns for every year in the range: each child enters care
on a random day, has a chain of episodes (geometric count, exponential lengths), and appears in
each year's return whose year the episodes overlap (DEC and REC blank while open on 31 March),
with a Header row per child and year and two reviews per child and year. Postcodes are real
ones from the ONS directory. Then a share of rows (--error-rate) is damaged in ways the checks
must catch (blank CIN, unreadable dates, codes, DEC before DECOM, duplicate rows, ...).
Prints the row counts, the time validate() took (wall and CPU, postcode cache warm), and the
issues found by code. Figures are recorded in docs/benchmarks.md with the command that made
them (kept beside this command); nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd

from sufficiency.reference.postcodes import directory
from sufficiency.ssda903.returns import Returns
from sufficiency.ssda903.validate import validate

PLACES = np.array(["U1", "U3", "U4", "U6", "K2", "R1", "P1", "S1", "U5", "A5"])
PLACE_P = np.array([0.06, 0.1, 0.2, 0.35, 0.12, 0.02, 0.07, 0.02, 0.03, 0.03])
LEAVE = np.array(["E4A", "E4B", "E13", "E41", "E45", "E46", "E11", "E12", "E8", "E17"])


def episodes(rng: np.random.Generator, children: int, first: int, last: int) -> pd.DataFrame:
    """Every episode of every child, as dates (datetime64[D]) and codes."""
    entry = np.datetime64(f"{first - 4}-04-01") + rng.integers(
        0, 365 * (last - first + 4), children
    )
    n = rng.geometric(0.4, children)
    child = np.repeat(np.arange(children), n)
    k = np.arange(len(child)) - np.repeat(np.cumsum(n) - n, n)
    length = np.maximum(rng.exponential(220, len(child)).astype(int), 1)
    starts = np.cumsum(length) - length  # days from the first episode of all children
    since_entry = starts - np.repeat(starts[np.cumsum(n) - n], n)
    decom = entry[child] + since_entry
    dec = decom + length
    last_one = k == n[child] - 1
    dob = entry - rng.integers(0, 17 * 365, children)
    place = rng.choice(PLACES, len(child), p=PLACE_P)
    frame = pd.DataFrame(
        {
            "child": child,
            "decom": decom,
            "dec": dec,
            "last": last_one,
            "first": k == 0,
            "dob": dob[child],
            "place": place,
            "rne": np.where(k == 0, "S", rng.choice(["P", "L", "T", "B"], len(child))),
            "rec": np.where(last_one, rng.choice(LEAVE, len(child)), "X1"),
        }
    )
    # care ends at 18: episodes from then on are dropped and the one before ends the child's care
    frame = frame[frame["decom"] < frame["dob"] + np.timedelta64(6574, "D")].copy()  # 18 years
    ends = ~frame["child"].duplicated(keep="last").to_numpy()
    frame.loc[ends & ~frame["last"].to_numpy(), "rec"] = "E17"
    return frame


def build(rng, children: int, first: int, last: int, error_rate: float) -> Returns:
    ep = episodes(rng, children, first, last)
    codes = directory().all_postcodes()["pc"].to_numpy()
    posts = codes[rng.integers(0, len(codes), 20000)]
    posts = np.array([p[:-3] + " " + p[-3:] for p in posts])
    home = posts[rng.integers(0, len(posts), children)]
    frames = {"episodes": [], "header": [], "reviews": []}
    for year in range(first, last + 1):
        start, end = np.datetime64(f"{year - 1}-04-01"), np.datetime64(f"{year}-03-31")
        e = ep[(ep["decom"] <= end) & (ep["dec"] >= start)]
        is_open = e["dec"].to_numpy() > end
        dec = fmt(e["dec"].to_numpy()).where(~is_open)
        f = pd.DataFrame(
            {
                "CHILD": e["child"].astype(str).to_numpy(),
                "DECOM": fmt(e["decom"].to_numpy()),
                "RNE": e["rne"].to_numpy(),
                "LS": rng.choice(["C2", "C1", "V2", "E1"], len(e)),
                "CIN": rng.choice(["N1", "N2", "N4", "N5"], len(e)),
                "PLACE": e["place"].to_numpy(),
                "PLACE_PROVIDER": np.where(
                    e["place"] == "P1", "PR0", rng.choice(["PR1", "PR4"], len(e))
                ),
                "DEC": dec,
                "REC": pd.Series(e["rec"].to_numpy()).where(~is_open),
                "REASON_PLACE_CHANGE": None,
                "HOME_POST": home[e["child"].to_numpy()],
                "PL_POST": posts[rng.integers(0, len(posts), len(e))],
                "URN": rng.choice(["SC123456", "1234567", "XXXXXXX"], len(e)),
            }
        )
        frames["episodes"].append(_meta(f, year, "episodes"))
        kids = np.unique(e["child"].to_numpy())
        dob = ep.drop_duplicates("child").set_index("child")["dob"].reindex(kids).to_numpy()
        h = pd.DataFrame(
            {
                "CHILD": kids.astype(str),
                "SEX": "1" if year < 2025 else "M",
                "DOB": fmt(dob),
                "ETHNIC": rng.choice(["WBRI", "MOTH", "BAFR"], len(kids)),
                "UPN": "UN1",
                "MOTHER": None,
                "MC_DOB": None,
            }
        )
        frames["header"].append(_meta(h, year, "header"))
        review = start + rng.integers(180, 365, 2 * len(kids))
        r = pd.DataFrame(
            {
                "CHILD": np.repeat(kids, 2).astype(str),
                "DOB": np.repeat(fmt(dob), 2).to_numpy(),
                "REVIEW": fmt(review),
                "REVIEW_CODE": "PN1",
            }
        )
        frames["reviews"].append(_meta(r, year, "reviews"))
    out = {k: pd.concat(v, ignore_index=True) for k, v in frames.items()}
    _damage(rng, out, error_rate)
    return Returns(frames=out, files=[])


def fmt(dates) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(dates).strftime("%d/%m/%Y"))


def _meta(frame: pd.DataFrame, year: int, table: str) -> pd.DataFrame:
    frame = frame.astype("string")
    frame["_year"] = year
    frame["_file"] = pd.Series(f"{year}/{table}.csv", index=frame.index, dtype="string")
    frame["_row"] = np.arange(2, len(frame) + 2)
    return frame


def _damage(rng, frames: dict[str, pd.DataFrame], rate: float) -> None:
    ep = frames["episodes"]
    n = int(len(ep) * rate)
    for col, value in (
        ("CIN", pd.NA),
        ("DECOM", "31/02/2023"),
        ("PLACE", "Q9"),
        ("URN", "SC1"),
        ("PL_POST", "LEEDS"),
        ("PL_POST", "ZZ9 9ZZ"),
        ("DEC", "01/01/2000"),
        ("PLACE_PROVIDER", pd.NA),
        ("REC", pd.NA),
        ("RNE", "P"),
    ):
        ep.loc[rng.choice(len(ep), n, replace=False), col] = value
    frames["episodes"] = pd.concat(
        [ep, ep.iloc[rng.choice(len(ep), n, replace=False)]], ignore_index=True
    )
    hd = frames["header"]
    hd.loc[rng.choice(len(hd), n, replace=False), "DOB"] = "01/01/2026"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--children", type=int, default=330_000)
    p.add_argument("--years", default="2016-2025")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--error-rate", type=float, default=0.005)
    a = p.parse_args()
    first, last = (int(y) for y in a.years.split("-"))
    rng = np.random.default_rng(a.seed)
    t = time.perf_counter()
    returns = build(rng, a.children, first, last, a.error_rate)
    print(
        f"built in {time.perf_counter() - t:.1f} s: "
        + ", ".join(f"{k} {len(v):,}" for k, v in returns.frames.items())
    )
    directory().arrays  # noqa: B018 - load the postcode cache outside the timing
    wall, cpu = time.perf_counter(), time.process_time()
    report = validate(returns)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"validate: {wall:.2f} s wall, {cpu:.2f} s CPU, {len(report.issues):,} issues "
        f"({platform.processor() or platform.machine()}, Python {platform.python_version()})"
    )
    print(report.summary()[["code", "severity", "count"]].to_string(index=False))


if __name__ == "__main__":
    main()
