"""Forecast children in care by placement category, age and cost, with uncertainty.

    model = fit("la.duckdb", as_of="2025-03-31", window_years=3)
    fc = simulate(model, years=5, runs=1000, seed=1)
    fc.quantiles(by="category")        # date, category, quantile, value
    fc.costs(load_parameters())
    ev = expected(model, years=5)       # the expected value in closed form (no simulation)
    bt = backtest("la.duckdb")          # rolling origins: errors and interval coverage

The model: estimate.py (hazards, entrants, the stock), level.py (the levels of entrants and
exits), priors.py (their priors and the pooling weights, read from the parameters forecast.*),
states.py (the state space). The engines: simulate.py (runs of individual children; chance.py:
where their chances come from), project.py (the expected value in closed form); levers.py (what
a reform changes, read by both); result.py (what both return). Backtests and naive baselines:
backtest.py, baselines.py.
"""

from .estimate import Model, fit
from .project import project
from .simulate import Forecast, Levers, simulate

expected = project  # the expected-value forecast, in closed form

__all__ = ["fit", "simulate", "expected", "project", "Model", "Forecast", "Levers"]
