"""The static files beside the application: files of the collected folder only, nothing else."""

from __future__ import annotations

import pytest

from sufficiency.web.static import StaticFiles


def call(app, path: str, method: str = "GET") -> tuple[str, dict, bytes]:
    got = {}

    def start_response(status, headers):
        got["status"], got["headers"] = status, dict(headers)

    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": method}, start_response))
    return got["status"], got["headers"], body


@pytest.fixture
def app(tmp_path):
    (tmp_path / "static" / "admin" / "css").mkdir(parents=True)
    (tmp_path / "static" / "admin" / "css" / "base.css").write_text("body{color:red}")
    (tmp_path / "secret-key").write_text("not for the browser")

    def django(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"django"]

    return StaticFiles(django, tmp_path / "static", "static/")


def test_a_file_of_the_folder_is_served_with_its_type(app):
    status, headers, body = call(app, "/static/admin/css/base.css")
    assert status == "200 OK" and body == b"body{color:red}"
    assert headers["Content-Type"] == "text/css" and headers["Content-Length"] == "15"
    assert call(app, "/static/admin/css/base.css", "HEAD")[2] == b""


@pytest.mark.parametrize("path", ["/static/../secret-key", "/static/admin/../../secret-key", "/static/admin/css/",
                                  "/static/missing.css", "/static/a\x00b"])
def test_nothing_outside_the_folder_nor_a_folder_nor_a_missing_file_is_served(app, path):
    status, _headers, body = call(app, path)
    assert status.startswith("404") and b"not for the browser" not in body


def test_other_addresses_go_to_the_application_and_static_files_cannot_be_posted_to(app):
    assert call(app, "/c/E06000001/")[2] == b"django"
    assert call(app, "/static/admin/css/base.css", "POST")[0].startswith("405")
