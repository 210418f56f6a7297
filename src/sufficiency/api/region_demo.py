"""The regional demo: every member council of a shipped agreement generated at its published size,
loaded, shared, imported into one regional store, forecast and reported, through the same
functions the commands call.

    region_demo(RegionDemoOptions(region="Greater Manchester", out="gm-demo"))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field

from .options import LoadOptions, Options, Seed, SynthOptions
from .region import (
    RegionAddOptions,
    RegionForecastOptions,
    RegionForecastResult,
    RegionReportOptions,
    RegionReportResult,
    ShareOptions,
    region_add,
    region_forecast,
    region_report,
    share,
)
from .returns import Progress, load, synth


class RegionDemoOptions(Options):
    """`demo --region`: fewer years of returns and runs than the council demo, so ten councils
    take minutes. `scale` multiplies each council's published number of children looked after
    (1: the published size)."""

    region: str = "Greater Manchester"
    out: Path = Path("region-demo")
    seed: Seed = 1
    years: tuple[int, int] = (2021, 2025)
    runs: Annotated[int, Field(ge=1)] = 200
    horizon: Annotated[int, Field(ge=1, le=10)] = 5
    scale: Annotated[float, Field(gt=0, le=1)] = 1.0


@dataclass
class RegionDemoResult:
    db: Path
    shares: list[Path]
    councils: list[str]
    forecast: RegionForecastResult
    report: RegionReportResult


def _size(code: str, year: int, scale: float) -> int | None:
    """The council's published children looked after on 31 March `year`, scaled (None: as the
    synthesiser sizes it)."""
    from ..reference.authorities import authorities

    la = authorities().get(code)
    n = la.fact("cla", year) if la else None
    return None if n is None or scale == 1 else max(10, round(n * scale))


def _demo_key(db: Path, code: str, seed: int) -> Path:
    """A synthetic council's pseudonym key made from the demo's seed, so that its shares, and
    every figure the region draws from them, are the same on every run: the regional forecast
    reads children in the order of their pseudonyms. A real council's key is random (region/key.py)."""
    import hashlib

    from ..region.key import key_path, write_key

    path = key_path(db)
    path.unlink(missing_ok=True)
    write_key(path, hashlib.sha256(f"sufficiency demo key {code} {seed}".encode()).digest())
    return path


def region_demo(options: RegionDemoOptions, progress: Progress | None = None) -> RegionDemoResult:
    """Each member council of the shipped agreement for `region`: synthetic returns like the
    council's, loaded into its own store and shared; the shares imported, forecast and reported."""
    from ..region.agreement import load_agreement

    agreement = load_agreement(options.region)
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    shares = []
    for i, member in enumerate(agreement.councils):
        if progress:
            progress(f"generating {member.name}", i, len(agreement.councils))
        folder = out / "councils" / member.code
        synth(SynthOptions(la=member.code, years=options.years, seed=options.seed + i, out=folder / "returns",
                           children=_size(member.code, options.years[1], options.scale)))
        db = folder / "la.duckdb"
        load(LoadOptions(path=folder / "returns", db=db, la=member.code))
        shares.append(share(ShareOptions(db=db, region=options.region, out=out / "shares" / f"{member.code}.share",
                                         key=_demo_key(db, member.code, options.seed))).out)
    db = out / "region.duckdb"
    db.unlink(missing_ok=True)
    region_add(RegionAddOptions(files=shares, db=db, agreement=options.region, uses=["indicators", "forecast"]))
    fc = region_forecast(RegionForecastOptions(db=db, years=options.horizon, runs=options.runs, seed=options.seed),
                         progress)
    report = region_report(RegionReportOptions(db=db, out=out / "region.html"))
    return RegionDemoResult(db, shares, [m.name for m in agreement.councils], fc, report)
