"""Forecast children in care by placement category, age and cost, with uncertainty.

    model = fit("la.duckdb", as_of="2025-03-31", window_years=3)
    fc = simulate(model, years=5, runs=1000, seed=1)
    fc.quantiles(by="category")        # date, category, quantile, value
    fc.costs(load_parameters())
    bt = backtest("la.duckdb")          # rolling origins: errors and interval coverage

Model: estimate.py; simulation: simulate.py; backtests and naive baselines: backtest.py.
"""

from .estimate import Model, fit
from .simulate import Forecast, Levers, expected, simulate

__all__ = ["fit", "simulate", "expected", "Model", "Forecast", "Levers"]
