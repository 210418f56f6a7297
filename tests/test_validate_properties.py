"""Invariants of validate() under random damage to a valid small set of returns: it never
raises, every issue is catalogued with its catalogued severity, and every row-level issue
points at a row that exists and names that row's child."""

from __future__ import annotations

import copy

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_validate import CLEAN, build

from sufficiency.ssda903.schema import default_schema
from sufficiency.ssda903.validate import catalogue, validate

SCHEMA = default_schema()
CELLS = [
    (table, year, i, col)
    for table, years in CLEAN.items()
    for year, rows in years.items()
    for i in range(len(rows))
    for col in SCHEMA.table(table).column_names
]
NASTY = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "31/02/2024",
            "01/01/1799",
            "01/01/2300",
            "45000",
            "0",
            "-1",
            "99999",
            "X1",
            "S",
            "P1",
            "PR0",
            "H5",
            "zz/zz/zzzz",
            "nan",
            "NULL",
            "1",
            "2",
            "LS1 4AP",
            "LS1",
            "01/04/2024",
            "31/03/2025",
            "2024-04-01T00:00:00",
            "1e5",
            "١٢",
            "3",
        ]
    ),
)
EDIT = st.tuples(st.just("edit"), st.sampled_from(CELLS), NASTY)
COPY = st.tuples(st.just("copy"), st.sampled_from(CELLS), st.none())
DROP = st.tuples(st.just("drop"), st.sampled_from(CELLS), st.none())
MOVE = st.tuples(
    st.just("year"), st.sampled_from(CELLS), st.sampled_from([2019, 2024, 2025, 2026, 2031])
)


def damaged(actions) -> pd.DataFrame:
    fx = copy.deepcopy(CLEAN)
    moved = []
    for kind, (table, year, i, col), value in actions:
        rows = fx[table].get(year, [])
        if i >= len(rows):
            continue
        if kind == "edit":
            rows[i][col] = value
        elif kind == "copy":
            rows.append(dict(rows[i]))
        elif kind == "drop":
            del rows[i]
        else:
            moved.append((table, rows.pop(i), value))
    for table, row, year in moved:
        fx[table].setdefault(year, []).append(row)
    return fx


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(EDIT, EDIT, EDIT, COPY, DROP, MOVE), max_size=10))
def test_damage_never_raises_and_every_issue_is_placed(actions):
    returns = build(damaged(actions))
    issues = validate(returns).issues
    cat = catalogue()
    assert set(issues["code"]) <= set(cat)
    assert (issues["severity"] == issues["code"].map(lambda c: cat[c]["severity"])).all()
    for r in issues[issues["row"].notna()].itertuples():
        frame = returns.frames[r.table]
        hit = frame[(frame["_file"] == r.file) & (frame["_row"] == r.row)]
        assert len(hit) == 1, r
        child = hit["CHILD"].iloc[0]
        assert (pd.isna(child) and pd.isna(r.child)) or child == r.child, r
        assert isinstance(r.message, str) and r.message, r
