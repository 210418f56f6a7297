"""How a comparison of reforms is shown to people: figures formatted by measure, the headline
table (median and change from the baseline with its 90% range), the money table (gross saving,
investment, net saving, cash flow, net present value and payback for every plan) and the
workbook."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..parameters import uplift
from .compare import HEADLINE
from .schema import Reform

MONEY = {"weekly_cost", "total_cost", "gross_saving", "investment", "net_saving", "cumulative_net", "npv"}
FINANCE = [("gross_saving", "Gross saving (placements and social workers)"), ("investment", "Investment (the reforms' own costs)"),
           ("net_saving", "Net saving"), ("npv", "Net present value of the net saving")]


def payback_text(years: float, first_year: int) -> str:
    """A payback as the year it falls in, 2026-27 ('not within the years' when it does not pay
    back); `first_year`: the calendar year the first forecast year ends in."""
    if not np.isfinite(years):
        return "not within the years"
    end = first_year + int(years) - 1
    return f"{end - 1}-{str(end)[2:]}"


def finance_table(finance: pd.DataFrame, money: pd.DataFrame, years: int, first_year: int) -> pd.DataFrame:
    """One row per plan: gross saving, investment and net saving over the years, net present
    value and payback (median, 90% range), then the cumulative net saving at each year's end
    (median), as text."""
    ends = sorted(pd.to_datetime(money["date"]).unique()) if len(money) else []
    rows = []
    for name in dict.fromkeys(finance["scenario"]):
        f = finance[finance["scenario"] == name].set_index("measure")
        row = {"plan": name}
        for key, label in FINANCE:
            r = f.loc[key]
            row[label] = f"{fmt(r['median'], key)} ({fmt(r['lo90'], key)} to {fmt(r['hi90'], key)})"
        r = f.loc["payback_years"]
        text = payback_text(r["median"], first_year)
        if f.loc["investment", "hi90"] <= 0:
            text = "no investment to pay back"
        elif r["lo90"] != r["hi90"]:
            text += f" (90%: {payback_text(r['lo90'], first_year)} to {payback_text(r['hi90'], first_year)})"
        row["Pays back in the year"] = text
        cum = money[(money["scenario"] == name) & (money["measure"] == "cumulative_net") & (money["quantile"] == 0.5)]
        cum = cum.assign(date=pd.to_datetime(cum["date"])).set_index("date")["value"]
        for d in ends:
            row[f"Cumulative net saving to {pd.Timestamp(d):%d %b %Y}"] = fmt(cum.get(d, np.nan), "cumulative_net")
        rows.append(row)
    return pd.DataFrame(rows)


def fmt(value: float, measure: str) -> str:
    """A figure as people read it: money in pounds (millions from a million), percentages to one
    place, counts whole; empty when missing."""
    if pd.isna(value):
        return ""
    if measure in MONEY:
        sign = "-" if value < 0 and round(abs(value)) > 0 else ""
        return sign + (f"£{abs(value) / 1e6:,.1f}m" if abs(value) >= 1e6 else f"£{abs(value):,.0f}")
    if measure.startswith("pct_"):
        return f"{value:.1f}%"
    return f"{value:,.0f}"


def signed(value: float, measure: str) -> str:
    """A change: +/- and the amount; percentages change by points."""
    text = fmt(abs(value), measure)
    if measure.startswith("pct_") and text:
        text = text.rstrip("%") + " pts"
    return ("+" if value > 0 else "-" if value < 0 else "±") + text if text else ""


def write_workbook(cmp, reforms: dict[str, list[Reform]], path: Path) -> Path:
    """Summary, yearly medians and ranges, run-by-run differences and the reforms' definitions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    m = cmp.measures.copy()
    m["date"] = pd.to_datetime(m["date"]).dt.date
    yearly = m[pd.to_datetime(m["date"]).map(lambda d: (d.month, d.day) == (3, 31))]
    wide = yearly.pivot_table(index=["scenario", "measure", "date"], columns="quantile", values="value").reset_index()
    wide.columns = [c if isinstance(c, str) else f"q{int(round(c * 100)):02d}" for c in wide.columns]
    defs = [{"scenario": name, "reform": r.name, "file": r.file, "description": r.description,
             "source": r.source.title if r.source else "", "changes": "; ".join(
                 f"{c.kind} from {c.start}" + (f" over {c.ramp_months} months" if c.ramp_months else "")
                 for c in r.changes)} for name, rs in reforms.items() for r in rs]
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame({"About": [
            "Reforms compared by sufficiency: every scenario simulated from one model fitted to the council's returns.",
            f"{cmp.params['runs']:,} runs each, {cmp.params['years']} years from {cmp.params['as_of']} "
            f"(random seed {cmp.params['seed']}: the same seed gives the same figures). "
            "Medians with 90% ranges (5% and 95% of the runs).",
            "Changes from the baseline are taken run by run before their ranges.",
            "Money (sheets money, cash_flow, investment): gross saving is the baseline's spend on placements and "
            "social workers less the plan's; investment is what the reforms' own costs say doing them costs; net "
            "saving is the gross saving less the investment, year by year (years to the origin's anniversary), at "
            f"each year's prices (prices moved by kind: {uplift_text(cmp.params)}). "
            f"Net present value: each year's net saving in the origin's prices (general inflation "
            f"{cmp.params.get('general_inflation_percent', '')}% a year), discounted at "
            f"{cmp.params.get('discount_rate_percent', '')}% a year (HM Treasury Green Book), the first year "
            "undiscounted. Payback: the year the cumulative net saving turns positive and stays so "
            "(inf: not within the years).",
            "Sheet assumptions: every figure the money rests on, whether it is the council's own or a default, "
            "and the option or parameter that replaces it.",
            "Forecasts, not counts of real children: nothing here identifies a child.",
            *cmp.baseline.notes]}).to_excel(xl, sheet_name="README", index=False)
        cmp.summary().to_excel(xl, sheet_name="summary", index=False)
        cmp.finance.to_excel(xl, sheet_name="money", index=False)
        _cash_flow(cmp.money).to_excel(xl, sheet_name="cash_flow", index=False)
        cmp.costs.to_excel(xl, sheet_name="investment", index=False)
        cmp.assumptions.to_excel(xl, sheet_name="assumptions", index=False)
        wide.to_excel(xl, sheet_name="by_year", index=False)
        cmp.differences.to_excel(xl, sheet_name="changes", index=False)
        pd.DataFrame(defs, columns=["scenario", "reform", "file", "description", "source", "changes"]).to_excel(
            xl, sheet_name="reforms", index=False)
    return path


def _cash_flow(money: pd.DataFrame) -> pd.DataFrame:
    """Cash flows by plan, measure and year: median and 90% range as columns."""
    if not len(money):
        return money
    m = money.assign(date=pd.to_datetime(money["date"]).dt.date)
    wide = m.pivot_table(index=["scenario", "measure", "date"], columns="quantile", values="value").reset_index()
    wide.columns = [c if isinstance(c, str) else f"q{int(round(c * 100)):02d}" for c in wide.columns]
    return wide


def headline_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per headline measure, one column per scenario: the median, and for reforms the
    change from the baseline with its 90% range, as text (the first column names the measure)."""
    names = list(dict.fromkeys(summary["scenario"]))
    rows = []
    for key, label, _how in HEADLINE:
        found = summary[summary["measure"] == key].set_index("scenario")
        if not len(found):
            continue
        row = {"measure": label}
        for n in names:
            r = found.loc[n]
            row[n] = fmt(r["median"], key)
            if n != "baseline":
                row[n] += (f"\n{signed(r['change'], key)} ({signed(r['change_lo90'], key)} to "
                           f"{signed(r['change_hi90'], key)})")
        rows.append(row)
    return pd.DataFrame(rows, columns=["measure", *names])


def baseline_text(base_end: float, end: pd.Timestamp, forecast: pd.DataFrame | None, runs, fc_runs) -> str:
    """How the plans' baseline stands beside the forecast section's figure for the same day: the
    same, or the difference and why (two sets of simulated runs). `forecast`: the store's
    forecast_quantiles (None when there is none)."""
    lead = f"Without a plan, {base_end:,.0f} children would be looked after on {end:%d %B %Y} (median)"
    if forecast is None or not len(forecast):
        return lead + "."
    f = forecast[(forecast["breakdown"] == "total") & (pd.to_datetime(forecast["date"]) == end)]
    f = f.set_index("quantile")["value"]
    if 0.5 not in f.index:
        return lead + "."
    fc = float(f.loc[0.5])
    if round(fc) == round(base_end):
        return lead + ", the same as the forecast above."
    return (f"{lead}; the forecast above says {fc:,.0f}. Both come from the same model fitted to the same returns: "
            f"the forecast is the median of its own {_count(fc_runs)} simulated runs, the plans are compared on "
            f"{_count(runs)} runs of their own, drawn so that every plan meets the same chances, and the two medians "
            f"differ by {base_end - fc:+,.0f} ({(base_end - fc) / fc:+.1%}) by chance alone, inside the forecast's "
            f"90% range ({f.get(0.05, float('nan')):,.0f} to {f.get(0.95, float('nan')):,.0f}). Read each plan by "
            "its change from this baseline, measured on the same runs.")


def _count(n) -> str:
    return f"{n:,}" if isinstance(n, int) else str(n)


def uplift_text(info: dict) -> str:
    """The yearly uplift a comparison or forecast assumed, in words (older stores: the one rate)."""
    if "uplift_percent" in info:
        return uplift.text(info["uplift_percent"])
    return f"{info.get('annual_uplift_percent', '')}% a year for every price"


def price_text(info: dict) -> str:
    """The price basis on the page: the first year's prices, the indices and the discount rate."""
    prices = info.get("prices", {})
    parts = "; ".join(f"{label} £{weekly:,.0f}" for label, weekly in prices.get("weekly", {}).items())
    return (f"Money is at each year's prices: every price of one kind (spot, block, in-house, capital) is moved by "
            f"that kind's index from the date it is priced at: {uplift_text(info)} (costs.uplift.*, by default each "
            f"the growth of the S251 spend per child per week from 2020-21 to 2024-25; a council's own costs.annual_uplift "
            f"replaces them all). Weekly prices in {prices.get('year', 'the first year')}: {parts}. Net present value: "
            f"at {info.get('discount_rate_percent', '')}% a year (HM Treasury Green Book) after general inflation of "
            f"{info.get('general_inflation_percent', '')}% a year.")
