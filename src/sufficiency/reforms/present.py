"""How a comparison of reforms is shown to people: figures formatted by measure, the headline
table (median and change from the baseline with its 90% range) and the workbook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .compare import HEADLINE
from .schema import Reform

MONEY = {"weekly_cost", "total_cost"}


def fmt(value: float, measure: str) -> str:
    """A figure as people read it: money in pounds (millions from a million), percentages to one
    place, counts whole; empty when missing."""
    if pd.isna(value):
        return ""
    if measure in MONEY:
        return f"£{value / 1e6:,.1f}m" if abs(value) >= 1e6 else f"£{value:,.0f}"
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
            "Forecasts, not counts of real children: nothing here identifies a child.",
            *cmp.baseline.notes]}).to_excel(xl, sheet_name="README", index=False)
        cmp.summary().to_excel(xl, sheet_name="summary", index=False)
        wide.to_excel(xl, sheet_name="by_year", index=False)
        cmp.differences.to_excel(xl, sheet_name="changes", index=False)
        pd.DataFrame(defs, columns=["scenario", "reform", "file", "description", "source", "changes"]).to_excel(
            xl, sheet_name="reforms", index=False)
    return path


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
