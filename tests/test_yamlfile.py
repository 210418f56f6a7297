"""The one YAML loader keeps what a file parses to, and never keeps what does not parse."""

import pytest

from sufficiency import yamlfile
from sufficiency.errors import SchemaError


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setattr(yamlfile, "_folder", lambda: folder)
    return folder


def _no_parsing(monkeypatch):
    def refuse(text, name):
        raise AssertionError(f"{name} was parsed again")

    monkeypatch.setattr(yamlfile, "parse_yaml", refuse)


def test_a_file_read_again_is_not_parsed_again_and_gives_fresh_objects(tmp_path, cache, monkeypatch):
    f = tmp_path / "a.yaml"
    f.write_text("costs:\n  ifa: [1, 2.5, null, true, '2024-04-01', 2024-04-01]\n")
    first = yamlfile.read_yaml(f)
    assert first == {"costs": {"ifa": [1, 2.5, None, True, "2024-04-01", "2024-04-01"]}}
    assert len(list(cache.glob("*.marshal"))) == 1
    _no_parsing(monkeypatch)
    again = yamlfile.read_yaml(f)
    assert again == first and again is not first
    again["costs"]["ifa"].append(3)  # a caller changing what it was given changes nothing kept
    assert yamlfile.read_yaml(f) == first


def test_a_changed_file_is_parsed_afresh(tmp_path, cache):
    f = tmp_path / "a.yaml"
    f.write_text("a: 1\n")
    assert yamlfile.read_yaml(f) == {"a": 1}
    f.write_text("a: 2\n")
    assert yamlfile.read_yaml(f) == {"a": 2}


def test_a_file_that_does_not_parse_is_never_kept(tmp_path, cache):
    f = tmp_path / "bad.yaml"
    f.write_text("a: 1\na: 2\n")
    for _ in range(2):
        with pytest.raises(SchemaError, match=r"bad.yaml, line 2: duplicate key 'a'"):
            yamlfile.read_yaml(f)
    assert not list(cache.glob("*"))


def test_a_damaged_cache_entry_is_passed_by_and_replaced(tmp_path, cache):
    f = tmp_path / "a.yaml"
    f.write_text("a: [1, 2]\n")
    yamlfile.read_yaml(f)
    (kept,) = cache.glob("*.marshal")
    kept.write_bytes(kept.read_bytes()[:3])
    assert yamlfile.read_yaml(f) == {"a": [1, 2]}
    assert yamlfile.read_yaml(f) == {"a": [1, 2]} and len(kept.read_bytes()) > 3


def test_a_cache_that_cannot_be_written_is_passed_by(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setattr(yamlfile, "_folder", lambda: blocked / "cache")
    f = tmp_path / "a.yaml"
    f.write_text("a: 1\n")
    assert yamlfile.read_yaml(f) == {"a": 1} == yamlfile.read_yaml(f)
    assert blocked.read_text() == "not a folder"


def test_reading_kept_files_does_not_import_pyyaml(tmp_path):
    """PyYAML is imported only to parse (checked in a fresh interpreter, with the files kept)."""
    import os
    import subprocess
    import sys

    f = tmp_path / "a.yaml"
    f.write_text("a: [1, 2]\n")
    code = (f"import sys; from sufficiency.yamlfile import read_yaml; read_yaml({str(f)!r}); "
            "print('yaml' in sys.modules)")
    env = dict(os.environ, HOME=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            for _ in range(2)]
    assert [r.stdout.strip() for r in runs] == ["True", "False"]
