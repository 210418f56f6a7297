"""Run cs-demand-model 0.5.1 (inside bench/.demand-venv) as a backtest peer.

    bench/.demand-venv/bin/python bench/peers/demand_model_run.py RETURNS ORIGIN_YEAR [--window 3] [--horizons 1 2 3]

RETURNS is a folder of year subfolders of CSV returns (as `sufficiency synth` writes them).
The model's rates come from the reference window (the `window` years to 31 March ORIGIN_YEAR),
its stock from the data on that day; it predicts day by day (its own `predict`), and the
script prints JSON: {horizon: predicted children in care on 31 March ORIGIN_YEAR + horizon}.
Its reader sees every file in the folder, so the stock on the origin is as the later returns
record it; its rates use only the window.
"""

import argparse
import json
import time
from datetime import date

from cs_demand_model import DemandModellingDataContainer, ModelPredictor, PopulationStats
from cs_demand_model.config import Config
from cs_demand_model.datastore import fs_datastore


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("returns")
    ap.add_argument("origin", type=int)
    ap.add_argument("--window", type=int, default=3)
    ap.add_argument("--horizons", type=int, nargs="+", default=[1, 2, 3])
    a = ap.parse_args()
    t = time.perf_counter()
    config = Config()
    dc = DemandModellingDataContainer(fs_datastore(a.returns), config)
    stats = PopulationStats(dc.enriched_view, config)
    end = date(a.origin, 3, 31)
    start = date(a.origin - a.window, 3, 31)
    predictor = ModelPredictor.from_model(stats, start, end)
    last = date(a.origin + max(a.horizons), 3, 31)
    pred = predictor.predict((last - end).days)
    out = {}
    for h in a.horizons:
        day = date(a.origin + h, 3, 31)
        row = pred.loc[[i for i in pred.index if i == day]]
        out[h] = float(row.sum(axis=1).iloc[0])
    print(json.dumps({"forecast": out, "seconds": round(time.perf_counter() - t, 2)}))


if __name__ == "__main__":
    main()
