"""`sufficiency serve` as a real process: with --demo it adds the demo council, store and report;
it starts a worker process beside the pages; SIGTERM stops the pages, the worker and the private
PostgreSQL it started, leaving no process behind. And the security headers on a page."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from web_helpers import HARTLEPOOL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_naming(text: str) -> list:
    """Live processes whose command line names `text`."""
    import psutil

    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if text in " ".join(p.info["cmdline"] or []) and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except psutil.Error:
            continue
    return found


@pytest.fixture(scope="module")
def demo_folder(returns, tmp_path_factory) -> Path:
    """A folder as `sufficiency demo` leaves it, as far as `serve --demo` reads it: a loaded demo.duckdb."""
    from sufficiency import api

    folder = tmp_path_factory.mktemp("demo-output")
    api.load(api.LoadOptions(path=returns, db=folder / "demo.duckdb", la=HARTLEPOOL[0]))
    return folder


def test_serve_with_demo_starts_a_worker_process_and_sigterm_stops_it_and_its_database(demo_folder):
    import psutil

    import sufficiency

    home = Path(tempfile.mkdtemp(prefix="sufficiency-serve-test-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # its own private PostgreSQL
    env["COLUMNS"] = "400"  # one line a sentence
    env["PYTHONPATH"] = os.pathsep.join([str(Path(sufficiency.__file__).parents[1]),
                                         *filter(None, [os.environ.get("PYTHONPATH")])])
    serve = subprocess.Popen([sys.executable, "-m", "sufficiency", "serve", "--data", str(home), "--port", str(port),
                              "--demo", str(demo_folder)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
    try:
        said = []
        for line in serve.stdout:
            said.append(line)
            if line.startswith("Open http://"):
                break
        said = "".join(said)
        assert f"Demo council: {HARTLEPOOL[1]}, loaded from {demo_folder}" in said, said
        assert re.search(r"One-time password: \S+", said)
        council = home / "councils" / HARTLEPOOL[0]
        assert (council / "la.duckdb").exists()
        assert all((council / "public" / name).exists() for name in ("report.html", "report.pdf", "board.pdf"))
        page = wait_for_page(f"http://127.0.0.1:{port}/signin/")
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        workers = [p for p in psutil.Process(serve.pid).children() if "--worker-only" in " ".join(p.cmdline())]
        assert len(workers) == 1
        assert processes_naming(str(home / "postgres"))  # the private PostgreSQL is running
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(90) == 0
        assert not workers[0].is_running() or workers[0].status() == psutil.STATUS_ZOMBIE
        time.sleep(1)
        assert processes_naming(str(home / "postgres")) == []
    finally:
        serve.kill()
        serve.wait()
        for p in processes_naming(str(home)):
            p.kill()


def wait_for_page(url: str, seconds: float = 60):
    end = time.monotonic() + seconds
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5)
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.5)


def test_add_demo_refuses_a_folder_without_a_demo_store(web, tmp_path):
    from sufficiency.errors import InputError
    from sufficiency.web.server import add_demo

    with pytest.raises(InputError, match="holds no demo.duckdb: run `sufficiency demo"):
        add_demo(tmp_path)


def test_pages_carry_the_security_headers_and_the_report_its_own(web, people, councils):
    from django.test import Client

    from sufficiency.web.headers import REPORT_POLICY

    page = Client().get("/signin/")
    policy = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";"))
    assert policy["frame-ancestors"] == "'none'" and policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'" and "unsafe-inline" not in page["Content-Security-Policy"]
    assert page["X-Content-Type-Options"] == "nosniff" and page["Referrer-Policy"] == "same-origin"
    assert page["X-Frame-Options"] == "DENY"
    assert "<style" not in page.content.decode() and "style=" not in page.content.decode()
    sheet = Client().get("/static/web/app.css")
    assert sheet.status_code == 200 and b"font-family" in b"".join(sheet.streaming_content)

    council = councils[HARTLEPOOL[0]]
    report = council.report_file("html", False)
    if not report.exists():
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text("<!doctype html><title>report</title>")
    client = Client()
    client.force_login(people["hartlepool viewer"])
    got = client.get(f"/c/{HARTLEPOOL[0]}/report.html")
    assert got["Content-Security-Policy"] == REPORT_POLICY and got["X-Frame-Options"] == "SAMEORIGIN"
    assert "script-src" not in REPORT_POLICY and "frame-ancestors 'self'" in REPORT_POLICY
