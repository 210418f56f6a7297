"""What a report holds, whatever it is rendered to (HTML, PDF, workbook): sections of text,
charts and tables, and the report around them."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..parameters import PlacementCategories


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    name: str = ""  # sheet name in the workbook
    note: str = ""  # printed under the table (e.g. why a larger count is hidden)


@dataclass
class Section:
    id: str
    title: str
    text: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    # the quantities the section states, by name ("children looked after on 31 March 2030,
    # median forecast") with the text shown: the same name must show the same text everywhere
    figures: dict[str, str] = field(default_factory=dict)


@dataclass(kw_only=True)
class Contents:
    """What every report holds, a council's or a region's: the years it covers, whether small
    numbers are hidden, the headline tiles, the sections, the indicators' definitions, the day it
    was made and the store it was made from."""

    years: list[int]
    suppressed: bool
    tiles: list[dict]
    sections: list[Section]
    definitions: pd.DataFrame
    generated: str
    source: str


@dataclass(kw_only=True)
class Report(Contents):
    council: str
    la_code: str | None
    incomplete: list[str] = field(default_factory=list)  # what of the returns could not be read
    categories: PlacementCategories | None = None  # the map of placement categories the figures use
