"""Regenerate the small reference tables shipped in src/sufficiency/reference/data/.

They are cut from DfE and ONS files under Open Government Licence v3.0 in ../shared/reference/dfe:
- local_authorities.csv: each English LA's codes, names and region, with its published
  children looked after on 31 March, starts, ceased and child population, 2021-2025
  (DfE "Children looked after in England including adoptions" 2025, cla_number_and_rate).
- ltla_utla.csv: lower-tier to upper-tier LA in England (ONS LTLA-UTLA April 2023 lookup), so
  that a postcode's district gives the council with the care duty, 2023 unitaries included.
- published.csv.gz: the DfE's published figures for every council, region and England, one row
  per area, indicator, category and year (la_code, indicator, category, year, value, numerator,
  denominator, symbol, source), cut by `cut_published` from the CLA release's LA-level files and
  the children's social work workforce census. Sources, and the measures with no computed twin,
  are described in reference/data/published.yaml.
- published_areas.csv: each council's ONS code, DfE number, name, region and its ten
  statistical neighbours (DfE groupings, April 2021), by ONS code, closest first.

Run: python scripts/build_reference_data.py ../shared/reference/dfe
"""

import csv
import gzip
import io
import re
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
    write_published(src, OUT)


# --- the DfE's published figures --------------------------------------------------------------
# Each measure: (indicator id, category, DfE file, the rows' selecting columns and values, the
# value column, the numerator column, the rows holding the denominator (same area and year) or
# None). Categories follow the computed indicators' ('all' for a headline figure).
CLA = "cla_number_and_rate_per_10k_children"
STAB = "la_cla_placement_stability"
LEAVERS = "la_care_leavers_accommodation_suitability"
NEW = "la_cla_during_year_new_placements"
ON_31_MARCH = {"population_type": "Children looked after on 31 March each year"}
LONG_TERM = "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years"
NEW_LOCATION = "Location of new placements during the year"
MEASURES_PUBLISHED = [
    ("cla_31_march", "all", CLA, ON_31_MARCH, "children_count", None, None),
    ("cla_rate_per_10k", "all", CLA, ON_31_MARCH, "rate_per_10000", "children_count", "population_estimate"),
    ("started", "all", CLA, {"population_type": "Children starting to be looked after each year"},
     "children_count", None, None),
    ("ceased", "all", CLA, {"population_type": "Children ceasing to be looked after each year"},
     "children_count", None, None),
    ("pct_3plus_placements", "all", STAB, {"cla_group": "CLA on 31 March",
     "placement_stability": "With 3 or more placements during the year"}, "children_percent", "children_count",
     {"placement_stability": "Total children"}),
    ("pct_3plus_placements_2_years", "all", STAB, {"cla_group": "CLA 2 years on 31 March",
     "placement_stability": "With 3 or more placements during the previous 2 years"}, "children_percent",
     "children_count", {"placement_stability": "Total children"}),
    ("pct_long_term_stability", "all", STAB, {"cla_group": LONG_TERM,
     "placement_stability": "Living with the same carer for at least 2 years"}, "children_percent",
     "children_count", {"placement_stability": "Total children"}),
    ("new_placements", "all", NEW, {"characteristic": NEW_LOCATION, "breakdown": "Total new placements"},
     "children_count", None, None),
    ("pct_new_placements_outside_la_over_20_miles", "all", NEW, {"characteristic": NEW_LOCATION,
     "breakdown": "Placed outside LA boundary more than 20 miles from home"}, "children_percent", "children_count",
     {"breakdown": "Total new placements"}),
] + [
    m for age in ("17 to 18", "19 to 21") for m in (
        ("care_leavers", age, LEAVERS, {"care_leaver_age": f"{age} years", "breakdown": "Suitability total"},
         "care_leaver_count", None, None),
        ("pct_suitable_accommodation", age, LEAVERS, {"care_leaver_age": f"{age} years",
         "breakdown": "Accommodation considered suitable"}, "care_leaver_percent", "care_leaver_count",
         {"breakdown": "Suitability total"}))
]
# children and family social workers at 30 September (csww_indicators): indicator id <- column
WORKFORCE = "csww_indicators_2017_to_2025"
WORKFORCE_MEASURES = {"sw_fte": "inpost_fte", "sw_turnover_rate": "turnover_rate_fte",
                      "sw_agency_rate": "agency_rate_fte", "sw_vacancy_rate": "vacancy_rate_fte",
                      "sw_caseload": "caseload_fte", "sw_absence_rate": "absence_rate_fte"}
NUMBER = re.compile(r"-?\d+(\.\d+)?")
LONDON = {"E13000001": "E12000007", "E13000002": "E12000007"}  # Inner, Outer London -> London


def period(value: str) -> int:
    """The year ending 31 March a DfE time_period names: '2025' -> 2025, '202425' -> 2025."""
    if re.fullmatch(r"\d{4}", value):
        return int(value)
    if re.fullmatch(r"\d{6}", value) and int(value[4:]) == (int(value[:4]) + 1) % 100:
        return int(value[:4]) + 1
    raise ValueError(f"time_period {value!r} is neither YYYY nor YYYYyy")


def number(value: str) -> float | None:
    """A published number, or None for the DfE's symbols (c suppressed, x not available,
    z not applicable, low or k rounds to zero, u low reliability): never 0."""
    value = value.strip()
    return float(value) if NUMBER.fullmatch(value) else None


def _rows(path: Path) -> list[dict]:
    """The file's rows for England, the nine regions and every council (Inner and Outer London
    rows dropped: London is the region)."""
    out = []
    for r in csv.DictReader(path.open(encoding="utf-8-sig")):
        level = r["geographic_level"]
        if level == "National":
            r["area"] = r["country_code"]
        elif level == "Regional" and r["region_code"].startswith("E12"):
            r["area"] = r["region_code"]
        elif level == "Local authority":
            r["area"] = r["new_la_code"]
        else:
            continue
        out.append(r)
    return out


def _figure(area, indicator, category, year, raw, numerator, denominator, source) -> dict:
    value = number(raw)
    return {"la_code": area, "indicator": indicator, "category": category, "year": year,
            "value": value, "numerator": numerator, "denominator": denominator,
            "symbol": "" if value is not None else raw.strip(), "source": source}


def cut_published(src: Path) -> list[dict]:
    """Every published figure the measures above select, from the DfE files in `src`."""
    out: list[dict] = []
    files = {name: _rows(src / f"{name}.csv") for name in (CLA, STAB, LEAVERS, NEW)}
    for indicator, category, name, where, value, num, den in MEASURES_PUBLISHED:
        rows = files[name]
        index = {_key(r): r for r in rows}
        for r in rows:
            if any(r[k] != v for k, v in where.items()):
                continue
            total = None
            if isinstance(den, dict):
                other = index.get(_key({**r, **den}))
                total = number(other[_value_column(name)]) if other else None
            elif den:
                total = number(r[den])
            out.append(_figure(r["area"], indicator, category, period(r["time_period"]), r[value],
                               number(r[num]) if num else None, total, name))
    for r in _rows(src / f"{WORKFORCE}.csv"):
        # the census is at 30 September: it falls in the year ending 31 March after it
        year = period(r["time_period"]) + 1
        for indicator, column in WORKFORCE_MEASURES.items():
            out.append(_figure(r["area"], indicator, "all", year, r[column], None, None, WORKFORCE))
    return out


def _key(r: dict) -> tuple:
    return tuple(sorted((k, v) for k, v in r.items() if k not in _VALUES))


_VALUES = {"children_count", "children_percent", "care_leaver_count", "care_leaver_percent",
           "population_estimate", "rate_per_10000"}


def _value_column(name: str) -> str:
    return "care_leaver_count" if name == LEAVERS else "children_count"


def cut_areas(src: Path) -> list[dict]:
    """Each council: ONS code, DfE number, name, region (London for Inner and Outer London) and its
    ten statistical neighbours by ONS code (DfE April 2021 groupings; none for a council the
    groupings predate, such as Cumberland)."""
    councils = {}
    for r in _rows(src / f"{CLA}.csv"):
        if r["geographic_level"] == "Local authority":
            councils[r["old_la_code"]] = {"la_code": r["new_la_code"], "old_la_code": r["old_la_code"],
                                          "la_name": r["la_name"],
                                          "region_code": LONDON.get(r["region_code"], r["region_code"])}
    groups = _neighbour_groups(src / "New_Statistical_Neighbour_Groupings_April_2021.csv")
    for number_, c in councils.items():
        near = groups.get(number_, [])
        c["neighbours"] = " ".join(councils[n]["la_code"] for n in near if n in councils)
    return [councils[k] for k in sorted(councils, key=lambda k: councils[k]["la_code"])]


def _neighbour_groups(path: Path) -> dict[str, list[str]]:
    """DfE LA number -> its ten neighbours' numbers, closest first; the rows after the file's
    'Old SNs:' line (councils replaced since) are left out."""
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    head = rows[0]
    columns = [head.index(f"SN{i}") for i in range(1, 11)]
    out = {}
    for r in rows[1:]:
        if any(cell.strip().startswith("Old SNs") for cell in r):
            break
        if r and r[0].strip():
            out[r[0].strip()] = [r[c].strip() for c in columns]
    return out


def write_published(src: Path, out: Path) -> None:
    fields = ["la_code", "indicator", "category", "year", "value", "numerator", "denominator", "symbol", "source"]
    figures = sorted(cut_published(src), key=lambda f: (f["indicator"], f["category"], f["la_code"], f["year"]))
    text = io.StringIO()
    w = csv.DictWriter(text, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for f in figures:
        w.writerow({k: _plain(v) for k, v in f.items()})
    # mtime 0: the same figures give the same bytes
    with gzip.GzipFile(out / "published.csv.gz", "wb", mtime=0) as fh:
        fh.write(text.getvalue().encode("utf-8"))
    with (out / "published_areas.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["la_code", "old_la_code", "la_name", "region_code", "neighbours"],
                           lineterminator="\n")
        w.writeheader()
        w.writerows(cut_areas(src))


def _plain(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/reference/dfe"))
