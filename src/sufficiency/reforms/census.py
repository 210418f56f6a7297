"""The council's own social work workforce from the DfE's workforce census (30 September each
year), shipped as reforms/data/workforce_census.csv (cut by scripts/cut_workforce_census.py).

    params, notes = with_council_workforce(params, "E08000035")   # Leeds' own rates and posts

A council's own figure replaces England's only where the council has not given its own in its
parameters (a built-in default is replaced; an override is kept). The posts are the FTE in post
plus the vacant FTE; the cases are those its case-holding social workers held.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import cache
from importlib import resources

import pandas as pd

from ..parameters import Parameter, Parameters, load_parameters
from ..parameters.tree import DatedValue, Reference

TITLE = ("DfE, Children's social work workforce, reporting year 2025 (csww_indicators_2017_to_2025.csv): "
         "{name}, 30 September {year}")
HREF = "https://explore-education-statistics.service.gov.uk/find-statistics/children-s-social-work-workforce"
RATES = {"workforce.vacancy_rate": "vacancy_rate", "workforce.agency_rate": "agency_rate",
         "workforce.turnover_rate": "turnover_rate", "workforce.caseload": "caseload"}
CASES = "workforce.cases"  # cases held on the census day (set here, not a file's parameter)
DERIVED = {  # what the figures worked out from the census are, in words
    "workforce.fte": "Social work posts (FTE)",
    CASES: "Cases held by social workers",
}


@cache
def census() -> pd.DataFrame:
    with resources.files(__package__).joinpath("data", "workforce_census.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype={"la_code": str, "old_la_code": str})


def council_rows(la_code: str | None) -> pd.DataFrame:
    """The census rows of the council with this ONS code or DfE number (any year), or none."""
    if not la_code:
        return census().iloc[:0]
    from ..errors import InputError
    from ..reference.authorities import find_authority

    try:
        la = find_authority(la_code)
        keys = {la.code, la.dfe_code, la.old_code}
    except InputError:
        keys = {la_code}
    c = census()
    return c[c["la_code"].isin(keys) | c["old_la_code"].isin(keys)].sort_values("year")


def _series(rows: pd.DataFrame, column: str, name: str, unit: str, description: str) -> Parameter | None:
    found = rows[rows[column].notna()]
    if not len(found):
        return None
    values = tuple(DatedValue(dt.date(int(r["year"]), 9, 30), float(r[column]),
                              Reference(TITLE.format(name=r["la_name"], year=int(r["year"])), HREF), None)
                   for _, r in found.iterrows())
    return Parameter(name, description, unit, values, "workforce census")


def with_council_workforce(params: Parameters, la_code: str | None, day: dt.date) -> tuple[Parameters, list[str]]:
    """`params` with the council's own vacancy, agency, turnover and caseload rates, posts and
    cases where it gave none of its own, and a sentence on what was taken and the census in
    force on `day` (the forecast's origin)."""
    rows = council_rows(la_code)
    if not len(rows):
        return params, []
    builtin = load_parameters()
    items = dict(params.items)
    taken = []
    for name, column in RATES.items():
        own = _series(rows, column, name, builtin.get(name).unit, builtin.get(name).description)
        if own is not None and params.get(name) == builtin.get(name):
            items[name] = own
            taken.append(name)
    posts = rows.assign(posts=rows["fte_in_post"] + rows["vacancy_fte"].fillna(0))
    if "workforce.fte" not in params:
        p = _series(posts[posts["fte_in_post"].notna()], "posts", "workforce.fte", "fte",
                    "Children and family social worker posts (FTE): in post plus vacant.")
        if p is not None:
            items["workforce.fte"] = p
            taken.append("workforce.fte")
    cases = _series(rows, "cases", CASES, "count", "Cases held by case-holding social workers.")
    if cases is not None:
        items[CASES] = cases
    before = rows[rows["year"].map(lambda y: dt.date(int(y), 9, 30) <= day)]
    last = (before if len(before) else rows).iloc[-1 if len(before) else 0]
    note = (f"Social workers: {last['la_name']}'s own workforce census (30 September {int(last['year'])}: "
            f"{last['fte_in_post']:,.0f} FTE in post, vacancy {last['vacancy_rate']:g}%, agency "
            f"{last['agency_rate']:g}%, caseload {last['caseload']:g}) for its {_listed(taken)}; the council's own "
            "figures replace them (see the assumptions).")
    return replace(params, items=items), [note]


__all__ = ["with_council_workforce", "council_rows", "census"]


def in_words(name: str) -> str:
    """A workforce parameter the census gives, in the DfE's words: the title of the published
    measure from the same census column (reference/data/published.yaml), else `DERIVED`'s."""
    from ..reference.published import measures

    if name in RATES:
        titles = measures().set_index("indicator")["title"]
        return str(titles[f"sw_{RATES[name]}"])
    return DERIVED[name]


def _listed(names: list[str]) -> str:
    """'a, b and c', each parameter in words, in lower case."""
    words = [w[0].lower() + w[1:] for w in map(in_words, names)]
    if len(words) < 2:
        return words[0] if words else "nothing"
    return f"{', '.join(words[:-1])} and {words[-1]}"
