"""The synthetic council against its calibration targets, measured from the written returns.

    python -m sufficiency.synth.calibration [--la Leeds] [--years 2018-2025] [--seed 1]
        [--returns DIR]

generates the council (unless --returns points at existing returns) and prints the Markdown
table recorded in docs/background/synthetic-councils.md. Figures the council publishes (numbers
in care, flows, stability, care leavers, location of new placements) are measured by loading the
returns and computing the indicators with the real code (council_check.py) and set beside the
council's published figure for the same year; the placement mix and ages on 31 March, which
the council's files here do not give, are measured with plain pandas on the CSV files and set
beside England's. Nothing comes from the generator's internals.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from ..reference.authorities import find_authority
from ..reference.benchmarks import england
from . import council_check

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
TOLERANCE = {"share": 4.0, "age": 4.0}


def read_year(folder: Path, year: int, table: str) -> pd.DataFrame:
    path = Path(folder) / str(year) / f"{table}.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.replace("", None), format="%d/%m/%Y")


def measures(folder: Path, year: int) -> dict[str, float]:
    """Placement mix and ages on 31 March of the return for `year` (the 31 March it ends on)."""
    ep = read_year(folder, year, "episodes")
    header = read_year(folder, year, "header")
    end = pd.Timestamp(year, 3, 31)
    ep = ep[~ep["LS"].isin(SHORT_BREAKS)].copy()
    cla = ep[_dates(ep["DEC"]).isna()].drop_duplicates("CHILD")
    out: dict[str, float] = {}
    grouped = 0.0
    for name, codes in PLACEMENT_GROUPS.items():
        out[name] = 100 * cla["PLACE"].isin(codes).mean()
        grouped += out[name]
    out["other"] = 100 - grouped
    dob = _dates(header.drop_duplicates("CHILD").set_index("CHILD")["DOB"])
    born = cla["CHILD"].map(dob)
    age = end.year - born.dt.year - (born.dt.month > 3).astype(int)  # completed years on 31 March
    groups = pd.cut(age, [-1, 0, 4, 9, 15, 99], labels=AGE_GROUPS)
    shares = 100 * groups.value_counts(normalize=True)
    for g in AGE_GROUPS:
        out[f"aged {g}"] = float(shares.get(g, 0.0))
    return out


def table(la: str, first: int, last: int, seed: int, returns: Path | None = None,
          children: int | None = None) -> pd.DataFrame:
    """Rows: measure, key, year, synthetic, target, tolerance, ok."""
    authority = find_authority(la)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(returns) if returns else Path(tmp) / "returns"
        if returns is None:
            from . import synthesise

            synthesise(la=la, first_year=first, last_year=last, seed=seed, out=folder, children=children)
        years = range(first, last + 1)
        values = council_check.measured(folder, authority.code, years)
        m = measures(folder, last)
    rows = council_check.rows(values, authority.old_code, authority.name, years)
    for key in (*PLACEMENT_GROUPS, "other"):
        rows.append(_pp(f"% {key} on 31 March (England)", f"pct_{key}", last, m[key], NATIONAL[key],
                        TOLERANCE["share"]))
    for g in AGE_GROUPS:
        rows.append(_pp(f"% aged {g} on 31 March (England)", f"aged_{g}", last, m[f"aged {g}"], AGE_TARGET[g],
                        TOLERANCE["age"]))
    return pd.DataFrame(rows)


def _row(name, key, year, value, target, tolerance, ok) -> dict:
    return {
        "measure": name,
        "key": key,
        "year": year,
        "synthetic": round(float(value), 1),
        "target": target,
        "tolerance": tolerance,
        "ok": bool(ok),
    }


def _pp(name, key, year, value, target, tol) -> dict:
    return _row(name, key, year, value, target, f"±{tol:g} points", abs(value - target) <= tol)


def markdown(t: pd.DataFrame) -> str:
    lines = [
        "| measure | year | synthetic | target | tolerance | within |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in t.itertuples(index=False):
        value = f"{r.synthetic:,.0f}" if r.synthetic >= 100 else f"{r.synthetic:.1f}"
        target = f"{r.target:,.0f}" if r.target >= 100 else f"{r.target:.1f}"
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
    ap.add_argument("--children", type=int, help="scale the council to this many children looked after")
    args = ap.parse_args(argv)
    first, last = (int(y) for y in args.years.split("-"))
    print(markdown(table(args.la, first, last, args.seed, args.returns, args.children)))


if __name__ == "__main__":
    main()
