"""Cut the synthetic councils' calibration targets from the DfE's LA-level open data.

Writes src/sufficiency/synth/data/council_targets.csv: one row per area (a council's DfE
three-digit number, or "england"), collection year and measure, with the published count
(numerator), its denominator and the value (a count, or a percentage 0-100 worked from the two
counts, so more exact than the rounded published percentage). Suppressed counts ("c", "k", "x",
"z") leave the measure out for that council and year. Source files, DfE "Children looked after
in England including adoptions" 2025, Open Government Licence v3.0:
- cla_number_and_rate_per_10k_children.csv: cla, starts, ceased;
- la_cla_placement_stability.csv: pct_3plus_placements, pct_3plus_placements_2_years,
  pct_long_term_stability;
- la_care_leavers_accommodation_suitability.csv: care_leavers_<age>, pct_suitable_<age>,
  pct_unsuitable_<age>, pct_no_information_<age> for ages 17_18 and 19_21 (denominator the
  DfE's "Suitability total", no information included);
- la_cla_during_year_new_placements.csv: new_placements and the share of new placements
  pct_new_<inside|outside>_<near|far> (20 miles or less, more) and pct_new_not_known;
  pct_status_change_only (placement changes that were a change of status only).

Run: python scripts/build_synth_targets.py ../shared/reference/dfe
"""

import csv
import sys
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "sufficiency" / "synth" / "data" / "council_targets.csv"
COUNTS = {
    "Children looked after on 31 March each year": "cla",
    "Children starting to be looked after each year": "starts",
    "Children ceasing to be looked after each year": "ceased",
}
# measure: (file, group column, numerator (group, breakdown), denominator (group, breakdown))
LTS_GROUP = "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years"
NEW = "Location of new placements during the year"
CHANGE = "Reason for placement change during the year"
SHARES = {
    "pct_3plus_placements": ("la_cla_placement_stability.csv", "cla_group", "placement_stability",
                             ("CLA on 31 March", "With 3 or more placements during the year"),
                             ("CLA on 31 March", "Total children")),
    "pct_3plus_placements_2_years": (
        "la_cla_placement_stability.csv", "cla_group", "placement_stability",
        ("CLA 2 years on 31 March", "With 3 or more placements during the previous 2 years"),
        ("CLA 2 years on 31 March", "Total children")),
    "pct_long_term_stability": ("la_cla_placement_stability.csv", "cla_group", "placement_stability",
                                (LTS_GROUP, "Living with the same carer for at least 2 years"),
                                (LTS_GROUP, "Total children")),
    "pct_status_change_only": ("la_cla_during_year_new_placements.csv", "characteristic", "breakdown",
                               (CHANGE, "Change in the status of a placement only"),
                               (CHANGE, "Total placements changing")),
}
for _age in ("17 to 18", "19 to 21"):
    _key = _age.replace(" to ", "_")
    for _name, _breakdown in (("suitable", "Accommodation considered suitable"),
                              ("unsuitable", "Accommodation considered unsuitable"),
                              ("no_information", "No information")):
        SHARES[f"pct_{_name}_{_key}"] = ("la_care_leavers_accommodation_suitability.csv",
                                         "care_leaver_age", "breakdown", (f"{_age} years", _breakdown),
                                         (f"{_age} years", "Suitability total"))
for _name, _breakdown in (("inside_near", "Placed inside LA boundary less than 20 miles from home"),
                          ("inside_far", "Placed inside LA boundary more than 20 miles from home"),
                          ("outside_near", "Placed outside LA boundary less than 20 miles from home"),
                          ("outside_far", "Placed outside LA boundary more than 20 miles from home"),
                          ("not_known", "Distance not known or not recorded")):
    SHARES[f"pct_new_{_name}"] = ("la_cla_during_year_new_placements.csv", "characteristic", "breakdown",
                                  (NEW, _breakdown), (NEW, "Total new placements"))
TOTALS = {  # measure: (file, group column, breakdown column, (group, breakdown))
    "care_leavers_17_18": ("la_care_leavers_accommodation_suitability.csv", "care_leaver_age", "breakdown",
                           ("17 to 18 years", "Suitability total")),
    "care_leavers_19_21": ("la_care_leavers_accommodation_suitability.csv", "care_leaver_age", "breakdown",
                           ("19 to 21 years", "Suitability total")),
    "new_placements": ("la_cla_during_year_new_placements.csv", "characteristic", "breakdown",
                       (NEW, "Total new placements")),
}


def _area(r: dict) -> str | None:
    if r["geographic_level"] == "National":
        return "england"
    if r["geographic_level"] == "Local authority" and r["new_la_code"].startswith("E"):
        return r["old_la_code"]
    return None


def _read(src: Path, name: str, group: str, breakdown: str, count: str) -> dict:
    """(area, year, group, breakdown) -> published count (None where suppressed)."""
    out = {}
    with (src / name).open(encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            area = _area(r)
            if area is None:
                continue
            value = r[count]
            out[(area, r["time_period"], r[group], r[breakdown])] = int(value) if value.isdigit() else None
    return out


def main(src: Path) -> None:
    rows: list[dict] = []
    cache: dict[str, dict] = {}

    def table(name: str, group: str, breakdown: str) -> dict:
        if name not in cache:
            count = "care_leaver_count" if "care_leavers" in name else "children_count"
            cache[name] = _read(src, name, group, breakdown, count)
        return cache[name]

    counts = _read(src, "cla_number_and_rate_per_10k_children.csv", "population_type",
                   "population_type", "children_count")
    for (area, year, kind, _), n in counts.items():
        if n is not None:
            rows.append({"area": area, "year": year, "measure": COUNTS[kind], "numerator": n,
                         "denominator": "", "value": n})
    for measure, (name, group, breakdown, (g, b)) in TOTALS.items():
        for (area, year, gg, bb), n in table(name, group, breakdown).items():
            if (gg, bb) == (g, b) and n is not None:
                rows.append({"area": area, "year": year, "measure": measure, "numerator": n,
                             "denominator": "", "value": n})
    for measure, (name, group, breakdown, num, den) in SHARES.items():
        t = table(name, group, breakdown)
        by = defaultdict(dict)
        for (area, year, gg, bb), n in t.items():
            by[(area, year)][(gg, bb)] = n
        for (area, year), cells in by.items():
            k, d = cells.get(num), cells.get(den)
            if k is not None and d:
                rows.append({"area": area, "year": year, "measure": measure, "numerator": k,
                             "denominator": d, "value": round(100 * k / d, 3)})
    rows.sort(key=lambda r: (r["area"] != "england", r["area"], r["year"], r["measure"]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, ["area", "year", "measure", "numerator", "denominator", "value"],
                           lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{OUT}: {len(rows)} rows, {len({r['area'] for r in rows})} areas")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/dfe"))
