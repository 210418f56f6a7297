"""A forecast's results as the store keeps them: tidy tables, the settings and estimates it
was made with, and what it assumes of entrants and exits in sentences.

    tables, meta = forecast_tables(model, fc, load_parameters(), seed=1, runs=1000, years=5)
    add_tables("la.duckdb", tables, meta)
    assumptions(model)   # ["Entrants: ...", "Exits before 18: ..."]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..parameters import uplift
from ..vocab import date_of

BREAKDOWNS = (None, "category", "age_band")  # the total, then by placement category, by age band


def quantiles(fc) -> pd.DataFrame:
    """Children in care at each quantile on each 31 March: date, series, quantile, value and
    breakdown (total, category or age_band)."""
    parts = [fc.quantiles(by).rename(columns={by or "total": "series"}).assign(breakdown=by or "total")
             for by in BREAKDOWNS]
    return pd.concat(parts)


def forecast_tables(model, fc, parameters, *, seed: int, runs: int, years: int,
                    entry_trend: float = 0.0) -> tuple[dict, dict]:
    """The tables forecast_quantiles, forecast_flows and forecast_costs, and the meta entry
    'forecast': the run's settings and the model's entrants, exit level and start date."""
    tables = {"forecast_quantiles": quantiles(fc), "forecast_flows": fc.flows(),
              "forecast_costs": fc.costs(parameters)}
    third = float(np.array(model.entry_rates) @ model.entry_factors(3)[:, 2])
    meta = {"forecast": {"seed": seed, "runs": runs, "years": years,
                         "window_years": round(model.window_years, 2),
                         "entry_trend_per_year": entry_trend,
                         "entrants_per_year": round(model.entry_rate * 365.25, 1),
                         "uasc_entrants_per_year": round(model.entry_rates[1] * 365.25, 1),
                         "entrants_third_year": round(third * 365.25, 1),
                         "exit_level": round(model.exit_factor, 3),
                         "as_of": str(date_of(int(model.as_of))),
                         "uplift_percent": uplift.rates(parameters, date_of(int(model.as_of)))}}
    return tables, meta


def total_range(quantiles_table: pd.DataFrame) -> pd.DataFrame:
    """Children in care in total on each 31 March: date, low (5%), median and high (95%)."""
    total = quantiles_table[quantiles_table["breakdown"] == "total"]
    out = pd.DataFrame({name: total.loc[total["quantile"] == q].set_index("date")["value"]
                        for name, q in (("low", 0.05), ("median", 0.5), ("high", 0.95))}).sort_index().reset_index()
    out["date"] = pd.to_datetime(out["date"]).dt.date
    return out


def _years_seen(pairs) -> str:
    return ", ".join(f"{y - 1}/{y % 100:02d}: {v}" for y, v in pairs)


def entrants_sentence(model) -> str:
    """What the forecast assumes of entrants: the yearly rate at the start, the whole years it
    came from, and how much each group is expected to move."""
    seen = _years_seen((y, f"{n:,}") for y, n in model.annual_entries.items())
    other, uasc = (r * 365.25 for r in model.entry_rates)
    parts = [f"Entrants: {other + uasc:,.0f} a year at the start (whole years: {seen or 'none'})"]
    factors = model.entry_factors(3)
    for name, level, rate, path in (("others", model.entry_level, other, factors[0]),
                                    ("UASC", model.uasc_level, uasc, factors[1])):
        if level is not None and rate > 0:
            third = rate * path[2]
            back = f", {third:,.0f} in the third year (towards the mean of its years)" if abs(third - rate) >= 0.5 else ""
            lasting = f" (about {level.mean_pull:.0%} of a move lasting into the next year)" if level.mean_pull < 0.995 else ""
            parts.append(f"{name} {rate:,.0f}{back}, moving by about {level.sd_walk:.0%} a year{lasting} and "
                         f"{level.sd_noise:.0%} more for one year")
    return "; ".join(parts) + "."


def exits_sentence(model) -> str:
    """What the forecast assumes of exits before 18: their level against the window's hazards,
    and the years it came from (exits, and those the window's hazards expect)."""
    if model.exit_level is None:
        return "Exits before 18: at the window's hazards (no year to set their level on)."
    seen = _years_seen((y, f"{o:,} of {e:,.0f}") for y, (o, e) in model.annual_exits.items())
    return (f"Exits before 18: at {model.exit_factor:.2f} times the window's hazards, the pace of recent years "
            f"(exits against those expected: {seen}).")


def assumptions(model) -> list[str]:
    """The forecast's assumptions of entrants and of exits, a sentence each."""
    return [entrants_sentence(model), exits_sentence(model)]
