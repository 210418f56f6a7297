"""The sample returns shipped with cs-demand-model 0.5.1 load with a report and no crash."""

from __future__ import annotations

from sufficiency.pipeline import load


def test_peer_samples_load_with_a_validation_report(peer_samples, tmp_path):
    result = load(peer_samples, tmp_path / "peer.duckdb")
    returns, report, history = result.returns, result.report, result.history
    assert returns.years == [2018, 2019, 2020, 2021, 2022]  # files labelled 2017..2021
    assert len(returns.frames["episodes"]) == 3737
    # Their postcodes are invented ("I11 4XK"): the report says so rather than crashing.
    assert len(report.issues) > 0
    assert report.issues["message"].notna().all()
    # Every episode row read is in the cleaned history or in the cleaning log.
    ep = returns.frames["episodes"]
    kept = history.tables["episodes"][["source_file", "source_row"]]
    logged = history.log[history.log["table"] == "episodes"][["file", "row"]]
    seen = set(map(tuple, kept.to_numpy())) | set(map(tuple, logged.to_numpy()))
    assert set(zip(ep["_file"], ep["_row"], strict=True)) <= seen
