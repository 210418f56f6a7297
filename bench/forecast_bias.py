"""Bias of the expected-value forecast of the total, with and without pooling of sparse cells.

    .venv/bin/python bench/forecast_bias.py [--seeds 8]

Synthetic York and Leeds 2016-2025, seeds 1..N; at origins 31 March 2019-2022 the model is
fitted on the store as known that day (up to 5 years of history) with the pooling prior's weight
at 180 child-days (the default), 30, and none; `expected` (closed form) forecasts 1-3 years;
prints the mean % error (bias) and mean absolute % error against the realised stock.
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import tempfile

import pandas as pd

import sufficiency.forecast.estimate as estimate
from sufficiency.forecast import expected, fit
from sufficiency.forecast.backtest import census_day, known_on, realised_stock
from sufficiency.indicators.data import StoreData
from sufficiency.pipeline import load
from sufficiency.synth.council import synthesise


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=8)
    a = ap.parse_args()
    rows = []
    default = estimate.PRIOR_DAYS
    for la in ("York", "Leeds"):
        for seed in range(1, a.seeds + 1):
            d = pathlib.Path(tempfile.mkdtemp())
            try:
                synthesise(la, 2016, 2025, seed, d / "r")
                load(d / "r", db=d / "s.duckdb")
                data = StoreData.read(d / "s.duckdb")
                real = realised_stock(data)["all"]
                for origin in (2019, 2020, 2021, 2022):
                    view = known_on(data, census_day(origin))
                    model = fit(view, as_of=f"{origin}-03-31")
                    for weight in (default, 30.0, 1e-6):
                        estimate.PRIOR_DAYS = weight  # Model.rates reads it when called
                        total = expected(model, years=3).stock_cat[0].sum(axis=1)
                        for h in (1, 2, 3):
                            rows.append({"prior_days": round(weight), "years_ahead": h,
                                         "pct_error": 100 * (total[12 * h] / real[origin + h] - 1)})
                    estimate.PRIOR_DAYS = default
            finally:
                shutil.rmtree(d, ignore_errors=True)
    df = pd.DataFrame(rows)
    out = df.groupby(["prior_days", "years_ahead"])["pct_error"].agg(
        bias="mean", mape=lambda x: x.abs().mean()).round(2)
    print(f"{2 * a.seeds} councils x 4 origins\n")
    print(out.to_string())


if __name__ == "__main__":
    main()
