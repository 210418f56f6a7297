"""The capacity planner: where and when to open homes, recruit foster carers and buy block beds,
optimised against the forecast's runs (a two-stage stochastic mixed-integer programme).

    inputs = plan_inputs(demand, supply, options, parameters)   # demand.py, options.py
    model = build_model(inputs)                                  # model.py: a pure function
    outcome = solve_plan(inputs)                                 # run.py: plan, costs, duals

algebra.py (the model description: named families of variables and constraints, and a check
of a solution against it), inputs.py (the arrays and prices the builder reads), model.py,
solve.py (solvers behind one interface: HiGHS), answers.py and run.py (what a board reads),
picture.py (the plan on a map of the councils, inline SVG).
"""

from .algebra import Model, violations
from .inputs import PlanInputs, Prices
from .model import build_model
from .run import Outcome, PlanError, solve_plan
from .solve import HighsSolver, Solution, Solver

__all__ = ["Model", "violations", "PlanInputs", "Prices", "build_model", "Outcome", "PlanError", "solve_plan",
           "HighsSolver", "Solution", "Solver"]
