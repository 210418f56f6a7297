"""Service state in PostgreSQL: councils, each user's council, uploads, jobs, the audit log
and sign-in failures.

Upload and Job rows belong to one council; PostgreSQL row-level security (migration 0002)
lets a connection see only the rows of the council named in its `app.council` setting, which
the middleware sets for each request (see roles.py); a job of no council is the region's,
seen by the regional scope (migration 0004). The region itself is in regions_models.py.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models


class Council(models.Model):
    """A council whose returns are held here; its DuckDB store and files sit in `folder`."""

    code = models.CharField(max_length=9, unique=True, help_text="ONS code, such as E08000035.")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_child_level", "See a council's child-level data: validation reports, small numbers"),
            ("upload_returns", "Upload and load a council's returns"),
            ("run_jobs", "Run forecasts and other jobs on a council's store"),
            ("view_report", "See a council's suppressed report"),
            ("view_regional", "See the regional store's aggregates"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def folder(self) -> Path:
        return Path(settings.SUFFICIENCY_HOME) / "councils" / self.code

    @property
    def store(self) -> Path:
        return self.folder / "la.duckdb"

    def report_file(self, kind: str, small_numbers: bool) -> Path:
        """A file of the report (a key of REPORT_FILES: html, pdf, xlsx, or the board paper's
        board.html and board.pdf), suppressed or with small numbers."""
        return self.folder / ("internal" if small_numbers else "public") / REPORT_FILES[kind]


REPORT_FILES = {"html": "report.html", "pdf": "report.pdf", "xlsx": "tables.xlsx",
                "board.html": "board.html", "board.pdf": "board.pdf"}


class Profile(models.Model):
    """What the framework's user lacks: the council a council analyst or viewer works for
    (none for a regional analyst or an administrator), and whether the password must change."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    council = models.ForeignKey(Council, null=True, blank=True, on_delete=models.PROTECT)
    must_change_password = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user} ({self.council or 'no council'})"


class Upload(models.Model):
    """A set of returns uploaded for a council, kept in `folder` once accepted, with its
    validation report (issues as JSON records; they name children, so it is child-level data)."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    files = models.JSONField(default=list)  # names as uploaded
    errors = models.IntegerField(default=0)
    warnings = models.IntegerField(default=0)
    issues = models.JSONField(default=list)

    class Meta:
        ordering = ["-uploaded_at"]

    @property
    def folder(self) -> Path:
        return self.council.folder / "uploads" / str(self.pk)


class Job(models.Model):
    """Long work on a council's store, run by the worker (jobs.py): queued -> running -> done or
    failed, with progress written as it goes; a running job whose heartbeat stops is queued again.
    At most one job of a council runs at once: the database holds that (one_running_job_per_council)."""

    KINDS = [("load", "Load returns"), ("forecast", "Forecast"), ("backtest", "Backtest"),
             ("compare", "Compare reforms"), ("plan", "Capacity plan"),
             ("share", "Share with the region"), ("region_forecast", "Regional forecast"),
             ("region_plan", "Regional capacity plan"), ("region_import", "Import shares")]
    STATES = [("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")]

    council = models.ForeignKey(Council, null=True, blank=True, on_delete=models.PROTECT)  # none: the region's
    kind = models.CharField(max_length=20, choices=KINDS)
    options = models.JSONField(default=dict)
    upload = models.ForeignKey(Upload, null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(max_length=10, choices=STATES, default="queued", db_index=True)
    step = models.CharField(max_length=200, blank=True)
    progress = models.FloatField(default=0.0)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["council"], condition=models.Q(status="running"),
                                               name="one_running_job_per_council")]


class AuditEvent(models.Model):
    """Who did what, when, to which council, and whether it was allowed: every view or download
    of child-level data, every upload, every job, and every request refused."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    username = models.CharField(max_length=150)  # kept if the user is renamed
    action = models.CharField(max_length=40)
    council = models.ForeignKey(Council, null=True, on_delete=models.PROTECT)
    path = models.CharField(max_length=500)
    allowed = models.BooleanField()
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]


class SignInFailures(models.Model):
    """Failed sign-ins in a row for a user name, and until when it is locked (accounts.py)."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.IntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)


from .regions_models import Region  # noqa: E402,F401  (the region and its agreement)
