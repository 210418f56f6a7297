"""The regional forecast: each council's own model, the councils' runs combined run by run.

    fc = forecast_region(RegionData.read("region.duckdb"), years=5, runs=1000, seed=1)
    fc.quantiles      # council (ONS code or 'region'), date, measure, quantile, value
    fc.paths          # run, date, council, children, weekly_cost, residential, foster: every combined run

Each council is fitted and simulated on its own share, as `sufficiency forecast` does for a
council. A region's run is one run of every council added up; which runs go together decides
how wide the region's range is. Councils whose children come into care in the same months
(shared pressures: the economy, a national policy, a court backlog) rise and fall together,
and their sum varies more than independent councils' would. The correlation is measured from
the councils' histories: each council's children starting care in each month of the window,
less the council's mean for that calendar month, correlated pairwise between councils; the mean
of the pairs, clipped to [0, 0.95], is the common correlation (`rho`). Each council's runs are
then put in the order of a draw of correlated normal scores (the Iman-Conover reordering:
every council keeps exactly its own runs, so its range is unchanged, and the councils' runs get
the rank correlation `rho`), ranking each run by its mean number of children over the years
ahead, and added up run by run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..forecast import fit, simulate
from ..forecast.states import DAY0
from ..parameters import load_parameters
from .indicators import REGION, RegionData

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MAX_RHO = 0.95


@dataclass
class RegionForecast:
    quantiles: pd.DataFrame
    paths: pd.DataFrame
    rho: float  # the common correlation used
    measured: float  # the mean pairwise correlation measured, before clipping
    months: int  # months of entrants it was measured on
    settings: dict


def entry_correlation(data: RegionData, months: int = 60) -> tuple[float, int]:
    """The mean pairwise correlation of the councils' monthly entrants (deseasonalised), over
    the last `months` whole months to the last 31 March they all hold; (correlation, months)."""
    periods = data.frames["periods"]
    end = pd.Timestamp(f"{data.years()[-1]}-03-31")
    first = max(pd.Timestamp(f"{min(data.years()) - 1}-04-01"), end - pd.DateOffset(months=months) + pd.Timedelta(days=1))
    start = pd.to_datetime(periods["start"])
    inside = (start >= first) & (start <= end)
    month = start[inside].dt.to_period("M")
    counts = (periods[inside].assign(month=month).groupby(["month", "council"]).size().unstack(fill_value=0)
              .reindex(pd.period_range(first, end, freq="M"), fill_value=0).reindex(columns=data.codes, fill_value=0))
    if len(data.codes) < 2 or len(counts) < 12:
        return 0.0, len(counts)
    resid = counts - counts.groupby(counts.index.month).transform("mean")
    corr = np.corrcoef(resid.to_numpy(float).T)
    pairs = corr[np.triu_indices(len(data.codes), 1)]
    pairs = pairs[np.isfinite(pairs)]
    return (float(pairs.mean()) if len(pairs) else 0.0), len(counts)


def reorder(keys: np.ndarray, rho: float, rng: np.random.Generator) -> np.ndarray:
    """For `keys` (runs, councils), the run of each council to take into each combined run
    (runs, councils): each column a permutation, ranked as a draw of normal scores with common
    correlation `rho`."""
    runs, k = keys.shape
    cov = np.full((k, k), rho) + np.eye(k) * (1 - rho)
    z = rng.standard_normal((runs, k)) @ np.linalg.cholesky(cov).T
    out = np.empty((runs, k), dtype=np.int64)
    for j in range(k):
        by_size = np.argsort(keys[:, j], kind="stable")
        out[:, j] = by_size[np.argsort(np.argsort(z[:, j], kind="stable"), kind="stable")]
    return out


MEASURES = ("children", "weekly_cost", "residential", "foster")  # each combined run's, by council


def _council_runs(data: RegionData, code: str, years: int, runs: int, seed: int, parameters):
    """(dates on 31 March, children, weekly cost, children in residential care, children in foster
    care other than kinship) of one council, each (runs, dates)."""
    store = data.council(code)
    model = fit(store)
    fc = simulate(model, years=years, runs=runs, seed=seed)
    ts = pd.to_datetime(DAY0 + fc.dates.astype("timedelta64[D]"))
    idx = [i for i, t in enumerate(ts) if i == 0 or (t.month == 3 and t.day == 31)]
    cats = list(model.space.categories)
    params = parameters.with_categories(store.categories)
    unit = np.array([[params.weekly_cost(c, ts[i].year + (ts[i].month > 3)) for c in cats] for i in idx])
    stock = fc.stock_cat[:, idx, :]
    homes = [cats.index(c) for c in store.categories.select("residential") if c in cats]
    foster = [cats.index(c) for c in store.categories.select("foster", without=("kinship",)) if c in cats]
    return (ts[idx], stock.sum(axis=2), (stock * unit[None]).sum(axis=2), stock[:, :, homes].sum(axis=2),
            stock[:, :, foster].sum(axis=2))


def forecast_region(data: RegionData, *, years: int = 5, runs: int = 1000, seed: int = 1,
                    progress=None) -> RegionForecast:
    data.require("forecast")
    parameters = load_parameters()
    seeds = np.random.SeedSequence(seed).spawn(len(data.codes) + 1)
    per_council, dates = [], None
    for j, code in enumerate(data.codes):
        if progress:
            progress(f"forecasting {data.name(code)}", j, len(data.codes) + 1)
        dates, *measures = _council_runs(data, code, years, runs, int(seeds[j].generate_state(1, np.uint32)[0]),
                                         parameters)
        per_council.append(dict(zip(MEASURES, measures, strict=True)))
    measured, months = entry_correlation(data)
    rho = float(np.clip(measured, 0.0, MAX_RHO))
    order = reorder(np.stack([c["children"].mean(axis=1) for c in per_council], axis=1), rho,
                    np.random.default_rng(seeds[-1]))
    paths = _paths(data.codes, dates, {m: np.stack([c[m][order[:, j]] for j, c in enumerate(per_council)], axis=2)
                                       for m in MEASURES})  # each (runs, dates, councils)
    settings = {"years": years, "runs": runs, "seed": seed, "rho": round(rho, 4), "measured_rho": round(measured, 4),
                "months": months, "shares": dict(zip(data.councils["council"], data.councils["share"], strict=True))}
    return RegionForecast(_quantiles(paths), paths, rho, measured, months, settings)


def _paths(codes: list[str], dates, measures: dict[str, np.ndarray]) -> pd.DataFrame:
    """Every combined run, each measure (runs, dates, councils) with the region's sum added."""
    runs, t, k = next(iter(measures.values())).shape
    labels = [*codes, REGION]
    frame = {"run": np.repeat(np.arange(runs), t * (k + 1)), "date": np.tile(np.repeat(np.asarray(dates), k + 1), runs),
             "council": np.tile(labels, runs * t)}
    for name, v in measures.items():
        frame[name] = np.concatenate([v, v.sum(axis=2, keepdims=True)], axis=2).ravel()
    return pd.DataFrame(frame)


def _quantiles(paths: pd.DataFrame) -> pd.DataFrame:
    long = paths.melt(id_vars=["run", "date", "council"], value_vars=["children", "weekly_cost", "residential"], var_name="measure")
    q = long.groupby(["council", "date", "measure"])["value"].quantile(list(QUANTILES))
    return q.rename_axis(["council", "date", "measure", "quantile"]).reset_index()
