"""Validate SSDA903 returns: every failure collected into a report, nothing raised.

Checks are vectorised over every year at once. Each emits issues with a stable code from
schema/checks.yaml. Value checks (blank, date, code, format) run per column from the schema;
episode and cross-table checks follow. A row whose date could not be parsed is left out of
the checks that need that date: its DATE_INVALID issue already names it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from ..reference.postcodes import classify, directory
from .dates import parse_dates
from .report import ValidationReport, issues_frame
from .returns import Returns
from .schema import Schema, year_label

CHECKS_FILE = Path(__file__).parent / "schema" / "checks.yaml"
TEMPORARY = {"T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"}
UPN_RE = r"(?:[A-Z]\d{12}|[A-Z]\d{11}[A-Z]|UN[1-5])"
URN_RE = r"(?:\d{7}|SC\d{6}|XXXXXXX)"


@cache
def catalogue() -> dict[str, dict]:
    """Every issue code: severity, title and what to do."""
    with CHECKS_FILE.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _fmt(d: pd.Series) -> pd.Series:
    return d.dt.strftime("%d/%m/%Y").astype("string")


def _emit(code: str, frame: pd.DataFrame, table: str, column: str | None, value, message) -> pd.DataFrame:
    """Issues for each row of `frame` (a slice of a Returns frame)."""
    if not len(frame):
        return issues_frame([])
    return issues_frame(
        code=code, severity=catalogue()[code]["severity"], table=table,
        year=frame["_year"].astype("Int64"), file=frame["_file"], row=frame["_row"].astype("Int64"),
        column=column, value=value if isinstance(value, pd.Series) else pd.Series(value, index=frame.index, dtype="string"),
        child=frame["CHILD"] if "CHILD" in frame else None, message=message,
    )


def _ylabel(frame: pd.DataFrame) -> pd.Series:
    return frame["_year"].map(year_label).astype("string")


def _where(frame: pd.DataFrame) -> pd.Series:
    return "child " + frame["CHILD"].fillna("?").astype("string")


def validate(returns: Returns, la_code: str | None = None) -> ValidationReport:
    """Check every table of `returns`; the report holds reader issues too."""
    parts = [returns.issues]
    schema = returns.schema
    dates: dict[tuple[str, str], pd.Series] = {}
    for name, frame in returns.frames.items():
        for col, spec in schema.table(name).columns.items():
            if spec.type == "date":
                dates[(name, col)] = parse_dates(frame[col])
        parts.extend(_value_checks(name, frame, schema, dates))
    parts.extend(_episode_checks(returns, dates))
    parts.extend(_cross_checks(returns, dates))
    return ValidationReport.combine(parts)


# ---------------------------------------------------------------- values, column by column


def _value_checks(name: str, frame: pd.DataFrame, schema: Schema, dates) -> Iterator[pd.DataFrame]:
    table = schema.table(name)
    for col, spec in table.columns.items():
        raw = frame[col]
        present = raw.notna()
        if spec.required:
            bad = frame[~present]
            yield _emit("VALUE_MISSING", bad, name, col, None,
                        _where(bad) + f": {col} ({spec.title}) is blank but required.")
        if spec.type == "date":
            bad = frame[present & dates[(name, col)].isna()]
            yield _emit("DATE_INVALID", bad, name, col, bad[col],
                        _where(bad) + f": {col} '" + bad[col] + "' is not a date (use dd/mm/yyyy).")
        elif spec.type == "code":
            yield from _code_check(name, frame, col, spec.codes, schema)
        elif spec.type == "integer":
            n = pd.to_numeric(raw, errors="coerce")
            bad = frame[present & (n.isna() | (spec.min is not None) & (n < spec.min)
                                   | (spec.max is not None) & (n > spec.max))]
            yield _emit("VALUE_OUT_OF_RANGE", bad, name, col, bad[col],
                        _where(bad) + f": {col} '" + bad[col] + f"' is not a whole number from {spec.min} to {spec.max}.")
        elif spec.type == "upn":
            bad = frame[present & ~raw.str.upper().str.fullmatch(UPN_RE).fillna(False)]
            yield _emit("UPN_INVALID", bad, name, col, bad[col],
                        _where(bad) + ": UPN '" + bad[col] + "' is not 13 characters (letter, 11 digits, digit or letter) nor UN1-UN5.")
        elif spec.type == "urn":
            bad = frame[present & ~raw.str.upper().str.fullmatch(URN_RE).fillna(False)]
            yield _emit("URN_INVALID", bad, name, col, bad[col],
                        _where(bad) + ": URN '" + bad[col] + "' is not an Ofsted number (7 digits, SC + 6 digits) or XXXXXXX.")
        elif spec.type == "postcode":
            yield from _postcode_check(name, frame, col)


def _code_check(name, frame, col, codelist_name, schema: Schema) -> Iterator[pd.DataFrame]:
    cl = schema.codelist(codelist_name)
    values = frame[col].str.strip().str.upper()
    present = values.notna()
    every = frozenset(cl.codes)
    suspect = present & ~values.isin(every)  # unknown in any year
    limited = [c for c, code in cl.codes.items() if code.from_year or code.until_year]
    if limited:
        suspect |= values.isin(limited).fillna(False)
    if not suspect.any():
        return
    for year in frame.loc[suspect, "_year"].unique():
        valid = cl.valid_codes(schema.schema_year(int(year)))
        mask = suspect & (frame["_year"] == year) & ~values.isin(valid)
        if not mask.any():
            continue
        bad = frame[mask]
        other = bad[col].str.upper().map(lambda c: _other_years(cl, c)).astype("string")
        yield _emit("CODE_INVALID", bad, name, col, bad[col],
                    _where(bad) + f": {col} '" + bad[col] + f"' is not a valid {cl.title.lower()} code in "
                    f"{year_label(int(year))}" + other + ".")


def _other_years(cl, code: str) -> str:
    c = cl.codes.get(code)
    if c is None:
        return ""
    if c.until_year:
        return f" (withdrawn after {year_label(c.until_year)})"
    if c.from_year:
        return f" (introduced in {year_label(c.from_year)})"
    return ""


def _postcode_check(name: str, frame: pd.DataFrame, col: str) -> Iterator[pd.DataFrame]:
    uniq = pd.Series(frame[col].dropna().unique(), dtype="string")
    if not len(uniq):
        return
    kind = classify(uniq)
    bad_values = set(uniq[kind == "malformed"])
    bad = frame[frame[col].isin(bad_values)]
    yield _emit("POSTCODE_INVALID", bad, name, col, bad[col],
                _where(bad) + f": {col} '" + bad[col] + "' is not a postcode (e.g. LS1 4AP) or sector (LS1 4).")
    wellformed = uniq[kind.isin(["full", "sector"])].reset_index(drop=True)
    found = directory().locate(wellformed)["found"]
    unknown = set(wellformed[~found.to_numpy()])
    bad = frame[frame[col].isin(unknown)]
    yield _emit("POSTCODE_UNKNOWN", bad, name, col, bad[col],
                _where(bad) + f": {col} '" + bad[col] + "' is not in the ONS Postcode Directory; no distance can be worked out.")


# ---------------------------------------------------------------- episodes


def _episode_checks(returns: Returns, dates) -> Iterator[pd.DataFrame]:
    if "episodes" not in returns.frames:
        return
    ep = returns.frames["episodes"].copy()
    ep["decom"], ep["dec"] = dates[("episodes", "DECOM")], dates[("episodes", "DEC")]
    year_end = pd.to_datetime(ep["_year"].astype(str) + "-03-31")
    year_start = year_end - pd.DateOffset(years=1) + pd.Timedelta(days=1)

    def dec_text(idx):
        return _fmt(ep.loc[idx, "dec"])

    def decom_text(idx):
        return _fmt(ep.loc[idx, "decom"])

    bad = ep[ep["dec"] < ep["decom"]]
    yield _emit("DEC_BEFORE_DECOM", bad, "episodes", "DEC", dec_text(bad.index),
                _where(bad) + ": DEC " + dec_text(bad.index) + " is before DECOM " + decom_text(bad.index) + ".")

    has_dec, has_rec = ep["DEC"].notna(), ep["REC"].notna()
    bad = ep[has_dec != has_rec]
    yield _emit("DEC_REC_MISMATCH", bad, "episodes", "REC", bad["REC"],
                _where(bad) + ": DEC and REC must both be given (episode ended) or both blank (still open); DEC is '"
                + bad["DEC"].fillna("") + "', REC is '" + bad["REC"].fillna("") + "'.")

    bad = ep[ep["decom"] > year_end]
    yield _emit("DATE_AFTER_YEAR", bad, "episodes", "DECOM", decom_text(bad.index),
                _where(bad) + ": DECOM " + decom_text(bad.index) + " is after the end of the collection year (31/03).")
    bad = ep[ep["dec"] > year_end]
    yield _emit("DATE_AFTER_YEAR", bad, "episodes", "DEC", dec_text(bad.index),
                _where(bad) + ": DEC " + dec_text(bad.index) + " is after the end of the collection year (31/03); "
                "the episode should be open in this return.")
    bad = ep[ep["dec"] < year_start]
    yield _emit("EPISODE_BEFORE_YEAR", bad, "episodes", "DEC", dec_text(bad.index),
                _where(bad) + ": the episode ended on " + dec_text(bad.index) + ", before this collection year began.")

    dup = ep[ep["decom"].notna() & ep.duplicated(["_year", "_file", "CHILD", "decom"], keep="first")]
    yield _emit("EPISODE_DUPLICATE", dup, "episodes", "DECOM", decom_text(dup.index),
                _where(dup) + ": a second episode starting " + decom_text(dup.index) + " in the same return.")

    # Order within each return; look at the next episode of the same child.
    ok = ep[ep["decom"].notna() & ep["CHILD"].notna()].sort_values(["_year", "_file", "CHILD", "decom", "_row"])
    same = (ok["CHILD"] == ok["CHILD"].shift(-1)) & (ok["_year"] == ok["_year"].shift(-1))
    next_decom = ok["decom"].shift(-1).where(same)
    nxt_text = _fmt(next_decom)
    bad = ok[same & ok["dec"].notna() & (ok["dec"] > next_decom)]
    yield _emit("EPISODE_OVERLAP", bad, "episodes", "DEC", _fmt(bad["dec"]),
                _where(bad) + ": the episode from " + _fmt(bad["decom"]) + " ends " + _fmt(bad["dec"])
                + ", after the next episode starts on " + nxt_text[bad.index] + ".")
    bad = ok[same & ok["DEC"].isna()]
    yield _emit("OPEN_NOT_LAST", bad, "episodes", "DEC", None,
                _where(bad) + ": the episode from " + _fmt(bad["decom"]) + " has no DEC but another starts on "
                + nxt_text[bad.index] + "; give its end date and reason.")
    bad = ok[(ok["REC"] == "X1") & ~(same & (ok["dec"] == next_decom)) & ok["dec"].notna()]
    yield _emit("X1_NO_NEXT_EPISODE", bad, "episodes", "REC", bad["REC"],
                _where(bad) + ": REC X1 says a new episode starts on " + _fmt(bad["dec"])
                + ", but none of this child's episodes starts that day.")

    prov_needed = ~ep["PLACE"].str.upper().isin(TEMPORARY) & ep["PLACE"].notna()
    bad = ep[prov_needed & ep["PLACE_PROVIDER"].isna()]
    yield _emit("PROVIDER_MISSING", bad, "episodes", "PLACE_PROVIDER", None,
                _where(bad) + ": PLACE_PROVIDER is blank for placement " + bad["PLACE"] + ".")

    if "header" in returns.frames:
        hd = returns.frames["header"][["CHILD", "_year"]].copy()
        hd["dob"] = dates[("header", "DOB")]
        hd = hd.dropna().drop_duplicates(["CHILD", "_year"])
        m = ep.reset_index().merge(hd, on=["CHILD", "_year"], how="inner").set_index("index")
        bad = m[m["dob"] > m["decom"]]
        yield _emit("DOB_AFTER_DECOM", bad, "episodes", "DECOM", _fmt(bad["decom"]),
                    _where(bad) + ": DECOM " + _fmt(bad["decom"]) + " is before the date of birth " + _fmt(bad["dob"]) + ".")
        adult = m["decom"] >= m["dob"] + pd.DateOffset(years=18) if len(m) else pd.Series([], dtype=bool)
        bad = m[adult]
        yield _emit("AGE_18_AT_DECOM", bad, "episodes", "DECOM", _fmt(bad["decom"]),
                    _where(bad) + ": aged 18 or more on DECOM " + _fmt(bad["decom"]) + " (born " + _fmt(bad["dob"]) + ").")


# ---------------------------------------------------------------- across tables


def _cross_checks(returns: Returns, dates) -> Iterator[pd.DataFrame]:
    frames = returns.frames
    for name, frame in frames.items():
        cols = [c for c in returns.schema.table(name).column_names]
        dup = frame[frame.duplicated(["_file", *cols], keep="first")]
        yield _emit("ROW_DUPLICATE", dup, name, None, None,
                    _where(dup) + ": this row repeats an earlier row of the same file exactly.")
    if "header" not in frames:
        return
    hd = frames["header"]
    in_header = _keys(hd)
    if "episodes" in frames:
        ep = frames["episodes"]
        keys = _keys(ep)
        bad = ep[~keys.isin(in_header).to_numpy() & ep["CHILD"].notna().to_numpy()].drop_duplicates(["CHILD", "_year"])
        yield _emit("CHILD_NOT_IN_HEADER", bad, "episodes", "CHILD", bad["CHILD"],
                    _where(bad) + " has episodes in " + _ylabel(bad) + " but no Header row.")
        with_ep = keys
        if "oc3" in frames:  # care leavers are in the Header of the years they are in OC3
            with_ep = pd.concat([keys, _keys(frames["oc3"])])
        bad = hd[~in_header.isin(with_ep).to_numpy() & hd["CHILD"].notna().to_numpy()
                 & hd["_year"].isin(ep["_year"].unique()).to_numpy()]
        yield _emit("CHILD_NO_EPISODES", bad, "header", "CHILD", bad["CHILD"],
                    _where(bad) + " is in the Header for " + _ylabel(bad) + " but has no episode that year.")
    dob = dates[("header", "DOB")]
    per_child = pd.DataFrame({"CHILD": hd["CHILD"], "dob": dob}).dropna()
    n = per_child.groupby("CHILD")["dob"].nunique()
    changed = set(n[n > 1].index)
    bad = hd[hd["CHILD"].isin(changed)].drop_duplicates("CHILD", keep="last")
    yield _emit("DOB_CHANGED", bad, "header", "DOB", bad["DOB"],
                _where(bad) + ": the date of birth differs between years; the latest return's is used.")
    for name in ("reviews", "missing", "oc2", "oc3", "uasc"):
        if name not in frames:
            continue
        f = frames[name]
        bad = f[~_keys(f).isin(in_header).to_numpy() & f["CHILD"].notna().to_numpy()]
        yield _emit("CHILD_NOT_IN_HEADER_OTHER", bad, name, "CHILD", bad["CHILD"],
                    _where(bad) + f" is in {returns.schema.table(name).title} but not in the Header for that year.")
    if "missing" in frames:
        mf = frames["missing"]
        s, e = dates[("missing", "MIS_START")], dates[("missing", "MIS_END")]
        bad = mf[e < s]
        yield _emit("MISSING_END_BEFORE_START", bad, "missing", "MIS_END", bad["MIS_END"],
                    _where(bad) + ": MIS_END " + _fmt(e[bad.index]) + " is before MIS_START " + _fmt(s[bad.index]) + ".")
    if "reviews" in frames:
        rv = frames["reviews"]
        r, d = dates[("reviews", "REVIEW")], dates[("reviews", "DOB")]
        year_end = pd.to_datetime(rv["_year"].astype(str) + "-03-31")
        bad = rv[(r < d) | (r > year_end)]
        yield _emit("REVIEW_DATE_OUTSIDE", bad, "reviews", "REVIEW", bad["REVIEW"],
                    _where(bad) + ": REVIEW " + _fmt(r[bad.index]) + " is before the date of birth or after the collection year's end.")


def _keys(frame: pd.DataFrame) -> pd.Series:
    """child|year as one string, for fast membership tests."""
    keys = frame["CHILD"].fillna("").astype(str) + "|" + frame["_year"].astype(str)
    return keys.astype(object)  # object dtype: isin uses a hash table (arrow strings do not)


def catalogue_markdown() -> str:
    """docs/validation.md, generated from checks.yaml: `python -m sufficiency.ssda903.validate`."""
    lines = ["# Validation checks", "",
             "Generated from `src/sufficiency/ssda903/schema/checks.yaml` by "
             "`python -m sufficiency.ssda903.validate > docs/validation.md`.", "",
             "Errors mean a row cannot be trusted for analysis as it stands; warnings are worth fixing "
             "but the row is used. Every issue names the file, the row as a spreadsheet shows it, the "
             "column, the value and the child.", "",
             "| code | severity | what it means | what to do |", "|---|---|---|---|"]
    for code, c in catalogue().items():
        lines.append(f"| `{code}` | {c['severity']} | {c['title']} | {c['fix']} |")
    return "\n".join(lines) + "\n"



if __name__ == "__main__":
    print(catalogue_markdown(), end="")
