"""Run cs-demand-model 0.5.1 as its authors do, inside bench/.demand-venv, as a backtest and speed peer.

    bench/.demand-venv/bin/python bench/peers/demand_model_run.py RETURNS ORIGIN_YEAR \
        [--window 3] [--horizons 1 2 3] [--config standard|aligned] [--step-days 1] [--out forecast.csv]

RETURNS: a folder of collection-year subfolders of CSV returns, as `sufficiency synth` writes
them (`2021/episodes.csv`, `2021/header.csv`, ...). cs-demand-model reads only the Header and
Episodes tables, recognised by their columns, and takes a file's year from its latest DECOM.
Only the returns up to ORIGIN_YEAR are shown to it (copied to a scratch folder), so that it
knows no more on 31 March ORIGIN_YEAR than a council would have.

How the model is called (cs_demand_model/__main__.py `predict`, rpc/state.py):
  config = Config()                                   # or Config(aligned.yaml), see below
  dc = DemandModellingDataContainer(fs_datastore(folder), config)
  stats = PopulationStats(dc.enriched_view, config)
  predictor = ModelPredictor.from_model(stats, reference_start, reference_end)
  pred = predictor.predict(days, step_days)           # one row per step, one column per (age bracket, category)
reference_start = 31 March (ORIGIN - window), reference_end = 31 March ORIGIN: rates are the mean
of daily transition ratios in that window, entrants the daily mean of episodes starting there
from out of care; the stock starts on the reference end (its `prediction_start` default).
Its CLI steps one day at a time (its web app 90 days); `--step-days` chooses.

Children in care on a day = the sum of the prediction's columns except NOT_IN_CARE: leaving care
moves a child to (age bracket, NOT_IN_CARE), which the model keeps as a column (its charts
plot only the placement categories). Summing every column counts everyone who ever left.

Configs. `standard`: the shipped standard-v1.yaml (FOSTERING U1-U6, RESIDENTIAL K2 R1, SUPPORTED
H5 P2, OTHER the rest); only its total is comparable with ours. `aligned`: the same file with
its placement categories redrawn to groups of our categories (its map is by PLACE alone, so
provider splits cannot be drawn): fostering U1-U6 (our kinship, in-house and agency fostering),
residential K1 K2 (our in-house and external children's homes), supported K3 H5 P2,
with_parents P1, placed_for_adoption A3-A6, other (everything else, as in ours).

Writes CSV rows origin, horizon, date, series, forecast, config (series 'all' and each
category: ours for `aligned`, 'cs_' + its own for `standard`), and prints one JSON line of
timings: read (data container and enriched view), fit (stock, rates, entrants), predict,
wall and CPU seconds, episodes read, stock on the origin.
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
import warnings
from datetime import date, timedelta
from pathlib import Path

import yaml
from cs_demand_model import DemandModellingDataContainer, ModelPredictor, PopulationStats
from cs_demand_model.config import Config
from cs_demand_model.config._configuration_loader import DEFAULT_CONFIG_PATH
from cs_demand_model.datastore import fs_datastore

warnings.simplefilter("ignore")  # pandas FutureWarnings from the peer's own code

ALIGNED = {  # its category name -> (our series, PLACE codes)
    "FOSTERING": ("fostering", ["U1", "U2", "U3", "U4", "U5", "U6"]),
    "RESIDENTIAL": ("residential", ["K1", "K2"]),
    "SUPPORTED": ("supported", ["K3", "H5", "P2"]),
    "WITH_PARENTS": ("with_parents", ["P1"]),
    "ADOPTION": ("placed_for_adoption", ["A3", "A4", "A5", "A6"]),
}
TABLES = ("episodes.csv", "header.csv")


def config_for(kind: str, scratch: Path) -> tuple[Config, dict]:
    """The peer's Config and the map from its category names to our series names."""
    if kind == "standard":
        cfg = Config()
        return cfg, {c.name: "cs_" + c.name.lower() for c in cfg.PlacementCategories}
    if kind != "aligned":
        cfg = Config(kind)
        return cfg, {c.name: c.name.lower() for c in cfg.PlacementCategories}
    raw = yaml.safe_load(Path(DEFAULT_CONFIG_PATH).read_text())
    raw["config"]["PlacementCategories"] = {
        name: {"label": ours.replace("_", " ").capitalize(), "placement_types": codes}
        for name, (ours, codes) in ALIGNED.items()}
    for bracket in raw["config"]["AgeBrackets"].values():
        bracket["categories"] = list(ALIGNED)
    path = scratch / "aligned.yaml"
    path.write_text(yaml.safe_dump(raw))
    names = {name: ours for name, (ours, _) in ALIGNED.items()}
    return Config(str(path)), {**names, "OTHER": "other", "NOT_IN_CARE": "not_in_care"}


def returns_up_to(returns: Path, origin: int, scratch: Path) -> Path:
    """A folder holding the Header and Episodes of the returns up to `origin` only."""
    out = scratch / "returns"
    for year_dir in sorted(p for p in returns.iterdir() if p.is_dir() and p.name.isdigit()):
        if int(year_dir.name) > origin:
            continue
        (out / year_dir.name).mkdir(parents=True)
        for name in TABLES:
            if (year_dir / name).exists():
                shutil.copyfile(year_dir / name, out / year_dir.name / name)
    return out


def run(returns: Path, origin: int, window: int, horizons: list[int], config: str, step_days: int,
        truncate: bool = True) -> tuple[list[dict], dict]:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        folder = returns_up_to(returns, origin, scratch) if truncate else returns
        cfg, names = config_for(config, scratch)
        t0 = time.perf_counter()
        dc = DemandModellingDataContainer(fs_datastore(str(folder)), cfg)
        view = dc.enriched_view
        t1 = time.perf_counter()
        stats = PopulationStats(view, cfg)
        end = date(origin, 3, 31)
        start = date(origin - window, 3, 31)
        predictor = ModelPredictor.from_model(stats, start, end)
        t2 = time.perf_counter()
        last = date(origin + max(horizons), 3, 31)
        steps = -(-(last - end).days // step_days)
        pred = predictor.predict(steps, step_days)
        t3 = time.perf_counter()
    stock0 = float(predictor.initial_population.sum())
    rows = []
    for h in horizons:
        day = date(origin + h, 3, 31)
        # the step on or just before the day (with 1-day steps: the day itself)
        on = [i for i in pred.index if i <= day]
        if not on or (day - max(on)) >= timedelta(days=step_days):
            raise SystemExit(f"no prediction for {day}")
        row = pred.loc[max(on)]
        in_care = {c: v for c, v in row.items() if c[1] != "NOT_IN_CARE"}
        rows.append({"origin": origin, "horizon": h, "date": day.isoformat(), "series": "all",
                     "forecast": float(sum(in_care.values())), "config": config})
        by_cat: dict[str, float] = {}
        for (_, cat), v in in_care.items():
            by_cat[names[cat]] = by_cat.get(names[cat], 0.0) + float(v)
        for series, v in sorted(by_cat.items()):
            rows.append({"origin": origin, "horizon": h, "date": day.isoformat(), "series": series,
                         "forecast": v, "config": config})
    timing = {"read_s": round(t1 - t0, 3), "fit_s": round(t2 - t1, 3), "predict_s": round(t3 - t2, 3),
              "wall_s": round(time.perf_counter() - wall0, 3), "cpu_s": round(time.process_time() - cpu0, 3),
              "episodes": int(len(view)), "stock": stock0, "steps": steps, "step_days": step_days}
    return rows, timing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("returns", type=Path)
    ap.add_argument("origin", type=int, help="forecast from 31 March of this year")
    ap.add_argument("--window", type=int, default=3, help="years of reference window before the origin")
    ap.add_argument("--horizons", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--config", default="aligned", help="standard, aligned, or a config YAML path")
    ap.add_argument("--step-days", type=int, default=1)
    ap.add_argument("--all-returns", action="store_true",
                    help="read the folder as it is (every return), not only the returns up to the origin")
    ap.add_argument("--out", type=Path, help="CSV of forecasts (default: stdout before the timing line)")
    a = ap.parse_args()
    rows, timing = run(a.returns, a.origin, a.window, a.horizons, a.config, a.step_days, not a.all_returns)
    import csv

    fields = ["origin", "horizon", "date", "series", "forecast", "config"]
    if a.out:
        with a.out.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
    else:
        w = csv.DictWriter(sys.stdout, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    print(json.dumps(timing))


if __name__ == "__main__":
    main()
