"""The forecast's priors, read from the parameters (`forecast.*`; each file names the study that
estimated it or says what was chosen): the priors of the levels of entrants, of unaccompanied
asylum-seeking entrants and of exits (level.py), the weight of each hazard cell's prior towards
its category's rate, and the weight of the flat pattern in the seasonal factors on entries.

Each is read at its latest dated value: a prior is a reading of every council's years, used by
every forecast whatever its start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..parameters import Parameters, load_parameters


@dataclass(frozen=True)
class LevelPrior:
    """Prior of a level (level.py): scaled inverse chi-squared on walk^2 and noise^2 with `df`
    degrees of freedom, centred on `walk`^2 and `noise`^2 (sds on the log scale, per year), and
    the yearly pulls of a departure back to the council's mean, equally likely."""

    walk: float
    noise: float
    df: float
    pulls: tuple[float, ...]


@dataclass(frozen=True)
class Priors:
    entry: LevelPrior  # children entering care other than UASC
    uasc: LevelPrior  # unaccompanied asylum-seeking children entering care
    exits: LevelPrior  # exits before 18 against those the window's hazards expect
    pooling_days: float  # child-days of weight of a hazard cell's prior (its category's rate)
    season_weight: float  # entrants of weight of the flat pattern in a month's seasonal factor


def _latest(parameters: Parameters, name: str) -> float:
    return parameters.get(name).values[-1].value


def _level(parameters: Parameters, group: str) -> LevelPrior:
    def read(key: str) -> float:
        return _latest(parameters, f"forecast.{group}.{key}")

    pulls = np.linspace(read("lowest_pull"), 1.0, int(read("pulls")))
    return LevelPrior(read("walk"), read("noise"), read("df"), tuple(float(p) for p in pulls))


def read_priors(parameters: Parameters | None = None) -> Priors:
    """The priors from `parameters` (default: the built-in parameters)."""
    p = load_parameters() if parameters is None else parameters
    return Priors(_level(p, "entry_level"), _level(p, "uasc_level"), _level(p, "exit_level"),
                  _latest(p, "forecast.pooling_days"), _latest(p, "forecast.season_weight"))
