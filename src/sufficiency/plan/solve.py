"""Solvers behind one interface: `solver.solve(model, time_limit=, gap=)` -> `Solution`.

    solution = HighsSolver().solve(model, time_limit=60, gap=0.01, start=x0)
    solution.status      # 'optimal', 'time_limit' (x is the best plan found), 'infeasible', ...
    solution.gap         # relative gap between the plan's cost and the best bound (MIP)
    solution.duals       # row duals (an LP: a model with its integer decisions fixed)

`start`: a feasible solution to begin from (a MIP's first incumbent), so a solve stopped by its
time limit returns a plan at least as good. Another solver is a class with the same `solve`
method returning a `Solution`.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .algebra import Model

FEASIBLE = ("optimal", "time_limit")


@dataclass(frozen=True)
class Solution:
    """What a solve gave. x, objective, bound and gap are None when no solution was found;
    duals is None for a MIP. `seconds` is the solver's wall time."""

    status: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    gap: float | None
    duals: np.ndarray | None
    seconds: float

    @property
    def found(self) -> bool:
        return self.status in FEASIBLE and self.x is not None


class Solver(Protocol):
    def solve(self, model: Model, *, time_limit: float = 60.0, gap: float = 0.01,
              start: np.ndarray | None = None) -> Solution: ...


class HighsSolver:
    """HiGHS through highspy. `threads`: HiGHS's own threads (default: its choice)."""

    def __init__(self, threads: int | None = None):
        self.threads = threads

    def solve(self, model: Model, *, time_limit: float = 60.0, gap: float = 0.01,
              start: np.ndarray | None = None) -> Solution:
        import highspy

        h = _quiet(highspy.Highs)
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(time_limit))
        h.setOptionValue("mip_rel_gap", float(gap))
        if self.threads:
            h.setOptionValue("threads", int(self.threads))
        h.passModel(_lp(model, highspy))
        if start is not None:
            given = highspy.HighsSolution()
            given.col_value = np.asarray(start, float)
            h.setSolution(given)
        started = time.perf_counter()
        h.run()
        seconds = time.perf_counter() - started
        status = _status(h.modelStatusToString(h.getModelStatus()))
        info = h.getInfo()
        mip = bool(model.integer.any())
        has_x = info.primal_solution_status == 2  # a feasible primal solution
        if not has_x or status not in FEASIBLE:
            return Solution(status if status not in FEASIBLE else "no_solution", None, None, None, None, None,
                            seconds)
        sol = h.getSolution()
        x = np.asarray(sol.col_value, float)
        obj = float(info.objective_function_value) + model.offset
        if mip:
            bound = float(info.mip_dual_bound) + model.offset
            return Solution(status, x, obj, bound, float(info.mip_gap), None, seconds)
        return Solution(status, x, obj, obj, 0.0, np.asarray(sol.row_dual, float), seconds)


def _quiet(make):
    """`make()` with the process's standard output closed: HiGHS writes its banner there, in
    C, the first time one is made, and the library never prints."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            return make()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _lp(model: Model, highspy):
    """The model as a HighsLp (column-wise matrix)."""
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = model.n, model.m
    lp.col_cost_ = model.cost
    lp.col_lower_ = np.where(np.isinf(model.lb), -inf, model.lb)
    lp.col_upper_ = np.where(np.isinf(model.ub), inf, model.ub)
    lp.row_lower_ = np.where(np.isinf(model.lo), -inf, model.lo)
    lp.row_upper_ = np.where(np.isinf(model.hi), inf, model.hi)
    A = model.A.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = model.n, model.m
    if model.integer.any():
        kinds = np.where(model.integer, highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous)
        lp.integrality_ = list(kinds)
    return lp


def _status(text: str) -> str:
    t = text.lower()
    if t == "optimal":
        return "optimal"
    if "time limit" in t or "iteration limit" in t or "interrupt" in t:
        return "time_limit"
    if "infeasible" in t and "unbounded" not in t:
        return "infeasible"
    if "unbounded" in t:
        return "unbounded"
    return t.replace(" ", "_") or "error"
