"""CSV text without quotes is split by Arrow (sources._plain_table) rather than by pandas'
parser: on any such text the Sheet is the one the parser gives, title rows, padding, blank
lines, odd spaces and line ends included."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sufficiency.ssda903 import sources
from sufficiency.ssda903.schema import default_schema

SCHEMA = default_schema()
HEADER = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
VALUES = ["1", "a", "", " ", "1.0", "é", "x y", "\t", "\u00a0", "\ufeff", "#", "'", "CHILD", "DOB", "Title"]


@st.composite
def csv_text(draw) -> str:
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    cell = st.sampled_from(VALUES)
    above = draw(st.lists(st.lists(cell, max_size=3), max_size=2))
    header = HEADER[: draw(st.integers(4, 7))] + [""] * draw(st.integers(0, 2))
    width = len(header) if draw(st.booleans()) else draw(st.integers(1, 9))
    body = draw(st.lists(st.one_of(st.lists(cell, min_size=width, max_size=width),
                                   st.lists(cell, max_size=width + 1)), max_size=6))
    lines = [delimiter.join(r) for r in [*above, header, *body]]
    end = draw(st.sampled_from(["\n", "\r\n"]))
    return draw(st.sampled_from(["", "\ufeff"])) + end.join(lines) + end * draw(st.integers(0, 2))


def sheet(text: str) -> tuple:
    issues: list[dict] = []
    got = sources.text_sheet("f.csv", text.encode("utf-8"), SCHEMA, issues)
    if got is None:
        return None, [i["code"] for i in issues]
    body = [col.to_pylist() for col in got.body]
    return (got.header, body, got.ragged, got.header_row, got.title), [i["code"] for i in issues]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_text())
@example("\r\nSEX;a\r\n\r\nb;c\r\n")  # a blank first line, and no record with the delimiter
def test_text_without_quotes_reads_as_the_parser_reads_it(text):
    split = sheet(text)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(sources, "_plain_table", lambda *_a: None)
        parsed = sheet(text)
    assert split == parsed
