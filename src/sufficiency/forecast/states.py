"""The forecast's state space: placement category x age band x time in care x UASC, and the
places a child can go next (another category, or out of care by one of four routes).

Hazards are estimated and drawn per cell of (UASC, age band, category, time-in-care band);
children carry their exact date of birth and start of care, so they change age band on their
birthday, change time-in-care band on the day, and leave care on their 18th birthday.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..vocab import AGE_EDGES as _AGE_EDGES
from ..vocab import DAY0, FORECAST_AGE_BANDS, days  # noqa: F401 - re-exported for the forecast

AGE_BANDS = FORECAST_AGE_BANDS
AGE_EDGES = np.array(_AGE_EDGES)  # a child is in band i from the birthday AGE_EDGES[i-1]
TIC_BANDS = ("under 3 months", "3 to 12 months", "1 to 2 years", "2 years or more")
TIC_EDGES = np.array([91, 365, 730])  # days in care at which the band changes
EXITS = ("home", "special_guardianship", "adoption", "other")
EXIT_OF_REC = {
    "E4A": "home", "E4B": "home", "E13": "home",
    "E41": "special_guardianship", "E45": "special_guardianship", "E46": "special_guardianship",
    "E47": "special_guardianship", "E48": "special_guardianship",
    "E11": "adoption", "E12": "adoption",
}
def add_years(day: np.ndarray, years: int) -> np.ndarray:
    """Day number of the same calendar date `years` later (29 February -> 1 March)."""
    d = (DAY0 + np.asarray(day).astype("timedelta64[D]")).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    target = (month + np.timedelta64(12 * years, "M")).astype("datetime64[D]") + (d - month.astype("datetime64[D]"))
    return (target - DAY0).astype("int64")


def tic_band(days_in_care: np.ndarray) -> np.ndarray:
    return np.searchsorted(TIC_EDGES, days_in_care, side="right")


@dataclass(frozen=True)
class StateSpace:
    categories: tuple[str, ...]

    @property
    def destinations(self) -> tuple[str, ...]:
        """Moves to each category, then exits."""
        return (*self.categories, *EXITS)

    @property
    def n_cells(self) -> int:
        return 2 * len(AGE_BANDS) * len(self.categories) * len(TIC_BANDS)

    def cell(self, uasc, band, cat, tic) -> np.ndarray:
        c, a, t = len(self.categories), len(AGE_BANDS), len(TIC_BANDS)
        return ((np.asarray(uasc, dtype=np.int64) * a + band) * c + cat) * t + tic

    def unpack(self) -> dict[str, np.ndarray]:
        """uasc, band, cat, tic of every cell index."""
        c, a, t = len(self.categories), len(AGE_BANDS), len(TIC_BANDS)
        idx = np.arange(self.n_cells)
        return {"tic": idx % t, "cat": (idx // t) % c, "band": (idx // (t * c)) % a, "uasc": idx // (t * c * a)}
