"""The words every stage shares: collection years, day numbers, age bands, placement category
roles. One definition each, imported wherever they are used.

A *year* is a collection year, named by the 31 March it ends on (2025 is 1 April 2024 to
31 March 2025, written "2024/25"); it is also the financial year of the same name.
A *day number* is days since 1 January 1970 (int64), the forecast's clock.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

# --- years ---------------------------------------------------------------------------------


def census(year: int) -> pd.Timestamp:
    """31 March of `year`: the census day of the collection year `year`."""
    return pd.Timestamp(year, 3, 31)


def year_start(year: int) -> pd.Timestamp:
    """1 April of the year before: the first day of the collection (and financial) year."""
    return pd.Timestamp(year - 1, 4, 1)


def year_label(year: int) -> str:
    """2025 -> '2024/25' (collection or financial year)."""
    return f"{year - 1}/{str(year)[-2:]}"


def year_of(day: dt.date | pd.Timestamp) -> int:
    """The collection year a date falls in (1 April to 31 March)."""
    return day.year + 1 if day.month >= 4 else day.year


# --- day numbers ---------------------------------------------------------------------------

DAY0 = np.datetime64("1970-01-01", "D")
NO_DAY = np.iinfo(np.int64).max // 4  # a missing date, as a day number: later than any real one


def days(values) -> np.ndarray:
    """Dates (datetime64 or pandas) as int64 day numbers; missing as NO_DAY."""
    a = np.asarray(values, dtype="datetime64[D]")
    out = (a - DAY0).astype("int64")
    out[np.isnat(a)] = NO_DAY
    return out


def day_number(day: dt.date | pd.Timestamp | str) -> int:
    """One date as a day number."""
    return int((np.datetime64(pd.Timestamp(day).date(), "D") - DAY0).astype("int64"))


def date_of(day: int) -> dt.date:
    """A day number as a date."""
    return pd.Timestamp(DAY0 + np.timedelta64(int(day), "D")).date()


# --- ages ----------------------------------------------------------------------------------

# The DfE's age groups for children looked after on 31 March (CLA release, table A1 "age at
# 31 March"): the report and indicators.
AGE_BANDS = ("under 1", "1 to 4", "5 to 9", "10 to 15", "16 and over")
# The same groups in the forecast, where no child is 18 or over (a child leaves care at 18).
FORECAST_AGE_BANDS = ("under 1", "1 to 4", "5 to 9", "10 to 15", "16 to 17")
# First birthday of each band after the first: a child is in band i from birthday AGE_EDGES[i-1].
AGE_EDGES = (1, 5, 10, 16)


def age_on(dob: pd.Series, day) -> pd.Series:
    """Age in completed years on `day` (a date, or a Series of dates aligned with `dob`)."""
    dob = pd.to_datetime(dob)
    if isinstance(day, pd.Series):
        dm, dd, dy = day.dt.month, day.dt.day, day.dt.year
    else:
        dm, dd, dy = day.month, day.day, day.year
    before = (dob.dt.month > dm) | ((dob.dt.month == dm) & (dob.dt.day > dd))
    return (dy - dob.dt.year - before.astype("int64")).astype("Int64")


def age_band(age: pd.Series, labels=AGE_BANDS) -> pd.Series:
    """Each age (completed years) as its band's label."""
    edges = [-1, *(e - 1 for e in AGE_EDGES), 200]
    return pd.cut(age.astype("float"), edges, labels=list(labels)).astype("string")
