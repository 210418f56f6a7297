"""Compare a synthetic council with its calibration targets, from the written CSV files alone.

    python -m sufficiency.synth.calibration [--la Leeds] [--years 2018-2025] [--seed 1]

prints the Markdown table in docs/synthetic-calibration.md. The measures are computed here
from the returns as any reader of them would (plain pandas on the CSVs, distances from the
ONS postcodes), not from the generator's internals.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from ..reference.authorities import find_authority
from ..reference.postcodes import directory, miles

# England, DfE CLA 2025 release (shared/reference/national_series.csv) unless stated.
NATIONAL = {
    "foster": 67, "homes": 12, "independent": 9, "parents": 6, "adoption": 2, "other": 3,
    "over_20_miles": 22, "three_plus": 10,
}
# DfE "Children looked after in England including adoptions" 2024, national table A1:
# children looked after on 31 March by age.
AGE_SHARES = {"under 1": 5, "1-4": 13, "5-9": 17, "10-15": 38, "16+": 27}
TOLERANCE = {"cla": 0.15, "flow": 0.25, "share_pp": 5, "miles_pp": 5, "three_plus_pp": 4, "age_pp": 5}
GROUPS = {
    "foster": ["U1", "U2", "U3", "U4", "U5", "U6"], "homes": ["K1", "K2"],
    "independent": ["H5", "K3", "P2"], "parents": ["P1"], "adoption": ["A3", "A4", "A5", "A6"],
}


def _read(folder: Path, year: int, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / str(year) / f"{table}.csv", dtype=str, keep_default_na=False)


def measures(folder: Path, year: int) -> dict:
    """The calibration measures of one year's return."""
    ep = _read(folder, year, "episodes")
    hd = _read(folder, year, "header")
    ye = pd.Timestamp(year, 3, 31)
    ys = pd.Timestamp(year - 1, 4, 1)
    ep = ep[~ep["LS"].isin(["V3", "V4"])]
    decom = pd.to_datetime(ep["DECOM"], format="%d/%m/%Y")
    dec = pd.to_datetime(ep["DEC"].replace("", None), format="%d/%m/%Y")
    open_end = ep[ep["DEC"] == ""]
    cla = open_end.drop_duplicates("CHILD")
    out = {
        "cla": len(cla),
        "starts": int(((ep["RNE"] == "S") & (decom >= ys)).sum()),
        "ceased": int(((ep["REC"] != "X1") & (ep["REC"] != "") & (dec >= ys) & (dec <= ye)).sum()),
    }
    for group, codes in GROUPS.items():
        out[group] = 100 * cla["PLACE"].isin(codes).mean()
    out["other"] = max(100 - sum(out[g] for g in GROUPS), 0.0)
    loc = directory().locate(pd.concat([cla["HOME_POST"], cla["PL_POST"]], ignore_index=True))
    n = len(cla)
    d = miles(loc["easting"][:n], loc["northing"][:n], loc["easting"][n:].to_numpy(), loc["northing"][n:].to_numpy())
    known = ~pd.isna(d)
    out["over_20_miles"] = 100 * (d[known] > 20).mean()
    moves = ep[ep["RNE"].isin(["P", "B", "T", "U"]) & (decom >= ys)].groupby("CHILD").size()
    # placements in the year: the one held on 1 April (or the first, for a starter) + each move
    placements = cla["CHILD"].map(moves).fillna(0) + 1
    out["three_plus"] = 100 * (placements >= 3).mean()
    dob = pd.to_datetime(hd.set_index("CHILD")["DOB"], format="%d/%m/%Y")
    age = ((ye - cla["CHILD"].map(dob)).dt.days / 365.25).astype(int)
    bands = pd.cut(age, [-1, 0, 4, 9, 15, 99], labels=list(AGE_SHARES))
    for band, share in (100 * bands.value_counts(normalize=True)).items():
        out[f"age {band}"] = share
    return out


def table(la: str, first: int, last: int, seed: int, folder: Path | None = None) -> pd.DataFrame:
    """Rows: measure, year, synthetic, target, tolerance, ok."""
    from . import synthesise

    authority = find_authority(la)
    with tempfile.TemporaryDirectory() as tmp:
        out = folder or Path(tmp) / "returns"
        if folder is None:
            synthesise(la=la, first_year=first, last_year=last, seed=seed, out=out)
        rows = []
        for year in range(first, last + 1):
            m = measures(out, year)
            for key, tol_key in (("cla", "cla"), ("starts", "flow"), ("ceased", "flow")):
                target = authority.fact(key, year)
                if target:
                    tol = TOLERANCE[tol_key]
                    rows.append({"measure": f"{key} ({authority.name})", "year": year, "synthetic": m[key],
                                 "target": target, "tolerance": f"±{tol:.0%}",
                                 "ok": abs(m[key] - target) <= tol * target})
            if year == last:
                for key in [*GROUPS, "other"]:
                    rows.append(_pp(f"% {key} on 31 March", year, m[key], NATIONAL[key], TOLERANCE["share_pp"]))
                rows.append(_pp("% more than 20 miles from home", year, m["over_20_miles"], NATIONAL["over_20_miles"], TOLERANCE["miles_pp"]))
                rows.append(_pp("% with 3+ placements in the year", year, m["three_plus"], NATIONAL["three_plus"], TOLERANCE["three_plus_pp"]))
                for band, share in AGE_SHARES.items():
                    rows.append(_pp(f"% aged {band} on 31 March", year, m.get(f"age {band}", 0.0), share, TOLERANCE["age_pp"]))
    return pd.DataFrame(rows)


def _pp(name, year, value, target, tol) -> dict:
    return {"measure": name, "year": year, "synthetic": round(value, 1), "target": target,
            "tolerance": f"±{tol} points", "ok": abs(value - target) <= tol}


def main() -> None:
    ap = argparse.ArgumentParser(description="Synthetic council against its calibration targets.")
    ap.add_argument("--la", default="Leeds")
    ap.add_argument("--years", default="2018-2025")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    first, last = (int(y) for y in args.years.split("-"))
    t = table(args.la, first, last, args.seed)
    print(markdown(t))


def markdown(t: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(t.columns) + " |", "|" + "---|" * len(t.columns)]
    for row in t.itertuples(index=False):
        lines.append("| " + " | ".join("yes" if v is True else "NO" if v is False else str(v) for v in row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
