"""Dates as councils' systems write them: dd/mm/yyyy, yyyy-mm-dd (with or without a time),
d/m/yy is refused (ambiguous century), and Excel serial day numbers (e.g. 45382)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Serials from 1 Jan 1900 to 31 Dec 2099; anything else is not taken for a date.
_SERIAL_MIN, _SERIAL_MAX = 1, 73415


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse a column of raw text into datetime64[ns]; unparseable or blank -> NaT.

    Each distinct text is parsed once (a return has a few thousand distinct dates in a
    million rows). Use `bad_dates(values, parsed)` for values present but unparseable.
    """
    return pd.Series(date_array(values), index=values.index, dtype="datetime64[ns]")


def date_array(values: pd.Series) -> np.ndarray:
    """`parse_dates` as a NumPy datetime64[ns] array."""
    return date_arrays([values])[0]


def date_arrays(columns: list[pd.Series]) -> list[np.ndarray]:
    """`date_array` of each column, the distinct texts of all of them parsed in one go. Text
    that is not all ASCII is parsed column by column, as each column alone would be."""
    encoded = [pd.factorize(c.astype("string"), use_na_sentinel=True) for c in columns]
    chunks = []
    for _, uniques in encoded:
        text = pa.array(uniques, pa.large_string())
        chunks.extend(text.chunks if isinstance(text, pa.ChunkedArray) else [text])
    text = pa.chunked_array(chunks, pa.large_string())
    if len(columns) > 1 and pc.all(pc.string_is_ascii(text)).as_py() is False:
        return [date_array(c) for c in columns]
    parsed = _parse_unique(text)
    out, start = [], 0
    for codes, uniques in encoded:
        dates = np.full(len(codes), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
        ok = codes >= 0
        dates[ok] = parsed[start:start + len(uniques)][codes[ok]]
        out.append(dates)
        start += len(uniques)
    return out


def _parse_unique(raw: pa.Array) -> np.ndarray:
    """Distinct texts (Arrow) as datetime64[ns], NaT where not a date."""
    text = pc.utf8_trim_whitespace(raw)  # as pandas' str.strip does it
    vals = np.full(len(text), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    if text.null_count == len(text):
        return vals
    ascii_only = pc.all(pc.string_is_ascii(text)).as_py() is not False
    s = None if ascii_only else pd.Series(pd.arrays.ArrowStringArray(text))

    def mask(pattern: str) -> np.ndarray:
        if ascii_only:  # Arrow's RE2, as pandas uses for ASCII text (it turns to `re` otherwise)
            hit = pc.match_substring_regex(text, f"^({pattern})$")
            return pc.fill_null(hit, False).to_numpy(zero_copy_only=False)
        return s.str.fullmatch(pattern).fillna(False).to_numpy(bool)

    # years 1800-2299 only: anything else is a typing error, and outside datetime64[ns]
    uk = mask(r"\d{1,2}/\d{1,2}/(?:1[89]|2[0-2])\d\d")
    if uk.any():
        vals[uk] = (_from_parts(text.filter(uk), "/", (2, 1, 0)) if ascii_only else
                    pd.to_datetime(s[uk], format="%d/%m/%Y", errors="coerce").to_numpy())
    iso = mask(r"(?:1[89]|2[0-2])\d\d-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
    if iso.any():
        vals[iso] = (_from_parts(pc.utf8_slice_codeunits(text.filter(iso), 0, 10), "-", (0, 1, 2)) if ascii_only
                     else pd.to_datetime(s[iso].str[:10], format="%Y-%m-%d", errors="coerce").to_numpy())
    serial = mask(r"\d{1,5}(?:\.0+)?")
    if serial.any():
        numbers = pd.Series(pd.arrays.ArrowStringArray(text.filter(serial)))
        n = pd.to_numeric(numbers, errors="coerce").to_numpy(float)
        ok = (n >= _SERIAL_MIN) & (n <= _SERIAL_MAX)
        where = np.flatnonzero(serial)[ok]
        vals[where] = (EXCEL_EPOCH + pd.to_timedelta(n[ok].astype(np.int64), unit="D")).to_numpy()
    return vals


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _from_parts(text: pa.Array, sep: str, order: tuple[int, int, int]) -> np.ndarray:
    """ASCII digits split by `sep` (year, month and day at the positions `order` gives) as
    datetime64[ns]; NaT where no such day exists (31/04, 29/02 outside a leap year, month 13)."""
    parts = pc.split_pattern(text, sep)
    y, m, d = (pc.cast(pc.list_element(parts, i), pa.int64()).to_numpy(zero_copy_only=False) for i in order)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    month = np.clip(m - 1, 0, 11)
    ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= _MONTH_DAYS[month] + ((m == 2) & leap))
    first = ((y - 1970) * 12 + month).astype("datetime64[M]").astype("datetime64[D]")
    out = (first + (np.where(ok, d, 1) - 1)).astype("datetime64[ns]")
    out[~ok] = np.datetime64("NaT", "ns")
    return out


def bad_dates(values: pd.Series, parsed: pd.Series) -> pd.Series:
    """True where a value was given but is not a date."""
    present = values.astype("string").str.strip().fillna("") != ""
    return present & parsed.isna()


def format_uk(dates: pd.Series) -> pd.Series:
    """datetime64 -> 'dd/mm/yyyy' text (blank where NaT)."""
    return dates.dt.strftime("%d/%m/%Y").astype("string")
