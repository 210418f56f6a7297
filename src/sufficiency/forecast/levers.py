"""What a reform does to the children's flows, month by month: the one place that says what each
lever means, read by the simulation (one child at a time) and the closed form (expected numbers).

- entry: a factor on the arrivals of children other than unaccompanied asylum-seeking children
  (whose arrival a council's services do not change).
- hazard: a factor on the hazard of moving from each category to each destination (a category
  or an exit route).
- kinship: a share of the moves and entries into the `foster` categories made with family
  (kinship care) instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..parameters.categories import PlacementCategories


@dataclass
class Levers:
    """Changes to the model month by month.

    entry: (months,) factor on the entry rate of children other than UASC. hazard: (months,
    categories, destinations) factor on the hazard of moving from each category to each
    destination. kinship: (months,) share of moves and entries into the `foster` categories made
    with family (`kin`) instead. None leaves that part of the model as estimated. `foster` and
    `kin`: the categories of those roles (default: the built-in map's; reforms give the council's)."""

    entry: np.ndarray | None = None
    hazard: np.ndarray | None = None
    kinship: np.ndarray | None = None
    foster: tuple[str, ...] = field(
        default_factory=lambda: PlacementCategories.load().select("foster", without=("kinship",)))
    kin: str | None = field(default_factory=lambda: PlacementCategories.load().first("kinship"))

    def check(self, months: int, n_cat: int, n_dest: int) -> None:
        """Raise ValueError unless every lever covers `months` months, has the state space's
        shape and holds factors of 0 or more (shares of at most 1)."""
        for name, arr, shape in (("entry", self.entry, (months,)), ("hazard", self.hazard, (months, n_cat, n_dest)),
                                 ("kinship", self.kinship, (months,))):
            if arr is not None and (np.shape(arr)[0] < months or np.shape(arr)[1:] != shape[1:]):
                raise ValueError(f"levers.{name} has shape {np.shape(arr)}; expected at least {shape}")
            if arr is not None and np.any(np.asarray(arr) < 0):
                raise ValueError(f"levers.{name} has a negative factor")
        if self.kinship is not None and np.any(np.asarray(self.kinship) > 1):
            raise ValueError("levers.kinship is a share: at most 1")


def entry_trend(months: int, per_year: float) -> Levers:
    """Levers for entrants changing by `per_year` (0.03: 3% more each year) from the start date,
    month by month (the analyst's assumption; the estimated rate is the first month's)."""
    if per_year <= -1:
        raise InputError(f"an entry trend of {per_year:+.0%} a year would leave nobody entering care: give a "
                         "share above -1, e.g. -0.05 for 5% fewer each year.")
    return Levers(entry=(1.0 + per_year) ** ((np.arange(months) + 0.5) / 12))


class Schedule:
    """Levers checked against a state space and read month by month (month k: the step that
    ends on the (k+1)-th month end of the forecast)."""

    def __init__(self, levers: Levers | None, categories, n_dest: int, months: int):
        self.levers = levers or Levers()
        cats = list(categories)
        self.levers.check(months, len(cats), n_dest)
        has_kin = self.levers.kinship is not None and self.levers.kin in cats
        self.kin = cats.index(self.levers.kin) if has_kin else None  # the kinship category
        self.foster = np.array([cats.index(c) for c in self.levers.foster if c in cats], dtype=np.int32)

    def entry(self, k: int) -> float:
        """The factor on month k's arrivals of children other than UASC."""
        return 1.0 if self.levers.entry is None else float(self.levers.entry[k])

    def hazard(self, k: int) -> np.ndarray | None:
        """(categories, destinations) factors on month k's hazards, or None (as estimated)."""
        return None if self.levers.hazard is None else self.levers.hazard[k]

    def hazard_changed(self, k: int) -> bool:
        """Whether month k's hazard factors differ from month k-1's."""
        h = self.levers.hazard
        return h is not None and k > 0 and not np.array_equal(h[k], h[k - 1])

    def kinship(self, k: int) -> float:
        """The share of month k's moves and entries into fostering made with family (0: none)."""
        return 0.0 if self.kin is None else float(self.levers.kinship[k])

    def key(self, k: int) -> tuple:
        """What month k's moves depend on (hazard factors and kinship share): months with the
        same key share their chances of moving."""
        return (None if self.levers.hazard is None else self.levers.hazard[k].tobytes(),
                None if self.levers.kinship is None else float(self.levers.kinship[k]))

    # the kinship share, in expected numbers (the closed form) ...

    def kin_rates(self, lam: np.ndarray, k: int) -> np.ndarray:
        """Hazards (..., categories, destinations) with month k's share of the moves into each
        foster category made into kinship care instead (a child already there stays)."""
        share = self.kinship(k)
        if share <= 0:
            return lam
        lam = lam.copy()
        for f in self.foster:
            move = lam[..., f].copy()
            move[..., f] = 0.0
            lam[..., f] -= share * move
            lam[..., self.kin] += share * move
        return lam

    def kin_counts(self, new: np.ndarray, k: int) -> None:
        """Move month k's share of expected entrants (..., categories) into foster care to
        kinship care, in place."""
        share = self.kinship(k)
        if share <= 0:
            return
        for f in self.foster:
            moved = share * new[..., f]
            new[..., f] -= moved
            new[..., self.kin] += moved

    # ... and child by child (the simulation)

    def kin_draws(self, k: int, dest: np.ndarray, where: np.ndarray, uniform) -> None:
        """Send month k's share of the children `where` bound for a foster category (`dest`) to
        kinship care instead, in place: a child goes when its uniform number (`uniform(which)`
        for the children `which`) is below the share."""
        share = self.kinship(k)
        if share <= 0 or not len(where):
            return
        into = where[np.isin(dest[where], self.foster)]
        dest[into[uniform(into) < share]] = self.kin
