"""Supply in the regional report: Ofsted's provider-level layout read (title rows, sectors, case
of provision types), counts matching an independent count, supply and gap figures that add up
across councils to the region, statistical neighbours, and the regional demo on a small scale."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from sufficiency import api
from sufficiency.api.region_demo import RegionDemoOptions, region_demo
from sufficiency.errors import InputError
from sufficiency.parameters import PlacementCategories
from sufficiency.region import gap
from sufficiency.region.indicators import RegionData
from sufficiency.region.location import where
from sufficiency.region.supply import by_council, providers, read_ofsted

TITLES = ["Children's social care data in England 2024 - Provider level as at 31 March 2024",
          "This worksheet contains one table, this table begins in cell A4.",
          "Some cells in this table are empty."]
HEADER = ["Web link", "URN", "Linked Education URN", "Provision type", "Registration date", "Registration status",
          "Name", "Postcode", "Local authority", "Sector", "Places", "Organisation which owns the provider", "", ""]
# provision type, council as Ofsted names it, sector, places, owner
ROWS = [("Children's home", "Bolton", "Private", "4", "Acme Care"),
        ("Children's Home", "Bolton", "Local Authority", "3", "Bolton Council"),
        ("Children's home", "Bolton", "Voluntary", "5", "Hope Trust"),
        ("Children's home", "Bolton", "Private", "2", "Acme Care"),
        ("Secure children's home", "Bolton", "Local Authority", "8", "Bolton Council"),
        ("Independent Fostering Agency", "Bolton", "Private", "", "Foster Co"),
        ("Boarding School", "Bolton", "Private", "120", "A School"),
        ("Children's home", "St Helens", "Private", "6", "Acme Care"),
        ("Children's home", "Bristol", "Health Authority", "2", "NHS Trust"),
        ("Independent Fostering Agency", "Bristol", "Voluntary", "", "Kind Hearts")]


def _ofsted(path: Path, rows=ROWS, header=HEADER) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        for t in TITLES:
            w.writerow([t] + [""] * (len(header) - 1))
        w.writerow(header)
        for i, (kind, la, sector, places, owner) in enumerate(rows):
            w.writerow(["link", f"SC{i:06d}", "", kind, "01/01/2020", "Active", "REDACTED", "REDACTED", la, sector,
                        places, owner, "", ""])
    return path


def _independent(path: Path, council: str) -> dict:
    """Homes, places and fostering agencies of `council`, counted straight from the CSV rows."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))[4:]
    homes = [r for r in rows if r[8] == council and r[3].lower() == "children's home"]
    return {"homes": len(homes), "places": sum(int(r[10]) for r in homes),
            "private": sum(int(r[10]) for r in homes if r[9] == "Private"),
            "agencies": sum(1 for r in rows if r[8] == council and r[3] == "Independent Fostering Agency")}


def test_ofsted_layout_is_read_and_counts_match_an_independent_count(tmp_path):
    path = _ofsted(tmp_path / "providers_at_31_march_2024.csv")
    supply = read_ofsted(path)
    assert supply.as_of == "31 March 2024"
    assert set(supply.frame["kind"]) == {"children's home", "secure children's home", "fostering agency"}
    codes = {"Bolton": "E08000001", "Bristol": "E06000023"}
    t = by_council(supply.frame, list(codes.values()))
    for name, code in codes.items():
        want = _independent(path, name)
        assert t.loc[code, "homes"] == want["homes"] and t.loc[code, "places"] == want["places"]
        assert t.loc[code, "places_private"] == want["private"]
        assert t.loc[code, "fostering_agencies"] == want["agencies"]
    assert t.loc["E08000001", "owners"] == 3 and t.loc["E08000001", "secure_places"] == 8
    assert t.loc["E06000023", "places_other"] == 2  # a sector other than the three
    assert (supply.frame["council"] != "").all()  # 'St Helens', 'Bristol' meet the DfE's spellings


def test_the_shipped_cut_keeps_every_kind_and_sector():
    s = providers()
    assert s.as_of == "31 March 2023" and "Open Government Licence" in s.source
    f = s.frame
    assert set(f["sector"]) >= {"local authority", "private", "voluntary"}
    homes = f[f["kind"] == "children's home"]
    assert homes["places"].gt(0).all() and f.loc[f["kind"] == "fostering agency", "places"].eq(0).all()


@pytest.mark.parametrize("change, message", [
    (lambda h: [c for c in h if c != "Sector"], "lacks the column"),
    (lambda h: ["Name", "Town"], "not Ofsted's provider-level data"),
])
def test_a_file_not_in_ofsteds_layout_is_refused(tmp_path, change, message):
    header = change(HEADER)
    path = tmp_path / "bad.csv"
    pd.DataFrame(columns=header).to_csv(path, index=False)
    with pytest.raises(InputError, match=message):
        read_ofsted(path)


def test_places_that_are_not_a_number_are_named(tmp_path):
    path = _ofsted(tmp_path / "p.csv", rows=[("Children's home", "Bolton", "Private", "four", "Acme")])
    with pytest.raises(InputError, match="places 'four'"):
        read_ofsted(path)


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """A small regional demo: three councils' worth of GM at 3% of their size, with a forecast."""
    out = tmp_path_factory.mktemp("gm")
    result = region_demo(RegionDemoOptions(out=out, scale=0.03, runs=20, horizon=2, years=(2023, 2025)))
    return result


def test_the_regional_demo_shares_every_member_and_writes_the_report(region):
    assert len(region.shares) == 10 and all(p.exists() for p in region.shares)
    html = region.report.html.read_text(encoding="utf-8")
    assert 'id="supply"' in html and 'id="forecast"' in html
    for caption in ("fostering agencies, 31 March 2023", "Gap over the regional forecast",
                    "Each council beside its statistical neighbours"):
        assert caption in html


def test_supply_and_gap_figures_add_up_to_the_region(region):
    data = RegionData.read(region.db)
    supply = providers()
    places = gap.supply_by_council(supply, data.codes)
    for col in ("homes", "places", "places_private", "residential_places", "fostering_agencies"):
        assert places.loc[gap.REGION, col] == places.drop(index=gap.REGION)[col].sum()
    region_rate = 10_000 * places.loc[gap.REGION, "residential_places"] / places.loc[gap.REGION, "child_population"]
    assert places.loc[gap.REGION, "places_per_10k"] == pytest.approx(region_rate)
    live = where(data, data.years()[-1])
    now = gap.residential_now(live, data.codes, PlacementCategories.load())
    assert now.loc[gap.REGION, "looked_after"] == live["category"].isin(
        PlacementCategories.load().select("residential")).sum()
    g = gap.gap_now(places, now)
    assert g[gap.REGION] == g.drop(gap.REGION).sum()
    con = duckdb.connect(str(region.db), read_only=True)
    q = con.execute("SELECT * FROM region_forecast").df()
    con.close()
    ahead = gap.gap_ahead(q, places)
    mid = ahead[ahead["quantile"] == 0.5].set_index(["council", "date"])
    res = q[(q["measure"] == "residential") & (q["quantile"] == 0.5)].set_index(["council", "date"])["value"]
    assert np.allclose(mid["gap"], mid.index.get_level_values(0).map(places["residential_places"]) - res[mid.index])
    low = ahead[ahead["quantile"] == 0.05].set_index(["council", "date"])["gap"]
    high = ahead[ahead["quantile"] == 0.95].set_index(["council", "date"])["gap"]
    assert (low <= high).all()


def test_a_newer_ofsted_file_is_used_when_given(region, tmp_path):
    path = _ofsted(tmp_path / "providers_2024.csv")
    out = tmp_path / "r.html"
    api.region_report(api.RegionReportOptions(db=region.db, out=out, providers=path))
    html = out.read_text(encoding="utf-8")
    assert "31 March 2024" in html and "31 March 2023" not in html.split('id="supply"')[1].split("</table>")[0]


def test_the_demo_shares_with_keys_made_from_its_seed_so_its_figures_repeat(region, tmp_path):
    from sufficiency.api.region_demo import _demo_key
    from sufficiency.region.key import council_key, key_check

    first = council_key(_demo_key(tmp_path / "a.duckdb", "E08000001", 1))
    assert council_key(_demo_key(tmp_path / "b.duckdb", "E08000001", 1)) == first
    assert council_key(_demo_key(tmp_path / "c.duckdb", "E08000002", 1)) != first
    assert council_key(_demo_key(tmp_path / "d.duckdb", "E08000001", 2)) != first
    con = duckdb.connect(str(region.db), read_only=True)
    checks = dict(con.execute("SELECT council, key_check FROM councils").fetchall())
    again = {code: key_check(council_key(_demo_key(tmp_path / f"{code}.duckdb", code, 1))) for code in checks}
    assert checks == again
