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


@dataclass
class Section:
    id: str
    title: str
    text: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Report:
    council: str
    la_code: str | None
    years: list[int]
    suppressed: bool
    tiles: list[dict]
    sections: list[Section]
    definitions: pd.DataFrame
    generated: str
    source: str
    incomplete: list[str] = field(default_factory=list)  # what of the returns could not be read
    categories: PlacementCategories | None = None  # the map of placement categories the figures use
