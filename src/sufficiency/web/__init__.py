"""The web face of sufficiency: a Django project over the same library the command line calls.

Service state (users, councils, uploads, jobs, the audit log) lives in PostgreSQL; each
council's analytic store stays a DuckDB file under the data folder, written by the worker
through `sufficiency.api`. `sufficiency serve` starts it (see server.py); docs/web.md says how
to run it for one council on a laptop or for a region on a server.

Modules: settings.py and urls.py (the Django project), database.py (the embedded PostgreSQL
or DATABASE_URL), models.py, roles.py (who may do what, and the audit log), accounts.py
(sign-in lock-out, the first administrator), uploads.py (what an upload may hold),
views.py (pages), jobs.py (the worker), server.py (`serve`).
"""
