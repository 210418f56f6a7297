"""The checks catalogue (schema/checks.yaml): loaded strictly, and docs/validation.md is made
from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sufficiency.errors import SchemaError
from sufficiency.ssda903.checks.catalogue import load_catalogue
from sufficiency.ssda903.validate import catalogue, catalogue_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_every_code_has_a_title_and_a_fix_that_say_something():
    for code, c in catalogue().items():
        assert c["severity"] in ("error", "warning"), code
        assert len(c["title"]) > 15 and len(c["fix"]) > 10, code


def test_docs_page_is_the_generated_one():
    """Regenerate with: .venv/bin/python -m sufficiency.ssda903.validate > docs/validation.md"""
    assert (ROOT / "docs" / "validation.md").read_text(encoding="utf-8") == catalogue_markdown()
    for code in catalogue():
        assert f"`{code}`" in catalogue_markdown()


@pytest.mark.parametrize(
    "text,fragment",
    [
        (
            "A_CODE: {severity: error, title: t, fix: f}\n"
            "A_CODE: {severity: error, title: t, fix: f}\n",
            "duplicate key 'A_CODE'",
        ),
        ("A_CODE: {severity: fatal, title: t, fix: f}\n", "A_CODE: severity"),
        ("A_CODE: {severity: error, title: t, fix: f, colour: red}\n", "A_CODE: colour"),
        ("A_CODE: {severity: error, title: t}\n", "A_CODE: fix"),
        ("a-code: {severity: error, title: t, fix: f}\n", "'a-code' is not an issue code"),
        ("- just a list\n", "expected a mapping"),
    ],
)
def test_a_wrong_catalogue_is_refused_with_file_and_code(tmp_path, text, fragment):
    path = tmp_path / "checks.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        load_catalogue(path)
    assert str(path) in str(err.value) and fragment in str(err.value)


READER_CODES = {  # every code reader.py can report, with the severity the brief gives it
    "FILE_UNREADABLE": "error",
    "FILE_EMPTY": "warning",
    "FILE_SKIPPED": "warning",
    "FILE_TOO_LARGE": "error",
    "TABLE_UNRECOGNISED": "error",
    "TABLE_DUPLICATE": "warning",
    "YEAR_UNKNOWN": "error",
    "YEAR_INFERRED": "warning",
    "YEAR_LABEL_INTERPRETED": "warning",
    "COLUMN_MISSING": "error",
    "COLUMN_EXTRA": "warning",
    "ROWS_BLANK_SKIPPED": "warning",
    "ROW_FIELD_COUNT": "warning",
    "NUL_BYTES_REMOVED": "warning",
    "NO_TABLES": "error",
    "FLOAT_SUFFIX_REMOVED": "warning",
    "TITLE_ROWS_SKIPPED": "warning",
    "XML_INVALID": "error",
    "XML_NOT_903": "warning",
    "XML_ELEMENT_UNKNOWN": "warning",
}


def test_reader_codes_are_catalogued_with_their_severity():
    cat = catalogue()
    for code, sev in READER_CODES.items():
        assert cat[code]["source"] == "reader", code
        assert cat[code]["severity"] == sev, code
    assert {c for c, body in cat.items() if body["source"] == "reader"} == set(READER_CODES)


def test_every_code_named_in_the_reader_source_is_catalogued():
    """The reader's modules build issues with issue("CODE", ...): each such code is in the
    catalogue, and every reader code in the catalogue is used."""
    import re

    folder = ROOT / "src" / "sufficiency" / "ssda903"
    source = "".join((folder / f).read_text(encoding="utf-8")
                     for f in ("reader.py", "sources.py", "xml_export.py"))
    used = set(re.findall(r'\bissue\(\s*"([A-Z][A-Z0-9_]*)"', source))
    assert used, "no issue(...) calls found: has the reader changed how it reports?"
    assert used <= set(catalogue()), used - set(catalogue())
    assert used == set(READER_CODES), used ^ set(READER_CODES)


def test_reader_issues_take_the_catalogue_severity():
    """An issue built with another severity than its code's gets the catalogue's."""
    import pandas as pd

    from sufficiency.ssda903.report import issues_frame
    from sufficiency.ssda903.returns import Returns
    from sufficiency.ssda903.validate import validate

    found = issues_frame([
        {"code": "FILE_EMPTY", "severity": "error", "file": "2025/episodes.csv",
         "message": "2025/episodes.csv is empty (0 bytes)."},
        {"code": "COLUMN_MISSING", "severity": "warning", "table": "episodes", "year": 2025,
         "file": "2025/episodes.csv", "column": "CIN", "message": "CIN is missing."},
    ])
    report = validate(Returns(frames={}, files=[], issues=found))
    got = dict(zip(report.issues["code"], report.issues["severity"], strict=True))
    assert got == {"FILE_EMPTY": "warning", "COLUMN_MISSING": "error"}
    assert isinstance(report.issues["severity"].dtype, pd.StringDtype)
