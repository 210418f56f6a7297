"""The money a plan makes or costs, year by year, as a finance officer reads it: the gross
saving (the baseline's spend on placements and social workers less the plan's), the investment
(what the reforms' own costs say doing them costs), the net saving, the cumulative cash flow, the
payback year and the net present value at the Green Book discount rate, run by run, so every
figure has a 90% range.

    flows = cash_flows(base_spend, plan_spend, investment, years)   # (runs, years) each
    npv(flows["net_saving"], params, origin)                      # (runs,)
    payback(flows["cumulative_net"])                              # (runs,): years to pay back, inf: not

Years are the forecast's: year 1 is the twelve months from the origin (the year to 31 March
when the returns end on 31 March). The net present value takes each year's net saving at the
year's prices into the origin's prices by general inflation (finance.general_inflation), then
discounts it at finance.discount_rate (3.5%, the Green Book's), year 1 undiscounted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..parameters import Parameters
from .costs import Cost, group, price, spend
from .measure import value
from .plans import Plan

DISCOUNT = "finance.discount_rate"
INFLATION = "finance.general_inflation"
FLOWS = ("gross_saving", "investment", "net_saving", "cumulative_net")


@dataclass
class Item:
    """One cost of one reform: what it is, its type and source, and what it adds to spend in each
    interval between month ends, (runs or 1, intervals)."""

    reform: str
    cost: Cost
    source: str
    paid: np.ndarray


def _units(reform, categories, days, plan_of) -> dict:
    """What one reform does that a cost can be counted in: homes it opens and households it
    recruits on each date, and the categories each `children:` cost names."""
    own = plan_of([reform], categories, days)
    homes = sum((h.homes for h in own.homes), np.zeros(len(own.dates)))
    units = {"homes": homes, "households": own.recruited if own.recruited is not None else np.zeros(len(own.dates))}
    ids = list(categories.ids)
    for c in reform.costs:
        if c.per and c.per.startswith("children:"):
            units[c.per] = [ids.index(i) for i in categories.resolve(c.per.split(":", 1)[1])]
    return units


def investment(p: Plan, params: Parameters, days, placed: np.ndarray, plan_of) -> tuple[np.ndarray, list[Item]]:
    """What the plan's reforms cost to do, in each interval between month ends: (runs, dates)
    with nothing on the origin, and each cost item."""
    runs = placed.shape[0]
    total = np.zeros((runs, len(p.dates)))
    items = []
    for reform in p.reforms:
        if not reform.costs:
            continue
        units = _units(reform, p.categories, days, plan_of)
        for cost in reform.costs:
            paid = spend(cost, params, p.dates, units, placed, group(cost, p.categories, params))
            total[:, 1:] += paid
            items.append(Item(reform.name, cost, price(cost, params)[2], paid))
    return total, items


def yearly(monthly: np.ndarray, years: int) -> np.ndarray:
    """Spend in each interval (runs, dates; nothing on the origin) summed by forecast year."""
    year = (np.arange(monthly.shape[1]) - 1) // 12
    return np.stack([monthly[:, year == y].sum(axis=1) for y in range(years)], axis=1)


def cash_flows(base_spend: np.ndarray, plan_spend: np.ndarray, invest: np.ndarray, years: int) -> dict[str, np.ndarray]:
    """Gross saving, investment, net saving and the cumulative net saving by year, run by run
    (runs, years); spends are (runs, dates) as the measures hold them."""
    gross = yearly(base_spend - plan_spend, years)
    inv = yearly(invest, years)
    net = gross - inv
    return {"gross_saving": gross, "investment": inv, "net_saving": net, "cumulative_net": np.cumsum(net, axis=1)}


def npv(net: np.ndarray, params: Parameters, origin) -> np.ndarray:
    """Net present value of yearly net savings (runs, years) at the origin's prices."""
    r = value(params, DISCOUNT, origin) / 100.0
    g = value(params, INFLATION, origin) / 100.0
    t = np.arange(net.shape[1], dtype=float)
    return (net / ((1 + g) ** t * (1 + r) ** t)).sum(axis=1)


def payback(cumulative: np.ndarray) -> np.ndarray:
    """Years until the cumulative net saving is first at or above nothing and stays there to the
    last year (1: in the first year), inf when it is not by then."""
    ok = cumulative >= 0
    stays = np.flip(np.cumprod(np.flip(ok, axis=1), axis=1), axis=1).astype(bool)  # from this year on
    first = np.where(stays.any(axis=1), stays.argmax(axis=1) + 1, np.inf)
    return first.astype(float)


def flows_table(name: str, flows: dict[str, np.ndarray], year_ends: list, quantiles) -> pd.DataFrame:
    """scenario, date (the year's last day), measure, quantile, value."""
    rows = []
    for key in FLOWS:
        qs = np.quantile(flows[key], quantiles, axis=0)
        for j, q in enumerate(quantiles):
            rows.append(pd.DataFrame({"scenario": name, "date": year_ends, "measure": key, "quantile": q,
                                      "value": qs[j]}))
    return pd.concat(rows, ignore_index=True)


def finance_rows(name: str, flows: dict[str, np.ndarray], present: np.ndarray, back: np.ndarray) -> list[dict]:
    """One scenario's totals over the years, its net present value and its payback year, each
    median and 90% range (the payback's range may be inf: not within the years)."""
    out = []
    totals = {k: flows[k].sum(axis=1) for k in ("gross_saving", "investment", "net_saving")}
    for key, runs in [*totals.items(), ("npv", present), ("payback_years", back)]:
        lo, med, hi = np.quantile(runs, (0.05, 0.5, 0.95), method="lower" if key == "payback_years" else "linear")
        out.append({"scenario": name, "measure": key, "median": float(med), "lo90": float(lo), "hi90": float(hi)})
    return out


def items_table(name: str, items: list[Item]) -> pd.DataFrame:
    """What each cost adds over the years (median over runs, at the year's prices)."""
    rows = [{"scenario": name, "reform": i.reform, "item": i.cost.item, "type": i.cost.type, "every": i.cost.every,
             "from": i.cost.start.isoformat(), "total": float(np.median(i.paid.sum(axis=1))), "source": i.source}
            for i in items]
    return pd.DataFrame(rows, columns=["scenario", "reform", "item", "type", "every", "from", "total", "source"])
