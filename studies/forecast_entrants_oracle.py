"""How much of the forecast's error is the entrants'? On synthetic councils that follow their
published starts, our expected forecast of the total at 1-3 years from each origin, fitted on the
store as known then, (a) as it is, with its own entry level, and (b) told how many children in
fact entered in each later year (a factor on the entry rate: the store's own entrants in each
year, UASC at the model's level), beside "no change". If (b) is close to what happened, the
stock's dynamics (exits, moves, ageing out) are right and the error is the entrants', which no
history foretells; the entry level is also scored against the year's entrants beside two
naive guesses (last year's, the mean of the years in the window).

    .venv/bin/python studies/forecast_entrants_oracle.py --councils all --jobs 2 --out studies/out/oracle

Same synthetic design as the backtest study's record (`--history first`: years before 2021 at
the first published year's starts, origins 2021-2024, one seed).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from _common import OUT, machine, md
from backtest import _all_councils  # studies/backtest.py

HISTORY_FIRST = "entries:\n  hold_first_published:\n    value: true\n"


def one(council: str, seed: int, origins: list[int], params: str) -> list[dict]:
    from sufficiency.forecast import Levers, expected, fit
    from sufficiency.forecast.backtest import known_on, realised_stock
    from sufficiency.pipeline import load
    from sufficiency.store import StoreData
    from sufficiency.synth.council import synthesise
    from sufficiency.vocab import census

    tmp = Path(tempfile.mkdtemp(prefix=f"oracle-{council}-"))
    try:
        synthesise(council, 2016, 2025, seed, tmp / "returns", params_path=params)
        load(tmp / "returns", db=tmp / "la.duckdb")
        data = StoreData.read(tmp / "la.duckdb")
        real = realised_stock(data, list(data.years))["all"]
        entered = fit(data, as_of="2025-03-31").annual_entries  # every whole year to 31 March 2025
        rows = []
        for origin in origins:
            m = fit(known_on(data, census(origin)), as_of=census(origin).date().isoformat())
            others, uasc = (365.25 * r for r in m.entry_rates)
            own = expected(m, years=3).stock_cat[0].sum(axis=1)
            ahead = [h for h in (1, 2, 3) if origin + h in real.index and origin + h in entered]
            factor = [max(entered.get(origin + h, 0) - uasc, 0) / others for h in (1, 2, 3)]
            told = expected(m, years=3, levers=Levers(entry=np.repeat(factor, 12))).stock_cat[0].sum(axis=1)
            past = [n for y, n in m.annual_entries.items() if y <= origin]
            for h in ahead:
                rows.append({"council": council, "seed": seed, "origin": origin, "horizon": h,
                             "realised": real[origin + h], "last_value": real[origin],
                             "model": own[12 * h - 1], "model_told_entrants": told[12 * h - 1],
                             "entrants": entered[origin + h], "level": others + uasc,
                             "entrants_last_year": past[-1], "entrants_window_mean": float(np.mean(past))})
        return rows
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def tables(d: pd.DataFrame) -> str:
    out = []
    d = d.copy()
    for c in ("last_value", "model", "model_told_entrants"):
        d[c + "_pct"] = 100 * (d[c] / d["realised"] - 1)
    pct = ["last_value_pct", "model_pct", "model_told_entrants_pct"]
    names = {"last_value_pct": "no change", "model_pct": "model (own entry level)",
             "model_told_entrants_pct": "model told the entrants"}
    t = d.groupby("horizon")[pct].agg(lambda s: s.abs().mean()).rename(columns=names)
    t.index.name = "years ahead"
    out.append("Total, mean absolute % error (expected value):\n\n" + md(t))
    t = d.groupby("horizon")[pct].mean().rename(columns=names)
    t.index.name = "years ahead"
    out.append("\nTotal, mean % error (bias):\n\n" + md(t))
    d["size"] = pd.qcut(d["last_value"], 3, labels=["smallest third", "middle third", "largest third"])
    t = d.groupby(["size", "horizon"], observed=True)[pct].agg(lambda s: s.abs().mean()).rename(columns=names)
    t.index = [f"{s}, {h} year{'s' if h > 1 else ''}" for s, h in t.index]
    t.index.name = "councils by children looked after"
    out.append("\nBy size of council, mean absolute % error:\n\n" + md(t))
    e = d.drop_duplicates(["council", "seed", "origin", "horizon"])
    guess = {"level": "entry level (ours)", "entrants_last_year": "last year's entrants",
             "entrants_window_mean": "mean of the window's years"}
    rows = {}
    for h, g in e.groupby("horizon"):
        rows[h] = {v: 100 * (g[k] / g["entrants"] - 1).abs().mean() for k, v in guess.items()}
    t = pd.DataFrame(rows).T
    t.index.name = "entrants, years ahead"
    out.append("\nEntrants in the year, mean absolute % error of each guess made at the origin:\n\n" + md(t))
    # between councils of one origin (its shared change taken out): is the foretold change of the
    # total the right size (slope 1), and is the entry level's departure from the window's mean?
    rows = {}
    for h, g in d.groupby("horizon"):
        o = g["origin"]

        def within(x, y, o=o):
            xw, yw = x - x.groupby(o).transform("mean"), y - y.groupby(o).transform("mean")
            return float(np.polyfit(xw, yw, 1)[0]), float(np.corrcoef(xw, yw)[0, 1])

        came = g["realised"] / g["last_value"] - 1
        rows[h] = {}
        for k, v in (("model", "own entry level"), ("model_told_entrants", "told the entrants")):
            rows[h][f"{v}: slope"], rows[h][f"{v}: correlation"] = within(g[k] / g["last_value"] - 1, came)
        rows[h]["entry level: slope"], rows[h]["entry level: correlation"] = within(
            np.log(g["level"] / g["entrants_window_mean"]), np.log(g["entrants"] / g["entrants_window_mean"]))
    t = pd.DataFrame(rows).T
    t.index.name = "years ahead"
    out.append("\nBetween councils of one origin (each origin's mean taken out): the realised change of the total "
               "against the change foretold from the origin's stock, and the log of the year's entrants over the "
               "window's mean against the log of the entry level over it (slope 1: the foretold departures are "
               "the right size):\n\n" + md(t, "{:.2f}"))
    out.append(f"\nCases per horizon: {d.groupby('horizon').size().to_dict()}; "
               f"councils: {d['council'].nunique()}.\n")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--councils", nargs="+", default=["all"])
    ap.add_argument("--every", type=int, default=1, help="every N-th council only")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--origins", nargs="+", type=int, default=[2021, 2022, 2023, 2024])
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", type=Path, default=OUT / "oracle")
    ap.add_argument("--report-only", action="store_true", help="print the tables of the results already there")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    if a.report_only:
        print(tables(pd.read_csv(a.out / "results.csv")))
        return
    params = a.out / "synth-params.yaml"
    params.write_text(HISTORY_FIRST)
    councils = (_all_councils() if a.councils == ["all"] else a.councils)[::a.every]
    todo = [(c, s) for c in councils for s in range(1, a.seeds + 1)]
    rows = []
    with ProcessPoolExecutor(max_workers=a.jobs) as pool:
        futs = [pool.submit(one, c, s, a.origins, str(params)) for c, s in todo]
        for i, f in enumerate(futs):
            rows += f.result()
            print(f"[{i + 1}/{len(todo)}] {todo[i][0]} seed {todo[i][1]}", file=sys.stderr)
    d = pd.DataFrame(rows)
    d.to_csv(a.out / "results.csv", index=False)
    text = f"Machine: {machine()}; synthetic entries before 2021 at the first published year.\n\n" + tables(d)
    (a.out / "summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
