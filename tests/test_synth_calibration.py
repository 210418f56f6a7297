"""The synthetic Leeds against its calibration targets (docs/synthetic-calibration.md)."""

from sufficiency.synth.calibration import markdown, table


def test_synthetic_leeds_within_tolerance_of_every_target():
    t = table("Leeds", 2018, 2025, seed=1)
    assert len(t) >= 25
    assert t["ok"].all(), "\n" + markdown(t[~t["ok"]])
