"""Backtests on held-out years of synthetic councils: our model, the naive baselines and
cs-demand-model 0.5.1, at 1, 2 and 3 years; coverage of our 50% and 90% intervals.

    bash bench/peers/setup.sh       # once: bench/.demand-venv with cs-demand-model 0.5.1
    .venv/bin/python studies/backtest.py --seeds 20 --peer-seeds 5 --jobs 2 [--peer-cache OLD/results.csv.gz]

For each council and seed: `synthesise(la, FIRST, LAST, seed)` then `pipeline.load`; then
`forecast.backtest` at every 31 March with 3 years of returns before it (origins 2018-2024 for
returns 2016-2025), fitted on the store as known on the origin over up to 5 years before it (as
far as the returns go), `--runs` runs, scored against
the realised stock on later 31 Marches, in total, in each of our 9 placement categories and in
the groups cs-demand-model can draw (fostering, residential). For the first `--peer-seeds`
seeds, cs-demand-model is run at the same origins on the returns up to each origin, with the
same reference window (bench/peers/demand_model_run.py in bench/.demand-venv), once with its categories aligned to
ours ('cs-demand-model') and once with its shipped configuration ('cs-demand-model
(standard)', total only).

Every result row is written to OUT/results.csv.gz (with council and seed), a finished
(council, seed) is not redone on a second run, and the tables are printed as markdown
(also OUT/summary.md).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd
from _common import OUT, ROOT, machine, md

PEER_PY = ROOT / "bench" / ".demand-venv" / "bin" / "python"
PEER_RUN = ROOT / "bench" / "peers" / "demand_model_run.py"
FOSTERING = ["kinship_foster", "inhouse_foster", "ifa"]
RESIDENTIAL = ["inhouse_residential", "external_residential"]
GROUPS = {"fostering": FOSTERING, "residential": RESIDENTIAL}
# the series cs-demand-model (aligned) forecasts: our groups and single categories it can draw
PEER_SERIES = ["all", "fostering", "residential", "supported", "with_parents", "placed_for_adoption", "other"]
PEER = "cs-demand-model"
PEER_STANDARD = "cs-demand-model (standard)"
WINDOW = 5  # years of history both models are fitted on, at most (forecast.estimate.WINDOW_YEARS)
MANY = 12  # with more councils than this, the tables by council are left out
METHODS = ["model", "model_mean", "last_value", "linear_trend", "trend_shares", PEER, PEER_STANDARD]


def one(council: str, seed: int, a: dict) -> dict:
    """Synthesise, load, backtest (and run the peer) for one council and seed."""
    from sufficiency.forecast.backtest import backtest
    from sufficiency.pipeline import load
    from sufficiency.synth.council import synthesise

    tmp = Path(tempfile.mkdtemp(prefix=f"bt-{council}-{seed}-"))
    try:
        returns, db = tmp / "returns", tmp / "la.duckdb"
        t = time.perf_counter()
        synthesise(council, a["first"], a["last"], seed, returns, params_path=a.get("params"))
        load(returns, db=db)
        t_data = time.perf_counter() - t
        t, c = time.perf_counter(), time.process_time()
        bt = backtest(db, origins=a.get("origins"), horizons=(1, 2, 3), runs=a["runs"], seed=seed, groups=GROUPS,
                      window_years=a.get("window", WINDOW))
        ours = {"wall_s": time.perf_counter() - t, "cpu_s": time.process_time() - c,
                "per_origin": bt.timings.to_dict("records")}
        peer_timing = []
        cached = _cached_peer(a.get("peer_cache"), council, seed)
        if cached is not None:  # the peer's forecasts do not depend on ours: reuse an earlier run's
            for name, g in cached.groupby("method"):
                bt = bt.compare(name, g[["origin", "horizon", "series", "forecast"]])
        elif seed in a["peer_seed_list"] and (a.get("peer_councils") is None or council in a["peer_councils"]):
            frames = {PEER: [], PEER_STANDARD: []}
            for origin in bt.params["origins"]:
                hs = sorted(bt.results.loc[bt.results["origin"] == origin, "horizon"].unique().tolist())
                for config, name in [(c, n) for c, n in (("aligned", PEER), ("standard", PEER_STANDARD))
                                     if c in a["peer_configs"]]:
                    t, c0 = time.perf_counter(), _children_cpu()
                    window = min(WINDOW, origin - a["first"] + 1)  # as ours: up to 5 years, as far as the data go
                    p = subprocess.run([str(PEER_PY), str(PEER_RUN), str(returns), str(origin), "--window", str(window),
                                        "--config", config, "--horizons", *map(str, hs)],
                                       capture_output=True, text=True)
                    if p.returncode:
                        raise RuntimeError(f"{council} seed {seed} origin {origin} {config}: {p.stderr[-2000:]}")
                    lines = p.stdout.strip().splitlines()
                    timing = json.loads(lines[-1])
                    timing.update({"config": config, "origin": origin, "process_wall_s": time.perf_counter() - t,
                                   "process_cpu_s": _children_cpu() - c0})
                    peer_timing.append(timing)
                    f = pd.read_csv(io.StringIO("\n".join(lines[:-1])))
                    keep = PEER_SERIES if config == "aligned" else ["all"]
                    frames[name].append(f[f["series"].isin(keep)])
            for name, fs in frames.items():
                if fs:
                    bt = bt.compare(name, pd.concat(fs, ignore_index=True))
        res = bt.results.assign(council=council, seed=seed)
        return {"council": council, "seed": seed, "results": res, "data_s": t_data, "ours": ours,
                "peer": peer_timing, "categories": bt.categories}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _all_councils() -> list[str]:
    """Every council with published starts and children looked after in each year 2021-2025
    (by ONS code)."""
    from sufficiency.reference.authorities import authorities

    years = range(2021, 2026)
    return sorted(code for code, la in authorities().items()
                  if all(la.fact("starts", y) and la.fact("cla", y) for y in years))


def _cached_peer(path, council: str, seed: int):
    """cs-demand-model rows for (council, seed) from an earlier results file, if it has them."""
    if not path:
        return None
    old = pd.read_csv(path)
    rows = old[(old["council"] == council) & (old["seed"] == seed) & old["method"].str.startswith(PEER)]
    return rows if len(rows) else None


def _children_cpu() -> float:
    r = os.times()
    return r.children_user + r.children_system


# --- tables -----------------------------------------------------------------------------------


def paired(res: pd.DataFrame, keys: list[str]) -> str:
    """Is the model's error of the total really lower or higher? For each comparator, the mean
    over the cases both have of (our absolute % error - its), with a standard error that treats
    each council as one observation: its origins share data, and its seeds share its published
    starts (the shocks every method meets), so neither is independent."""
    w = res[res["series"] == "all"].pivot_table(index=[*keys, "origin", "horizon"], columns="method", values="ape")
    rows = []
    for ref in [m for m in ("last_value", PEER, PEER_STANDARD) if m in w.columns]:
        for m in ("model", "model_mean"):
            d = (w[m] - w[ref]).dropna()
            per = d.groupby(level=[*keys, "horizon"]).mean()  # each council-seed
            by = per.groupby(level=["council", "horizon"]).mean().groupby(level="horizon")  # each council
            for h, g in by:
                rows.append({"ours - theirs": f"{m} - {ref}", "years ahead": int(h), "cases": int((d.index.get_level_values(
                    "horizon") == h).sum()), "council-seeds": int((per.index.get_level_values("horizon") == h).sum()),
                    "councils": len(g), "mean difference": g.mean(), "standard error": g.std(ddof=1) / np.sqrt(len(g))})
    t = pd.DataFrame(rows).set_index("ours - theirs")
    return ("\n### Total: our error minus theirs, case by case (percentage points; below 0: ours lower)\n\n"
            + md(t.astype(object), "{:.2f}"))


def _pivot(s: pd.DataFrame, value: str, series: str, methods: list[str]) -> pd.DataFrame:
    """A summary's `value` of one series: years ahead by method."""
    s = s[(s["series"] == series) & s["method"].isin(methods)]
    t = s.pivot_table(index="horizon", columns="method", values=value)
    t = t[[m for m in methods if m in t.columns]]
    t.index.name = "years ahead"
    return t


def _coverage(res: pd.DataFrame, categories: list[str], many: bool) -> str:
    """Share of realised values inside the model's 50% and 90% intervals, by council (unless
    there are many) and over all, for the total and the categories."""
    m = res[res["method"] == "model"]
    rows = []
    groups = [(("all", h), g) for h, g in m.groupby("horizon")]
    if not many:
        groups = list(m.groupby(["council", "horizon"])) + groups
    for (council, h), g in groups:
        tot = g[g["series"] == "all"]
        cat = g[g["series"].isin(categories)]
        rows.append({"council": council, "years ahead": h, "n total": len(tot),
                     "total 50%": 100 * tot["in_50"].astype(bool).mean(), "total 90%": 100 * tot["in_90"].astype(bool).mean(),
                     "n categories": len(cat),
                     "categories 50%": 100 * cat["in_50"].astype(bool).mean(),
                     "categories 90%": 100 * cat["in_90"].astype(bool).mean()})
    cov = pd.DataFrame(rows).set_index("council")
    return ("\n### Coverage of the model's intervals (% of realised values inside)\n"
            + md(cov.astype({"years ahead": int, "n total": int, "n categories": int}).astype(object)))


def _by_origin(tot: pd.DataFrame) -> str:
    """The total by origin: the shocks every council shared (England's starts rose in 2021/22
    and 2022/23)."""
    by = []
    for (o, h), g in tot[tot["method"] == "model"].groupby(["origin", "horizon"]):
        naive = tot[(tot["method"] == "last_value") & (tot["origin"] == o) & (tot["horizon"] == h)]
        by.append({"origin (31 March)": int(o), "years ahead": int(h), "cases": len(g),
                   "model: mean % error": g["pct_error"].mean(), "model: MAPE": g["ape"].mean(),
                   "no change: mean % error": naive["pct_error"].mean(), "no change: MAPE": naive["ape"].mean(),
                   "total 50%": 100 * g["in_50"].astype(bool).mean(),
                   "total 90%": 100 * g["in_90"].astype(bool).mean()})
    return ("\nTotal by origin: bias (mean % error; + over-forecast), error and coverage of our median's "
            "intervals:\n\n" + md(pd.DataFrame(by).set_index("origin (31 March)")
                                   .astype({"years ahead": int, "cases": int}).astype(object)))


def _slope(prefix: str, ours: pd.Series, came: pd.Series) -> dict:
    """Correlation and slope of the realised change on ours; blank where ours does not vary (a
    run of one council per origin has nothing to compare within origins)."""
    if len(ours) < 3 or not ours.std() > 0:
        return {f"{prefix}correlation": np.nan, f"{prefix}slope" if prefix else "slope (realised on ours)": np.nan}
    return {f"{prefix}correlation": np.corrcoef(ours, came)[0, 1],
            f"{prefix}slope" if prefix else "slope (realised on ours)": np.polyfit(ours, came, 1)[0]}


def _foretold_change(tot: pd.DataFrame) -> str:
    """How much of the change the model foretells: its mean's forecast change against the
    realised one, both from the stock on the origin ("no change")."""
    f = tot.pivot_table(index=["council", "seed", "origin", "horizon"], columns="method", values="forecast")
    real = tot[tot["method"] == "model"].set_index(["council", "seed", "origin", "horizon"])["realised"]
    ch = []
    for h in sorted(f.index.get_level_values("horizon").unique()):
        s0 = f["last_value"].xs(h, level="horizon")
        ours = f["model_mean"].xs(h, level="horizon") / s0 - 1
        came = real.xs(h, level="horizon").reindex(ours.index) / s0 - 1
        # within each origin too: each origin's mean change (the shock every council shared) taken out
        o = ours.index.get_level_values("origin")
        ours_w, came_w = ours - ours.groupby(o).transform("mean"), came - came.groupby(o).transform("mean")
        ch.append({"years ahead": int(h), "cases": len(ours), "realised change: sd %": 100 * came.std(),
                   "our mean's forecast change: sd %": 100 * ours.std(), **_slope("", ours, came),
                   **_slope("within origins: ", ours_w, came_w)})
    return ("\nHow much of each council's change the model foretells: its mean's forecast change of the "
            "total from the origin's stock against the change that came (a slope of 1: its changes are the "
            "right size on average; within origins: each origin's mean change taken out of both, leaving "
            "what differs between councils):\n\n"
            + md(pd.DataFrame(ch).set_index("years ahead").astype({"cases": int}).astype(object), "{:.2f}"))


def _with_peer(res: pd.DataFrame, base: list[str], keys: list[str]) -> list[str]:
    """The total and the category groups beside cs-demand-model, on the cases it was run on."""
    from sufficiency.forecast.backtest import summarise

    out = []

    def cases(method):
        return res[res["method"] == method][keys + ["origin"]].drop_duplicates()

    for peers in ([PEER, PEER_STANDARD], [PEER_STANDARD]):
        # the total beside both configurations where both ran, then beside the shipped one wherever it ran
        if not all(p in set(res["method"]) for p in peers):
            continue
        c = cases(peers[0]).merge(cases(peers[-1]), on=keys + ["origin"])
        if len(peers) == 1 and len(c) == len(cases(PEER).merge(c, on=keys + ["origin"])):
            continue  # the shipped configuration ran nowhere the aligned one did not: no new table
        r = res.merge(c, on=keys + ["origin"])
        meths = [*base, *peers]
        s = summarise(r[r["series"] == "all"], methods=meths, keys=keys, matched=True)
        n_c = r[keys].drop_duplicates().shape[0]
        which = "aligned and shipped configurations" if len(peers) == 2 else "shipped configuration"
        out.append(f"\n### Beside cs-demand-model 0.5.1, {which} ({n_c} council-seeds it was run on; same cases "
                   "for every method)\n")
        out.append("Total, mean absolute % error:\n")
        out.append(md(_pivot(s, "mape", "all", meths)))
        out.append("\nTotal, mean % error (bias; + over-forecast):\n")
        out.append(md(_pivot(s, "bias", "all", meths)))
        n = s[(s["series"] == "all") & (s["method"] == peers[0])].set_index("horizon")["n"].to_dict()
        out.append(f"\nCases per horizon: {n}\n")
    if PEER in set(res["method"]):
        r = res.merge(cases(PEER), on=keys + ["origin"])
        grp = [x for x in PEER_SERIES if x != "all"]
        meths = [*base, PEER]
        s = summarise(r[r["series"].isin(grp)], categories=grp, methods=meths, keys=keys, matched=True)
        out.append("\nThe six category groups both can draw (fostering, residential, supported, with parents, "
                   "placed for adoption, other), pooled: WAPE %\n")
        out.append(md(_pivot(s, "wape", "categories", meths)))
        out.append("\nMAPE %:\n")
        out.append(md(_pivot(s, "mape", "categories", meths)))
        per = s[(s["series"].isin(grp)) & (s["horizon"] == 1)].pivot_table(index="series", columns="method",
                                                                            values="mape")
        per = per[[m for m in meths if m in per.columns]]
        per.index.name = "1 year ahead, MAPE %"
        out.append("\nBy group, one year ahead, MAPE %:\n")
        out.append(md(per))
    return out


def _timings(timings: list[dict]) -> list[str]:
    """Wall and CPU time per origin: ours (fit + simulate) and cs-demand-model's."""
    out = []
    ours = pd.DataFrame([dict(o, council=t["council"]) for t in timings for o in t["ours"]["per_origin"]])
    if len(ours):
        out.append("\n### Time per origin\n")
        if len(set(ours["council"])) > MANY:
            ours["council"] = f"{ours['council'].nunique()} councils"
        g = ours.groupby("council").agg(wall_min=("seconds", "min"), wall_median=("seconds", "median"),
                                        wall_max=("seconds", "max"), cpu_median=("cpu_seconds", "median"))
        g.index.name = "ours: fit + simulate"
        out.append(md(g, "{:.2f}"))
    peer = pd.DataFrame([dict(p, council=t["council"]) for t in timings for p in t["peer"]])
    if len(peer):
        if len(set(peer["council"])) > MANY:
            peer["council"] = f"{peer['council'].nunique()} councils"
        g = peer.groupby(["council", "config"]).agg(wall_min=("wall_s", "min"), wall_median=("wall_s", "median"),
                                                    wall_max=("wall_s", "max"), cpu_median=("cpu_s", "median"),
                                                    predict_median=("predict_s", "median"))
        g.index = [f"{c} ({k})" for c, k in g.index]
        g.index.name = "cs-demand-model: read + fit + predict (daily steps)"
        out.append("\n" + md(g, "{:.2f}"))
    return out


def tables(res: pd.DataFrame, categories: list[str], timings: list[dict]) -> str:
    from sufficiency.forecast.backtest import summarise

    out = []
    keys = ["council", "seed"]
    n_seeds = res.groupby("council")["seed"].nunique().to_dict()
    many = len(n_seeds) > MANY
    seeds = sorted(set(n_seeds.values()))
    shown = f"{len(n_seeds)} councils x {'/'.join(map(str, seeds))} seed(s)" if many else str(n_seeds)
    out.append(f"Councils and seeds: {shown}; origins {res['origin'].min()}-{res['origin'].max()}.\n")
    base = [m for m in METHODS if m in set(res["method"]) and not m.startswith(PEER)]
    # 1. all seeds: model against the naive baselines
    s = summarise(res, categories=categories, methods=base, keys=keys)
    out.append("### Total: mean absolute % error (all seeds, every origin)\n")
    out.append(md(_pivot(s, "mape", "all", base)))
    n = s[(s["series"] == "all") & (s["method"] == "model")].set_index("horizon")["n"].to_dict()
    out.append(f"\nCases (council x seed x origin) per horizon: {n}\n")
    out.append("\n### Each of our 9 placement categories, pooled: WAPE (sum |error| / sum realised, %) and MAPE\n")
    out.append(md(_pivot(s, "wape", "categories", base)))
    out.append("\nMAPE (mean of per-category % errors; small categories weigh as much as large):\n")
    out.append(md(_pivot(s, "mape", "categories", base)))
    if not many:  # per council
        out.append("\n### Total by council: mean absolute % error\n")
        for council, g in res.groupby("council"):
            out.append(f"\n{council}:\n")
            out.append(md(_pivot(summarise(g, methods=base, keys=keys), "mape", "all", base)))
    # 2. coverage, the total by origin and how much of each council's change is foretold
    out.append(_coverage(res, categories, many))
    tot = res[res["series"] == "all"]
    out.append(_by_origin(tot))
    out.append(_foretold_change(tot))
    # 3. with the peer, on the cases it was run on
    out.extend(_with_peer(res, base, keys))
    out.append(paired(res, keys))
    # 4. timings
    out.extend(_timings(timings))
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--councils", nargs="+", default=["York", "Leeds", "Birmingham"],
                    help="council names, or 'all': every council with published starts and children looked after "
                    "in every year 2021-2025")
    ap.add_argument("--origins", nargs="+", type=int, help="years to forecast from (default: every year with 3 "
                    "years of returns before it)")
    ap.add_argument("--history", choices=["mean", "first"], default="mean",
                    help="synthetic entries before the published years (2021-2025): their mean (the synthesiser's "
                    "default) or the first of them ('first': no origin from 2021 has its future in its past)")
    ap.add_argument("--exit-change", type=float, default=0.0,
                    help="synthetic exit hazards change by this proportion a year (e.g. 0.05) from --exit-change-from")
    ap.add_argument("--exit-change-from", type=int, default=2022, help="first collection year of the change")
    ap.add_argument("--entries", choices=["poisson", "published"], default="poisson",
                    help="synthetic new entrants in the published years (2021-2025): a Poisson draw around "
                         "the council's published starts (the synthesiser's default) or that number exactly")
    ap.add_argument("--uasc-path", choices=["steady", "england"], default="steady",
                    help="synthetic UASC share of entrants: the same every year, or moving with England's "
                         "UASC in care on 31 March 2021-2025 (reference/data/england.yaml; years before "
                         "2021 at 2021's)")
    ap.add_argument("--peer-every", type=int, default=1, help="run cs-demand-model on every N-th council only")
    ap.add_argument("--peer-configs", nargs="+", choices=["aligned", "standard"], default=["aligned", "standard"],
                    help="cs-demand-model configurations to run where no cached rows are found")
    ap.add_argument("--window", type=float, default=WINDOW, help="years of history our model is fitted on, at most "
                    "(cs-demand-model keeps its window of WINDOW years)")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--peer-seeds", type=int, default=5, help="run cs-demand-model on seeds 1..N")
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--first", type=int, default=2016)
    ap.add_argument("--last", type=int, default=2025)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", type=Path, default=OUT / "backtest")
    ap.add_argument("--peer-cache", type=Path, help="reuse cs-demand-model rows from this earlier results.csv.gz "
                    "(its forecasts depend only on the returns, which a council and seed fix)")
    ap.add_argument("--report-only", action="store_true", help="print the tables of the results already there")
    a = ap.parse_args()
    if a.peer_seeds and not PEER_PY.exists():
        sys.exit(f"{PEER_PY} is missing: run `bash bench/peers/setup.sh` (or pass --peer-seeds 0)")
    a.out.mkdir(parents=True, exist_ok=True)
    store = a.out / "results.csv.gz"
    tfile = a.out / "timings.json"
    res = pd.read_csv(store, parse_dates=["date"]) if store.exists() else pd.DataFrame()
    timings = json.loads(tfile.read_text()) if tfile.exists() else []
    done = set(map(tuple, res[["council", "seed"]].drop_duplicates().to_numpy())) if len(res) else set()
    councils = _all_councils() if a.councils == ["all"] else a.councils
    todo = [(c, s) for c in councils for s in range(1, a.seeds + 1) if (c, s) not in done]
    opts = {"first": a.first, "last": a.last, "runs": a.runs, "peer_seed_list": list(range(1, a.peer_seeds + 1)),
            "peer_cache": str(a.peer_cache) if a.peer_cache else None, "origins": a.origins,
            "peer_configs": a.peer_configs,
            "peer_councils": set(councils[::a.peer_every]) if a.peer_every > 1 else None, "window": a.window}
    # the design is the run's, not this command line's: --report-only reads it back (and leaves
    # the run's synthesiser parameters as they were)
    design_file = a.out / "design.json"
    design = ("runs", "first", "last", "history", "exit_change", "exit_change_from", "uasc_path", "entries", "window")
    if a.report_only and design_file.exists():
        for k, v in json.loads(design_file.read_text()).items():
            setattr(a, k, v)
    elif not a.report_only:
        design_file.write_text(json.dumps({k: getattr(a, k) for k in design}))
    synth: dict = {}  # the synthesiser's parameters that differ from its defaults: {group: {name: value}}
    if a.history == "first":
        synth.setdefault("entries", {})["hold_first_published"] = {"value": True}
    if a.entries == "published":
        synth.setdefault("entries", {})["published_exactly"] = {"value": True}
    if a.exit_change:
        synth.setdefault("hazards", {}).update({"exit_change": {"value": a.exit_change},
                                                "exit_change_from": {"value": a.exit_change_from}})
    if a.uasc_path == "england":
        from sufficiency.reference.benchmarks import england

        e = england()
        v = e[e["indicator"] == "uasc_31_march"].set_index("year")["value"].sort_index()
        synth.setdefault("entries", {})["uasc_by_year"] = {
            "value": {int(y): round(float(x / v.iloc[-1]), 3) for y, x in v.items()}}
    if synth and not a.report_only:
        import yaml

        opts["params"] = str(a.out / "synth-params.yaml")
        (a.out / "synth-params.yaml").write_text(yaml.safe_dump(synth, sort_keys=False))
    cats = None
    if not a.report_only and todo:
        t0 = time.perf_counter()
        print(f"{len(todo)} council-seeds to run with {a.jobs} job(s)", file=sys.stderr)
        with ProcessPoolExecutor(max_workers=a.jobs) as pool:
            futs = {pool.submit(one, c, s, opts): (c, s) for c, s in todo}
            for i, f in enumerate(as_completed(futs)):
                r = f.result()
                cats = r["categories"]
                res = pd.concat([res, r["results"]], ignore_index=True)
                timings.append({k: r[k] for k in ("council", "seed", "data_s", "ours", "peer")})
                res.to_csv(store, index=False)
                tfile.write_text(json.dumps(timings))
                print(f"[{i + 1}/{len(todo)}] {r['council']} seed {r['seed']}: ours {r['ours']['wall_s']:.1f} s, "
                      f"peer runs {len(r['peer'])}, {time.perf_counter() - t0:.0f} s so far", file=sys.stderr)
    if cats is None:
        from sufficiency.parameters import PlacementCategories

        cats = list(PlacementCategories.load().ids)
    for c in ("in_50", "in_90"):
        res[c] = res[c].astype("boolean")
    head = (f"Machine: {machine()}; runs per origin {a.runs}; returns {a.first}-{a.last}; "
            f"synthetic entries before 2021: {a.history} of the published years"
            + (f"; exit hazards x{1 + a.exit_change:g} a year from {a.exit_change_from}" if a.exit_change else "")
            + ("; UASC share of entrants moving with England's UASC in care" if a.uasc_path == "england" else "")
            + ("; new entrants in the published years exactly as published" if a.entries == "published" else "")
            + ".\n")
    text = head + "\n" + tables(res, cats, timings)
    (a.out / "summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
