"""Sharing with a region, and the region's commands: share; region add, remove, report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import SEED, YEARS, err, guarded, help_text, out, plural, progress, table, warn_if_shown

region_app = typer.Typer(help="The region's side: import councils' shares, withdraw a council, report.",
                         no_args_is_help=True)

REGION_DB = "The regional store (made by the first `region add`)."
RegionDb = Annotated[Path, typer.Option(help=REGION_DB)]
Years = Annotated[int, typer.Option(help=YEARS)]
Seed = Annotated[int, typer.Option(help=SEED)]


@guarded
def share(
    db: Annotated[Path, typer.Option(help="The council's store, written by `sufficiency load`.")] = Path("la.duckdb"),
    region: Annotated[str | None, typer.Option(help="The region, for the example agreement shipped for it "
                                                    "(e.g. \"Greater Manchester\").")] = None,
    agreement: Annotated[Path | None, typer.Option(help="The region's data-sharing agreement (YAML), in place "
                                                        "of --region.")] = None,
    output: Annotated[Path, typer.Option("--out", "-o", help="The share file to write.")] = Path("council.share"),
    key: Annotated[Path | None, typer.Option(help="The council's pseudonym key file (default: beside the store, "
                                                  "made on the first share; never put it in a share).")] = None,
) -> None:
    """Write the council's pseudonymised share for its region: only the fields the agreement lists."""
    from .. import api

    result = api.share(api.ShareOptions(db=db, region=region, agreement=agreement, out=output, key=key))
    err.print(table(result.rows, f"Shared with {result.region} (agreement {result.agreement_version})", {"rows": ","}))
    if result.key_created:
        err.print(f"A new pseudonym key was made at {result.key}: keep it (and a backup) inside the council; "
                  "later shares need the same key so each child keeps its pseudonym.")
    out.print(f"Share: {result.out}")


@guarded
def add(
    files: Annotated[list[Path], typer.Argument(help="Share files written by `sufficiency share`.")],
    db: RegionDb = Path("region.duckdb"),
    agreement: Annotated[str | None, typer.Option(help="The region's agreement (YAML file, or a shipped region's "
                                                       "name); needed once, then kept in the store.")] = None,
    use: Annotated[list[str] | None, typer.Option(help="What the shares are imported for (indicators, forecast, "
                                                       "planning; repeat for several).")] = None,
) -> None:
    """Import councils' shares: all or none, only from member councils whose agreement covers the use."""
    from .. import api

    result = api.region_add(api.RegionAddOptions(files=files, db=db, agreement=agreement, uses=use or ["indicators"]))
    shown = result.imported.assign(replaced=result.imported["replaced"].map({True: "yes", False: ""}))
    err.print(table(shown[["name", "file", "children", "replaced"]], f"Imported into {result.db}", {"children": ","}))
    for name in result.imported.loc[result.imported["key_changed"], "name"]:
        err.print(f"{name}'s pseudonym key has changed since its last share: its children are not linked to "
                  "the earlier share.")


@guarded
def remove(
    council: Annotated[str, typer.Argument(help="The council to withdraw (name or ONS code).")],
    db: RegionDb = Path("region.duckdb"),
) -> None:
    """Withdraw a council from the regional store completely (logged)."""
    from .. import api

    result = api.region_remove(api.RegionRemoveOptions(council=council, db=db))
    out.print(f"Removed {result.name} from {result.db}: {plural(result.rows, 'row')} deleted.")


@guarded
def report(
    db: RegionDb = Path("region.duckdb"),
    output: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("region.html"),
    no_suppression: Annotated[bool, typer.Option(
        "--no-suppression", help="Show counts of 1-4 (for the region's analysts only; marked not for publication).")] = False,
    providers: Annotated[Path | None, typer.Option(help="A newer year's Ofsted provider-level CSV, as Ofsted publishes "
                                                        "it (default: the shipped one at 31 March 2023).")] = None,
) -> None:
    """Write the regional report: each council beside the region and England, where children live, flows."""
    from .. import api

    result = api.region_report(api.RegionReportOptions(db=db, out=output, suppression=not no_suppression,
                                                              providers=providers))
    out.print(f"Report: {result.html} ({plural(len(result.councils), 'council')})")
    warn_if_shown(result.suppressed)


@guarded
def forecast(
    db: RegionDb = Path("region.duckdb"),
    years: Years = 5,
    runs: Annotated[int, typer.Option(help="Simulated runs of every council.")] = 1000,
    seed: Seed = 1,
) -> None:
    """Forecast each council and the region: each council's model, the runs combined run by run."""
    from .. import api

    with progress() as bar:
        result = api.region_forecast(api.RegionForecastOptions(db=db, years=years, runs=runs, seed=seed), bar)
    for measure, title, fmt in (("children", "Children looked after", ",.0f"), ("weekly_cost", "Weekly cost (£)", ",.0f")):
        rows = result.horizon[result.horizon["measure"] == measure].drop(columns="measure")
        err.print(table(rows, f"{title}, last 31 March forecast (5%, median, 95%)",
                        {"low": fmt, "median": fmt, "high": fmt}))
    out.print(f"Councils' runs combined with correlation {result.rho:.2f} (measured {result.measured:.2f} from "
              f"{result.months} months of entrants); tables region_forecast and region_forecast_runs in {result.db}.")


@guarded
def compare(
    reforms: Annotated[Path, typer.Argument(help="The regional reforms (YAML: scenarios whose places are split "
                                                 "between the councils; see docs/examples/regional-reforms.yaml).")],
    db: RegionDb = Path("region.duckdb"),
    years: Years = 5,
    runs: Annotated[int, typer.Option(help="Simulated runs of every council and scenario.")] = 1000,
    seed: Seed = 1,
    params: Annotated[Path | None, typer.Option(
        help="The region's own parameters (a YAML file or folder): prices, homes, costs, workforce.")] = None,
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Also write the comparison to this "
                                                                    "workbook (.xlsx).")] = None,
) -> None:
    """Compare regional reforms with the baseline in every council and for the region (net money, 90% ranges)."""
    from .. import api

    with progress() as bar:
        result = api.region_compare(api.RegionCompareOptions(reforms=reforms, db=db, years=years, runs=runs,
                                                             seed=seed, params=params, out=output), bar)
    err.print(table(result.split, "Each council's part of each reform's places", {"capacity": ",.4g", "share": ".0%"}, left=3))
    npv = result.finance[result.finance["measure"] == "npv"].drop(columns="measure")
    err.print(table(npv, f"Net present value over {years} years (GBP): expected, 5% and 95%",
                    dict.fromkeys(("mean", "lo90", "hi90"), ",.0f"), left=2))
    out.print(f"Councils' runs combined with correlation {result.rho:.2f}; tables region_reform_* in {result.db}"
              + (f"; workbook {result.out}" if result.out else "") + ". `sufficiency region report` shows them.")


for _command in (add, remove, report, forecast, compare):
    region_app.command(help=help_text(_command))(_command)
