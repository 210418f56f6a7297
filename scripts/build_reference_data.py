"""Regenerate the small reference tables shipped in src/sufficiency/reference/data/.

They are cut from DfE and ONS files under Open Government Licence v3.0 in ../shared/reference/dfe:
- local_authorities.csv: each English LA's codes, names and region, with its published
  children looked after on 31 March, starts, ceased and child population, 2021-2025
  (DfE "Children looked after in England including adoptions" 2025, cla_number_and_rate).
- ltla_utla.csv: lower-tier to upper-tier LA in England (ONS LTLA-UTLA April 2023 lookup), so
  that a postcode's district gives the council with the care duty, 2023 unitaries included.

Run: python scripts/build_reference_data.py ../shared/reference/dfe
"""

import csv
import sys
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "sufficiency" / "reference" / "data"
MEASURES = {
    "Children looked after on 31 March each year": "cla",
    "Children starting to be looked after each year": "starts",
    "Children ceasing to be looked after each year": "ceased",
}


def main(src: Path) -> None:
    rows = csv.DictReader((src / "cla_number_and_rate_per_10k_children.csv").open(encoding="utf-8-sig"))
    las: dict[str, dict] = {}
    facts: dict[str, dict] = defaultdict(dict)
    for r in rows:
        if r["geographic_level"] != "Local authority" or not r["new_la_code"].startswith("E"):
            continue
        code = r["new_la_code"]
        las[code] = {"la_code": code, "old_la_code": r["old_la_code"], "la_name": r["la_name"],
                     "region": r["region_name"]}
        year = r["time_period"]
        count = r["children_count"] if r["children_count"].isdigit() else ""
        facts[code][f"{MEASURES[r['population_type']]}_{year}"] = count
        facts[code][f"child_population_{year}"] = r["population_estimate"]
    years = range(2021, 2026)
    fields = ["la_code", "old_la_code", "la_name", "region"] + [
        f"{m}_{y}" for m in ("cla", "starts", "ceased", "child_population") for y in years
    ]
    with (OUT / "local_authorities.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for code in sorted(las):
            w.writerow({**las[code], **{k: facts[code].get(k, "") for k in fields[4:]}})
    lookup = csv.DictReader((src / "LTLA-UTLA_Apr23_Lookup_England-Wales.csv").open(encoding="utf-8-sig"))
    with (OUT / "ltla_utla.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["ltla_code", "ltla_name", "utla_code", "utla_name"])
        for r in lookup:
            w.writerow([r["LTLA23CD"], r["LTLA23NM"], r["UTLA23CD"], r["UTLA23NM"]])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/reference/dfe"))
