"""The comparison of regional reforms in the regional store, with its lineage, and its section of
the regional report.

    write_comparison("region.duckdb", rc, command)    # tables region_reform_*, stamped in `results`
    held = read_comparison("region.duckdb")           # None, or its tables, settings and whether stale
    reforms_section(data, held)                       # the report's section

Each table has a row in the store's `results` table (store/lineage.py) whose `returns` is the
fingerprint of the shares it was made from (each council's ONS code and the SHA-256 of its share
file). Importing another share of a council, or removing one, changes the shares' fingerprint:
the comparison is then stale, kept in the store but never shown as current; the report names the
command that makes it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import StoreError
from ..report import charts
from ..report.content import Section, Table
from ..store import lineage
from .indicators import REGION, RegionData
from .store import connect, councils, tables

if TYPE_CHECKING:
    from .reforms_run import RegionComparison

STAGE = "region_compare"
TABLES = ("region_reform_split", "region_reform_finance", "region_reform_money", "region_reform_runs",
          "region_reform_costs")


def shares_fingerprint(held: pd.DataFrame) -> str:
    """The fingerprint of the shares in a store: each council's code and its share's checksum."""
    return lineage.fingerprint(dict(zip(held["council"], held["share"], strict=True)))


def write_comparison(db: str | Path, rc: RegionComparison, command: str) -> None:
    """Replace the region_reform_* tables and stamp them with the shares they were made from, in
    one transaction; fails if the shares changed while it ran."""
    frames = {"region_reform_split": rc.split, "region_reform_finance": rc.finance, "region_reform_money": rc.money,
              "region_reform_runs": rc.runs, "region_reform_costs": rc.costs}
    con = connect(db)
    try:
        held = councils(con)
        if dict(zip(held["council"], held["share"], strict=True)) != rc.settings["shares"]:
            raise StoreError(f"A share was imported into or removed from {db} while the comparison ran; run it again.")
        con.execute("BEGIN TRANSACTION")
        for name, frame in frames.items():
            con.register("_frame", frame)
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _frame')
            con.unregister("_frame")
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [STAGE, json.dumps({**rc.settings, "notes": rc.notes})])
        lineage.record(con, frames, stage=STAGE, returns=shares_fingerprint(held),
                       parameters=lineage.fingerprint(rc.settings), command=command)
        con.execute("COMMIT")
    finally:
        con.close()


@dataclass
class HeldComparison:
    tables: dict[str, pd.DataFrame]
    settings: dict
    command: str
    stale: bool  # made from other shares than the store holds now


def read_comparison(db: str | Path) -> HeldComparison | None:
    """The stored comparison of regional reforms, or None when there is none."""
    con = connect(db, read_only=True)
    try:
        names = tables(con)
        if not set(TABLES) <= names:
            return None
        frames = {t: con.execute(f'SELECT * FROM "{t}"').df() for t in TABLES if t != "region_reform_runs"}
        row = con.execute("SELECT value FROM meta WHERE key = ?", [STAGE]).fetchone()
        stamp = lineage.read(con, names)
        stamp = stamp[stamp["table"].isin(TABLES)]
        current = shares_fingerprint(councils(con))
    finally:
        con.close()
    stale = stamp.empty or bool((stamp["returns"] != current).any())
    command = str(stamp["command"].iloc[0]) if len(stamp) else "sufficiency region compare"
    return HeldComparison(frames, json.loads(row[0]) if row else {}, command, stale)


def _money(v: float) -> str:
    return f"-£{-v:,.0f}" if v < 0 else f"£{v:,.0f}"


def _range(r) -> str:
    return f"{_money(r['mean'])} ({_money(r['lo90'])} to {_money(r['hi90'])})"


def _places(v: float, what: str) -> str:
    if v != int(v):
        return f"{v:.1f} {what}"
    return f"{int(v)} {what[:-1] if v == 1 and what in ('beds', 'homes') else what}"


def reforms_section(data: RegionData, held: HeldComparison | None) -> Section:
    """Each regional reform's places by council, and its money by council and for the region."""
    s = Section("region_reforms", "Reforms across the region")
    if held is None:
        s.text = ["No comparison of regional reforms is in the store: run `sufficiency region compare "
                  f"REFORMS.yaml --db {data.path}` (an example: docs/examples/regional-reforms.yaml)."]
        return s
    if held.stale:
        s.text = ["The comparison of regional reforms was made from other shares than the store holds now: make it "
                  "again from these shares (the region compare command, with the same reform file)."]
        return s
    st, t = held.settings, held.tables
    s.text = [f"Each reform in {Path(st.get('file', '')).name}, compared with the baseline in every council "
              f"({st.get('runs', 0):,} runs, {st.get('years')} years from {st.get('as_of')}), with the council's part "
              "of the reform's places and of its own costs. Money is net: the gross saving on placements and social "
              "workers less what doing the reform costs, at each year's prices; NPV at the Green Book rate. A run of "
              "the region is one run of every council added up, the councils' runs paired as their entrants move "
              f"together (correlation {st.get('rho', 0):.2f}), so the region's range is that of the sum, not the sum "
              "of the councils' ranges. Expected (mean over runs), with 5% to 95% of the runs."]
    fin = t["region_reform_finance"].set_index(["scenario", "council", "measure"])
    split = t["region_reform_split"]
    names = list(st.get("scenarios", {})) or list(dict.fromkeys(fin.index.get_level_values(0)))
    rows = []
    for code in [*data.codes, REGION]:
        cells = [data.name(code)]
        for name in names:
            got = split[(split["scenario"] == name) & ((split["council"] == code) if code != REGION else True)]
            places = got[got["change"] >= 0]
            cells += [", ".join(_places(v, w) for w, v in places.groupby("what", sort=False)["capacity"].sum().items())
                      or "none", _range(fin.loc[(name, code, "npv")])]
        rows.append(cells)
    columns = [""] + [h for n in names for h in (f"{n}: places", f"{n}: net present value")]
    s.tables.append(Table(f"Each council's part of the reforms' places and its net present value over "
                          f"{st.get('years')} years: expected (5% to 95%)", columns, rows, name="region_reforms"))
    money = t["region_reform_money"]
    cum = money[(money["council"] == REGION) & (money["measure"] == "cumulative_net")]
    series = {n: dict(zip(pd.to_datetime(g["date"]).dt.year, g["mean"], strict=True))
              for n, g in cum.groupby("scenario", sort=False)}
    s.charts.append(charts.lines(series, "The region's cumulative net saving by year to 31 March, expected",
                                 "GBP", money=True))
    s.tables.append(_costs(t["region_reform_costs"]))
    return s


def _costs(costs: pd.DataFrame) -> Table:
    """What each reform's own costs add over the years, the councils' parts summed, with sources."""
    g = costs.groupby(["scenario", "item", "type", "source"], sort=False)["total"].sum().reset_index()
    rows = [[r.scenario, r.item, r.type, _money(r.total), r.source] for r in g.itertuples()]
    return Table("What doing the reforms costs over the years (the councils' parts added up; median runs, each year's "
                 "prices)", ["Reform", "Cost", "Type", "Total", "Source"], rows, name="region_reform_costs")
