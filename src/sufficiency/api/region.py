"""Sharing with a region, and the region's side: share, region add, region remove, region report.

    api.share(api.ShareOptions(db="la.duckdb", region="Greater Manchester", out="bolton.share"))
    api.region_add(api.RegionAddOptions(files=["bolton.share"], db="region.duckdb"))
    api.region_remove(api.RegionRemoveOptions(council="Bolton", db="region.duckdb"))
    api.region_report(api.RegionReportOptions(db="region.duckdb", out="region.html"))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import Field

from ..errors import OptionError
from .options import Options, Runs, Seed, Workbook, YearsAhead

Use = Literal["indicators", "forecast", "planning"]


class ShareOptions(Options):
    """`share`: the council's pseudonymised share for its region. `region` names a shipped
    example agreement; `agreement` is the region's own agreement file (one of the two)."""

    db: Path = Path("la.duckdb")
    out: Path = Path("council.share")
    region: str | None = None
    agreement: Path | None = None
    key: Path | None = None  # the pseudonym key file (default: beside the store, made on the first share)


@dataclass
class ShareResult:
    out: Path
    council: str
    region: str
    agreement_version: str
    key: Path
    key_created: bool
    rows: pd.DataFrame  # table, rows


def share(options: ShareOptions) -> ShareResult:
    """Write the council's share: only the agreement's fields, pseudonymised (region/share.py)."""
    from ..region.agreement import load_agreement
    from ..region.share import share_store

    if (options.region is None) == (options.agreement is None):
        raise OptionError("agreement", "or --region is needed, one of the two: the region's agreement file, or the "
                                       "name of a region whose example agreement is shipped.")
    agreement = load_agreement(options.agreement or options.region)
    done = share_store(options.db, agreement, options.out, options.key)
    rows = pd.DataFrame({"table": list(done.rows), "rows": list(done.rows.values())})
    return ShareResult(done.path, done.council_name, agreement.region, agreement.version, done.key,
                       done.key_created, rows)


class RegionAddOptions(Options):
    """`region add`: import shares into the regional store, all or none. `agreement`: the
    region's agreement file or a shipped region's name (needed once; kept in the store)."""

    files: Annotated[list[Path], Field(min_length=1)]
    db: Path = Path("region.duckdb")
    agreement: str | None = None
    uses: Annotated[list[Use], Field(min_length=1)] = ["indicators"]


@dataclass
class RegionAddResult:
    db: Path
    imported: pd.DataFrame  # council, name, file, children, replaced, key_changed


def region_add(options: RegionAddOptions) -> RegionAddResult:
    from ..region.agreement import load_agreement
    from ..region.imports import add_shares

    agreement = load_agreement(options.agreement) if options.agreement else None
    done = add_shares(options.db, list(options.files), agreement=agreement, uses=tuple(options.uses))
    frame = pd.DataFrame([{"council": d.council, "name": d.name, "file": str(d.file),
                           "children": d.rows.get("children", 0), "replaced": d.replaced,
                           "key_changed": d.key_changed} for d in done])
    return RegionAddResult(options.db, frame)


class RegionRemoveOptions(Options):
    """`region remove`: withdraw a council's data from the regional store completely."""

    council: str
    db: Path = Path("region.duckdb")


@dataclass
class RegionRemoveResult:
    db: Path
    council: str
    name: str
    rows: int  # rows deleted


def region_remove(options: RegionRemoveOptions) -> RegionRemoveResult:
    from ..region.imports import remove_council

    code, name, gone = remove_council(options.db, options.council)
    return RegionRemoveResult(options.db, code, name, sum(gone.values()))


class RegionReportOptions(Options):
    """`region report`: the regional report, small numbers suppressed per council by default.
    `providers`: a newer year's Ofsted provider-level file (default: the shipped one at 31 March 2023)."""

    db: Path = Path("region.duckdb")
    out: Path = Path("region.html")
    suppression: bool = True
    providers: Path | None = None


@dataclass
class RegionReportResult:
    html: Path
    councils: list[str]
    suppressed: bool


def region_report(options: RegionReportOptions) -> RegionReportResult:
    from ..region.report import write_region_report

    path, report = write_region_report(options.db, options.out, options.suppression, options.providers)
    return RegionReportResult(path, report.councils, options.suppression)


class RegionRunOptions(Options):
    """What every simulation of the region takes: its store, the years ahead, the runs and the seed."""

    db: Path = Path("region.duckdb")
    years: YearsAhead = 5
    runs: Runs = 1000
    seed: Seed = 1


class RegionForecastOptions(RegionRunOptions):
    """`region forecast`: each council's model, combined run by run, into the regional store."""


@dataclass
class RegionForecastResult:
    db: Path
    horizon: pd.DataFrame  # name, measure, low, median, high on the last 31 March forecast
    rho: float
    measured: float
    months: int


def region_forecast(options: RegionForecastOptions, progress=None) -> RegionForecastResult:
    from ..region.forecast import forecast_region
    from ..region.indicators import RegionData
    from ..region.store import write_results

    data = RegionData.read(options.db)
    fc = forecast_region(data, years=options.years, runs=options.runs, seed=options.seed, progress=progress)
    write_results(options.db, {"region_forecast": fc.quantiles, "region_forecast_runs": fc.paths}, fc.settings)
    q = fc.quantiles[fc.quantiles["date"] == fc.quantiles["date"].max()]
    wide = q.pivot_table(index=["council", "measure"], columns="quantile", values="value").reset_index()
    wide = wide.rename(columns={0.05: "low", 0.5: "median", 0.95: "high"})
    wide.insert(0, "name", wide["council"].map(data.name))
    order = {c: i for i, c in enumerate([*data.codes, "region"])}
    wide = wide.sort_values(["measure", "council"], key=lambda s: s.map(order) if s.name == "council" else s)
    return RegionForecastResult(options.db, wide[["name", "measure", "low", "median", "high"]].reset_index(drop=True),
                                fc.rho, fc.measured, fc.months)


class RegionCompareOptions(RegionRunOptions):
    """`region compare`: regional reforms (a YAML file of scenarios whose places are split between
    the councils) compared with the baseline in every council and rolled up for the region."""

    reforms: Path
    params: Path | None = None  # the region's own parameters (YAML file or folder): prices, costs, workforce
    out: Workbook = None  # also write the comparison to this workbook


@dataclass
class RegionCompareResult:
    db: Path
    split: pd.DataFrame  # scenario, name, what, capacity, share: each council's part of each reform's places
    finance: pd.DataFrame  # scenario, name, measure, mean, lo90, hi90 (net saving, NPV) per council and the region
    rho: float
    out: Path | None = None


def region_compare(options: RegionCompareOptions, progress=None) -> RegionCompareResult:
    import shlex

    from ..parameters import load_parameters
    from ..region.indicators import RegionData
    from ..region.reforms import load_regional
    from ..region.reforms_results import write_comparison
    from ..region.reforms_run import compare_region

    o = options
    data = RegionData.read(o.db)
    plan = load_regional(o.reforms, data)
    rc = compare_region(data, plan, years=o.years, runs=o.runs, seed=o.seed, parameters=load_parameters(o.params),
                        progress=progress)
    command = shlex.join(["sufficiency", "region", "compare", str(o.reforms), "--years", str(o.years),
                          "--runs", str(o.runs), "--seed", str(o.seed),
                          *(["--params", str(o.params)] if o.params else [])])
    write_comparison(o.db, rc, command)
    if o.out:
        from ..region.reforms_workbook import write_workbook

        write_workbook(rc, data.name, o.out, command)
    split = rc.split[rc.split["change"] >= 0].assign(name=lambda f: f["council"].map(data.name))
    fin = rc.finance[rc.finance["measure"].isin(["net_saving", "npv"])].assign(
        name=lambda f: f["council"].map(data.name))
    return RegionCompareResult(o.db, split[["scenario", "name", "what", "capacity", "share"]].reset_index(drop=True),
                               fin[["scenario", "name", "measure", "mean", "lo90", "hi90"]].reset_index(drop=True),
                               float(rc.settings["rho"]), o.out)
