"""The comparison of regional reforms as a workbook for a region's finance officers: each
council's and the region's net money with its range, by year, each council's part of the places,
and what doing the reforms costs with its sources.

    write_workbook(rc, data.name, path, command)    # data: the RegionData it was made from
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .indicators import REGION

if TYPE_CHECKING:
    from .reforms_run import RegionComparison

MEASURES = {"gross_saving": "gross saving", "investment": "investment", "net_saving": "net saving",
            "npv": "net present value", "payback_years": "payback (years)"}


def _about(rc: RegionComparison, command: str) -> pd.DataFrame:
    s = rc.settings
    lines = [
        f"Reforms across the region compared by sufficiency: {command}",
        f"Reforms file: {s['file']}. {s['runs']:,} runs of every council and scenario, {s['years']} years from "
        f"{s['as_of']} (random seed {s['seed']}: the same seed gives the same figures).",
        "Each council's money is what `sufficiency compare` gives that council alone for its part of the places; "
        "the region's is the councils' runs added up run by run, the councils paired as in the regional forecast "
        f"(correlation {s['rho']:.2f}, measured {s['measured_rho']:.2f} from {s['months']} months of entrants).",
        "Expected is the mean of the runs; low and high are 5% and 95% of the runs (a 90% range).",
        "Gross saving is the baseline's spend less the reform's; investment is what doing the reform costs "
        "(sheet costs, with sources); net saving is the gross saving less the investment; net present value "
        "discounts each year's net saving (HM Treasury Green Book).",
        "Made from the shares: " + ", ".join(f"{code} ({sha[:12]})" for code, sha in s["shares"].items()) + ".",
        "Forecasts from pseudonymised shares, not counts of real children: nothing here identifies a child.",
        *(f"{name}: {text}" for name, text in s["scenarios"].items()),
        *rc.notes,
    ]
    return pd.DataFrame({"About": lines})


def _named(frame: pd.DataFrame, name: Callable[[str], str]) -> pd.DataFrame:
    """`council` codes as names, the region last in each scenario, measures in words."""
    f = frame.copy()
    f.insert(f.columns.get_loc("council") + 1, "name", f["council"].map(name))
    f["_region"] = f["council"] == REGION
    by = [c for c in ("scenario", "measure", "date") if c in f.columns]
    f = f.sort_values([*by, "_region", "name"], kind="stable").drop(columns="_region")
    if "measure" in f.columns:
        f["measure"] = f["measure"].map(lambda m: MEASURES.get(m, m))
    return f.reset_index(drop=True)


def write_workbook(rc: RegionComparison, name: Callable[[str], str], path: Path, command: str) -> Path:
    """README, net money (expected and 90% range) by council and for the region, the same by
    year, each council's part of each reform's places and the reforms' costs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    money = rc.money.assign(date=pd.to_datetime(rc.money["date"]).dt.date)
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        _about(rc, command).to_excel(xl, sheet_name="README", index=False)
        _named(rc.finance, name).to_excel(xl, sheet_name="money", index=False)
        _named(money, name).to_excel(xl, sheet_name="by_year", index=False)
        _named(rc.split, name).to_excel(xl, sheet_name="places", index=False)
        _named(rc.costs, name).to_excel(xl, sheet_name="costs", index=False)
    return path
