"""The docs against the code: the generated reference is up to date, and every command-line
option the docs name exists (on the command named, where one is)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
# lines that run something other than `sufficiency` (a bench or study script, a tool) carry its options
OTHER_PROGRAM = re.compile(r"\b(python|bash|pip|pytest|ruff|make|chromium)\b|\b(bench|studies|scripts)/")
OPTION = re.compile(r"(?<![\w/-])--[a-z][a-z0-9-]*")
COMMAND = re.compile(r"\bsufficiency ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?\b")


def _generator():
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "scripts" / "gen_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


def _options() -> dict[str, set[str]]:
    """Every command's options (`--help` included), by command name."""
    group = GEN._app_command()
    return {name: {o for p in cmd.params for o in [*getattr(p, "opts", []), *getattr(p, "secondary_opts", [])]}
            | {"--help"} for name, cmd in GEN.commands(group).items()}


def _lines(path: Path):
    """The file's lines by number, a shell command continued with a backslash joined into its first."""
    held, first = "", 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        first = first or number
        if line.rstrip().endswith("\\"):
            held += line.rstrip()[:-1] + " "
            continue
        yield first, held + line
        held, first = "", 0


def _named_options(path: Path):
    """(line, command or None, option) for each option the file names outside another program's command."""
    names = set(_options())
    for number, line in _lines(path):
        if OTHER_PROGRAM.search(line):
            continue
        for span in re.split(r"(?=\bsufficiency [a-z])", line):
            cmd = COMMAND.match(span)
            name = cmd and (f"{cmd[1]} {cmd[2]}" if f"{cmd[1]} {cmd[2]}" in names else cmd[1])
            for option in OPTION.findall(span):
                yield number, name or None, option


@pytest.mark.parametrize("page", sorted(GEN.PAGES))
def test_generated_reference_is_up_to_date(page):
    """Regenerate with: .venv/bin/python scripts/gen_reference.py (make docs)"""
    path = ROOT / "docs" / "reference" / page
    assert path.read_text(encoding="utf-8") == GEN.PAGES[page](), f"docs/reference/{page} is out of date: make docs"


def test_every_command_is_in_the_cli_reference():
    text = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    for name in _options():
        assert f"\n## {name}\n" in text


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_options_named_in_the_docs_exist(path):
    options = _options()
    every = set().union(*options.values())
    wrong = []
    for number, cmd, option in _named_options(path):
        if cmd in options and option not in options[cmd]:
            wrong.append(f"line {number}: sufficiency {cmd} has no {option}")
        elif cmd not in options and option not in every:
            wrong.append(f"line {number}: no command has {option}")
    assert not wrong, f"{path.relative_to(ROOT)}: " + "; ".join(wrong)


def test_the_option_check_catches_an_option_that_does_not_exist(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("Raise the limit with --max-file-mb.\n\n```sh\nsufficiency forecast --db la.duckdb \\\n"
                    "    --runs 10 --xlsx out.xlsx\n.venv/bin/python bench/run.py --only council\n```\n")
    named = list(_named_options(page))
    assert (1, None, "--max-file-mb") in named
    assert (4, "forecast", "--xlsx") in named and (4, "forecast", "--runs") in named
    assert not any(option == "--only" for _n, _c, option in named)
    options = _options()
    assert "--xlsx" not in options["forecast"] and "--runs" in options["forecast"]
    assert "--max-file-mb" not in set().union(*options.values())


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_between_pages_lead_somewhere(path):
    text = path.read_text(encoding="utf-8")
    broken = [target for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
              if "://" not in target and not (path.parent / target).exists()]
    assert not broken, f"{path.relative_to(ROOT)} links to missing {broken}"


def test_the_benchmarks_page_holds_current_figures_each_with_its_command():
    """docs/benchmarks.md stays short (under 200 lines: current figures only, history in git) and
    each of its sections gives the command its figures come from."""
    text = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 200
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    assert sections
    for section in sections:
        assert re.search(r"`[^`]*(sufficiency|bench/)[^`]*`", section), section.splitlines()[0]
