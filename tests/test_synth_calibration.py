"""The synthetic Leeds against its calibration targets (docs/background/synthetic-councils.md).

The council is generated at its real size; every measure is computed from the written CSV
files with pandas (sufficiency.synth.calibration.measures), never from generator internals.
Years 2021-2025 are the years with published council figures.
"""

from sufficiency.synth.calibration import AGE_GROUPS, PLACEMENT_GROUPS, markdown, table


def test_synthetic_leeds_is_within_tolerance_of_every_target(tmp_path):
    t = table("Leeds", 2021, 2025, seed=1)
    measures = set(t["measure"])
    assert (
        len(t[t["measure"].str.startswith("children looked after")]) == 5
    )  # one per published year
    assert {f"% {g} on 31 March" for g in (*PLACEMENT_GROUPS, "other")} <= measures
    assert {f"% aged {g} on 31 March" for g in AGE_GROUPS} <= measures
    assert "% placed more than 20 miles from home" in measures
    assert "% with 3 or more placements in the year" in measures
    assert t["ok"].all(), "\n" + markdown(t[~t["ok"]])
