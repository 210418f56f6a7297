"""Every measure of one scenario's forecast, run by run: placements once the council's own
places are filled, the sufficiency gap, cost, distance from home and the social work workforce.

The categories are read by their roles (parameters.categories.ROLES), never by id: fostering
with strangers (`foster`, not `kinship`) and children's homes (`residential`) each have
in-house categories, filled first up to the council's places, and external ones that take the
rest. A map without both an in-house and an external category of a kind leaves that kind's
children where the forecast put them and has no gap for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..parameters import Parameters, PlacementCategories
from ..vocab import year_of
from .costs import index
from .plans import Plan, as_dates, months_since, ramp
from .supply import HomeType, allocate, allocate_residential
from .workforce import project

BLOCK_DISCOUNT = "market.block_discount_percent"
NEW_PLACEMENTS = "placements.new_placements_per_child"
SETTLED_MOVES = "placements.settled_moves_percent"


@dataclass
class Baseline:
    """What the council has on the forecast origin, from its data and parameters."""

    foster_places: float
    homes: float
    beds_per_home: int
    alone_share: float
    far_share: dict[str, float]  # category -> share of children placed far from home
    posts: float
    children_now: float
    notes: list[str] = field(default_factory=list)
    cases: float | None = None  # cases social workers hold on the origin (None: posts follow the children)


def value(params: Parameters, name: str, day) -> float:
    """The value in force on `day`, or the first one when the day is before it (dated series
    such as the workforce survey start later than some councils' data)."""
    found = params.get(name).at(pd.Timestamp(day).date())
    return (found or params.get(name).values[0]).value


def groups(cats: PlacementCategories) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """(in-house, external) categories of fostering with strangers and of children's homes."""
    return {"foster": (cats.select("foster", "inhouse", without=("kinship",)),
                       cats.select("foster", "external", without=("kinship",))),
            "residential": (cats.select("residential", "inhouse"), cats.select("residential", "external"))}


def _spread(total: np.ndarray, stock: np.ndarray, idx: list[int]) -> np.ndarray:
    """`total` shared among the categories `idx` as the forecast's stock is (all to the first
    when they have none): (runs, dates, len(idx))."""
    own = stock[:, :, idx]
    whole = own.sum(axis=2, keepdims=True)
    first = np.zeros(len(idx))
    first[0] = 1.0
    share = np.where(whole > 0, own / np.where(whole > 0, whole, 1), first)
    return total[:, :, None] * share


def place(stock: np.ndarray, p: Plan, base: Baseline, out: dict, params: Parameters, origin) -> np.ndarray:
    """Children placed once in-house places are filled: (runs, dates, categories). The places a
    council has on the origin are full from the start; new places fill as new placements and
    planned moves allow (`paced`), settled children staying where they are. Writes the gaps,
    blocked beds and in-house beds into `out`."""
    ix = {c: i for i, c in enumerate(p.categories.ids)}
    placed = stock.copy()
    (f_in, f_out), (r_in, r_out) = groups(p.categories).values()
    if f_in and f_out:
        need = stock[:, :, [ix[c] for c in (*f_in, *f_out)]].sum(axis=2)
        kept = p.retained_share[None, :]
        today = np.minimum(need, base.foster_places * (1 + kept))
        full, _, out["foster_gap"] = allocate(need, base.foster_places * (1 + kept) + p.extra_foster_places[None, :])
        inhouse = today + paced(full - today, need, params, origin)
        overflow = need - inhouse
        placed[:, :, [ix[c] for c in f_in]] = _spread(inhouse, stock, [ix[c] for c in f_in])
        placed[:, :, [ix[c] for c in f_out]] = _spread(overflow, stock, [ix[c] for c in f_out])
    if r_in and r_out:
        need = stock[:, :, [ix[c] for c in (*r_in, *r_out)]].sum(axis=2)
        alone = np.floor(need * base.alone_share + 0.5)  # children who must live alone take a home each
        types = [HomeType("existing", base.beds_per_home, base.homes, np.nan)]
        types += [HomeType(h.label, h.beds, h.homes[None, :], np.nan) for h in p.homes]
        res = allocate_residential(need, alone, types)
        today = allocate_residential(need, alone, types[:1]).inhouse
        inhouse = today + paced(res.inhouse - today, need, params, origin)
        placed[:, :, [ix[c] for c in r_in]] = _spread(inhouse, stock, [ix[c] for c in r_in])
        placed[:, :, [ix[c] for c in r_out]] = _spread(need - inhouse, stock, [ix[c] for c in r_out])
        out["residential_gap"] = res.beds - res.blocked - need  # beds a child can use, less the children needing one
        out["blocked_beds"] = res.blocked
        out["inhouse_beds"] = res.beds
    return placed


def weekly_cost(placed: np.ndarray, dates: pd.DatetimeIndex, p: Plan, base: Baseline,
                params: Parameters) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(weekly cost (runs, dates), children in spot placements, children in local block beds).
    Every price is on the year's prices by its kind's index: unit costs by financial year, and a
    block or home priced on another date moved by the same yearly uplift as the category's spot
    price. Block beds are paid whether
    filled or not and filled before spot purchases (as fast as new placements allow); in-house
    children's homes cost what their beds cost, filled or not."""
    cats = list(p.categories.ids)
    ix = {c: i for i, c in enumerate(cats)}
    unit = np.array([[params.weekly_cost(c, y) for c in cats] for y in map(year_of, dates)])  # (dates, categories)
    unit = unit * p.price_factor
    runs, n_dates, _ = placed.shape
    block_cost, local_block, spot = np.zeros((runs, n_dates)), np.zeros((runs, n_dates)), placed.copy()
    for b in p.blocks:
        used = paced(np.minimum(spot[:, :, ix[b.category]], b.beds[None, :]), spot[:, :, ix[b.category]], params,
                     dates[0])
        spot[:, :, ix[b.category]] -= used
        block_cost += b.beds[None, :] * block_price(b, unit[:, ix[b.category]], dates, params)
        if b.local:
            local_block += used
    homes = [ix[c] for c in groups(p.categories)["residential"][0]]
    per_bed = unit[:, homes[0]] if homes else np.zeros(n_dates)
    home_cost = base.homes * base.beds_per_home * per_bed
    for h in p.homes:
        own = per_bed if h.weekly_cost_per_bed is None else h.weekly_cost_per_bed * index(
            params, h.priced, dates, params.group_of(cats[homes[0]]) if homes else "residential")
        home_cost = home_cost + h.homes * h.beds * own
    per_child = spot.copy()
    per_child[:, :, homes] = 0.0
    return (per_child * unit[None]).sum(axis=2) + block_cost + home_cost[None, :], spot, local_block


def block_price(b, spot_price: np.ndarray, dates, params: Parameters) -> np.ndarray:
    """A block bed's weekly price on each date: its contract price moved onto the year's prices,
    or the spot price less the block discount."""
    if b.weekly_price is not None:
        return b.weekly_price * index(params, b.priced, dates, params.group_of(b.category))
    discount = b.discount if b.discount is not None else value(params, BLOCK_DISCOUNT, dates[0])
    return spot_price * (1 - discount / 100.0)


def paced(target: np.ndarray, need: np.ndarray, params: Parameters, origin) -> np.ndarray:
    """Children in new places (runs, dates): they reach `target` no faster than new placements
    arrive (placements.new_placements_per_child a year of the children needing that kind of
    place) plus planned moves of settled children (placements.settled_moves_percent a year);
    none are in them on the origin."""
    per_month = (value(params, NEW_PLACEMENTS, origin) + value(params, SETTLED_MOVES, origin) / 100.0) / 12.0
    out = np.zeros_like(target, dtype=float)
    for t in range(1, target.shape[1]):
        out[:, t] = np.minimum(target[:, t], out[:, t - 1] + per_month * need[:, t])
    return out


def far_from_home(spot: np.ndarray, local_block: np.ndarray, p: Plan, base: Baseline) -> np.ndarray:
    """Children placed far from home: each category's share on the origin (moved by the plan's
    points), local block beds as near as the council's own homes."""
    cats = list(p.categories.ids)
    share = np.array([base.far_share[c] for c in cats])[None, :] + p.far_points / 100.0
    own = [base.far_share[c] for c in groups(p.categories)["residential"][0]]
    local = float(np.mean(own)) if own else float(np.mean(list(base.far_share.values())))
    return (spot * np.clip(share, 0, 1)[None]).sum(axis=2) + local_block * local


def workforce(total: np.ndarray, origin, base: Baseline, p: Plan, params: Parameters, out: dict) -> np.ndarray:
    """Social workers: posts follow the children; an agency cap where one holds; the posts the
    reforms add themselves (`reform_posts`). Writes the workforce measures into `out` and
    returns the yearly cost (the reforms' own posts are paid in their investment)."""
    wf = project(total, base.children_now, base.posts,
                 vacancy_percent=value(params, "workforce.vacancy_rate", origin),
                 agency_percent=value(params, "workforce.agency_rate", origin),
                 caseload_now=value(params, "workforce.caseload", origin),
                 cost_permanent=value(params, "workforce.cost.permanent_fte", origin),
                 cost_agency=value(params, "workforce.cost.agency_fte", origin),
                 cap_percent=p.agency_cap[None, :], converted_percent=p.converted[None, :], cases_now=base.cases)
    own = reform_posts(p)[None, :]  # the reforms' own posts: paid for in their investment, not here
    staff = wf.permanent + wf.agency
    out["social_workers_permanent"] = wf.permanent + own
    out["social_workers_agency"] = wf.agency
    out["social_workers_reform"] = np.broadcast_to(own, wf.permanent.shape).copy()
    out["agency_percent"] = np.where(staff + own > 0, 100.0 * wf.agency / np.where(staff + own > 0, staff + own, 1), 0.0)
    out["caseload"] = np.where(staff + own > 0, wf.caseload * staff / np.where(staff + own > 0, staff + own, 1), np.inf)
    out["workforce_cost_per_year"] = wf.annual_cost
    return wf.annual_cost


def reform_posts(p: Plan) -> np.ndarray:
    """Social work posts the plan's reforms add themselves on each date (a staff cost with
    `social_work_posts`: its count, ramped as it is paid, until its end): Family Help's
    practitioners join the workforce the comparison reports and share its cases."""
    posts = np.zeros(len(p.dates))
    for reform in p.reforms:
        for c in reform.costs:
            if c.social_work_posts:
                live = ramp(p.dates, c.start, c.ramp_months)
                if c.until is not None:
                    live = live * (months_since(p.dates, c.until) < 0)
                posts += c.count * live
    return posts


def measure(fc, p: Plan, base: Baseline, params: Parameters) -> dict[str, np.ndarray]:
    """Every measure of one scenario's forecast, (runs, dates) each; `params`: the scenario's."""
    cats = list(p.categories.ids)
    if tuple(fc.model.space.categories) != tuple(cats):
        raise ValueError("the plan's placement categories are not the forecast's")
    stock = fc.stock_cat.astype(float)  # (runs, dates, categories)
    dates = pd.to_datetime(as_dates(fc.dates))
    out: dict[str, np.ndarray] = {}
    placed = place(stock, p, base, out, params, dates[0].date())
    weekly, spot, local_block = weekly_cost(placed, dates, p, base, params)
    out["weekly_cost"] = weekly
    for i, c in enumerate(cats):
        out[c] = placed[:, :, i]
    total = stock.sum(axis=2)
    out["children_looked_after"] = total
    safe = np.where(total > 0, total, 1.0)
    external_homes = [cats.index(c) for c in groups(p.categories)["residential"][1]]
    out["pct_external_residential"] = 100.0 * placed[:, :, external_homes].sum(axis=2) / safe
    if base.far_share:
        out["pct_over_20_miles"] = 100.0 * far_from_home(spot, local_block, p, base) / safe
    annual = workforce(total, dates[0].date(), base, p, params, out)
    # money spent between each month end and the next: placements weekly x weeks, workforce / 12
    gap = np.diff(fc.dates).astype(float)
    spend = np.zeros_like(total)
    spend[:, 1:] = weekly[:, 1:] * gap[None] / 7 + annual[:, 1:] * gap[None] / 365.25
    out["total_cost"] = spend  # summed over dates for the period
    return out
