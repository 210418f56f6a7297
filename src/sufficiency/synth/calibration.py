"""The synthetic council against its calibration targets, measured from the written CSVs alone.

    python -m sufficiency.synth.calibration [--la Leeds] [--years 2018-2025] [--seed 1]
        [--returns DIR]

generates the council (unless --returns points at existing returns) and prints the Markdown
table recorded in docs/background/synthetic-councils.md. Every measure is computed here as any
reader of the returns would, with plain pandas on the CSV files and distances from the ONS
postcodes (DfE method); nothing comes from the generator's internals.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..reference.authorities import find_authority
from ..reference.benchmarks import england
from ..reference.postcodes import directory, miles

SHORT_BREAKS = ("V3", "V4")
PLACEMENT_GROUPS = {  # DfE CLA placement groups (national_series.csv pct_* rows)
    "foster": ("U1", "U2", "U3", "U4", "U5", "U6"),
    "secure and children's homes": ("K1", "K2"),
    "independent, semi-independent and supported": ("H5", "P2", "K3"),
    "with parents": ("P1",),
    "placed for adoption": ("A3", "A4", "A5", "A6"),
}
AGE_GROUPS = ("under 1", "1-4", "5-9", "10-15", "16+")
# the calibration targets: England's published figures (reference/data/england.yaml, with sources)
TARGETS = {
    "foster": "pct_placed_foster",
    "secure and children's homes": "pct_placed_residential",
    "independent, semi-independent and supported": "pct_placed_supported",
    "with parents": "pct_placed_with_parents",
    "placed for adoption": "pct_placed_for_adoption",
    "other": "pct_placed_other",
    "over 20 miles": "pct_over_20_miles",
    "outside the council": "pct_outside_la",
    "3+ placements": "pct_3plus_placements",
}
AGE_TARGETS = {"under 1": "pct_aged_under_1", "1-4": "pct_aged_1_4", "5-9": "pct_aged_5_9",
               "10-15": "pct_aged_10_15", "16+": "pct_aged_16_plus"}


def _latest(indicator: str) -> float:
    """England's latest published figure for `indicator`."""
    eng = england()
    rows = eng[eng["indicator"] == indicator]
    return float(rows.loc[rows["year"].idxmax(), "value"])


NATIONAL = {key: _latest(ind) for key, ind in TARGETS.items()}
AGE_TARGET = {key: _latest(ind) for key, ind in AGE_TARGETS.items()}
TOLERANCE = {
    "cla": 0.12,
    "starts": 0.15,
    "ceased": 0.25,
    "share": 4.0,
    "over 20 miles": 4.0,
    "outside the council": 6.0,
    "3+ placements": 3.0,
    "age": 4.0,
}


def read_year(folder: Path, year: int, table: str) -> pd.DataFrame:
    path = Path(folder) / str(year) / f"{table}.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.replace("", None), format="%d/%m/%Y")


def measures(folder: Path, year: int) -> dict[str, float]:
    """Calibration measures of the return for `year` (the 31 March it ends on)."""
    ep = read_year(folder, year, "episodes")
    header = read_year(folder, year, "header")
    start, end = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
    ep = ep[~ep["LS"].isin(SHORT_BREAKS)].copy()
    ep["decom"], ep["dec"] = _dates(ep["DECOM"]), _dates(ep["DEC"])
    open_at_end = ep[ep["dec"].isna()]
    cla = open_at_end.drop_duplicates("CHILD")
    out: dict[str, float] = {
        "cla": len(cla),
        "starts": ep.loc[(ep["RNE"] == "S") & (ep["decom"] >= start), "CHILD"].nunique(),
        "ceased": ep.loc[ep["dec"].between(start, end) & (ep["REC"] != "X1"), "CHILD"].nunique(),
    }
    grouped = 0.0
    for name, codes in PLACEMENT_GROUPS.items():
        out[name] = 100 * cla["PLACE"].isin(codes).mean()
        grouped += out[name]
    out["other"] = 100 - grouped
    # distance and locality (DfE method; denominator all children looked after on 31 March,
    # so children without a home postcode - UASC - count as not known, never as far)
    where = directory().locate(pd.concat([cla["HOME_POST"], cla["PL_POST"]], ignore_index=True))
    n = len(cla)
    d = miles(
        where["easting"].to_numpy()[:n],
        where["northing"].to_numpy()[:n],
        where["easting"].to_numpy()[n:],
        where["northing"].to_numpy()[n:],
    )
    own = _council_of(where["council"].to_numpy()[:n])
    out["over 20 miles"] = 100 * np.mean(np.nan_to_num(d, nan=0.0) > 20)
    out["outside the council"] = 100 * np.mean(where["council"].to_numpy()[n:] != own)
    # placements in the year (DfE: carers): each episode starting one with a new carer (RNE
    # S, P, B; T and U keep the carer), plus the one held on 1 April
    in_year = ep[ep["decom"] >= start]
    new = in_year[in_year["RNE"].isin(["S", "P", "B"])].groupby("CHILD").size()
    held = ep[ep["decom"] < start].groupby("CHILD").size().clip(upper=1)
    placements = cla["CHILD"].map(new).fillna(0) + cla["CHILD"].map(held).fillna(0)
    out["3+ placements"] = 100 * (placements >= 3).mean()
    dob = _dates(header.drop_duplicates("CHILD").set_index("CHILD")["DOB"])
    born = cla["CHILD"].map(dob)
    age = end.year - born.dt.year - (born.dt.month > 3).astype(int)  # completed years on 31 March
    groups = pd.cut(age, [-1, 0, 4, 9, 15, 99], labels=AGE_GROUPS)
    shares = 100 * groups.value_counts(normalize=True)
    for g in AGE_GROUPS:
        out[f"aged {g}"] = float(shares.get(g, 0.0))
    return out


def _council_of(councils: np.ndarray) -> str:
    """The council that most children's home postcodes are in (the returning council)."""
    values, counts = np.unique(pd.Series(councils).dropna().astype(str), return_counts=True)
    return str(values[np.argmax(counts)]) if len(values) else ""


def table(la: str, first: int, last: int, seed: int, returns: Path | None = None) -> pd.DataFrame:
    """Rows: measure, year, synthetic, target, tolerance, ok."""
    authority = find_authority(la)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(returns) if returns else Path(tmp) / "returns"
        if returns is None:
            from . import synthesise

            synthesise(la=la, first_year=first, last_year=last, seed=seed, out=folder)
        rows = []
        by_year = {year: measures(folder, year) for year in range(first, last + 1)}
    for year, m in by_year.items():
        for key in ("cla", "starts", "ceased"):
            target = authority.fact(key, year)
            if target:
                tol = TOLERANCE[key]
                rows.append(
                    _row(
                        f"{_label(key)} ({authority.name})",
                        year,
                        m[key],
                        target,
                        f"±{tol:.0%}",
                        abs(m[key] - target) <= tol * target,
                    )
                )
    m = by_year[last]
    for key in (*PLACEMENT_GROUPS, "other"):
        rows.append(_pp(f"% {key} on 31 March", last, m[key], NATIONAL[key], TOLERANCE["share"]))
    for key in ("over 20 miles", "outside the council", "3+ placements"):
        label = {
            "over 20 miles": "% placed more than 20 miles from home",
            "outside the council": "% placed outside the council's boundary",
            "3+ placements": "% with 3 or more placements in the year",
        }[key]
        rows.append(_pp(label, last, m[key], NATIONAL[key], TOLERANCE[key]))
    for g in AGE_GROUPS:
        rows.append(
            _pp(f"% aged {g} on 31 March", last, m[f"aged {g}"], AGE_TARGET[g], TOLERANCE["age"])
        )
    return pd.DataFrame(rows)


def _label(key: str) -> str:
    return {
        "cla": "children looked after on 31 March",
        "starts": "started to be looked after",
        "ceased": "ceased to be looked after",
    }[key]


def _row(name, year, value, target, tolerance, ok) -> dict:
    return {
        "measure": name,
        "year": year,
        "synthetic": round(float(value), 1),
        "target": target,
        "tolerance": tolerance,
        "ok": bool(ok),
    }


def _pp(name, year, value, target, tol) -> dict:
    return _row(name, year, value, target, f"±{tol:g} points", abs(value - target) <= tol)


def markdown(t: pd.DataFrame) -> str:
    lines = [
        "| measure | year | synthetic | target | tolerance | within |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in t.itertuples(index=False):
        value = f"{r.synthetic:,.0f}" if r.synthetic >= 100 else f"{r.synthetic:.1f}"
        target = f"{r.target:,.0f}" if r.target >= 100 else f"{r.target:g}"
        lines.append(
            f"| {r.measure} | {r.year} | {value} | {target} | {r.tolerance} "
            f"| {'yes' if r.ok else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description="The synthetic council against its calibration targets."
    )
    ap.add_argument("--la", default="Leeds")
    ap.add_argument("--years", default="2018-2025")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--returns", type=Path, help="measure these returns instead of generating them")
    args = ap.parse_args(argv)
    first, last = (int(y) for y in args.years.split("-"))
    print(markdown(table(args.la, first, last, args.seed, args.returns)))


if __name__ == "__main__":
    main()
