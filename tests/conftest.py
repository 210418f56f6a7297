"""Shared fixtures."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def peer_samples(tmp_path_factory) -> Path:
    """The sample returns shipped in the cs-demand-model 0.5.1 wheel, as a zip.

    `make test` downloads the wheel into .venv/peer-wheels (see Makefile); its data is read
    from there and never committed.
    """
    folder = Path(os.environ.get("SUFFICIENCY_PEER_WHEELS", ROOT / ".venv" / "peer-wheels"))
    wheels = sorted(folder.glob("cs_demand_model-0.5.1-*.whl"))
    if not wheels:
        pytest.fail(f"cs-demand-model 0.5.1 wheel not found in {folder}: run `make test` (it downloads it)")
    out = tmp_path_factory.mktemp("peer") / "v1.zip"
    with zipfile.ZipFile(wheels[0]) as wheel:
        out.write_bytes(wheel.read("cs_demand_model_samples/v1.zip"))
    return out
