"""Load test of the web application on loopback: simulated users browse a council's pages.

    .venv/bin/python bench/web_load.py [--users 50] [--seconds 60] [--threads 8] [--la Leeds]

Not timed: a data folder and a private PostgreSQL (pgserver) in a new temporary folder; a
synthetic council (`sufficiency synth`, returns 2021-2025, at its published size unless
--children) loaded into its store and its reports written, as a load job does; a finished load
job and forecast job to look at; the users: about two in five council analysts, the rest
council viewers and one regional analyst. Then `sufficiency serve` (waitress, --threads
request threads, one worker) is started in its own process on 127.0.0.1, and each user (a
thread with its own keep-alive connection, http.client) signs in through the sign-in page.
Once all have signed in, each opens pages chosen at random for its role for --seconds,
waiting 1-3 s between pages: the council page, the report page and the report file its frame
loads (the analysts also the report with small numbers), a job page, the workbook; the
regional analyst the regional and home pages.

A page's time runs from sending the request to reading the last byte of the answer; an error
is any answer but 200 (a redirect to sign-in included) or a broken connection. Prints
requests, errors and p50/p95/p99 by kind of page, browsing overall, and the sign-ins apart.
Bounded: loopback only, fixed users and seconds; the folder and its database are removed.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from run import machine  # bench/run.py

EXE = str(Path(sys.executable).parent / "sufficiency")
PASSWORD = "a long password for the load test"
THINK = (1.0, 3.0)  # seconds between pages


def make_council(home: Path, la: str, children: int | None):
    """The council, its store loaded and reports written, two finished jobs; (council, job ids)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from sufficiency import api
    from sufficiency.reference.authorities import find_authority
    from sufficiency.web.models import Council, Job
    from sufficiency.web.roles import EVERY_COUNCIL, set_scope
    from sufficiency.web.tasks import write_reports

    authority = find_authority(la)
    returns = home.parent / "returns"
    api.synth(api.SynthOptions(la=authority.code, years=(2021, 2025), seed=1, children=children, out=returns))
    set_scope(EVERY_COUNCIL)
    council = Council.objects.create(code=authority.code, name=authority.name)
    council.folder.mkdir(parents=True)
    loaded = api.load(api.LoadOptions(path=returns, db=council.store, la=authority.code))
    write_reports(council)
    admin = get_user_model().objects.get(username="admin")
    now = timezone.now()
    jobs = [Job.objects.create(council=council, kind=kind, created_by=admin, status="done", progress=1.0,
                               step="done", message=message, started_at=now, finished_at=now, heartbeat=now).pk
            for kind, message in (("load", f"Loaded {loaded.tables['rows'].sum():,} rows into the store."),
                                  ("forecast", "Forecast 3 years, 200 runs."))]
    return council, jobs


def make_users(council, users: int) -> list[tuple[str, str]]:
    """(user name, role) of each simulated user, made with one password hashed once."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from sufficiency.web import roles
    from sufficiency.web.models import Profile

    analysts = max(1, users * 2 // 5)
    people = [("regional-1", roles.REGIONAL)] + [
        (f"{'analyst' if i < analysts else 'viewer'}-{i + 1}", roles.ANALYST if i < analysts else roles.VIEWER)
        for i in range(users - 1)]
    hashed, model = make_password(PASSWORD), get_user_model()
    for name, role in people:
        user = model.objects.create(username=name, password=hashed)
        user.groups.add(Group.objects.get(name=role))
        Profile.objects.create(user=user, council=None if role == roles.REGIONAL else council)
    return people


class Browser:
    """One simulated user: a keep-alive connection, its cookies, and its timings."""

    def __init__(self, port: int, name: str):
        self.port, self.name, self.cookies = port, name, {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.times: list[tuple[str, float, bool]] = []

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes, dict]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):  # once more on a fresh connection if the server closed the old one
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError):
                self.connection.close()
                if attempt == 2:
                    raise
        for header in response.msg.get_all("Set-Cookie") or []:
            self.cookies.update({k: m.value for k, m in SimpleCookie(header).items()})
        return response.status, data, dict(response.getheaders())

    def timed(self, kind: str, method: str, path: str, body: str | None = None, expect: int = 200) -> bytes:
        start = time.perf_counter()
        try:
            status, data, _headers = self.request(method, path, body)
            ok = status == expect
        except (OSError, http.client.HTTPException):
            data, ok = b"", False
        self.times.append((kind, time.perf_counter() - start, ok))
        return data

    def sign_in(self) -> bool:
        page = self.timed("sign in (form)", "GET", "/signin/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        form = urlencode({"username": self.name, "password": PASSWORD,
                          "csrfmiddlewaretoken": token.group(1).decode() if token else ""})
        self.timed("sign in", "POST", "/signin/", form, expect=302)
        return self.times[-1][2] and "sessionid" in self.cookies


def pages(role: str, code: str, jobs: list[int]) -> list[tuple[str, list[str], int]]:
    """(kind, addresses opened together, weight) of the pages a user of `role` opens."""
    if role == "regional analyst":
        return [("regional", ["/region/"], 1), ("home", ["/"], 1)]
    out = [("council", [f"/c/{code}/"], 2),
           ("report", [f"/c/{code}/report/", f"/c/{code}/report.html"], 3),
           ("workbook", [f"/c/{code}/report.xlsx"], 1)]
    if role == "council analyst":
        out += [("report, small numbers", [f"/c/{code}/report/internal/", f"/c/{code}/internal/report.html"], 2)]
        out += [("job", [f"/c/{code}/jobs/{pk}/" for pk in jobs[:1]], 1),
                ("job", [f"/c/{code}/jobs/{pk}/" for pk in jobs[1:]], 1)]
    return out


def browse(browser: Browser, choices, start: threading.Barrier, seconds: float, seed: int) -> None:
    """Sign in, wait for every user, then open pages until the time is up."""
    rng = random.Random(seed)
    signed_in = browser.sign_in()
    start.wait()
    if not signed_in:
        return
    end = time.monotonic() + seconds
    kinds, weights = [c[:2] for c in choices], [c[2] for c in choices]
    while time.monotonic() < end:
        kind, addresses = rng.choices(kinds, weights)[0]
        for i, address in enumerate(addresses):  # a report page, then the file its frame shows
            browser.timed(kind if i == 0 else f"{kind} (frame)", "GET", address)
        time.sleep(min(rng.uniform(*THINK), max(end - time.monotonic(), 0)))
    browser.connection.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def summary(times: list[tuple[str, float, bool]], seconds: float) -> list[str]:
    """One line per kind of page and one for browsing overall (sign-ins apart)."""
    lines = [f"{'page':<30}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"]

    def line(name, rows):
        ms = [t * 1000 for _k, t, _ok in rows]
        lines.append(f"{name:<30}{len(rows):>9,}{sum(not ok for *_x, ok in rows):>8,}"
                     f"{percentile(ms, .5):>9.0f}{percentile(ms, .95):>9.0f}{percentile(ms, .99):>9.0f}")

    for kind in sorted({k for k, _t, _ok in times}):
        line(kind, [r for r in times if r[0] == kind])
    browsing = [r for r in times if not r[0].startswith("sign in")]
    line("browsing, all pages", browsing)
    lines.append(f"{len(browsing) / seconds:.1f} requests a second while browsing")
    return lines


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, port: int, threads: int, log: Path) -> subprocess.Popen:
    """`sufficiency serve` in its own process, once it answers."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    server = subprocess.Popen([EXE, "serve", "--data", str(home), "--port", str(port), "--threads", str(threads)],
                              env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    end = time.monotonic() + 120
    while time.monotonic() < end and server.poll() is None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/signin/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit(f"sufficiency serve did not start:\n{log.read_text()[-3000:]}")


def run(args, folder: Path) -> list[str]:
    from sufficiency.web.server import prepare

    home = folder / "web"
    ready = prepare(home)
    try:
        council, jobs = make_council(home, args.la, args.children)
        people = make_users(council, args.users)
        from django.db import connections

        connections.close_all()
        port, log = free_port(), folder / "serve.log"
        server = start_server(home, port, args.threads, log)
        try:
            start = threading.Barrier(len(people) + 1)
            browsers = [Browser(port, name) for name, _role in people]
            threads = [threading.Thread(target=browse, args=(b, pages(role, council.code, jobs), start,
                                                             args.seconds, i), daemon=True)
                       for i, (b, (_name, role)) in enumerate(zip(browsers, people, strict=True))]
            began = time.monotonic()
            for t in threads:
                t.start()
            start.wait()
            signing_in = time.monotonic() - began
            for t in threads:
                t.join(args.seconds + 120)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
        times = [r for b in browsers for r in b.times]
        head = [f"machine: {machine()}",
                f"{council.name}: {args.users} users ({sum(r == 'council analyst' for _n, r in people)} analysts), "
                f"{args.seconds} s browsing, think time {THINK[0]:.0f}-{THINK[1]:.0f} s, waitress with "
                f"{args.threads} threads; all signed in after {signing_in:.1f} s",
                f"report file {council.report_file('html', False).stat().st_size / 1e6:.1f} MB, "
                f"workbook {council.report_file('xlsx', False).stat().st_size / 1e6:.2f} MB"]
        return head + summary(times, args.seconds)
    finally:
        ready.embedded.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=8, help="waitress's request threads")
    ap.add_argument("--la", default="Leeds", help="the synthetic council")
    ap.add_argument("--children", type=int, default=None, help="its size (default: published)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sufficiency-web-load-"))
    try:
        print("\n".join(run(args, folder)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
