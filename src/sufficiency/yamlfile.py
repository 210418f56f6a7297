"""The one YAML loader of the package: strict, and every error names the file and line.

    data = read_yaml(path)                 # a file on disk or a package resource

PyYAML's safe loader (libyaml's when PyYAML has it: several times faster), with two changes: a
key given twice in one mapping is an error (plain YAML keeps the last silently), and dates stay
text (`2024-13-01` is then an error of the reader that parses the date, naming its key, not a
YAML error). Every failure is a SchemaError whose message starts with the file's path and
gives the line where YAML can tell it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import SchemaError

__all__ = ["read_yaml", "parse_yaml"]


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe loader that refuses duplicate keys and keeps dates as text."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)  # merge keys (<<) as the safe loader does
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise SchemaError(f"{loader.name}, line {key_node.start_mark.line + 1}: duplicate key {key!r}")
        seen[key] = loader.construct_object(value_node, deep=deep)
    return seen


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def parse_yaml(text: str, name: str) -> Any:
    """Parse YAML `text` strictly; `name` (the file it came from) starts every error."""
    loader = _StrictLoader(text)
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
    return parse_yaml(text, str(path))
