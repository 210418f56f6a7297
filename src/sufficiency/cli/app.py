"""The Typer application, its consoles, the progress bar, and the one place where errors
become messages and exit codes.

Exit codes: 0 done; 1 the returns have errors (validate); 2 the command could not run (a bad
option, a file or store that cannot be used), with a sentence naming what is wrong; 3 a fault in
sufficiency itself; 130 interrupted (Ctrl-C): nothing changed, or a sentence saying what was
done before. Only typer and rich are imported here: each command imports the library when it
runs, so `sufficiency --help` starts fast.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os

import typer
from rich.console import Console

from ..errors import OptionError, SufficiencyError

app = typer.Typer(
    help="See, forecast and plan the homes of children looked after, from SSDA903 returns.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Soft wrap: a sentence or a path is printed whole and the terminal wraps it, so a path can be
# copied from the screen however narrow the terminal (tables still fit its width). No emoji
# codes: a name such as "returns:cat:2024.csv" is printed as it is.
err = Console(stderr=True, soft_wrap=True, emoji=False)
out = Console(soft_wrap=True, emoji=False)

INTERRUPTED = "Interrupted; nothing was changed."
SMALL_NUMBERS = "Small numbers are shown: this report is not for publication."
YEARS = "Years ahead (1 to 10)."
SEED = "Random seed, recorded with the results: the same seed gives the same figures."
FLAGS = {"horizons": "--horizon", "uses": "--use"}  # library options the command line names otherwise (one per use)


def flag(option: str) -> str:
    """A library option's name as the command line spells it: as_of -> --as-of."""
    return FLAGS.get(option, "--" + option.replace("_", "-"))


def help_text(command) -> str:
    """A command's docstring as its help: each paragraph on one line, so a terminal wraps it to
    its own width rather than at the docstring's line breaks."""
    paragraphs = inspect.cleandoc(command.__doc__ or "").split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def plural(n: int, word: str) -> str:
    """'1 error', '2 errors'."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def warn_if_shown(suppressed: bool) -> None:
    """The one warning a report gets when it shows small numbers."""
    if not suppressed:
        err.print(SMALL_NUMBERS)


def _internal(exc: Exception) -> None:
    err.print(f"[bold red]Internal error:[/] {type(exc).__name__}: {exc}\n"
              "This is a fault in sufficiency, not in your files. Please report it with the command "
              "you ran; set SUFFICIENCY_DEBUG=1 to see the traceback.", soft_wrap=True, highlight=False)


def guarded(command):
    """Run a command with the one mapping of errors to messages and exit codes (see the module)."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except OptionError as exc:
            err.print(f"[bold red]Error:[/] {flag(exc.option)} {exc.problem}", soft_wrap=True, highlight=False)
            raise typer.Exit(2) from None
        except SufficiencyError as exc:
            err.print(f"[bold red]Error:[/] {exc}", soft_wrap=True, highlight=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt as exc:  # an Interrupted says what was done before Ctrl-C
            err.print(str(exc) or INTERRUPTED, soft_wrap=True, highlight=False)
            raise typer.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - the last guard before a user sees a traceback
            _internal(exc)
            if os.environ.get("SUFFICIENCY_DEBUG"):
                raise
            raise typer.Exit(3) from None

    return run


@contextlib.contextmanager
def progress(prefix: str = ""):
    """A Rich progress bar on stderr; yields a callback(step, done, total). Not a terminal: no
    bar (nor Rich's progress module), and the callback does nothing."""
    if not err.is_terminal:
        yield lambda step, done, total: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("starting", total=1)

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"{prefix}{step}"[:60], completed=done, total=max(total, 1))

        yield update


def table(frame, title: str, formats: dict | None = None, left: int = 1):
    """A pandas DataFrame as a Rich table under its title: the first `left` columns left-aligned,
    the others right-aligned; values formatted by `formats` (column -> format spec), text as it
    is. The title is a line of its own, not squeezed into the table's width (it may hold a path)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    formats = formats or {}
    t = Table()
    for i, col in enumerate(frame.columns):
        t.add_column(str(col), justify="left" if i < left else "right")
    for row in frame.itertuples(index=False):
        t.add_row(*[v if isinstance(v, str) else format(v, formats.get(c, ""))
                    for c, v in zip(frame.columns, row, strict=True)])
    return Group(Text(title, style="italic"), t)
