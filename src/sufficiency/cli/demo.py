"""`sufficiency demo`: a synthetic council from returns to report, each step shown as its own
command shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import guarded, out, progress
from .forecasts import print_backtest, print_compare, print_forecast
from .returns import print_load


@guarded
def demo(
    output: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo's files.")] = Path("demo-output"),
    la: Annotated[str, typer.Option(help="Council to imitate.")] = "Leeds",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same council and figures.")] = 1,
) -> None:
    """Generate a synthetic council, load it, forecast it, backtest the forecast on its past years,
    compare example reforms, and write its report."""
    from .. import api

    with progress() as bar:
        result = api.demo(api.DemoOptions(out=output, la=la, seed=seed), bar)
    print_load(result.loaded)
    print_forecast(result.forecast)
    print_backtest(result.backtest)
    print_compare(result.compare)
    out.print(f"Synthetic returns: {result.returns}\nStore: {result.db}\nValidation report: {result.validation}\n"
              f"Tables: {result.report.xlsx}\nReforms compared: {result.compare.out}\n"
              f"Board paper: {result.board.html.resolve()}\n"
              f"Report (open in a browser): {result.report.html.resolve()}")
