"""The report's sections on what later stages wrote to the store: the forecast (`sufficiency
forecast`) and the reforms compared (`sufficiency compare`), each shown only while it was built on
the store's returns (otherwise a sentence names the command that makes it again)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store import Store
from . import charts
from .content import Section, Table
from .suppress import shown


def forecast_section(store: Store, fig) -> Section | None:
    """Fan chart and tables from the store's forecast tables, if `sufficiency forecast` has run
    on these returns (a sentence naming the command to run again if it ran on others).
    Forecasts are not counts of real children, so they are not suppressed; they are rounded."""
    stale = store.stale(in_words=True)
    if "forecast_quantiles" not in store.names:
        return Section("forecast", "Forecast", [stale["forecast"]]) if "forecast" in stale else None
    q = store.table("forecast_quantiles")
    acc = store.table("backtest_summary") if "backtest_summary" in store.names else None
    costs = store.table("forecast_costs") if "forecast_costs" in store.names else None
    info = store.meta().get("forecast", {})
    q["year"] = pd.to_datetime(q["date"]).dt.year
    s = Section("forecast", "Forecast")
    total = q[q["breakdown"] == "total"]
    wide = total.pivot_table(index="year", columns="quantile", values="value")
    start, end = int(wide.index.min()), int(wide.index.max())
    s.text = [
        f"If children enter care, move and leave as they did in the {info.get('window_years', 3):g} years to "
        f"{info.get('as_of', '')}, the median forecast is {wide.loc[end, 0.5]:,.0f} children looked after on "
        f"31 March {end}; 9 simulations in 10 fall between {wide.loc[end, 0.05]:,.0f} and {wide.loc[end, 0.95]:,.0f} "
        f"({info.get('runs', '')} simulations of the years ahead, each with its own chance variation).",
        *_entrants_text(info), stale.get("backtest", ""),
        "A forecast is not a target: it shows where present patterns lead. "
        + ("How such forecasts did on this council's past years is below." if acc is not None and len(acc) else
           "Its accuracy on past years is shown once forecasts have been tested on them (see Definitions)."),
    ]
    s.figures[forecast_key(end)] = f"{wide.loc[end, 0.5]:,.0f}"
    hist = {y: v for y, v in fig.series("cla_31_march").items() if y <= start}
    s.charts.append(charts.fan(hist, {k: wide[k].to_dict() for k in wide.columns},
                               "Children looked after on 31 March: recorded and forecast", "children"))
    labels = fig.categories.labels()
    cat = q[q["breakdown"] == "category"]
    years = [y for y in sorted(cat["year"].unique()) if y > start]
    rows = []
    for c, lab in labels.items():
        g = cat[cat["series"] == c].pivot_table(index="year", columns="quantile", values="value")
        rows.append([lab, *[f"{g.loc[y, 0.5]:,.0f} ({g.loc[y, 0.05]:,.0f}-{g.loc[y, 0.95]:,.0f})" for y in years]])
    s.tables.append(Table("Children by placement on 31 March: median forecast (90% range)",
                          ["Placement", *[str(y) for y in years]], rows, name="forecast_placements"))
    if acc is not None and len(acc):
        s.tables.append(_accuracy(acc))
    if costs is not None and len(costs):
        costs["year"] = pd.to_datetime(costs["date"]).dt.year
        a = costs[costs["measure"] == "annual_cost"].pivot_table(index="year", columns="quantile", values="value")
        s.tables.append(Table("Cost of placements in each year to 31 March: median forecast (90% range)",
                              ["Year to 31 March", "Median", "90% range"],
                              [[str(y), shown(a.loc[y, 0.5], False, "gbp_year"),
                                f"{shown(a.loc[y, 0.05], False, 'gbp_year')} to {shown(a.loc[y, 0.95], False, 'gbp_year')}"]
                               for y in a.index], name="forecast_cost"))
        if "uplift_percent" in info:
            from ..reforms.present import uplift_text

            s.text.append(f"Costs are at each year's prices: each category's weekly cost rises from its dated value by "
                          f"its kind's yearly rate ({uplift_text(info)}: the growth of the council spend "
                          "statistics (S251) by kind, unless the council gives one rate of its own), so costs grow with prices even when the numbers of children do not.")
    return s


def forecast_key(year: int) -> str:
    """The name under which every section records the forecast's median for 31 March `year`."""
    return f"children looked after on 31 March {year}, median forecast"


def _about(x: float) -> str:
    """A modelled yearly rate for a published page: to the nearest 5, or 'fewer than 10'."""
    return "fewer than 10" if x < 10 else f"about {5 * round(x / 5):,.0f}"


def _entrants_text(info: dict) -> list[str]:
    """The forecast's entrants at the start, from the forecast's meta (absent in older stores)."""
    if "entrants_per_year" not in info:
        return []
    total, uasc = info["entrants_per_year"], info.get("uasc_entrants_per_year", 0.0)
    out = [f"Children entering care are taken at {_about(total)} a year at the start (of whom {_about(uasc)} "
           "unaccompanied asylum-seeking children, forecast apart), the level the council's recent years point "
           "to; in each simulated future they move from year to year as councils' entrants have."]
    third = info.get("entrants_third_year")
    if third is not None and _about(third) != _about(total):
        out[0] += (f" Where the recent years stand away from the council's average, entrants are expected to go part "
                   f"of the way back: {_about(third)} a year in the third year.")
    level = info.get("exit_level")
    if level is not None:
        pace = ("about its average over the years fitted" if abs(level - 1) < 0.025 else
                f"{abs(level - 1):.0%} {'faster' if level > 1 else 'slower'} than its average over the years fitted")
        out.append(f"Children leave care before 18 at the pace of the council's recent years: {pace}.")
    return out


def _accuracy(acc: pd.DataFrame) -> Table:
    """The backtest on the council's own past years: error of the total, the model beside "no
    change" and a straight-line trend, and how often its 90% ranges held what happened, over the
    total and each placement together (the figure the backtest command prints)."""
    tot = acc[acc["series"] == "all"].set_index(["horizon", "method"])
    model = acc[(acc["method"] == "model") & acc["series"].isin(["all", "categories"])]
    rows = []

    def cell(h, method, col="mape"):
        v = tot[col].get((h, method), np.nan)
        return "" if pd.isna(v) else f"{v:.1f}%"

    for h in sorted(acc["horizon"].unique()):
        n = tot["n"].get((h, "model"), 0)
        m = model[model["horizon"] == h].dropna(subset=["coverage_90"])
        held = (m["coverage_90"] * m["n"]).sum() / m["n"].sum() if m["n"].sum() else np.nan
        rows.append([f"{h} year{'s' if h > 1 else ''} ahead", str(int(n)), cell(h, "model"), cell(h, "last_value"),
                     cell(h, "linear_trend"), "" if pd.isna(held) else f"{held:.1f}% of {int(m['n'].sum())}"])
    return Table("How such forecasts did on past years: average error of the total, and how often the 90% "
                 "range held the number that came (the total and each placement, counted together)",
                 ["", "Forecasts", "This model", "No change", "Straight-line trend", "90% range held"], rows,
                 name="forecast_accuracy")


def reforms_section(store: Store) -> Section | None:
    """The reforms compared by `sufficiency compare`, if it has run on these returns (a sentence
    naming the command to run again if it ran on others): children, cost, distance and the
    sufficiency gap by scenario, and each plan's money (gross saving, investment, net saving,
    cash flow, net present value, payback) with the assumptions it rests on. Forecasts, not
    counts of real children: not suppressed."""
    from ..reforms.present import baseline_text, price_text

    stale = store.stale(in_words=True)
    if "scenario_summary" not in store.names:
        return Section("reforms", "Reforms compared", [stale["compare"]]) if "compare" in stale else None
    summary = store.table("scenario_summary")
    m = store.sql("SELECT * FROM scenario_measures WHERE quantile = 0.5")
    info = store.meta().get("compare", {})
    scen = list(dict.fromkeys(summary["scenario"]))
    m["date"] = pd.to_datetime(m["date"])
    m = m[(m["date"].dt.month == 3) & (m["date"].dt.day == 31)].assign(year=lambda d: d["date"].dt.year)
    s = Section("reforms", "Reforms compared")
    get = summary.set_index(["scenario", "measure"])
    years = info.get("years", 5)
    end = pd.Timestamp(info.get("as_of", "2000-03-31")) + pd.DateOffset(years=years)
    forecast = store.table("forecast_quantiles") if "forecast_quantiles" in store.names else None
    s.text = [
        f"Each plan is simulated from the same model as the baseline ({info.get('runs', '')} simulated runs each, "
        f"every plan meeting the same chances, from {info.get('as_of', '')}): children who need foster care fill the council's "
        "own foster places first and agencies take the rest; children who need a children's home fill its own "
        "homes first, a child who must live alone taking a whole home. New places fill as new placements arrive; "
        "settled children stay where they are.",
        baseline_text(get.loc[("baseline", "children_looked_after"), "median"], end, forecast, info.get("runs", ""),
                      store.meta().get("forecast", {}).get("runs", "")),
    ]
    if "prices" in info:
        s.text.append(price_text(info))
    s.text += _money_text(store, years)
    s.text += [n for n in info.get("notes", [])]
    s.text.append("The sizes and costs of the example plans are assumptions to be replaced by the council's own: "
                  "the assumptions below say which figures are defaults and where the council's own replace them.")
    _reform_charts(s, m, scen, years, store)
    s.tables.append(_side_by_side(get, scen, years))
    s.tables += _money_tables(store, years, info)
    years_ = sorted(m["year"].unique())[1:]
    gap_rows = []
    for n in scen:
        for key, label in (("foster_gap", "foster places"), ("residential_gap", "children's home beds")):
            g = m[(m["scenario"] == n) & (m["measure"] == key)].set_index("year")["value"]
            gap_rows.append([n, label, *[f"{g.get(y, float('nan')):+,.0f}" for y in years_]])
    s.tables.append(Table("Sufficiency gap on 31 March: in-house places spare (+) or short (-), median",
                          ["Plan", "Places", *[str(y) for y in years_]], gap_rows, name="sufficiency_gap"))
    return s


def _money_text(store: Store, years: int) -> list[str]:
    """The plan with the largest net saving, with its investment and payback, in a sentence."""
    from ..reforms.present import fmt

    if "scenario_finance" not in store.names:
        return ["This comparison was made before plans carried their costs: run `sufficiency compare` again to see "
                "each plan's investment, net saving and payback."]
    f = store.table("scenario_finance")
    if not len(f):
        return []
    net = f[f["measure"] == "net_saving"].set_index("scenario")
    best = net["median"].idxmax()
    g = f[f["scenario"] == best].set_index("measure")
    back = g.loc["payback_years", "median"]
    return [f"Of the plans compared, {best} has the largest net saving over {years} years: "
            f"{fmt(net.loc[best, 'median'], 'net_saving')} (90% range {fmt(net.loc[best, 'lo90'], 'net_saving')} to "
            f"{fmt(net.loc[best, 'hi90'], 'net_saving')}), a gross saving of {fmt(g.loc['gross_saving', 'median'], 'npv')} "
            f"less an investment of {fmt(g.loc['investment', 'median'], 'npv')}; "
            + ("it needs no investment." if g.loc["investment", "hi90"] <= 0 else
               f"it pays back in {back:.0f} year{'s' if back > 1 else ''}." if np.isfinite(back)
               else f"it does not pay back within {years} years.")]


def _reform_charts(s: Section, m: pd.DataFrame, scen: list[str], years: int, store: Store) -> None:
    cla = m[m["measure"] == "children_looked_after"]
    s.charts.append(charts.lines({n: cla[cla["scenario"] == n].set_index("year")["value"].to_dict() for n in scen},
                                 "Children looked after on 31 March: median of each plan", "children", zero=False))
    if "scenario_money" in store.names:
        cum = store.sql("SELECT * FROM scenario_money WHERE quantile = 0.5 AND measure = 'cumulative_net'")
        cum["year"] = pd.to_datetime(cum["date"]).dt.year
        if len(cum):
            s.charts.append(charts.lines({n: g.set_index("year")["value"].to_dict() for n, g in cum.groupby("scenario")},
                                         "Cumulative net saving of each plan, after its investment (median)", "GBP",
                                         money=True))
    gap = m[m["scenario"] == "baseline"]
    s.charts.append(charts.lines(
        {"In-house foster places": gap[gap["measure"] == "foster_gap"].set_index("year")["value"].to_dict(),
         "In-house children's home beds": gap[gap["measure"] == "residential_gap"].set_index("year")["value"]
         .to_dict()},
        "The sufficiency gap without a plan: places spare (+) or short (-) of the children needing them",
        "places"))


def _side_by_side(get: pd.DataFrame, scen: list[str], years: int) -> Table:
    from ..reforms.compare import HEADLINE
    from ..reforms.present import fmt, signed

    rows = []
    for key, label, how in HEADLINE:
        if (scen[0], key) not in get.index:
            continue
        cells = []
        for n in scen:
            r = get.loc[(n, key)]
            cell = f"{fmt(r['median'], key)} ({fmt(r['lo90'], key)} to {fmt(r['hi90'], key)})"
            if n != "baseline":
                cell += f"; change {signed(r['change'], key)}"
            cells.append(cell)
        rows.append([label + (f", {years} years" if how == "sum" else f" in {years} years"), *cells])
    return Table("Plans side by side: median (90% range), and the median change from the baseline",
                 ["", *scen], rows, name="reforms")


def _money_tables(store: Store, years: int, info: dict) -> list[Table]:
    """Each plan's money, its cash flow by year, its cost items and the assumptions list."""
    from ..reforms.present import finance_table, fmt

    if "scenario_finance" not in store.names or not len(store.table("scenario_finance")):
        return []
    money = store.table("scenario_money")
    first = (pd.Timestamp(info.get("as_of", "2000-03-31")) + pd.DateOffset(years=1)).year
    ft = finance_table(store.table("scenario_finance"), money, years, first)
    out = [Table(f"Money over {years} years at each year's prices: median (90% range); cumulative net saving "
                 "at each year's end (median)", list(ft.columns), ft.astype(str).values.tolist(), name="reform_money")]
    med = money[money["quantile"] == 0.5].assign(date=lambda d: pd.to_datetime(d["date"]))
    dates = sorted(med["date"].unique())
    labels = {"gross_saving": "gross saving", "investment": "investment", "net_saving": "net saving",
              "cumulative_net": "cumulative net saving"}
    rows = [[n, labels[k], *[fmt(g.set_index("date")["value"].get(d, np.nan), k) for d in dates]]
            for n in dict.fromkeys(med["scenario"]) for k in labels
            for g in [med[(med["scenario"] == n) & (med["measure"] == k)]]]
    out.append(Table("Cash flow by year to the date shown (median)", ["Plan", "", *[f"{pd.Timestamp(d):%b %Y}"
                                                                                     for d in dates]],
                     rows, name="reform_cash_flow"))
    costs = store.table("scenario_costs")
    if len(costs):
        out.append(Table(f"What each plan's reforms cost to do over {years} years (median, at each year's prices)",
                         ["Plan", "Reform", "Cost", "Type", "Paid", "From", "Total", "Source"],
                         [[r.scenario, r.reform, r.item, r.type, r.every, r["from"], fmt(r.total, "investment"),
                           r.source] for _, r in costs.iterrows()], name="reform_costs"))
    a = store.table("scenario_assumptions")
    out.append(Table("Assumptions: each figure the money rests on, whether it is the council's own or a default, "
                     "and what replaces it", ["Figure", "Value", "Unit", "Basis", "Source", "Replace with"],
                     [[r.get("figure", r.parameter), "" if pd.isna(r.value) else f"{r.value:,.4g}", r.unit, r.basis,
                       r.source, _replace_with(r.override)] for _, r in a.iterrows()], name="reform_assumptions"))
    return out


def _replace_with(override: str) -> str:
    """Where a reader gives their own figure, in words (the workbook keeps the exact name)."""
    if override.startswith("--params"):
        return "the council's own figure, in its parameters file"
    return "the plan's own reform file"
