"""The progress bar the commands show on long work (hidden when output is not a terminal)."""

from __future__ import annotations

import contextlib

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn


@contextlib.contextmanager
def progress_bar(console: Console, prefix: str = ""):
    """A Rich progress bar on `console`; yields a callback(step, done, total)."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("starting", total=1)

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"{prefix}{step}"[:60], completed=done, total=max(total, 1))

        yield update
