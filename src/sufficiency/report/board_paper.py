"""The board paper: a few pages a councillor reads in ten minutes, made from the same figures
as the analyst's report (so the two never disagree). A first page of key messages (board.py),
a short section per theme the boards ask about, each with one chart or small table, a page of
what the plans would change, then sources and definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..vocab import year_label as fy
from . import charts
from .board import Message, benchmarks, key_messages
from .content import Report, Section, Table
from .suppress import MARK, shown


@dataclass
class BoardPaper:
    council: str
    year: int
    years: list[int]
    suppressed: bool
    generated: str
    messages: list[Message]
    themes: list[Section]
    plans: Section | None
    sources: list[tuple[str, str]] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)


def build_board(store, report: Report, ind, fig) -> BoardPaper:
    """The board paper of the store's latest year from the analyst's `report` and the figures
    (indicators `ind`, suppressed figures `fig`) it was built from."""
    y = ind.years[-1]
    messages = key_messages(fig.frame, ind.catalogue, benchmarks(ind), y)
    themes = [_in_care(fig, y), _homes(fig, y), _stability(fig, y), _family(fig, y), _leaving(fig, y),
              _cost(fig, y), _forecast(report)]
    used = ind.catalogue.drop_duplicates("source")
    sources = [(r.source, r.source_url) for r in used.itertuples()]
    return BoardPaper(report.council, y, ind.years, report.suppressed, report.generated, messages,
                      [t for t in themes if t], plans_page(store, report), sources, report.incomplete)


def _small_lines(fig, indicator: str, title: str, unit_label: str, percent: bool = False, money: bool = False,
                 england: bool = True) -> str:
    series = {"This council": fig.series(indicator)}
    eng = fig.series(indicator, england=True) if england else {}
    if eng:
        series["England"] = eng
    return charts.lines(series, title, unit_label, percent=percent, money=money, height=2.0)


def _in_care(fig, y: int) -> Section:
    s = Section("in-care", "Children in care and why they come in")
    s.text = [fig.sentence("cla_31_march", y, england=False), fig.sentence("started", y, england=False)]
    need = _shares(fig, "cla_by_need", y)
    if need:
        top = ", ".join(f"{k} ({v})" for k, v in need[:2])
        s.text.append(f"The main needs recorded when children came into care, for those in care on 31 March: {top}.")
    if fig.series("cla_rate_per_10k"):
        s.charts.append(_small_lines(fig, "cla_rate_per_10k", "Children in care for every 10,000 children",
                                     "per 10,000"))
    else:
        s.charts.append(_small_lines(fig, "cla_31_march", "Children in care on 31 March", "children", england=False))
    return s


def _shares(fig, indicator: str, y: int) -> list[tuple[str, str]]:
    """(category, share of the total as text), largest first; hidden counts left out."""
    f = fig.frame
    rows = f[(f["indicator"] == indicator) & (f["year"] == y) & (f["dimension"] != "") & ~f["suppressed"]]
    rows = rows[rows["denominator"].notna() & (rows["denominator"] > 0)].sort_values("value", ascending=False)
    return [(str(r.category).replace("_", " "), f"{100 * r.value / r.denominator:.0f}%") for r in rows.itertuples()]


def _homes(fig, y: int) -> Section:
    s = Section("homes", "Where children live and how far from home")
    first = fig.years[max(0, len(fig.years) - 5)]
    labels = fig.categories.labels()
    rows = []
    for c, lab in labels.items():
        now, then = fig.get("placement_category", y, c), fig.get("placement_category", first, c)
        rows.append([lab, _share_text(then), _share_text(now)])
    s.tables.append(Table("Where children in care lived on 31 March: share of all children",
                          ["Placement", fy(first), fy(y)], rows, name="board_placements"))
    s.text = [fig.sentence("pct_over_20_miles", y), fig.sentence("pct_outside_la", y)]
    s.charts.append(_small_lines(fig, "pct_over_20_miles", "Children living more than 20 miles from home (%)", "%",
                                 percent=True))
    return s


def _share_text(r) -> str:
    if r is None:
        return ":"
    if r["suppressed"]:
        return MARK
    total = r["denominator"]
    return ":" if pd.isna(total) or not total else f"{100 * r['value'] / total:.0f}%"


def _stability(fig, y: int) -> Section:
    s = Section("stability", "Stability: do children stay in the same home?")
    s.text = [fig.sentence("pct_3plus_placements", y), fig.sentence("pct_long_term_stability", y)]
    s.charts.append(_small_lines(fig, "pct_3plus_placements", "Children who moved home three or more times in the "
                                 "year (%)", "%", percent=True))
    return s


def _family(fig, y: int) -> Section:
    s = Section("family", "Kinship care and family help")
    reasons = _shares(fig, "ceased_by_reason", y)
    s.text = [fig.sentence("pct_kinship", y, england=False)]
    if reasons:
        s.text.append("Of the children who left care in the year, the most common ways out were "
                      + ", ".join(f"{k} ({v})" for k, v in reasons[:3]) + ".")
    s.text.append("The returns do not record family help before care; the plans page shows what more of it "
                  "would change.")
    s.charts.append(_small_lines(fig, "pct_kinship", "Children in care living with relatives or friends (%)", "%",
                                 percent=True, england=False))
    return s


def _leaving(fig, y: int) -> Section:
    s = Section("leaving", "Leaving care")
    s.text = [fig.sentence("care_leavers", y, england=False)]
    years = fig.years[-3:]
    rows = [[fig.title(i), *[fig.text(i, yr) for yr in years]]
            for i in ("pct_suitable_accommodation", "pct_eet") if fig.get(i, y) is not None]
    s.tables.append(Table("Care leavers aged 17 to 21", ["", *map(fy, years)], rows, name="board_leaving"))
    return s


def _cost(fig, y: int) -> Section:
    s = Section("cost", "Sufficiency and cost")
    s.text = [fig.sentence("annual_cost", y, england=False), fig.sentence("weekly_cost", y, england=False)]
    vals = {}
    for c, lab in fig.categories.labels().items():
        r = fig.get("annual_cost", y, c)
        if r is not None:
            vals[lab] = np.nan if r["suppressed"] else float(r["value"])
    s.charts.append(charts.bars(vals, f"Cost of placements in {fy(y)}, by kind of placement", "£ a year",
                                money=True))
    return s


def _forecast(report: Report) -> Section | None:
    fc = next((s for s in report.sections if s.id == "forecast"), None)
    if fc is None or not fc.charts:
        return None
    s = Section("forecast", "The next five years if nothing changes")
    s.text = [fc.text[0], "A forecast is not a target: it shows where present patterns lead."]
    s.charts.append(fc.charts[0])
    s.figures = dict(fc.figures)
    return s


def plans_page(store, report: Report) -> Section | None:
    """What each plan compared would change against no plan: children in care, net cost,
    children placed far from home, and the council's own foster places short."""
    if "scenario_summary" not in store.names:
        return None
    summ = store.table("scenario_summary").set_index(["scenario", "measure"])
    info = store.meta().get("compare", {})
    years = info.get("years", 5)
    plans = [n for n in dict.fromkeys(summ.index.get_level_values(0)) if n != "baseline"]
    if not plans:
        return None
    s = Section("plans", "What the plans would change")
    fc = next((x for x in report.sections if x.id == "forecast"), None)
    level = next(iter(fc.figures.items()), None) if fc else None
    s.text = [(f"With no plan, the forecast is {level[1]} {level[0].split(', ')[0]}. " if level else "")
              + f"Each plan is simulated over the same {years} years, and compared with no plan; a minus sign is "
              "fewer children or a saving. The range is where 9 simulations in 10 fall."]
    if level:
        s.figures[level[0]] = level[1]
    rows = []
    for n in plans:
        rows.append([n, _change(summ, n, "children_looked_after", "children"),
                     _change(summ, n, "total_cost", "money"),
                     _change(summ, n, "pct_over_20_miles", "points"),
                     _change(summ, n, "foster_gap", "children")])
    s.tables.append(Table(f"Change against no plan after {years} years (median, and the range of 9 simulations in 10)",
                          ["Plan", "Children in care", f"Net cost over {years} years", "Placed far from home",
                           "Own foster places spare"], rows, name="board_plans"))
    best = min(plans, key=lambda n: _get(summ, n, "total_cost"))
    saving = -_get(summ, best, "total_cost")
    if saving > 0:
        s.text.append(f"{best} saves most: {shown(saving, False, 'gbp_year')} over {years} years, and changes the "
                      f"number of children in care by {_change(summ, best, 'children_looked_after', 'children')}.")
    s.text.append("The sizes of the plans are the example assumptions shipped with the tool; the council's own "
                  "should replace them before a decision.")
    return s


def _get(summ: pd.DataFrame, plan: str, measure: str, col: str = "change") -> float:
    return float(summ.loc[(plan, measure), col]) if (plan, measure) in summ.index else np.nan


def _change(summ: pd.DataFrame, plan: str, measure: str, kind: str) -> str:
    """'-79 (-107 to -58)', '-£27.1m (-£37.4m to -£19.5m)', '-0.4 points (...)'; ':' if absent."""
    v, lo, hi = (_get(summ, plan, measure, c) for c in ("change", "change_lo90", "change_hi90"))
    if np.isnan(v):
        return ":"

    def f(x: float) -> str:
        if kind == "money":
            return ("-" if x < 0 else "+" if x > 0 else "") + f"£{abs(x) / 1e6:,.1f}m"
        if kind == "points":
            return f"{x:+.1f}"
        return f"{x:+,.0f}"

    unit = " points" if kind == "points" else ""
    return f"{f(v)}{unit} ({f(lo)} to {f(hi)})" if lo != hi else f"{f(v)}{unit}"
