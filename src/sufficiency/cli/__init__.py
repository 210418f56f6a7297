"""The `sufficiency` command: a thin Typer face over `sufficiency.api`.

Each command parses its options, calls one library function and prints the result with Rich;
errors become messages and exit codes in one place (`app.guarded`). Commands import the
library when they run, so the command starts fast.
"""

from __future__ import annotations

import copy
import gc
import os
import sys

import typer

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
    A command (not its help) has the library imported first (`_import_library`), and when it
    is done every object is frozen (`gc.freeze`), so the collector's passes as Python shuts
    down do not walk them all again (about 0.1 s after a whole job). Pydantic's plugins (which
    would watch the options being checked) are not looked for unless PYDANTIC_DISABLE_PLUGINS
    says otherwise: looking reads every installed package's entry points (about 8 ms)."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    gc.set_threshold(10_000, 10, 10)
    args = sys.argv[1:]
    one = app_for(args)
    if one is not app and "--help" not in args:
        _import_library()
    try:
        one(prog_name="sufficiency")
    finally:
        gc.freeze()


def _import_library() -> None:
    """Import the library every command but help runs on (its options, pandas, Arrow, DuckDB)
    with the collector off, then freeze what the import made: module-level objects live as
    long as the process, and the collector's passes over them cost about 50 ms of a whole job.
    A failed import is left to the command, which says what is wrong."""
    gc.disable()
    try:
        import sufficiency.api.forecasts  # noqa: F401 - with .options and .returns: pandas, pydantic
        import sufficiency.store  # noqa: F401 - DuckDB
    except Exception:  # noqa: BLE001,S110 - the command imports it again and reports the failure
        pass
    finally:
        gc.freeze()
        gc.enable()


def app_for(args: list[str]) -> typer.Typer:
    """The app that runs `args`: when they start with a command's name, the app with that
    command alone (Click makes every command's options before it runs one, about 50 ms for all
    of them; as Click's lazily loaded commands, only the one run is made), else the whole app.
    What a user sees is the same: `sufficiency load --help`, its errors and its usage line."""
    name = args[0] if args else None
    chosen = [c for c in app.registered_commands if typer.main.get_command_name(c.callback.__name__) == name]
    if not chosen:
        return app
    one = copy.copy(app)
    one.registered_commands, one.registered_groups = chosen, []
    one.registered_callback = None
    one.callback()(_group)  # a group still, so the command is run by its name
    return one


def _group() -> None:
    """The group above the one command an `app_for` app holds."""
