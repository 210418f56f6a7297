"""The planner's two-stage stochastic programme, built by a pure function of `PlanInputs`.

First stage (by site council s and plan year t, the same in every scenario):
  build[s,size,t]   new in-house homes decided in t (open lead_home years later), whole
  recruit[s,t]      in-house foster households recruited in t (caring lead_foster years later), whole
  block[s,t]        block beds contracted for year t (from lead_block on), whole
Second stage (in each scenario w, year t, for children from home council h):
  res[w,t,h,s]      in a shared in-house bed at s       alone[w,t,h,s,type] alone in an in-house home
  blk[w,t,h,s]      in a block bed at s                 spot_res[w,t,h], spot_alone[w,t,h] bought
  fos[w,t,h,s]      with an in-house foster household   spot_fos[w,t,h] with an agency carer
Constraints (named after their keys):
  homes_limit[s,t], recruit_limit[s,t], block_limit[s,t], budget[t]       the limits
  res_demand, alone_demand, fos_demand [w,t,h]    every child placed (bought places are unlimited)
  beds[w,t,s]          shared children + size x children alone <= beds open
  homes_alone[w,t,s,type]  children alone in homes of a type <= homes of that type open
  block_beds[w,t,s], foster_places[w,t,s]   places used <= places contracted / recruited
  near_share[w,t]      (when asked) children within near_miles >= the share asked
  tail[w]              (with a risk weight) the scenario's cost above the CVaR threshold
Objective: expected discounted cost (probability x discount x cost), plus risk_weight x CVaR of
the worst risk_tail of scenarios. Running costs of the homes and places that exist today are the
same in every plan and are left out; a new home's capital not used up by the end of the plan
counts back as its remaining value.

With `elastic=True` the limits and the share near home get slack variables (slack_<limit>)
and the objective is their total alone (GBP m of budget, homes, households, beds; a child short
of the share near home counts 1000): the least the limits must give for a plan to exist.
"""

from __future__ import annotations

import numpy as np

from .algebra import INF, Builder, Family, Model
from .inputs import WEEKS, PlanInputs

LIMITS = ("homes_limit", "recruit_limit", "block_limit", "budget", "near_share")
SLACK_WEIGHT = {"near_share": 1000.0}
BUDGET_UNIT = 1e6  # budget slack is counted in GBP m


def build_model(p: PlanInputs, elastic: bool = False) -> Model:
    """The model description of the plan for `p` (see the module)."""
    W, T = p.scenarios, len(p.years)
    pr = p.prices
    disc = (1 + pr.discount_rate) ** -np.arange(T, dtype=float)
    weight = np.full(W, 1.0 / W)
    types = ("existing", *(f"new_{k}" for k in p.sizes))
    b = Builder(weight, meta={"councils": p.councils, "years": p.years, "sizes": p.sizes, "types": types,
                              "scenarios": W, "discount": disc, "elastic": elastic})
    ax = {"site": p.councils, "home": p.councils, "year": p.years, "size": p.sizes, "scenario": range(W),
          "type": types}
    first = _first_stage(b, p, disc, ax)
    second = _second_stage(b, p, disc, ax, weight)
    _limits(b, p, first, ax)
    _places(b, p, first, second, ax)
    if p.min_near_share is not None:
        _near(b, p, second, ax)
    if p.risk_weight > 0 and not elastic:
        _risk(b, p, ax)
    model = b.model()
    if "tail" in model.constraints:
        model = _tail_costs(model)
    if elastic:
        model = _elastic(model)
    return model


def _axes(ax, *names):
    return [(n, ax[n]) for n in names]


def _first_stage(b: Builder, p: PlanInputs, disc: np.ndarray, ax) -> dict:
    T, pr = len(p.years), p.prices
    t = np.arange(T)
    sizes = np.asarray(p.sizes, float)
    opens = t + pr.lead_home
    later = (t[None, :] >= opens[:, None]).astype(float)  # [decided, year]: open in year
    running = later @ (disc * pr.running_bed * WEEKS)  # per bed, by year decided
    used = np.clip((T - opens) / max(pr.home_life, 1.0), 0.0, 1.0)
    keep = (1.0 - used) * (1 + pr.discount_rate) ** -T  # remaining value at the end, discounted
    capital = pr.capital_home[:, None] + pr.capital_bed[:, None] * sizes[None, :]  # [t, size]
    cost = (disc[:, None] - keep[:, None]) * capital + running[:, None] * sizes[None, :]
    build = b.var("build", _axes(ax, "site", "size", "year"), ub=np.where(opens < T, INF, 0.0)[None, None, :],
                  cost=cost.T[None, :, :], integer=True)
    fos_later = (t[None, :] >= (t + pr.lead_foster)[:, None]).astype(float)
    rcost = disc * pr.recruit + fos_later @ (disc * pr.support)
    recruit = b.var("recruit", _axes(ax, "site", "year"), ub=np.where(t + pr.lead_foster < T, INF, 0.0)[None, :],
                    cost=rcost[None, :], integer=True)
    block = b.var("block", _axes(ax, "site", "year"), ub=np.where(t >= pr.lead_block, INF, 0.0)[None, :],
                  cost=(disc * pr.block_bed * WEEKS)[None, :], integer=True)
    return {"build": build, "recruit": recruit, "block": block, "capital": capital}


def _second_stage(b: Builder, p: PlanInputs, disc: np.ndarray, ax, weight: np.ndarray) -> dict:
    pr = p.prices
    per_mile = pr.per_mile if p.distance_cost else np.zeros_like(pr.per_mile)
    pw = weight[:, None] * disc[None, :]  # [w, t]
    near = (pw * per_mile[None, :])[:, :, None, None] * p.miles[None, None, :, :]  # [w,t,h,s]
    spot_mile = per_mile * pr.spot_miles

    def spot(weekly):
        return (pw * (weekly * WEEKS + spot_mile)[None, :])[:, :, None]

    return {
        "res": b.var("res", _axes(ax, "scenario", "year", "home", "site"), cost=near),
        "alone": b.var("alone", _axes(ax, "scenario", "year", "home", "site", "type"), cost=near[..., None]),
        "blk": b.var("blk", _axes(ax, "scenario", "year", "home", "site"), cost=near),
        "fos": b.var("fos", _axes(ax, "scenario", "year", "home", "site"),
                     cost=near + (pw * pr.inhouse_foster * WEEKS)[:, :, None, None]),
        "spot_res": b.var("spot_res", _axes(ax, "scenario", "year", "home"), cost=spot(pr.spot_res)),
        "spot_alone": b.var("spot_alone", _axes(ax, "scenario", "year", "home"), cost=spot(pr.spot_solo)),
        "spot_fos": b.var("spot_fos", _axes(ax, "scenario", "year", "home"), cost=spot(pr.spot_foster)),
    }


def _limits(b: Builder, p: PlanInputs, first: dict, ax) -> None:
    build = first["build"]
    b.con("homes_limit", _axes(ax, "site", "year"), hi=p.limit_homes).add(build.transpose(0, 2, 1), 1.0)
    b.con("recruit_limit", _axes(ax, "site", "year"), hi=p.limit_recruits).add(first["recruit"], 1.0)
    b.con("block_limit", _axes(ax, "site", "year"), hi=p.limit_block).add(first["block"], 1.0)
    # capital is spent in the year a home is decided: [t] <- build[s, size, t] x capital[t, size]
    spend = build.transpose(2, 0, 1)  # [t, s, size]
    b.con("budget", _axes(ax, "year"), hi=p.budget).add(spend, first["capital"][:, None, :])


def _opened(decided: np.ndarray, lead: int, W: int) -> tuple[np.ndarray, np.ndarray]:
    """Terms for what is open in year t: decided[..., t'] for t' <= t - lead, as indices shaped
    [W, T, *decided's leading axes, T'] and their 0/1 coefficients."""
    T = decided.shape[-1]
    lead_shape = decided.shape[:-1]
    idx = np.broadcast_to(decided[None, None], (W, T, *lead_shape, T))
    t, tp = np.arange(T), np.arange(T)
    mask = (tp[None, :] <= t[:, None] - lead).astype(float)  # [t, t']
    return idx, mask.reshape(1, T, *([1] * len(lead_shape)), T)


def _places(b: Builder, p: PlanInputs, first: dict, v: dict, ax) -> None:
    W, pr = p.scenarios, p.prices
    shared = p.demand_res * (1 - p.alone_share)
    b.con("res_demand", _axes(ax, "scenario", "year", "home"), lo=shared, hi=shared).add(
        v["res"], 1.0).add(v["blk"], 1.0).add(v["spot_res"][..., None], 1.0)
    alone_need = p.demand_res * p.alone_share
    b.con("alone_demand", _axes(ax, "scenario", "year", "home"), lo=alone_need, hi=alone_need).add(
        v["alone"].reshape(*v["alone"].shape[:3], -1), 1.0).add(v["spot_alone"][..., None], 1.0)
    b.con("fos_demand", _axes(ax, "scenario", "year", "home"), lo=p.demand_foster, hi=p.demand_foster).add(
        v["fos"], 1.0).add(v["spot_fos"][..., None], 1.0)
    type_size = np.asarray([pr.beds_per_existing_home, *p.sizes], float)
    existing_beds = p.homes * pr.beds_per_existing_home
    built, mask = _opened(first["build"], pr.lead_home, W)  # [W, T, S, size, T']
    sizes = np.asarray(p.sizes, float).reshape(1, 1, 1, -1, 1)
    b.con("beds", _axes(ax, "scenario", "year", "site"), hi=existing_beds[None, None, :]).add(
        v["res"].transpose(0, 1, 3, 2), 1.0).add(
        v["alone"].transpose(0, 1, 3, 2, 4), type_size[None, None, None, None, :]).add(built, -sizes * mask)
    homes_now = np.zeros((len(p.councils), len(type_size)))
    homes_now[:, 0] = p.homes
    alone_c = b.con("homes_alone", _axes(ax, "scenario", "year", "site", "type"), hi=homes_now[None, None])
    alone_c.add(v["alone"].transpose(0, 1, 3, 4, 2), 1.0)
    new_types = np.zeros((len(p.sizes), len(type_size)))
    new_types[np.arange(len(p.sizes)), np.arange(1, len(type_size))] = 1.0  # size k -> type new_k
    rows = np.broadcast_to(built[:, :, :, None, :, :], (*built.shape[:3], len(type_size), *built.shape[3:]))
    alone_c.add(rows, -new_types.T.reshape(1, 1, 1, len(type_size), len(p.sizes), 1) * mask[:, :, :, None])
    blocked = np.broadcast_to(first["block"].T[None], (W, *first["block"].T.shape))  # [W, T, S]
    b.con("block_beds", _axes(ax, "scenario", "year", "site"), hi=0.0).add(
        v["blk"].transpose(0, 1, 3, 2), 1.0).add(blocked[..., None], -1.0)
    hh, hmask = _opened(first["recruit"], pr.lead_foster, W)  # [W, T, S, T']
    b.con("foster_places", _axes(ax, "scenario", "year", "site"), hi=p.foster_places[None, None, :]).add(
        v["fos"].transpose(0, 1, 3, 2), 1.0).add(hh, -pr.places_per_household * hmask)


def _near(b: Builder, p: PlanInputs, v: dict, ax) -> None:
    pr = p.prices
    close = (p.miles <= pr.near_miles).astype(float)[None, None]  # [1, 1, h, s]
    total = (p.demand_res + p.demand_foster).sum(axis=2)  # [w, t]
    W, T = total.shape
    c = b.con("near_share", _axes(ax, "scenario", "year"), lo=p.min_near_share * total)
    for name in ("res", "blk", "fos"):
        c.add(v[name].reshape(W, T, -1), close.reshape(1, 1, -1))
    c.add(v["alone"].reshape(W, T, -1), np.broadcast_to(close[..., None], (1, 1, *v["alone"].shape[2:]))
          .reshape(1, 1, -1))
    for name in ("spot_res", "spot_alone", "spot_fos"):
        c.add(v[name], pr.spot_near)


def _risk(b: Builder, p: PlanInputs, ax) -> None:
    """CVaR of the worst risk_tail: eta + E[u] / tail, u[w] + eta >= cost(w), added at
    risk_weight; cost(w) is the first stage's cost plus scenario w's own (undiscounted by
    its probability)."""
    W = p.scenarios
    eta = b.var("cvar_threshold", [], lb=-INF, cost=p.risk_weight)
    u = b.var("cvar_excess", _axes(ax, "scenario"), cost=p.risk_weight / (p.risk_tail * W))
    b.con("tail", _axes(ax, "scenario"), lo=0.0).add(u, 1.0).add(np.broadcast_to(eta, (W,))[:, None], 1.0)


def _tail_costs(model: Model) -> Model:
    """Each tail[w] row less the cost of scenario w: every first-stage cost, and scenario w's
    own costs divided by its probability."""
    from scipy import sparse

    fam = model.constraints["tail"]
    risk = np.zeros(model.n, bool)
    for name in ("cvar_threshold", "cvar_excess"):
        f = model.variables[name]
        risk[f.start:f.start + f.size] = True
    cols = np.flatnonzero(~risk & (model.cost != 0))
    own = model.scenario[cols]
    first, second = cols[own < 0], cols[own >= 0]
    W = fam.size
    rows = np.concatenate([np.repeat(np.arange(W), len(first)), model.scenario[second]]) + fam.start
    at = np.concatenate([np.tile(first, W), second])
    vals = -np.concatenate([np.tile(model.cost[first], W), model.cost[second] / model.weight[model.scenario[second]]])
    extra = sparse.csr_matrix((vals, (rows, at)), shape=model.A.shape)
    return Model(model.variables, model.constraints, model.cost, model.lb, model.ub, model.integer,
                 (model.A + extra).tocsr(), model.lo, model.hi, model.scenario, model.weight, model.meta)


def _elastic(model: Model) -> Model:
    """The model with slack on every limit family and the slack alone in the objective."""
    from scipy import sparse

    cost = np.zeros(model.n)
    extra_cols, slack_cost, families = [], [], dict(model.variables)
    start = model.n
    for name in LIMITS:
        fam = model.constraints.get(name)
        if fam is None:
            continue
        sign = 1.0 if name == "near_share" else -1.0  # >= rows gain, <= rows lose
        unit = BUDGET_UNIT if name == "budget" else 1.0
        rows = np.arange(fam.start, fam.start + fam.size)
        extra_cols.append(sparse.csr_matrix((np.full(fam.size, sign * unit), (rows, np.arange(fam.size))),
                                            shape=(model.m, fam.size)))
        slack_cost.append(np.full(fam.size, SLACK_WEIGHT.get(name, 1.0)))
        families[f"slack_{name}"] = Family(f"slack_{name}", fam.axes, start)
        start += fam.size
    k = start - model.n
    A = sparse.hstack([model.A, *extra_cols]).tocsr()
    return Model(families, model.constraints, np.concatenate([cost, *slack_cost]),
                 np.concatenate([model.lb, np.zeros(k)]), np.concatenate([model.ub, np.full(k, INF)]),
                 np.concatenate([model.integer, np.zeros(k, bool)]), A, model.lo, model.hi,
                 np.concatenate([model.scenario, np.full(k, -1)]), model.weight, model.meta)
