"""The regional report: each council beside the region and England, where the region's children
live, and the flows between its councils; one self-contained HTML file (inline CSS and SVG, no
scripts, nothing fetched).

    write_region_report("region.duckdb", "region.html")

Disclosure control is the council report's (report/suppress.py), applied to each council's
figures on their own and to the region's; tables of counts with totals (where children live,
the flows) hide counts of 1 to 4 and, where a row or column would give a hidden count away by
subtraction, the next smallest count too.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from ..indicators import catalogue, compare_england
from ..parameters import PlacementCategories
from ..reference import published as pub
from ..report import charts
from ..report.content import Contents, Section, Table
from ..report.suppress import MARK, SMALL, money, shown, suppress
from ..vocab import year_label as fy
from . import location
from .indicators import REGION, RegionData, indicators
from .reforms_results import read_comparison, reforms_section
from .store import read_results
from .supply import Supply, providers
from .supply_section import supply_section

BESIDE = ["cla_31_march", "cla_rate_per_10k", "started", "ceased", "pct_kinship", "pct_outside_la",
          "pct_over_20_miles", "pct_3plus_placements", "weekly_cost"]
TILES = ["cla_31_march", "cla_rate_per_10k", "started", "ceased", "pct_outside_la", "pct_over_20_miles"]


@dataclass(kw_only=True)
class RegionReport(Contents):
    region: str
    councils: list[str]  # names of the councils whose shares it holds


class _Figures:
    """Every council's and the region's indicators, each suppressed on its own."""

    def __init__(self, frame: pd.DataFrame, suppression: bool):
        parts = []
        for _code, f in frame.groupby("council", sort=False):
            f = f.drop(columns="council").reset_index(drop=True)
            parts.append((suppress(f) if suppression else f.assign(suppressed=False)).assign(council=_code))
        self.frame = pd.concat(parts, ignore_index=True)
        self.england = compare_england(frame[frame["council"] == REGION]).set_index(["indicator", "year"])["england"]
        self.head = self.frame[self.frame["dimension"] == ""].set_index(["council", "indicator", "year"])

    def row(self, council: str, indicator: str, year: int):
        key = (council, indicator, year)
        return self.head.loc[key] if key in self.head.index else None

    def text(self, council: str, indicator: str, year: int) -> str:
        r = self.row(council, indicator, year)
        return ":" if r is None else shown(r["value"], bool(r["suppressed"]), r["unit"])

    def value(self, council: str, indicator: str, year: int) -> float:
        r = self.row(council, indicator, year)
        return np.nan if r is None or r["suppressed"] else float(r["value"])

    def england_text(self, indicator: str, year: int, unit: str) -> str:
        v = self.england.get((indicator, year), np.nan)
        return ":" if pd.isna(v) else shown(v, False, unit)


def build_region_report(data: RegionData, suppression: bool = True, supply: Supply | None = None) -> RegionReport:
    """The report of the shares in `data`; `supply`: Ofsted's providers (default: the shipped cut)."""
    data.require("indicators")
    frame = indicators(data)
    fig = _Figures(frame, suppression)
    cat = catalogue().set_index("indicator")
    years = data.years()
    last = years[-1]
    titles = {**cat["title"].to_dict(), "pct_outside_la": "Placed outside the region"}
    tiles = [{"title": str(titles[i]), "value": fig.text(REGION, i, last),
              "england": ":" if i == "pct_outside_la" else fig.england_text(i, last, str(cat.loc[i, "unit"]))}
             for i in TILES]  # England's figure is of councils, not regions
    live = location.where(data, last)
    held = read_results(data.path)
    sections = [_beside(data, fig, cat, last), _trend(data, fig, years), _where(data, live, last, suppression),
                _flows(data, live, last, suppression),
                supply_section(data, live, last, supply or providers(), suppression, held[0] if held else None),
                _forecast(data, fig, years, held), reforms_section(data, read_comparison(data.path)),
                *_plan(data.path), _shares(data)]
    return RegionReport(region=data.agreement.region, councils=[data.name(c) for c in data.codes], years=years,
                        suppressed=suppression, tiles=tiles, sections=sections, definitions=catalogue(),
                        generated=dt.date.today().isoformat(), source=str(data.path))


def _beside(data: RegionData, fig: _Figures, cat: pd.DataFrame, y: int) -> Section:
    s = Section("beside", "Each council beside the region and England")
    s.text = [f"Headline figures for {fy(y)}, each council's from its own share, the region's from all "
              f"{len(data.codes)} councils' children counted as one. For the region, 'outside the council' means "
              "outside the region. England: the DfE's published figures."]
    rows = [[data.name(c), *[fig.text(c, i, y) for i in BESIDE]] for c in [*data.codes, REGION]]
    rows.append(["England", *[fig.england_text(i, y, str(cat.loc[i, "unit"])) for i in BESIDE]])
    s.tables.append(Table(f"Headline figures, {fy(y)}", ["", *[str(cat.loc[i, "title"]) for i in BESIDE]], rows,
                          name="beside"))
    rates = {data.name(c): fig.value(c, "cla_rate_per_10k", y) for c in [*data.codes, REGION]}
    eng = fig.england.get(("cla_rate_per_10k", y), np.nan)
    if not pd.isna(eng):
        rates["England"] = float(eng)
    s.charts.append(charts.bars(rates, f"Children looked after per 10,000 children, 31 March {y}", "per 10,000 children"))
    s.tables.append(_neighbours(data, fig, cat, y))
    return s


def _neighbours(data: RegionData, fig: _Figures, cat: pd.DataFrame, y: int) -> Table:
    """Each council's figure beside the mean of its ten statistical neighbours' published figures
    (DfE groupings, April 2021), for the rates and percentages the DfE publishes."""
    figs = pub.figures()
    figs = figs[(figs["year"] == y) & (figs["category"] == "all")]
    wide = figs.pivot_table(index="indicator", columns="la_code", values="value", aggfunc="first")
    shown_ = [i for i in cat.index if i in wide.index and cat.loc[i, "unit"] != "count"]
    rows = []
    for code in data.codes:
        near = [c for c in (pub.neighbours(code) if pub.find(code) else []) if c in wide.columns]
        cells = []
        for i in shown_:
            v = wide.loc[i, near].mean() if near else np.nan
            cells += [fig.text(code, i, y), ":" if pd.isna(v) else shown(float(v), False, str(cat.loc[i, "unit"]))]
        rows.append([data.name(code), *cells])
    head = [h for i in shown_ for h in (str(cat.loc[i, "title"]), "Statistical neighbours")]
    return Table(f"Each council beside its statistical neighbours (the mean of the ten councils the DfE groups with "
                 f"it, April 2021, of their published figures), {fy(y)}", ["", *head], rows, name="neighbours")


def _trend(data: RegionData, fig: _Figures, years: list[int]) -> Section:
    s = Section("trend", "Children looked after by council and year")
    series = {data.name(c): {yr: fig.value(c, "cla_31_march", yr) for yr in years} for c in data.codes}
    s.charts.append(charts.lines(series, "Children looked after on 31 March, by council and year", "children"))
    rows = [[data.name(c), *[fig.text(c, "cla_31_march", yr) for yr in years]] for c in [*data.codes, REGION]]
    s.tables.append(Table("Children looked after on 31 March", ["", *map(fy, years)], rows, name="cla_by_year"))
    return s


def _counts(counts: pd.DataFrame, suppression: bool, labels: list[str], head: str, caption: str, name: str) -> Table:
    """A table of counts with a total column and row; hidden cells (and, with suppression, totals
    of 1 to 4) shown as MARK."""
    hidden = location.matrix_suppressed(counts) if suppression else counts.astype(bool) & False
    def cell(v, hide: bool = False) -> str:
        return MARK if hide or (suppression and SMALL[0] <= v <= SMALL[1]) else f"{int(v):,}"

    rows = [[label, *[cell(v, bool(hidden.loc[idx, c])) for c, v in r.items()], cell(r.sum())]
            for label, (idx, r) in zip(labels, counts.iterrows(), strict=True)]
    rows.append(["Total", *[cell(v) for v in counts.sum()], cell(counts.to_numpy().sum())])
    return Table(caption, [head, *[str(c)[:1].upper() + str(c)[1:] for c in counts.columns], "Total"], rows, name=name)


def _where(data: RegionData, live: pd.DataFrame, y: int, suppression: bool) -> Section:
    s = Section("where", "Where the region's children live")
    n = len(live)
    inside = int(live["place"].isin(["own council", "elsewhere in region"]).sum())
    s.text = [f"On 31 March {y}, {n:,} children were looked after by the {len(data.codes)} councils; "
              f"{inside:,} ({100 * inside / max(n, 1):.0f}%) lived in the region, in their own council or another "
              "member council. A placement's council comes from its full postcode, worked out by the home council "
              "before sharing; 'not known' are placements without a usable postcode."]
    t = location.by_council(live, data.codes)
    s.tables.append(_counts(t, suppression, [data.name(c) for c in t.index], "Home council",
                            f"Children looked after on 31 March {y}, by where they live", "where_by_council"))
    labels = PlacementCategories.load().labels()  # shares are grouped by the built-in map
    c = location.by_category(live, list(labels))
    c = c[c.sum(axis=1) > 0]
    s.tables.append(_counts(c, suppression, [labels[k] for k in c.index], "Placement",
                            f"Children looked after on 31 March {y}, by placement and whether in the region",
                            "where_by_placement"))
    small = suppression & location.matrix_suppressed(t)[location.OUTSIDE]
    out = {data.name(code): np.nan if small[code] or not r.sum() else 100 * r[location.OUTSIDE] / r.sum()
           for code, r in t.iterrows()}
    s.charts.append(charts.bars(out, f"Children living outside the region (%), 31 March {y}", "% of the council's children"))
    return s


def _flows(data: RegionData, live: pd.DataFrame, y: int, suppression: bool) -> Section:
    s = Section("flows", "Flows between councils")
    members = [m.code for m in data.agreement.councils]
    f = location.flows(live, data.codes, members)
    f = f.loc[:, (f.sum() > 0) | f.columns.isin(data.codes)]
    short = {m.code: m.name for m in data.agreement.councils}
    f.columns = [short.get(c, c) for c in f.columns]
    s.text = ["Rows: the council that looks after the child (home); columns: the council where the child lives "
              f"(host), on 31 March {y}. The diagonal is children living in their own council."]
    s.tables.append(_counts(f, suppression, [data.name(c) for c in f.index], "Home council",
                            f"Children by home council and host council, 31 March {y}", "flows"))
    into = location.placed_in(live, members).to_frame("children")
    into = into[into.index.isin(data.codes) | (into["children"] > 0)]
    hide = location.matrix_suppressed(into) if suppression else into.astype(bool) & False
    s.tables.append(Table(f"Children other member councils place into each council, 31 March {y}",
                          ["Host council", "Children"],
                          [[short[c], MARK if hide.loc[c, "children"] else f"{int(v):,}"]
                           for c, v in into["children"].items()], name="placed_in"))
    return s


def _forecast(data: RegionData, fig: _Figures, years: list[int], held) -> Section:
    s = Section("forecast", "Forecast")
    if held is None:
        s.text = [f"No regional forecast is in the store: run `sufficiency region forecast --db {data.path}`."]
        return s
    q, settings = held
    q = q.assign(year=pd.to_datetime(q["date"]).dt.year)
    s.text = [f"Each council's model fitted to its own share and simulated {settings.get('runs', 0):,} times, "
              f"{settings.get('years')} years ahead; a run of the region is one run of every council added up, the "
              f"councils' runs paired so that they move together as their histories show (correlation "
              f"{settings.get('rho', 0):.2f}, measured from {settings.get('months')} months of children starting "
              "care in each council). Ranges are 5% to 95% of the runs."]
    region = q[(q["council"] == REGION) & (q["measure"] == "children")]
    bands = {float(k): dict(zip(g["year"], g["value"], strict=True)) for k, g in region.groupby("quantile")}
    history = {y: fig.value(REGION, "cla_31_march", y) for y in years}
    s.charts.append(charts.fan(history, bands, "Children looked after in the region on 31 March: recorded and "
                                               "forecast", "children"))
    last = q[q["year"] == q["year"].max()]
    rows = []
    for code in [*data.codes, REGION]:
        cell = []
        for measure, fmt in (("children", "{:,.0f}".format), ("weekly_cost", money)):
            v = last[(last["council"] == code) & (last["measure"] == measure)].set_index("quantile")["value"]
            cell.append(f"{fmt(v[0.5])} ({fmt(v[0.05])} to {fmt(v[0.95])})")
        rows.append([data.name(code), *cell])
    s.tables.append(Table(f"Forecast for 31 March {int(q['year'].max())}: median (5% to 95%)",
                          ["", "Children looked after", "Weekly cost"], rows, name="forecast"))
    return s


def _plan(db: Path) -> list[Section]:
    """The capacity plan's section (report/plan.py) when the store holds a plan, or names the
    command that makes it again when the plan was made from other shares."""
    from ..report.plan import plan_section
    from ..store import Store

    with Store(db) as store:
        section = plan_section(store, region=True)
    return [section] if section else []


def _shares(data: RegionData) -> Section:
    s = Section("shares", "The shares behind this report")
    a = data.agreement
    s.text = [f"Data-sharing agreement: {a.region}, version {a.version}; uses {', '.join(a.uses)}; each share is "
              f"kept {a.retention_months} months after import. Members whose shares are not here: "
              + (", ".join(m.name for m in a.councils if m.code not in data.codes) or "none") + "."]
    rows = [[r.name, fy(max(json.loads(r.years))) if json.loads(r.years) else ":",
             str(r.made_at)[:10], str(r.imported_at)[:10], str(r.keep_until)] for r in data.councils.itertuples()]
    s.tables.append(Table("Shares imported", ["Council", "Latest year", "Made", "Imported", "Keep until"], rows,
                          name="shares"))
    return s


def render(report: RegionReport) -> str:
    from importlib import resources

    council = resources.files("sufficiency.report").joinpath("templates", "report.html.j2").read_text(encoding="utf-8")
    css = council.split("<style>", 1)[1].split("</style>", 1)[0]  # the council report's look
    env = jinja2.Environment(loader=jinja2.PackageLoader("sufficiency.region", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    return env.get_template("region.html.j2").render(r=report, fy=fy, css=css, source_name=Path(report.source).name)


def write_region_report(db: str | Path, out: str | Path, suppression: bool = True,
                        providers_file: str | Path | None = None) -> tuple[Path, RegionReport]:
    data = RegionData.read(db)
    report = build_region_report(data, suppression, providers(providers_file))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(report), encoding="utf-8")
    return out, report
