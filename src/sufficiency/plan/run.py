"""Solve a plan and answer with it: the plan, its cost against "no plan" and a simple rule,
the share near home, unmet in-house need, shadow prices and the constraints that bind. Where
no plan meets the limits, the answer names the limits that must give and by how much."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import SufficiencyError
from . import answers
from .algebra import Model
from .inputs import PlanInputs
from .model import build_model
from .solve import HighsSolver, Solution, Solver


class PlanError(SufficiencyError):
    """A plan could not be found at all (not even with the limits relaxed, or not in the time)."""


@dataclass
class Outcome:
    """A solved plan. feasible=False: no plan meets the limits; `slack` then says which limits
    must give and by how much, and the other tables are empty. status 'time_limit': the best
    plan found when the time ran out; gap None: how far it is from the best possible is not
    known (the solver had no bound yet)."""

    feasible: bool
    status: str
    gap: float | None
    seconds: float
    model: Model
    decisions: pd.DataFrame = field(default_factory=pd.DataFrame)
    costs: pd.DataFrame = field(default_factory=pd.DataFrame)  # policy, scenario, cost
    placed: pd.DataFrame = field(default_factory=pd.DataFrame)  # scenario, year, children, near, bought
    shadow: pd.DataFrame = field(default_factory=pd.DataFrame)
    binding: pd.DataFrame = field(default_factory=pd.DataFrame)
    binding_counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    slack: pd.DataFrame = field(default_factory=pd.DataFrame)
    x: np.ndarray | None = None

    def summary(self) -> pd.DataFrame:
        """Expected cost and its 90% range by policy, and the saving of the plan against each
        (blank for a policy that cannot meet the share near home asked for)."""
        g = self.costs.groupby("policy", sort=False)["cost"]
        out = pd.DataFrame({"expected": g.mean(), "low": g.quantile(0.05), "high": g.quantile(0.95)})
        out["plan_saves"] = out["expected"] - out.loc["plan", "expected"]
        return out.reset_index()


def solve_plan(p: PlanInputs, solver: Solver | None = None, *, time_limit: float = 60.0,
               gap: float = 0.01) -> Outcome:
    """Build, solve and answer (see the module). `time_limit` bounds the search for the plan
    (the mixed-integer programme), which starts from the better of "no plan" and the simple
    rule, so a search stopped by the limit returns a plan at least as good as both, with its gap;
    the linear programmes that cost the plan and the comparisons run to the end."""
    solver = solver or HighsSolver()
    model = build_model(p)
    fixed_mask = answers.first_stage(model)
    others = {policy: _evaluate(model, solver, first, fixed_mask)
              for policy, first in (("no plan", np.zeros(model.n)), ("simple rule", rule_decisions(model, p)))}
    start = min((x for x in others.values() if x is not None), key=lambda x: float(model.cost @ x), default=None)
    sol = solver.solve(model, time_limit=time_limit, gap=gap, start=start)
    if sol.status == "infeasible":
        return _infeasible(p, solver, time_limit, model)
    if not sol.found:
        raise PlanError(f"no plan was found within the time limit of {time_limit:g} s (solver status "
                        f"{sol.status}): give more time (solver.time_limit) or fewer scenarios.")
    lp = solver.solve(model.fix(sol.x, fixed_mask), time_limit=math.inf)
    x = lp.x if lp.found else sol.x
    costs = [pd.DataFrame({"policy": "plan", "scenario": np.arange(p.scenarios),
                           "cost": answers.scenario_costs(model, x)})]
    for policy, other in others.items():
        cost = np.full(p.scenarios, np.nan) if other is None else answers.scenario_costs(model, other)
        costs.append(pd.DataFrame({"policy": policy, "scenario": np.arange(p.scenarios), "cost": cost}))
    duals = lp.duals if lp.found else None
    known = sol.gap is not None and math.isfinite(sol.gap)  # stopped before any bound: not known
    return Outcome(True, sol.status, sol.gap if known else None, sol.seconds, model, answers.decisions(model, x, p),
                   pd.concat(costs, ignore_index=True), answers.placed(model, x, p),
                   answers.shadow_prices(model, duals, p) if duals is not None else pd.DataFrame(),
                   answers.binding(model, x),
                   answers.binding_counts(model, duals) if duals is not None else pd.DataFrame(), x=x)


def _evaluate(model: Model, solver: Solver, first: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
    """The placements that follow from the first-stage decisions `first` (None: with them no
    placement meets the share near home)."""
    sol: Solution = solver.solve(model.fix(first, mask), time_limit=math.inf)
    if sol.status == "infeasible":
        return None
    if not sol.found:
        raise PlanError(f"a comparison plan could not be costed (solver status {sol.status}).")
    return sol.x


def _infeasible(p: PlanInputs, solver: Solver, time_limit: float, model: Model) -> Outcome:
    elastic = build_model(p, elastic=True)
    sol = solver.solve(elastic, time_limit=time_limit, gap=1e-6)
    if not sol.found:
        raise PlanError(f"no plan meets the limits, and relaxing them found none either (solver status {sol.status}).")
    return Outcome(False, "infeasible", None, sol.seconds, model, slack=answers.slack(elastic, sol.x))


def rule_decisions(model: Model, p: PlanInputs) -> np.ndarray:
    """The simple rule as first-stage values: each year, open the largest home in the councils
    where today's gap (expected children needing a children's home less beds, in the first year)
    is largest, one council after another while the gap, the limits and the budget allow; and
    recruit foster households where the foster gap is, up to the limit. No block beds."""
    x = np.zeros(model.n)
    pr, T = p.prices, len(p.years)
    res_gap = p.demand_res[:, 0, :].mean(axis=0) - p.homes * pr.beds_per_existing_home
    fos_gap = p.demand_foster[:, 0, :].mean(axis=0) - p.foster_places
    size = max(p.sizes)
    k = p.sizes.index(size)
    build, recruit = model.var("build"), model.var("recruit")
    shape_b, shape_r = build.shape, recruit.shape
    for t in range(T):
        spend = 0.0
        cost = pr.capital_home[t] + size * pr.capital_bed[t]
        if t + pr.lead_home < T:
            for s in np.argsort(-res_gap, kind="stable"):
                n = 0
                while res_gap[s] > 0 and n < p.limit_homes[s, t] and spend + cost <= p.budget[t]:
                    n, spend, res_gap[s] = n + 1, spend + cost, res_gap[s] - size
                x[build.start + np.ravel_multi_index((s, k, t), shape_b)] = n
        if t + pr.lead_foster < T:
            for s in range(len(p.councils)):
                n = int(min(p.limit_recruits[s, t], max(0.0, np.ceil(fos_gap[s] / pr.places_per_household))))
                fos_gap[s] -= n * pr.places_per_household
                x[recruit.start + np.ravel_multi_index((s, t), shape_r)] = n
    return x
