"""The board paper's key messages: what rose or fell, by how much, whether that is better or
worse by the indicator's direction, and how the council stands beside its statistical
neighbours, its region and England, each with the number behind it.

    bench = benchmarks(ind)                               # council, neighbours, region, England
    msgs = key_messages(frame, catalogue, bench, 2025)    # a pure function of three frames

`bench` has one row per indicator and year with the columns BENCH_COLUMNS (council, neighbours,
region and England side by side); a comparison missing from it is left out of the message, and
a message compared with England alone says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..vocab import year_label as fy
from .suppress import shown

BENCH_COLUMNS = ["indicator", "year", "council", "published", "difference", "neighbours", "region",
                 "england", "rank", "of", "flag"]

# the key messages, in the order a board reads them, each in a councillor's words
KEY = {
    "cla_rate_per_10k": "Children in care for every 10,000 children",
    "started": "Children who came into care in the year",
    "pct_kinship": "Children in care living with relatives or friends",
    "pct_over_20_miles": "Children living more than 20 miles from home",
    "pct_3plus_placements": "Children who moved home three or more times in the year",
    "pct_long_term_stability": "Children settled in the same home for two years or more",
    "pct_suitable_accommodation": "Care leavers in suitable homes",
    "annual_cost": "Cost of placements over the year",
}
COMPARABLE = ("percent", "rate_per_10k")  # counts and totals depend on a council's size
PLACES = (("neighbours", "statistical neighbours"), ("region", "the region"), ("england", "England"))


@dataclass
class Message:
    """One key message: `headline` says what changed, `comparison` how the council stands;
    `tone` is 'better', 'worse' or '' (no direction is better, or nothing to compare)."""

    indicator: str
    title: str
    value: str
    headline: str
    comparison: str
    tone: str

    @property
    def badge(self) -> str:
        """The tone in words, so that it never rests on colour alone."""
        return {"better": "Better", "worse": "Worse"}.get(self.tone, "")


def benchmarks(ind) -> pd.DataFrame:
    """The benchmarks frame (BENCH_COLUMNS) for the headline rows: the council's figures beside
    its published ones, its statistical neighbours', its region's and England's
    (indicators.benchmarks.benchmark), and, for indicators the DfE's LA-level files do not
    publish, England's figure alone (indicators.compare_england)."""
    from ..indicators import compare_england
    from ..indicators.benchmarks import benchmark

    b = benchmark(ind)
    b = b[b["category"] == "all"][BENCH_COLUMNS]
    e = compare_england(ind.frame)
    e = e[~e["indicator"].isin(set(b["indicator"]))]
    alone = pd.DataFrame({
        "indicator": e["indicator"], "year": e["year"], "council": e["value"].astype(float),
        "published": np.nan, "difference": np.nan, "neighbours": np.nan, "region": np.nan,
        "england": e["england"].astype(float), "rank": np.nan, "of": np.nan, "flag": "",
    })
    return pd.concat([b, alone], ignore_index=True)


def key_messages(frame: pd.DataFrame, catalogue: pd.DataFrame, bench: pd.DataFrame, year: int,
                 limit: int = 6) -> list[Message]:
    """Up to `limit` messages for `year`, in KEY's order, from the headline rows of the indicator
    `frame` (rows marked `suppressed` are left out), the `catalogue` (title, unit, higher_is)
    and `bench` (BENCH_COLUMNS)."""
    cat = catalogue.set_index("indicator")
    head = frame[frame["dimension"] == ""]
    if "suppressed" in head:
        head = head[~head["suppressed"].astype(bool)]
    values = head.set_index(["indicator", "year"])["value"]
    b = bench.set_index(["indicator", "year"])
    out = []
    for ind, title in KEY.items():
        now = values.get((ind, year), np.nan)
        if ind not in cat.index or pd.isna(now):
            continue
        unit, higher = cat.loc[ind, "unit"], cat.loc[ind, "higher_is"]
        before = values.get((ind, year - 1), np.nan)
        headline, change_tone = _headline(title, unit, higher, float(now), before, year)
        row = b.loc[(ind, year)] if (ind, year) in b.index else None
        comparison, place_tone = _comparison(row, unit, higher) if unit in COMPARABLE else ("", "")
        out.append(Message(ind, title, shown(float(now), False, unit), headline, comparison,
                           place_tone or change_tone))
    return out[:limit]


def _rounded(value: float, unit: str) -> float:
    """The value as the page shows it, so that words and figures agree."""
    if unit in ("percent", "rate_per_10k", "count"):
        return float(round(value))
    return float(value)


def _tone(difference: float, higher: str) -> str:
    if difference == 0 or higher not in ("better", "worse"):
        return ""
    return "better" if (difference > 0) == (higher == "better") else "worse"


def _headline(title: str, unit: str, higher: str, now: float, before, year: int) -> tuple[str, str]:
    """'Title in 2024/25, up 3 points from 19% in 2023/24 (better).' and the change's tone (the
    value itself is printed beside the message)."""
    s = f"{title} in {fy(year)}"
    if pd.isna(before) or (unit != "percent" and float(before) == 0):
        return s + ".", ""
    a, b = _rounded(float(before), unit), _rounded(now, unit)
    if unit == "percent":
        d, size = b - a, f"{abs(b - a):.0f} point{'s' if abs(b - a) != 1 else ''}"
    else:
        d = 100 * (now - float(before)) / float(before)
        d = 0.0 if a == b or abs(d) < 0.5 else d
        size = f"{abs(d):.0f}%"
    if d == 0:
        return f"{s}, the same as in {fy(year - 1)}.", ""
    tone = _tone(d, higher)
    s += f", {'up' if d > 0 else 'down'} {size} from {shown(float(before), False, unit)} in {fy(year - 1)}"
    return s + (f" ({tone})." if tone else "."), tone


def _comparison(row, unit: str, higher: str) -> tuple[str, str]:
    """'Higher than statistical neighbours (18%) and England (15%): worse.' and its tone; the
    first place present (neighbours, then region, then England) sets the tone."""
    if row is None:
        return "No published figure to compare with.", ""
    here = _rounded(float(row["council"]), unit)
    words: dict[str, list[str]] = {}
    tone = ""
    for key, name in PLACES:
        v = row.get(key, np.nan)
        if pd.isna(v):
            continue
        d = here - _rounded(float(v), unit)
        word = "higher than" if d > 0 else "lower than" if d < 0 else "the same as"
        words.setdefault(word, []).append(f"{name} ({shown(float(v), False, unit)})")
        tone = tone or _tone(d, higher) or ("same" if d == 0 else "")
    if not words:
        return "No published figure to compare with.", ""
    parts = [f"{w} {_join(names)}" for w, names in words.items()]
    s = _join(parts)
    tone = "" if tone == "same" else tone
    if pd.isna(row.get("neighbours", np.nan)) and pd.isna(row.get("region", np.nan)):
        s = "Compared with England only: " + s  # neighbours' and region's figures not available
    s = s[:1].upper() + s[1:]
    return s + (f" ({tone})." if tone else "."), tone


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
