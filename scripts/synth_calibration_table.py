"""The synthetic councils beside their published figures: the table in
docs/background/synthetic-councils.md.

    python scripts/synth_calibration_table.py [--councils Leeds Plymouth Lancashire] [--year 2025] [--seed 1]

generates each council for the five published years (2021 to --year), measures it with the real
indicators code (sufficiency.synth.calibration.table) and prints, for --year, each published
measure: the synthetic value, the council's published figure, and whether it is within the
stated tolerance.
"""

import argparse

from sufficiency.synth.calibration import table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--councils", nargs="+", default=["Leeds", "Plymouth", "Lancashire"])
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    cells: dict[str, dict[str, str]] = {}
    tolerance: dict[str, str] = {}
    for la in args.councils:
        t = table(la, args.year - 4, args.year, args.seed)
        t = t[(t["year"] == args.year) & ~t["measure"].str.endswith("(England)")]
        for r in t.itertuples(index=False):
            label = r.measure.rsplit(" (", 1)[0]
            tolerance[label] = r.tolerance
            fmt = (lambda v: f"{v:,.0f}") if r.tolerance.endswith("%") else (lambda v: f"{v:.1f}")
            mark = "" if r.ok else " **(outside)**"
            cells.setdefault(label, {})[la] = f"{fmt(r.synthetic)} / {fmt(r.target)}{mark}"
    head = "| measure (" + str(args.year) + "), synthetic / published | " + " | ".join(args.councils)
    print(head + " | tolerance |")
    print("|---|" + "---:|" * len(args.councils) + "---|")
    for label, by_la in cells.items():
        row = " | ".join(by_la.get(la, "-") for la in args.councils)
        print(f"| {label} | {row} | {tolerance[label]} |")


if __name__ == "__main__":
    main()
