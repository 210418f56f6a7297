"""The web tests' fixtures: Django configured on a real PostgreSQL started for the test run
(pgserver in a temporary folder; Django's test runner makes and migrates a test database in
it), two councils, a user of each role, and a small synthetic council's returns.

pytest-django is not used: these fixtures do what it would (django.setup, setup_databases,
teardown_databases) in a few lines, so the tests need only Django and pgserver.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from web_helpers import DARLINGTON, HARTLEPOOL, everything, make_user

pytest.importorskip("django", reason="the web tests need Django: pip install -e '.[web]'")
pytest.importorskip("pgserver", reason="the web tests need pgserver: pip install -e '.[web]'")

@pytest.fixture(scope="session")
def web():
    """The configured web application's data folder, with its test database migrated. The
    folder is made apart from pytest's numbered temporary folders, which a concurrent pytest
    run on the same machine may delete while the database is running in them."""
    from sufficiency.web.server import configure

    home = Path(tempfile.mkdtemp(prefix="sufficiency-web-test-"))
    _url, server = configure(home, None)
    from django.test.utils import (
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )

    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    yield home
    from django.db import connections

    teardown_databases(old, verbosity=0)
    connections.close_all()
    teardown_test_environment()
    server.cleanup()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def councils(web):
    from sufficiency.web.models import Council
    from sufficiency.web.roles import EVERY_COUNCIL, set_scope

    set_scope(EVERY_COUNCIL)
    return {code: Council.objects.get_or_create(code=code, name=name)[0] for code, name in (HARTLEPOOL, DARLINGTON)}


@pytest.fixture(scope="session")
def people(councils):
    """A user of each role: Darlington's analyst and viewer, Hartlepool's analyst and viewer,
    a regional analyst and an administrator."""
    from sufficiency.web import roles

    hart, darl = councils[HARTLEPOOL[0]], councils[DARLINGTON[0]]
    return {
        "hartlepool analyst": make_user("hart-analyst", roles.ANALYST, hart),
        "hartlepool viewer": make_user("hart-viewer", roles.VIEWER, hart),
        "darlington analyst": make_user("darl-analyst", roles.ANALYST, darl),
        "darlington viewer": make_user("darl-viewer", roles.VIEWER, darl),
        "regional analyst": make_user("regional", roles.REGIONAL),
        "administrator": make_user("administrator", roles.ADMINISTRATOR),
    }


@pytest.fixture(scope="session")
def returns(tmp_path_factory) -> Path:
    """A small synthetic Hartlepool (about 40 children, 2021-2024), made by `synth`."""
    from sufficiency import api

    out = tmp_path_factory.mktemp("returns") / "hartlepool"
    api.synth(api.SynthOptions(la="Hartlepool", years=(2021, 2024), children=40, seed=3, out=out))
    return out


@pytest.fixture(scope="session")
def returns_zip(returns, tmp_path_factory) -> Path:
    """The synthetic returns as one zip, year folders inside."""
    path = tmp_path_factory.mktemp("zip") / "hartlepool-returns.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(returns.rglob("*.csv")):
            z.write(f, f.relative_to(returns).as_posix())
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def fresh_jobs(people, councils):
    """No unfinished jobs before or after the test."""
    from sufficiency.web.models import Job

    everything()
    Job.objects.filter(status__in=["queued", "running"]).update(status="failed")
    yield
    everything()
    Job.objects.filter(status__in=["queued", "running"]).update(status="failed")
