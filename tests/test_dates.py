"""Dates as councils' systems write them (ssda903/dates.py)."""

import pandas as pd
import pytest

from sufficiency.ssda903.dates import parse_dates

CASES = [
    ("05/02/2024", "2024-02-05"),
    ("5/2/2024", "2024-02-05"),
    (" 05/02/2024 ", "2024-02-05"),
    ("29/02/2024", "2024-02-29"),
    ("29/02/2000", "2000-02-29"),
    ("29/02/2023", None),
    ("29/02/1900", None),
    ("31/04/2024", None),
    ("00/04/2024", None),
    ("01/13/2024", None),
    ("31/12/1800", "1800-12-31"),
    ("01/01/1799", None),
    ("2024-03-31", "2024-03-31"),
    ("2024-03-31T10:15:00", "2024-03-31"),
    ("2023-02-29", None),
    ("2024-3-31", None),
    ("45382", "2024-03-31"),
    ("05/02/24", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_each_form_is_read_or_left_blank(text, expected):
    got = parse_dates(pd.Series([text, "01/01/2020"], dtype="string"))
    assert got.iloc[1] == pd.Timestamp("2020-01-01")
    if expected is None:
        assert pd.isna(got.iloc[0])
    else:
        assert got.iloc[0] == pd.Timestamp(expected)


def test_non_ascii_digits_are_judged_as_before():
    """Text with a character outside ASCII takes pandas' own path for the whole column."""
    got = parse_dates(pd.Series(["05/02/2024", "31/04/2024", "é"], dtype="string"))
    assert got.iloc[0] == pd.Timestamp("2024-02-05")
    assert got.iloc[1:].isna().all()
