"""The `sufficiency` command: a thin Typer face over `sufficiency.api`.

Each command parses its options, calls one library function and prints the result with Rich;
errors become messages and exit codes in one place (`app.guarded`). Commands import the
library when they run, so the command starts fast.
"""

from __future__ import annotations

import gc
import os

from . import demo, forecasts, plan, region, returns, serve
from .app import app, help_text

__all__ = ["app", "main"]

# the commands, in the order `sufficiency --help` lists them
for _command in (returns.validate, returns.load, demo.run, returns.synth, demo.demo, returns.report, returns.indicators,
                 forecasts.forecast, forecasts.backtest, forecasts.compare, region.share, plan.plan, serve.serve):
    app.command(help=help_text(_command))(_command)
app.add_typer(region.region_app, name="region")


def main() -> None:
    """Console entry point. Arrow (behind pandas' text columns) allocates from the C library
    (unless ARROW_DEFAULT_MEMORY_POOL says otherwise): its default pool keeps what it freed,
    and a command would hold it to its end. The cyclic garbage collector runs after 10,000
    new objects rather than 700: a command makes few cycles, and each full pass over the
    hundreds of thousands of objects pandas, Arrow and DuckDB bring costs tens of milliseconds.
    When the command is done, every object is frozen (`gc.freeze`), so the collector's passes
    as Python shuts down do not walk them all again (about 0.1 s after a whole job)."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    gc.set_threshold(10_000, 10, 10)
    try:
        app(prog_name="sufficiency")
    finally:
        gc.freeze()
