"""Build the report from a store: indicators, England beside them, charts, data quality.

The report is a list of sections; each section has a heading, a sentence or two that say what
the figures show (computed from them), charts and tables. Later stages (the forecast, reforms)
add sections of their own from their store tables.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import StoreError
from ..indicators import Indicators, compare_england, compute_all
from ..indicators.flows import REASONS
from ..parameters import PlacementCategories
from ..reference.authorities import authorities
from ..store import Store, StoreData
from ..vocab import year_label as fy
from . import charts
from .benchmarks import published_section
from .content import Report, Section, Table
from .outcomes import outcomes_section
from .plan import plan_section
from .results import forecast_key, forecast_section, reforms_section
from .suppress import MARK, SECONDARY, SMALL, shown, suppress
from .words import cleaning_rule

TILES = ["cla_31_march", "cla_rate_per_10k", "started", "ceased", "pct_kinship", "pct_over_20_miles",
         "pct_3plus_placements", "weekly_cost"]




class _Figures:
    """The indicator frame after disclosure control, with lookups the sections share."""

    def __init__(self, ind: Indicators, suppression: bool):
        f = compare_england(ind.frame)
        full = ind.frame.copy()
        full["england"] = np.nan
        full.loc[f.index, "england"] = f["england"]
        self.frame = suppress(full) if suppression else full.assign(suppressed=False)
        self.cat = ind.catalogue.set_index("indicator")
        self.years = ind.years

    def get(self, indicator: str, year: int, category: str = "all") -> pd.Series | None:
        f = self.frame
        r = f[(f["indicator"] == indicator) & (f["year"] == year) & (f["category"] == category)]
        return r.iloc[0] if len(r) else None

    def series(self, indicator: str, category: str = "all", england: bool = False) -> dict[int, float]:
        out = {}
        for y in self.years:
            r = self.get(indicator, y, category)
            if r is None:
                continue
            v = r["england"] if england else (np.nan if r["suppressed"] else r["value"])
            if not pd.isna(v):
                out[y] = float(v)
        return out

    def text(self, indicator: str, year: int, category: str = "all") -> str:
        r = self.get(indicator, year, category)
        return ":" if r is None else shown(r["value"], bool(r["suppressed"]), r["unit"])

    def title(self, indicator: str) -> str:
        return str(self.cat.loc[indicator, "title"])

    def change(self, indicator: str, year: int) -> str:
        """'up 4% on 2023/24' (or points for percentages); '' when it cannot be said."""
        now, before = self.get(indicator, year), self.get(indicator, year - 1)
        if now is None or before is None or now["suppressed"] or before["suppressed"]:
            return ""
        a, b = float(before["value"]), float(now["value"])
        if np.isnan(a) or np.isnan(b):
            return ""
        if now["unit"] == "percent":
            d = b - a
            word = "up" if d > 0.05 else "down" if d < -0.05 else "unchanged"
            return f"{word} {abs(d):.1f} points on {fy(year - 1)}" if word != "unchanged" else f"unchanged on {fy(year - 1)}"
        if a == 0:
            return ""
        d = 100 * (b - a) / a
        word = "up" if d > 0.05 else "down" if d < -0.05 else "unchanged"
        size = f"{abs(d):.1f}" if abs(d) < 10 else f"{abs(d):.0f}"
        return f"{word} {size}% on {fy(year - 1)}" if word != "unchanged" else f"unchanged on {fy(year - 1)}"

    def sentence(self, indicator: str, year: int, england: bool = True) -> str:
        """A plain sentence on the latest figure, its change and England's."""
        r = self.get(indicator, year)
        if r is None:
            return ""
        value = self.text(indicator, year)
        if value == MARK:
            return f"{self.title(indicator)} in {fy(year)}: fewer than 5 (not shown)."
        s = f"{self.title(indicator)}: {value} in {fy(year)}"
        ch = self.change(indicator, year)
        s += f", {ch}" if ch else ""
        if england and not pd.isna(r["england"]):
            s += f" (England: {shown(r['england'], False, r['unit'])})"
        return s + "."


def build_report(source: str | Path | Store, *, suppression: bool = True, child_population=None,
                 parameters=None, categories=None, figures=None) -> tuple[Report, pd.DataFrame]:
    """The report's content and the (suppressed) indicator frame behind it, from a store path
    or an open Store (every table is read through that one connection); `categories`: the
    council's map of placement categories (default the map the returns were loaded with);
    `figures`: what read_figures returned for this store, when the caller has it."""
    if not isinstance(source, Store):
        with Store(source) as store:
            return build_report(store, suppression=suppression, child_population=child_population,
                                parameters=parameters, categories=categories)
    store = source
    ind, fig, council = figures or read_figures(store, suppression, child_population, parameters, categories)
    categories = fig.categories
    last = ind.years[-1]
    quality = _quality(store)
    tiles = []
    for t in TILES:
        r = fig.get(t, last)
        if r is None:
            continue
        tiles.append({"title": fig.title(t), "value": fig.text(t, last), "change": fig.change(t, last),
                      "england": "" if pd.isna(r["england"]) else shown(r["england"], False, r["unit"]),
                      "higher_is": fig.cat.loc[t, "higher_is"]})
    sections = [
        _population(fig, last), _placements(fig, ind, last), _location(fig, last), _stability(fig, last),
        outcomes_section(fig, last),
        _leaving(fig, last), _safety(fig, last), _cost(fig, ind, last), forecast_section(store, fig), reforms_section(store), plan_section(store),
        _england(fig, last), published_section(store, fig, ind.la_code, parameters), _trends(fig), quality,
    ]
    _reconcile(store, [s for s in sections if s])
    report = Report(council=council, la_code=ind.la_code, years=ind.years, suppressed=suppression, tiles=tiles,
                    sections=[s for s in sections if s], definitions=ind.catalogue,
                    generated=dt.date.today().isoformat(), source=str(store.path),
                    incomplete=list(store.meta().get("incomplete") or []), categories=categories)
    return report, fig.frame


def _reconcile(store: Store, sections: list[Section]) -> None:
    """The plans' own figure for children looked after without a plan, recorded beside the
    forecast's; where the two differ for the same 31 March, the reforms' page says why."""
    by_id = {s.id: s for s in sections}
    fc, rf = by_id.get("forecast"), by_id.get("reforms")
    if fc is None or rf is None or "scenario_measures" not in store.names:
        return
    m = store.sql("SELECT date, value FROM scenario_measures WHERE scenario = 'baseline' AND quantile = 0.5 "
                  "AND measure = 'children_looked_after' ORDER BY date")
    if not len(m):
        return
    end = pd.Timestamp(m["date"].iloc[-1])
    key, value = forecast_key(end.year), f"{m['value'].iloc[-1]:,.0f}"
    if key not in fc.figures or fc.figures[key] == value:
        rf.figures[key] = value
        return
    rf.figures[f"{key}, simulated again for the plans"] = value
    rf.text.append(f"Without a plan, the plans' own simulation gives {value} children looked after on 31 March "
                   f"{end.year}, where the forecast above gives {fc.figures[key]}: the plans are simulated again, "
                   "with fewer simulations and the places each plan adds, so their figure differs by chance and "
                   "by the model of places. Compare plans with each other and with no plan on this page, "
                   "and use the forecast above for the number of children.")


def read_figures(store: Store, suppression: bool, child_population=None, parameters=None,
                 categories=None) -> tuple[Indicators, _Figures, str]:
    """The indicators of the store's returns, the figures after disclosure control, and the
    council's name: what both the analyst's report and the board paper are built from."""
    data = StoreData.read(store, categories, parameters)
    ind = compute_all(data, child_population=child_population)
    if not ind.years:
        raise StoreError(f"{store.path} holds no returns: nothing to report.")
    fig = _Figures(ind, suppression)
    fig.categories = data.categories
    la = authorities().get(ind.la_code or "")
    return ind, fig, la.name if la else (ind.la_code or "Council")


def _population(fig: _Figures, y: int) -> Section:
    s = Section("children", "Children looked after")
    s.text = [fig.sentence("cla_31_march", y), fig.sentence("started", y), fig.sentence("ceased", y)]
    rate = fig.series("cla_rate_per_10k")
    if rate:
        s.text.append(fig.sentence("cla_rate_per_10k", y))
        s.charts.append(_beside_england(fig, "cla_rate_per_10k", "Children looked after per 10,000 children, by year",
                                        "per 10,000 children"))
    else:
        s.charts.append(charts.lines({"Children looked after": fig.series("cla_31_march")},
                                     "Children looked after on 31 March, by year", "children"))
    s.charts.append(charts.lines({"Started": fig.series("started"), "Ceased": fig.series("ceased")},
                                 "Children who started and ceased to be looked after, by year", "children"))
    s.tables.append(_breakdown(fig, "cla_by_age", y, "Age on 31 March", "Age"))
    s.tables.append(_breakdown(fig, "cla_by_legal_status", y, "Legal status on 31 March", "Legal status"))
    s.tables.append(_breakdown(fig, "cla_by_need", y, "Category of need on 31 March", "Need"))
    s.text.append(fig.sentence("uasc_31_march", y))
    return s


def _breakdown(fig: _Figures, indicator: str, y: int, caption: str, head: str, labels=None) -> Table:
    f = fig.frame
    rows = f[(f["indicator"] == indicator) & (f["year"] == y) & (f["dimension"] != "")]
    out = []
    for r in rows.itertuples():
        label = (labels or {}).get(r.category, str(r.category).replace("_", " "))
        count = shown(r.value, r.suppressed, r.unit)
        share = MARK if r.suppressed else (_share(r.value, r.denominator)
                                           if r.denominator and not pd.isna(r.denominator) else ":")
        out.append([label[:1].upper() + label[1:], count, share])
    secondary = bool((rows["suppressed"] & (pd.to_numeric(rows["value"], errors="coerce") > SMALL[1])).any())
    return Table(f"{caption}, {fy(y)}", [head, "Children", "Share"], out, name=indicator,
                 note=SECONDARY if secondary else "")


def _share(value: float, total: float) -> str:
    p = 100 * value / total
    return "0%" if p == 0 else "<1%" if p < 0.5 else f"{p:.0f}%"


def _placements(fig: _Figures, ind: Indicators, y: int) -> Section:
    s = Section("placements", "Where children live")
    labels = {c: lab for c, lab in _labels(fig).items()}
    counts = {c: fig.series("placement_category", c) for c in labels}
    s.text = [fig.sentence("pct_kinship", y, england=False), _map_used(fig.categories)]
    s.charts.append(charts.stacked_shares(counts, labels, "Placement of children looked after on 31 March, by year"))
    s.tables.append(_breakdown(fig, "placement_category", y, "Placement on 31 March", "Placement", labels))
    s.tables.append(_breakdown(fig, "placement_provider", y, "Provider of the placement on 31 March", "Provider"))
    return s


def _map_used(categories: PlacementCategories) -> str:
    """Which map of PLACE and PLACE_PROVIDER codes to categories the figures use."""
    if "(kept in the store)" in categories.file:
        name = Path(categories.file.removesuffix(" (kept in the store)")).name
        return f"Placements are grouped by the council's own map of placement codes ({name}, given when the returns were loaded)."
    return "Placements are grouped by the built-in map of the DfE's placement codes (PLACE and PLACE_PROVIDER)."


def _beside_england(fig: _Figures, indicator: str, title: str, unit: str = "%", label: str = "This council") -> str:
    """A chart of the council's figure for `indicator` by year beside England's (a percentage
    unless `unit` says otherwise)."""
    return charts.lines({label: fig.series(indicator), "England": fig.series(indicator, england=True)}, title, unit,
                        percent=unit == "%")


def _labels(fig: _Figures) -> dict[str, str]:
    return fig.categories.labels()


def _location(fig: _Figures, y: int) -> Section:
    s = Section("location", "Distance from home")
    s.text = [fig.sentence("pct_over_20_miles", y), fig.sentence("pct_outside_la", y),
              f"The distance is not known for {fig.text('distance_not_known', y)} children (mostly "
              "unaccompanied asylum-seeking children, who have no home postcode); they stay in the percentages' base, as in the DfE's figures."]
    s.charts.append(_beside_england(fig, "pct_over_20_miles", "Children placed more than 20 miles from home (%), by year"))
    s.charts.append(_beside_england(fig, "pct_outside_la", "Children placed outside the council's area (%), by year"))
    return s


def _stability(fig: _Figures, y: int) -> Section:
    s = Section("stability", "Stability of placements")
    s.text = [fig.sentence("pct_3plus_placements", y), fig.sentence("pct_long_term_stability", y)]
    s.charts.append(_beside_england(fig, "pct_3plus_placements", "Children with 3 or more placements in the year (%), "
                                    "by year", label="3 or more placements in the year"))
    return s


def _leaving(fig: _Figures, y: int) -> Section:
    s = Section("leaving", "Leaving care")
    reasons = REASONS
    counts = {r: fig.series("ceased_by_reason", r) for r in reasons}
    s.text = [fig.sentence("ceased", y, england=False), fig.sentence("pct_suitable_accommodation", y, england=False),
              fig.sentence("pct_eet", y, england=False)]
    s.charts.append(charts.stacked_shares(counts, {r: r.capitalize() for r in reasons},
                                          "Why children ceased to be looked after, by year"))
    s.tables.append(_breakdown(fig, "ceased_by_reason", y, "Reason for ceasing to be looked after", "Reason"))
    return s


def _safety(fig: _Figures, y: int) -> Section:
    s = Section("safety", "Reviews and missing from care")
    s.text = [fig.sentence("reviews_on_time", y, england=False), fig.sentence("missing_children", y, england=False),
              fig.sentence("missing_incidents_per_child", y, england=False)]
    rows = [[fig.title(i), *[fig.text(i, yr) for yr in fig.years]]
            for i in ("reviews_on_time", "missing_children", "pct_missing", "missing_incidents_per_child", "away_children")]
    s.tables.append(Table("Reviews and missing episodes by year", ["", *map(fy, fig.years)], rows, name="reviews_missing"))
    return s


def _cost(fig: _Figures, ind: Indicators, y: int) -> Section:
    s = Section("cost", "What placements cost")
    s.text = [fig.sentence("weekly_cost", y, england=False), fig.sentence("annual_cost", y, england=False),
              "Costs are children in each kind of placement times a weekly unit cost (England averages from the "
              "DfE's section 251 returns and the CMA's market study unless the council gives its own; see Definitions)."]
    labels = _labels(fig)
    vals = {}
    for c, lab in labels.items():
        r = fig.get("annual_cost", y, c)
        if r is not None:
            vals[lab] = np.nan if r["suppressed"] else float(r["value"])
    s.charts.append(charts.bars(vals, f"Cost of placements in {fy(y)}, by placement", "£ a year", money=True))
    s.charts.append(charts.lines({"Cost over the year": fig.series("annual_cost")},
                                 "Cost of placements by year (£)", "£ a year", money=True))
    return s


def _england(fig: _Figures, y: int) -> Section:
    s = Section("england", "This council beside England")
    rows = []
    for r in fig.frame[(fig.frame["year"] == y) & (fig.frame["dimension"] == "")].itertuples():
        if pd.isna(r.england):
            continue
        rows.append([fig.title(r.indicator), shown(r.value, r.suppressed, r.unit), shown(r.england, False, r.unit)])
    s.text = ["England's figures are the DfE's published national figures for the same year (revised series)."]
    s.tables.append(Table(f"Headline figures, {fy(y)}", ["Indicator", "This council", "England"], rows, name="england"))
    return s


def _trends(fig: _Figures) -> Section:
    s = Section("trends", "All headline figures by year")
    f = fig.frame[fig.frame["dimension"] == ""]
    rows = [[fig.title(i), *[fig.text(i, y) for y in fig.years]] for i in dict.fromkeys(f["indicator"])]
    s.tables.append(Table("Headline figures by year (year ending 31 March)", ["Indicator", *map(fy, fig.years)],
                          rows, name="trends"))
    return s


def _quality(store: Store) -> Section:
    from ..ssda903.validate import catalogue as checks

    s = Section("quality", "Quality of the data")
    issues = store.sql("SELECT code, severity, count(*) AS n FROM validation_issues GROUP BY ALL ORDER BY n DESC")
    log = store.sql('SELECT rule, action, "table", count(*) AS n FROM cleaning_log GROUP BY ALL ORDER BY n DESC')
    cat = checks()
    errors = int(issues.loc[issues["severity"] == "error", "n"].sum())
    warnings = int(issues.loc[issues["severity"] == "warning", "n"].sum())
    s.text = [f"Checking the returns found {errors:,} errors and {warnings:,} warnings. Errors are rows that "
              "cannot be trusted as they stand; the data officer's full list is the validation report. "
              "Cleaning changed or set aside the rows counted below, each one logged."]
    if len(issues):
        s.tables.append(Table("Problems found in the returns", ["Check", "Severity", "Rows", "What it means"],
                              [[r.code, r.severity, f"{r.n:,}", cat.get(r.code, {}).get("title", "")]
                               for r in issues.itertuples()], name="validation"))
    by_rule = log.groupby("rule", sort=False)["n"].sum()
    s.tables.append(Table("Rows changed or set aside by cleaning", ["What cleaning did", "Rows"],
                          [[cleaning_rule(rule), f"{n:,}"] for rule, n in by_rule.items()], name="cleaning"))
    return s
