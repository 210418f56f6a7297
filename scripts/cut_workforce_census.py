"""Cut the DfE children's social work workforce census to the few columns the reforms read, one
row per council and year (30 September), into src/sufficiency/reforms/data/workforce_census.csv.

    python scripts/cut_workforce_census.py /work/shared/reference/dfe/csww_indicators_2017_to_2025.csv

Source: DfE, Children's social work workforce, reporting year 2025 (csww_indicators_2017_to_2025.csv),
Open Government Licence v3.0. Values the DfE suppresses or does not give ('z', 'x', 'c') are left empty.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "sufficiency" / "reforms" / "data" / "workforce_census.csv"
COLUMNS = {  # output name <- DfE column
    "year": "time_period", "la_code": "new_la_code", "old_la_code": "old_la_code", "la_name": "la_name",
    "fte_in_post": "inpost_fte", "vacancy_fte": "vacancy_fte", "vacancy_rate": "vacancy_rate_fte",
    "agency_fte": "agency_fte", "agency_rate": "agency_rate_fte", "turnover_rate": "turnover_rate_fte",
    "case_holders_fte": "case_holders_fte", "cases": "cases", "caseload": "caseload_fte",
}


def number(text: str) -> str:
    try:
        float(text)
    except ValueError:
        return ""
    return text


def cut(source: Path, out: Path = OUT) -> int:
    with source.open(newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["geographic_level"] == "Local authority"]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in sorted(rows, key=lambda r: (r["new_la_code"], r["time_period"])):
            w.writerow([r[c] if k in ("year", "la_code", "old_la_code", "la_name") else number(r[c])
                        for k, c in COLUMNS.items()])
    return len(rows)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(f"{cut(Path(sys.argv[1])):,} rows written to {OUT}")
