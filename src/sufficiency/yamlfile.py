"""The one YAML loader of the package: strict, and every error names the file and line.

    data = read_yaml(path)                 # a file on disk or a package resource

PyYAML's safe loader (libyaml's when PyYAML has it: several times faster), with two changes: a
key given twice in one mapping is an error (plain YAML keeps the last silently), and dates stay
text (`2024-13-01` is then an error of the reader that parses the date, naming its key, not a
YAML error). Every failure is a SchemaError whose message starts with the file's path and
gives the line where YAML can tell it.

What a file parses to is kept (as `marshal` data, named by the SHA-256 of the file's text) in
~/.cache/sufficiency: the package's own files are read by every command, and reading them
back is ten times quicker than parsing them. A file that does not parse is never kept, so its
error is raised every time; a cache that cannot be read or written is passed by.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import sys
import tempfile
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from .errors import SchemaError

__all__ = ["read_yaml", "parse_yaml"]

_RULES = 1  # this loader's rules: a change to them must start the cache afresh


@functools.cache
def _folder() -> Path:
    """Where parsed files are kept: one folder for this Python (marshal's format is its own),
    this installation of PyYAML (its module's size and time, read without importing it) and
    these rules."""
    spec = find_spec("yaml")
    stat = os.stat(spec.origin) if spec is not None and spec.origin else None
    pyyaml = f"{stat.st_size}-{stat.st_mtime_ns}" if stat else "none"
    return Path.home() / ".cache" / "sufficiency" / f"yaml-py{sys.version_info[0]}.{sys.version_info[1]}-{pyyaml}-{_RULES}"


@functools.cache
def _loader():
    """PyYAML's safe loader (libyaml's if there) refusing duplicate keys and keeping dates as
    text; PyYAML is imported here, as a command whose files are all kept never needs it."""
    import yaml

    class StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        """Safe loader that refuses duplicate keys and keeps dates as text."""

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
    return StrictLoader


def _mapping(loader, node, deep: bool = False) -> dict:
    loader.flatten_mapping(node)  # merge keys (<<) as the safe loader does
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise SchemaError(f"{loader.name}, line {key_node.start_mark.line + 1}: duplicate key {key!r}")
        seen[key] = loader.construct_object(value_node, deep=deep)
    return seen


def parse_yaml(text: str, name: str) -> Any:
    """Parse YAML `text` strictly; `name` (the file it came from) starts every error."""
    import yaml

    loader = _loader()(text)
    loader.name = name
    try:
        return loader.get_single_data()
    except SchemaError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise SchemaError(f"{name}{line}: not valid YAML: {exc.problem or exc.context}") from None
    except (yaml.YAMLError, ValueError) as exc:
        raise SchemaError(f"{name}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def read_yaml(path: str | Path | resources.abc.Traversable) -> Any:
    """Parse one YAML file (a path, or a resource inside the package) strictly."""
    try:
        text = (Path(path) if isinstance(path, str) else path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{path}: cannot be read: {exc}") from None
    kept = _folder() / f"{hashlib.sha256(text.encode()).hexdigest()}.marshal"
    try:
        return marshal.loads(kept.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass  # not kept yet (or unreadable): parsed below
    data = parse_yaml(text, str(path))
    _keep(kept, data)
    return data


def _keep(file: Path, data: Any) -> None:
    """Write `data` to `file` whole (a temporary file renamed), or not at all."""
    try:
        payload = marshal.dumps(data)
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=file.parent, suffix=".tmp")
    except (OSError, ValueError):
        return  # a read-only home, or a value marshal cannot hold: parsed again next time
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.replace(tmp, file)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
