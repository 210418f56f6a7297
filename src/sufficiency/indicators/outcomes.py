"""Outcomes of children looked after continuously for 12 months at 31 March: the OC2 table.

DfE, "Children looked after in England including adoptions", data set "CLA on 31 March for 12
months - conviction and health outcomes - by local authority" (la_conviction_health_outcome_cla)
and the release's data guidance. The cohort is every child looked after on 31 March whose
period of care began on or before 1 April of the year before (looked after for the whole year;
short breaks are not counted), with age on 31 March. Each measure is a share of its own base,
as the DfE publishes it:
  development assessments up to date (HEALTH_CHECK 1): children aged 0 to 4;
  annual health assessment (HEALTH_ASSESSMENT 1), immunisations up to date (IMMUNISATIONS 1),
  teeth checked by a dentist (TEETH_CHECK 1), identified as having a substance misuse problem
  (SUBSTANCE_MISUSE 1): all ages;
  convicted or subject to a youth caution or youth conditional caution during the year
  (CONVICTED 1): children aged 10 to 17;
  SDQ: children aged 5 to 16, the share with a score (SDQ_SCORE given) and the mean score of
  those with one (0 to 40; 14 to 16 is borderline and 17 or more a cause for concern).
The OC2 rows are those of the year's return. A child of the cohort with no OC2 row counts in the
base and not as having had the check. A year whose return has no OC2 table gets no values and
a note saying so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store import StoreData
from ..vocab import census, year_label, year_start
from .rows import pct, row

FAMILY = "health"
# indicator: (OC2 column, youngest, oldest) - the base is the cohort of those ages on 31 March
SHARES = {
    "pct_development_assessments": ("health_check", 0, 4),
    "pct_health_assessments": ("health_assessment", 0, 17),
    "pct_immunisations": ("immunisations", 0, 17),
    "pct_dental_checks": ("teeth_check", 0, 17),
    "pct_substance_misuse": ("substance_misuse", 0, 17),
    "pct_convicted": ("convicted", 10, 17),
}
SDQ_AGES = (5, 16)


def twelve_months(data: StoreData, year: int) -> pd.DataFrame:
    """Children looked after on 31 March of `year` continuously for the 12 months before it:
    their open episode (as StoreData.cla), with age on 31 March."""
    cla = data.cla(year)
    if not len(cla):
        return cla
    current = data.open_on(census(year), "placements").set_index("child")["period"]
    began = data.tables["periods"].set_index(["child", "period"])["start"]
    key = pd.MultiIndex.from_arrays([cla["child"], cla["child"].map(current).astype("Int64")])
    start = pd.to_datetime(pd.Series(began.reindex(key).to_numpy(), index=cla.index))
    return cla[(start <= year_start(year)).fillna(False).to_numpy(bool)]


def outcomes(data: StoreData, year: int) -> list[dict]:
    """The OC2 measures of `year` for the 12-month cohort."""
    cohort = twelve_months(data, year)
    n = len(cohort)
    out = [row("cla_12_months", FAMILY, year, n, n)]
    oc2 = data.tables.get("oc2")
    mine = oc2[oc2["source_year"] == year] if oc2 is not None else None
    if mine is None or not len(mine):
        note = f"the {year_label(year)} return holds no OC2 table"
        names = [*SHARES, "pct_sdq_received", "sdq_mean_score"]
        units = ["percent"] * (len(names) - 1) + ["score"]
        return out + [row(i, FAMILY, year, None, unit=u, note=note) for i, u in zip(names, units, strict=True)]
    record = mine.drop_duplicates("child", keep="last").set_index("child")
    age = cohort["age"].to_numpy()
    for ind, (col, low, high) in SHARES.items():
        base = cohort["child"][(age >= low) & (age <= high)]
        yes = int((base.map(record[col]) == "1").sum())
        out.append(row(ind, FAMILY, year, pct(yes, len(base)), yes, len(base), "percent"))
    return out + _sdq(cohort, record, year)


def _sdq(cohort: pd.DataFrame, record: pd.DataFrame, year: int) -> list[dict]:
    age = cohort["age"].to_numpy()
    base = cohort["child"][(age >= SDQ_AGES[0]) & (age <= SDQ_AGES[1])]
    score = pd.to_numeric(base.map(record["sdq_score"]), errors="coerce").dropna()
    k = len(score)
    mean = float(score.mean()) if k else np.nan
    return [row("pct_sdq_received", FAMILY, year, pct(k, len(base)), k, len(base), "percent"),
            row("sdq_mean_score", FAMILY, year, mean, None, k, "score")]
