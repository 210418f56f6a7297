"""Bias of the expected-value forecast on steady synthetic councils, split into the children in
care at the start and those who enter after it.

    .venv/bin/python studies/forecast_steady.py [--seeds 10]

Synthetic York and Leeds 2016-2025, seeds 1..N, with entrants at a steady expected rate
(`entries.follow_published_starts: false`: no shocks, so a right model has no bias). At origins
31 March 2019-2021 the model is fitted on the store as known that day; `expected` forecasts 1-3
years with no entrants (the children in care at the start: how many are still in care) and with
them (the rest: those who entered after). Compared with the realised: children open on both
days, and the rest of the realised stock; entrants against periods of care that started.
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import tempfile
from dataclasses import replace

import pandas as pd
from _common import md

from sufficiency.forecast import expected, fit
from sufficiency.forecast.backtest import census_day, known_on
from sufficiency.pipeline import load
from sufficiency.store import StoreData
from sufficiency.synth.council import synthesise

STEADY = "entries:\n  follow_published_starts:\n    value: false\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    a = ap.parse_args()
    rows = []
    tmp = pathlib.Path(tempfile.mkdtemp())
    try:
        params = tmp / "steady.yaml"
        params.write_text(STEADY)
        for la in ("York", "Leeds"):
            for seed in range(1, a.seeds + 1):
                d = tmp / f"{la}{seed}"
                synthesise(la, 2016, 2025, seed, d / "r", params_path=params)
                load(d / "r", db=d / "s.duckdb")
                data = StoreData.read(d / "s.duckdb")
                starts = pd.to_datetime(data.tables["periods"]["start"])
                for origin in (2019, 2020, 2021):
                    day = pd.Timestamp(f"{origin}-03-31")
                    model = fit(known_on(data, census_day(origin)), as_of=day)
                    # nobody enters (no entrant profiles: a factor on entries would leave UASC arriving)
                    closed = expected(replace(model, entrants=model.entrants.iloc[:0]), years=3)
                    full = expected(model, years=3)
                    at_start = data.open_on(day, "placements")[["child", "period"]]
                    for h in (1, 2, 3):
                        later = data.open_on(pd.Timestamp(f"{origin + h}-03-31"), "placements")[["child", "period"]]
                        stayed = len(at_start.merge(later))
                        left_in = closed.stock_cat[0].sum(axis=1)[12 * h]
                        rows.append({"h": h, "stayed_real": stayed, "stayed_model": left_in,
                                     "new_real": len(later) - stayed,
                                     "new_model": full.stock_cat[0].sum(axis=1)[12 * h] - left_in,
                                     "entrants_real": int(((starts > day) & (starts <= pd.Timestamp(
                                         f"{origin + h}-03-31"))).sum()),
                                     "entrants_model": float(full.entries[0, :12 * h].sum())})
                shutil.rmtree(d, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    g = pd.DataFrame(rows).groupby("h").sum()
    out = pd.DataFrame({
        "in care at the start, still in care: % error": 100 * (g.stayed_model / g.stayed_real - 1),
        "entered after: % error": 100 * (g.new_model / g.new_real - 1),
        "entrants: % error": 100 * (g.entrants_model / g.entrants_real - 1),
        "entrants still in care per entrant: % error":
            100 * ((g.new_model / g.entrants_model) / (g.new_real / g.entrants_real) - 1),
    }).round(1)
    out.index.name = "years ahead"
    print(f"{2 * a.seeds} steady councils x 3 origins (2019-2021)\n")
    print(md(out))


if __name__ == "__main__":
    main()
