"""The synthetic Leeds against Leeds' own published figures (docs/background/synthetic-councils.md).

Leeds is generated at its real size for 2021-2025 (the years the DfE publishes its figures; the
generator adds its own warm-up years before them), loaded as a council's returns would be, and
measured with the real indicators code (sufficiency.synth.council_check). Long-term stability
needs two years of returns before it, so 2023-2025 are checked.

Tolerances (council_check.MEASURES), each about 2.5 standard errors of one year's binomial noise
at Leeds' size plus the room between one year's published figure and the mean of 2021-2025 the
generator is calibrated to: long-term stability ±5 points (about 570 children under 16 in care
2.5 years: 1.9 points of noise; Leeds published 70-73), 3 or more placements in the year ±3
points (about 1,500 children: 0.9; published 13-16), care leavers aged 19-21 in suitable
accommodation ±5 points (about 600: 1.6; published 81-90), new placements outside the council
and more than 20 miles from home ±4 points (about 1,800 placements: 0.8; published 11-15).
"""

from sufficiency.synth.calibration import AGE_GROUPS, PLACEMENT_GROUPS, markdown, table

DONE_WHEN = ("pct_long_term_stability", "pct_3plus_placements", "pct_suitable_19_21", "pct_new_outside_far")


def test_synthetic_leeds_reproduces_its_published_stability_leavers_and_location():
    t = table("Leeds", 2021, 2025, seed=1)
    checked = t[t["key"].isin(DONE_WHEN) & t["year"].between(2023, 2025)]
    assert len(checked) == len(DONE_WHEN) * 3, checked  # every measure, every year, is published
    assert checked["ok"].all(), "\n" + markdown(checked[~checked["ok"]])
    # the council's own figures, not England's (England: 68.5% long-term stability, 10.4% 3+)
    assert set(t.loc[t["key"].isin(DONE_WHEN), "measure"].str.endswith("(Leeds)")) == {True}
    flows = t[t["key"].isin(["cla", "starts", "ceased"])]
    assert len(flows) == 15 and flows["ok"].all(), "\n" + markdown(flows[~flows["ok"]])
    mix = t[t["measure"].str.contains("on 31 March \\(England\\)")]
    assert {f"% {g} on 31 March (England)" for g in (*PLACEMENT_GROUPS, "other")} <= set(mix["measure"])
    assert {f"% aged {g} on 31 March (England)" for g in AGE_GROUPS} <= set(mix["measure"])
    assert mix["ok"].all(), "\n" + markdown(mix[~mix["ok"]])
