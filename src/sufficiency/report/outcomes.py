"""The report's section on the measures scrutiny papers ask for beyond placements: health of
children looked after for a year (OC2), social worker changes, supported accommodation and
other (unregistered) placements, special guardianship and child arrangements orders, Staying
Put and adoption timeliness. Every figure is read from the (suppressed) indicator frame; a
figure that cannot be given shows ':' and the latest year's reason is said under the tables."""

from __future__ import annotations

import pandas as pd

from ..vocab import year_label as fy
from . import charts
from .content import Section, Table

HEALTH = ["cla_12_months", "pct_health_assessments", "pct_development_assessments", "pct_immunisations",
          "pct_dental_checks", "pct_sdq_received", "sdq_mean_score", "pct_substance_misuse", "pct_convicted"]
SETTINGS = ["pct_3plus_social_workers", "supported_16_17", "pct_16_17_supported", "under_16_supported",
            "other_placements_31_march", "other_placements_during", "deprivation_of_liberty_during"]
PERMANENCE = ["pct_ceased_sgo", "pct_ceased_cao", "pct_staying_put_18", "adoption_days_entry_to_placement",
              "adoption_days_entry_to_placement_adjusted", "adoption_days_order_to_match",
              "adoption_days_decision_to_match"]
CHECKS = {"Annual health assessment": "pct_health_assessments", "Immunisations": "pct_immunisations",
          "Dental check": "pct_dental_checks", "SDQ completed": "pct_sdq_received"}


def outcomes_section(fig, y: int) -> Section:
    """`fig`: the report's figures (indicator frame after disclosure control); `y`: latest year."""
    s = Section("outcomes", "Health, social workers, settings and permanence")
    s.text = [*_sentences(fig, y), "Health figures are for children looked after for at least 12 months on 31 March (the OC2 "
              "return); adoption times are one year's adoptions, where the DfE's scorecard averages three.",
              *_notes(fig, y)]
    s.charts.append(charts.lines({label: fig.series(ind) for label, ind in CHECKS.items()},
                                 "Children looked after for 12 months: health checks and SDQ (%), by year", "%",
                                 percent=True))
    for name, caption, inds in (("health", "Children looked after for at least 12 months: health and wellbeing", HEALTH),
                                ("settings", "Social workers, supported accommodation and other placements", SETTINGS),
                                ("permanence", "Special guardianship, Staying Put and adoption timeliness", PERMANENCE)):
        rows = [[fig.title(i), *[fig.text(i, yr) for yr in fig.years]] for i in inds]
        s.tables.append(Table(f"{caption}, by year", ["", *map(fy, fig.years)], rows, name=name))
    return s


def _sentences(fig, y: int) -> list[str]:
    """The latest year's headline sentences, for the figures that can be given."""
    out = []
    for ind in ("pct_health_assessments", "pct_3plus_social_workers", "pct_16_17_supported",
                "adoption_days_entry_to_placement"):
        r = fig.get(ind, y)
        if r is not None and not pd.isna(r["value"]):
            out.append(fig.sentence(ind, y, england=False))
    return out


def _notes(fig, y: int) -> list[str]:
    """Why a figure of the latest year cannot be given, once per reason."""
    f = fig.frame
    mine = f[(f["year"] == y) & f["indicator"].isin(HEALTH + SETTINGS + PERMANENCE) & (f["note"] != "")]
    seen = dict.fromkeys(mine["note"])
    return [f"{fy(y)}: {', '.join(fig.title(i) for i in mine.loc[mine['note'] == n, 'indicator'])} "
            f"cannot be given: {n}." for n in seen if not pd.isna(n)]
