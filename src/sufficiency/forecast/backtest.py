"""Rolling-origin backtests: fit on the data up to a 31 March, forecast 1-3 years, compare with
what the store says happened, beside naive baselines (and beside any other forecaster's numbers).

    bt = backtest("la.duckdb", horizons=(1, 2, 3), runs=500, seed=1)
    bt.results           # one row per origin x horizon x series x method
    bt.summary()         # MAE, MAPE, WAPE, bias and interval coverage by method, horizon, series
    bt.write("la.duckdb")  # tables backtest_results and backtest_summary

Origins: every 31 March with `min_history` years of returns before it (default 3) and at least
the shortest horizon after it (`origins_for`); the model is fitted on up to `window_years`
(default 5) before each origin, as much as the returns cover. At each origin the model is fitted on the store as it was
known on that day (`known_on`: later episodes dropped, later ends reopened), simulated
`runs` times, and its median compared with the realised stock; its 50% (25-75%) and 90% (5-95%)
intervals either hold the realised value or not.

Realised values (`realised_stock`): children looked after on 31 March, counted as the DfE counts
them (an episode open that day; short breaks are not in the cleaned `episodes` table; a
child once), in total ('all') and in each placement category of the council's map
(`sufficiency.parameters.PlacementCategories`), plus any groups of categories asked for.

Metrics per row: error = forecast - realised, abs_error, pct_error = 100 error / realised and
ape = |pct_error| (both empty when nothing was realised). Summaries: MAE, MAPE (mean ape over
rows with a realised value above zero), WAPE (sum |error| / sum realised), bias (mean
pct_error) and the share of realised values inside each interval.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..parameters import Parameters, PlacementCategories
from ..store import StoreData
from ..vocab import census as census_day  # 31 March of a year
from .baselines import BASELINES, TOTAL, baselines

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MODEL = "model"  # the median of the runs, with its intervals
MODEL_MEAN = "model_mean"  # the mean of the runs
CATEGORIES = "categories"  # the pooled level of summaries: every category of the map together
RESULT_COLUMNS = ["origin", "horizon", "date", "series", "method", "forecast", "realised", "error",
                  "abs_error", "pct_error", "ape", "lo50", "hi50", "lo90", "hi90", "in_50", "in_90"]
KEY = ["origin", "horizon", "series"]


# --- metrics ---------------------------------------------------------------------------------


def errors(forecast, realised) -> pd.DataFrame:
    """error, abs_error, pct_error and ape of each forecast against its realised value;
    pct_error and ape are empty (NaN) where the realised value is zero."""
    f = np.asarray(forecast, dtype=float)
    r = np.asarray(realised, dtype=float)
    err = f - r
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(r != 0, 100.0 * err / np.where(r != 0, r, 1.0), np.nan)
    return pd.DataFrame({"error": err, "abs_error": np.abs(err), "pct_error": pct, "ape": np.abs(pct)})


def mae(forecast, realised) -> float:
    """Mean absolute error."""
    return float(errors(forecast, realised)["abs_error"].mean())


def mape(forecast, realised) -> float:
    """Mean absolute percentage error over the pairs whose realised value is not zero (NaN if none)."""
    ape = errors(forecast, realised)["ape"].dropna()
    return float(ape.mean()) if len(ape) else float("nan")


def wape(forecast, realised) -> float:
    """Weighted absolute percentage error: 100 x sum |error| / sum realised."""
    e = errors(forecast, realised)
    total = float(np.sum(np.asarray(realised, dtype=float)))
    return 100.0 * float(e["abs_error"].sum()) / total if total else float("nan")


def inside(lo, hi, realised) -> np.ndarray:
    """Whether each realised value lies in its interval [lo, hi] (ends included)."""
    lo, hi, r = (np.asarray(a, dtype=float) for a in (lo, hi, realised))
    return (lo <= r) & (r <= hi)


def coverage(lo, hi, realised) -> float:
    """Percentage of realised values inside their intervals (ends included)."""
    hit = inside(lo, hi, realised)
    return 100.0 * float(hit.mean()) if hit.size else float("nan")


# --- what happened ---------------------------------------------------------------------------


def realised_stock(source, years: Iterable[int] | None = None, *, categories: PlacementCategories | None = None,
                   groups: Mapping[str, Iterable[str]] | None = None) -> pd.DataFrame:
    """Children looked after on 31 March of each year: index year, columns 'all', every
    category of `categories` (default: the built-in map) and every group (a name for a list
    of categories, counted together). `source`: a store path, an open DuckDB connection or a
    StoreData. Years default to the store's returns."""
    data = source if isinstance(source, StoreData) else StoreData.read(
        source, categories, parameters=Parameters({}), tables=("episodes",))
    cats = categories or data.categories
    if cats is not data.categories:  # counted by another map than the one the data were read with
        ep = data.tables["episodes"]
        ep = ep.assign(category=cats.assign_column(ep["place"], ep["place_provider"]))
        data = replace(data, tables={**data.tables, "episodes": ep}, categories=cats)
    ys = sorted(int(y) for y in (data.years if years is None else years))
    rows = {}
    for y in ys:  # the DfE's count: an episode open on the day, one per child (StoreData.open_on)
        counts = data.open_on(census_day(y))["category"].value_counts()
        rows[y] = {TOTAL: float(counts.sum()), **{c: float(counts.get(c, 0)) for c in cats.ids}}
    out = pd.DataFrame.from_dict(rows, orient="index", columns=[TOTAL, *cats.ids]).astype(float)
    for name, members in _check_groups(groups, cats).items():
        out[name] = out[list(members)].sum(axis=1)
    out.index.name = "year"
    return out


def realised(data, year: int) -> pd.Series:
    """Children looked after on 31 March `year`: 'all' and each category (one row of realised_stock)."""
    return realised_stock(data, [year]).loc[int(year)].rename(None)


def _check_groups(groups, cats: PlacementCategories) -> dict[str, list[str]]:
    out = {}
    for name, members in (groups or {}).items():
        members = list(members)
        bad = [m for m in members if m not in cats.ids]
        if bad:
            raise ValueError(f"group {name!r}: {', '.join(bad)} not among the categories {', '.join(cats.ids)}")
        if name == TOTAL or name in cats.ids:
            raise ValueError(f"group name {name!r} is already a series")
        out[str(name)] = members
    return out


def known_on(data: StoreData, day) -> StoreData:
    """The store as it could have been known on `day`: episodes, placements, periods and short
    breaks starting after it dropped; ends after it reopened (DEC, REC and reasons blank, as in
    a return whose year ends that day); children never looked after by then dropped; dated
    tables cut at the day; `years` the returns up to it. What the model is fitted on at an
    origin, so that nothing from after the origin can reach the fit."""
    day = pd.Timestamp(day)
    t = data.tables
    out: dict[str, pd.DataFrame] = {}
    spans = {"episodes": ("decom", "dec", ["rec"]), "short_breaks": ("decom", "dec", ["rec"]),
             "placements": ("start", "end", ["rec"]),
             "periods": ("start", "end", ["reason_ceased", "age_end"])}
    for name, frame in t.items():
        if name in spans:
            s, e, blank = spans[name]
            f = frame[frame[s] <= day].copy()
            later = (f[e] > day).fillna(False).to_numpy(bool)
            f.loc[later, e] = pd.NaT
            for col in blank:
                if col in f:
                    f.loc[later, col] = None
            if "end_censored" in f:
                f.loc[later, "end_censored"] = False
            if "end_of_data" in f:
                f["end_of_data"] = day
            out[name] = f
        else:
            out[name] = frame
    seen = pd.Index(out["episodes"]["child"]).union(pd.Index(out["short_breaks"]["child"])
                                                     if "short_breaks" in out else pd.Index([]))
    cut_year = day.year if (day.month, day.day) >= (3, 31) else day.year - 1
    if "children" in out:
        ch = out["children"]
        early = (ch["source_year"] <= cut_year).fillna(False).to_numpy(bool) if "source_year" in ch else False
        out["children"] = ch[ch["child"].isin(seen).to_numpy(bool) | early]
    dated = {"reviews": "review", "missing": "mis_start", "sw_episodes": "sw_decom", "uasc": "duc"}
    for name, col in dated.items():
        if name in out and col in out[name]:
            out[name] = out[name][~(out[name][col] > day).fillna(False).to_numpy(bool)]
    for name in ("oc2", "oc3", "ad1", "placed_adoption", "prev_perm"):
        if name in out and "source_year" in out[name]:
            out[name] = out[name][out[name]["source_year"] <= cut_year]
    years = [y for y in data.years if y <= cut_year]
    meta = {**data.meta, "years": years, "known_on": str(day.date())}
    return replace(data, tables=out, meta=meta, years=years)


def origins_for(years: Iterable[int], window_years: int = 3, horizon: int = 1) -> list[int]:
    """Years whose 31 March has `window_years` of returns before it and `horizon` after it.
    Returns cover 1 April of the year before their year to 31 March of their year."""
    ys = sorted(int(y) for y in years)
    if not ys:
        return []
    first, last = ys[0], ys[-1]
    return [y for y in ys if y - window_years >= first - 1 and y + horizon <= last]


# --- the backtest ----------------------------------------------------------------------------


@dataclass
class Backtest:
    """Results of a rolling-origin backtest.

    results: one row per origin x horizon x series x method (RESULT_COLUMNS); the model's rows
      have its intervals, the baselines' do not. realised: children looked after on each 31
      March (year x series). params: how it was run. timings: seconds per origin."""

    results: pd.DataFrame
    realised: pd.DataFrame
    params: dict = field(default_factory=dict)
    timings: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __len__(self) -> int:
        return len(self.results)

    @property
    def categories(self) -> list[str]:
        return list(self.params.get("categories", []))

    def summary(self, *, matched: bool = False, methods: Iterable[str] | None = None) -> pd.DataFrame:
        """MAE, MAPE, WAPE, bias and coverage by method, horizon and series (see `summarise`)."""
        return summarise(self.results, categories=self.categories, matched=matched, methods=methods)

    def headline(self) -> pd.DataFrame:
        """Horizon x (MAPE of the total for each method, the model's coverage over every series)."""
        return headline(self.results)

    def compare(self, method: str, forecasts: pd.DataFrame) -> Backtest:
        """Add another forecaster's numbers: `forecasts` has origin, horizon, series and
        forecast (optionally lo50, hi50, lo90, hi90). Each is scored against the same realised
        values; a series the realised table does not have is an error."""
        need = {"origin", "horizon", "series", "forecast"}
        missing = need - set(forecasts.columns)
        if missing:
            raise ValueError(f"forecasts lack column(s) {', '.join(sorted(missing))}")
        unknown = sorted(set(forecasts["series"]) - set(self.realised.columns))
        if unknown:
            raise ValueError(f"series {', '.join(map(str, unknown))} are not in the realised table "
                             f"({', '.join(self.realised.columns)}); add them as groups")
        rows = []
        for r in forecasts.itertuples(index=False):
            year = int(r.origin) + int(r.horizon)
            if year not in self.realised.index:
                continue
            bands = {k: getattr(r, k, np.nan) for k in ("lo50", "hi50", "lo90", "hi90")}
            rows.append(_row(int(r.origin), int(r.horizon), str(r.series), method, float(r.forecast),
                             float(self.realised.at[year, r.series]), **bands))
        new = pd.DataFrame(rows, columns=RESULT_COLUMNS)
        merged = pd.concat([self.results[~(self.results["method"] == method)], new], ignore_index=True)
        return replace(self, results=_typed(merged))

    def write(self, db) -> None:
        """Replace the tables backtest_results and backtest_summary in the store `db` (other
        tables untouched) and record the parameters under meta key 'backtest'."""
        from ..store import add_tables

        add_tables(db, {"backtest_results": self.results, "backtest_summary": self.summary()},
                   {"backtest": self.params})

    def to_csv(self, path) -> Path:
        self.results.to_csv(path, index=False)
        return Path(path)


def backtest(store_or_path, *, origins=None, horizons=(1, 2, 3), runs: int = 500, seed: int = 0,
             window_years: float = 5, min_history: int = 3, baseline_methods: Iterable[str] | None = None,
             groups: Mapping[str, Iterable[str]] | None = None, categories: PlacementCategories | None = None,
             model: bool = True, censor: bool = True,
             progress: Callable[[str, int, int], None] | None = None) -> Backtest:
    """Rolling-origin backtest of the forecast model and the naive baselines.

    origins: years (or 31 March dates) to forecast from; default every year with
      `min_history` years of returns before it and the shortest horizon after it.
    window_years: the model is fitted on up to this many years before each origin.
    horizons: years ahead; a horizon past the end of the data is skipped for that origin.
    runs, seed: Monte Carlo runs per origin; the seed of origin i is the i-th child of
      numpy.random.SeedSequence(seed), so the whole backtest is reproducible.
    groups: extra series, each a list of categories counted together (e.g. all fostering).
    model: False scores the baselines only. censor: fit on `known_on(origin)` (default) rather
      than on the whole store (`fit` is then trusted to ignore what follows `as_of`).
    """
    data = store_or_path if isinstance(store_or_path, StoreData) else StoreData.read(store_or_path, categories)
    cats = categories or data.categories
    grp = _check_groups(groups, cats)
    hs = sorted({int(h) for h in horizons})
    if not hs or hs[0] < 1:
        raise ValueError("horizons must be whole years of 1 or more")
    years = list(data.years)
    realised = realised_stock(data, years, categories=cats, groups=grp)
    if origins is None:
        origins = origins_for(years, min_history, hs[0])
    origins = [_origin_year(o) for o in origins]
    methods = list(BASELINES) if baseline_methods is None else list(baseline_methods)
    seeds = np.random.SeedSequence(seed).spawn(max(len(origins), 1))
    rows, timing = [], []
    todo = [o for o in origins if any(o + h in realised.index for h in hs)]
    for i, origin in enumerate(todo):
        if progress:
            progress(f"origin 31 March {origin}", i, len(todo))
        ahead = [h for h in hs if origin + h in realised.index]
        if origin not in realised.index:
            raise ValueError(f"origin {origin} is not a 31 March in the data ({years[0]}-{years[-1]})")
        view = known_on(data, census_day(origin)) if censor else data
        if model:
            t0, c0 = time.perf_counter(), time.process_time()
            q = _model_forecast(view, origin, ahead, runs=runs, seed=int(seeds[i].generate_state(1)[0]),
                                window_years=window_years, categories=cats, groups=grp)
            timing.append({"origin": origin, "seconds": time.perf_counter() - t0,
                           "cpu_seconds": time.process_time() - c0})
            for h in ahead:
                truth = realised.loc[origin + h]
                for series, value in truth.items():
                    qs = q.loc[(origin + h, series)]
                    rows.append(_row(origin, h, series, MODEL, qs[0.5], value, lo50=qs[0.25], hi50=qs[0.75],
                                     lo90=qs[0.05], hi90=qs[0.95]))
                    rows.append(_row(origin, h, series, MODEL_MEAN, qs["mean"], value))
        # the baselines see the 31 Marches up to the origin as they were known then
        hist = realised_stock(view, [y for y in years if y <= origin], categories=cats, groups=grp) \
            if censor else realised.loc[:origin]
        for h in ahead:
            truth = realised.loc[origin + h]
            for name, b in baselines(hist, origin, h, methods).items():
                for series, value in truth.items():
                    rows.append(_row(origin, h, series, name, float(b[series]), value))
    if progress:
        progress("done", len(todo), len(todo))
    params = {"origins": todo, "horizons": hs, "runs": runs, "seed": seed, "window_years": window_years,
              "min_history": min_history,
              "baselines": methods, "groups": grp, "categories": list(cats.ids), "model": model,
              "censor": censor, "years": years}
    return Backtest(_typed(pd.DataFrame(rows, columns=RESULT_COLUMNS)), realised, params, pd.DataFrame(timing))


def _origin_year(o) -> int:
    if isinstance(o, int | np.integer):
        return int(o)
    ts = pd.Timestamp(o)
    if (ts.month, ts.day) != (3, 31):
        raise ValueError(f"origin {o} is not a 31 March")
    return ts.year


def _model_forecast(data: StoreData, origin: int, ahead: list[int], *, runs: int, seed: int, window_years: int,
                    categories: PlacementCategories, groups: dict[str, list[str]]) -> pd.DataFrame:
    """Quantiles (columns QUANTILES) and mean of the model's stock on 31 March origin + h, index
    (year, series) over 'all', each category and each group."""
    from . import fit, simulate

    model = fit(data, as_of=census_day(origin).date().isoformat(), window_years=window_years)
    fc = simulate(model, years=max(ahead), runs=runs, seed=seed)
    return model_quantiles(fc, [origin + h for h in ahead], categories, groups)


def model_quantiles(fc, years: Iterable[int], categories: PlacementCategories,
                    groups: Mapping[str, list[str]] | None = None, q=QUANTILES) -> pd.DataFrame:
    """Quantiles over runs of the stock on 31 March of each year for 'all', every category and
    every group (quantiles of the sum within each run, not sums of quantiles), plus 'mean'."""
    paths = _category_paths(fc)  # run, date, category, value
    paths = paths[(paths["date"].dt.month == 3) & (paths["date"].dt.day == 31)]
    paths = paths.assign(year=paths["date"].dt.year)
    wide = paths.pivot_table(index=["year", "run"], columns="category", values="value", aggfunc="sum")
    wide = wide.reindex(columns=list(categories.ids), fill_value=0).fillna(0.0)
    wide.insert(0, TOTAL, wide.sum(axis=1))
    for name, members in (groups or {}).items():
        wide[name] = wide[list(members)].sum(axis=1)
    want = [int(y) for y in years]
    missing = sorted(set(want) - set(wide.index.get_level_values("year")))
    if missing:
        raise ValueError(f"the forecast has no 31 March {', '.join(map(str, missing))}")
    wide = wide.loc[want]
    g = wide.groupby(level="year")
    out = g.quantile(list(q)).stack().rename("value").reset_index()
    out.columns = ["year", "quantile", "series", "value"]
    table = out.pivot_table(index=["year", "series"], columns="quantile", values="value")
    table["mean"] = g.mean().stack().reindex(table.index)
    return table


def _category_paths(fc) -> pd.DataFrame:
    """Every run's stock by category from a Forecast: run, date, category, value."""
    p = fc.paths(by="category", freq="year")
    p["date"] = pd.to_datetime(p["date"])
    return p


def _row(origin, horizon, series, method, forecast, realised, lo50=np.nan, hi50=np.nan, lo90=np.nan,
         hi90=np.nan) -> dict:
    e = errors([forecast], [realised]).iloc[0]
    bands = [lo50, hi50, lo90, hi90]
    has = not any(b is None or (isinstance(b, float) and np.isnan(b)) for b in bands)
    return {"origin": int(origin), "horizon": int(horizon), "date": census_day(int(origin) + int(horizon)),
            "series": series, "method": method, "forecast": float(forecast), "realised": float(realised),
            "error": e["error"], "abs_error": e["abs_error"], "pct_error": e["pct_error"], "ape": e["ape"],
            "lo50": float(lo50) if has else np.nan, "hi50": float(hi50) if has else np.nan,
            "lo90": float(lo90) if has else np.nan, "hi90": float(hi90) if has else np.nan,
            "in_50": bool(inside([lo50], [hi50], [realised])[0]) if has else None,
            "in_90": bool(inside([lo90], [hi90], [realised])[0]) if has else None}


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in ("in_50", "in_90"):
        df[c] = df[c].astype("boolean")
    df["date"] = pd.to_datetime(df["date"])
    return df.reset_index(drop=True)


# --- summaries -------------------------------------------------------------------------------


def summarise(results: pd.DataFrame, *, categories: Iterable[str] | None = None, matched: bool = False,
              methods: Iterable[str] | None = None, keys: Iterable[str] = ()) -> pd.DataFrame:
    """Tidy summary: method, horizon, series, n, mae, mape, wape, bias (mean pct_error),
    coverage_50, coverage_90 (percentages; empty for methods without intervals).

    series: 'all', each series in the results, and 'categories' (every row whose series is one
    of `categories`, pooled). matched: only the (keys, origin, horizon, series) every chosen
    method has, so methods are scored on the same cases. keys: extra columns that identify a
    case (e.g. council, seed) when results of several backtests are stacked."""
    r = results if methods is None else results[results["method"].isin(list(methods))]
    key = [*keys, *KEY]
    if matched and len(r):
        n_methods = r["method"].nunique()
        have = r.groupby(key)["method"].transform("nunique")
        r = r[have == n_methods]
    cats = set(categories or [])
    parts = [r]
    if cats:
        parts.append(r[r["series"].isin(cats)].assign(series=CATEGORIES))
    rr = pd.concat(parts, ignore_index=True)
    rows = []
    for (method, horizon, series), g in rr.groupby(["method", "horizon", "series"], sort=False):
        has_bands = "in_50" in g and g["in_50"].notna().any()
        rows.append({
            "method": method, "horizon": int(horizon), "series": series, "n": int(len(g)),
            "mae": float(g["abs_error"].mean()) if "abs_error" in g else np.nan,
            "mape": float(g["ape"].mean()) if g["ape"].notna().any() else np.nan,
            "wape": (100.0 * float(g["abs_error"].sum()) / float(g["realised"].sum())
                     if "realised" in g and g["realised"].sum() else np.nan),
            "bias": float(g["pct_error"].mean()) if "pct_error" in g and g["pct_error"].notna().any() else np.nan,
            "coverage_50": 100.0 * float(g["in_50"].dropna().astype(bool).mean()) if has_bands else np.nan,
            "coverage_90": 100.0 * float(g["in_90"].dropna().astype(bool).mean()) if has_bands else np.nan,
        })
    out = pd.DataFrame(rows, columns=["method", "horizon", "series", "n", "mae", "mape", "wape", "bias",
                                      "coverage_50", "coverage_90"])
    order = {TOTAL: 0, CATEGORIES: 1}
    return (out.assign(_o=out["series"].map(order).fillna(2))
            .sort_values(["_o", "series", "horizon", "method"]).drop(columns="_o").reset_index(drop=True))


def headline(results: pd.DataFrame) -> pd.DataFrame:
    """Index horizon; one column per method: MAPE of the total; then coverage_50 and
    coverage_90: the model's intervals over every series (total and categories)."""
    tot = results[results["series"] == TOTAL]
    out = tot.pivot_table(index="horizon", columns="method", values="ape", aggfunc="mean")
    out.columns.name = None
    m = results[results["method"] == MODEL]
    if len(m):
        cov = m.groupby("horizon")[["in_50", "in_90"]].agg(lambda s: 100.0 * s.dropna().astype(bool).mean())
        out = out.join(cov.rename(columns={"in_50": "coverage_50", "in_90": "coverage_90"}))
    cols = [c for c in (MODEL, MODEL_MEAN, *BASELINES) if c in out.columns]
    return out[cols + [c for c in out.columns if c not in cols]]
