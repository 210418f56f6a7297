"""The benchmarks, studies and scripts run outside the test suite, so a name they import from
the library that has moved would go unseen until someone runs them: every `from sufficiency...
import name` in them must name something the module defines. Read from the modules' source
(nothing is executed, so the web modules need no Django settings)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for folder in ("bench", "studies", "scripts") for p in (ROOT / folder).rglob("*.py")
                 if "out" not in p.relative_to(ROOT).parts and ".venv" not in str(p))


def _defined(module: str) -> set[str] | None:
    """The names a module defines at its top level (functions, classes, assignments, imports),
    and its submodules for a package; None if it is not found."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.If | ast.Try):  # TYPE_CHECKING blocks, optional imports
            names |= {(a.asname or a.name).split(".")[0] for n in ast.walk(node)
                      if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
    if spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            names |= {p.stem for p in Path(location).glob("*.py")} | {p.name for p in Path(location).iterdir()
                                                                       if (p / "__init__.py").exists()}
    return names


def _library_imports(path: Path) -> list[tuple[int, str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.lineno, node.module, alias.name) for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
            and node.module.split(".")[0] == "sufficiency" for alias in node.names]


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_name_a_script_imports_from_the_library_exists(path):
    missing = []
    for line, module, name in _library_imports(path):
        names = _defined(module)
        if names is None:
            missing.append(f"line {line}: no module {module}")
        elif name != "*" and name not in names:
            missing.append(f"line {line}: {module} has no {name}")
    assert not missing, f"{path.relative_to(ROOT)}: " + "; ".join(missing)


def test_the_check_catches_a_name_that_moved(tmp_path):
    script = tmp_path / "old_bench.py"
    script.write_text("def f():\n    from sufficiency.web.jobs import write_reports\n")
    (line, module, name), = _library_imports(script)
    assert name not in _defined(module)
    assert "write_reports" in _defined("sufficiency.web.tasks")
