"""Who may do what: the four roles as Django groups, the check every council page makes on the
server (`council_page`) and every regional page (`regional_page`), the audit log, and the middleware that names the request's council to PostgreSQL.

Roles (groups, made by migration 0003; a user holds one):
- council analyst: their own council's child-level data, uploads and jobs;
- council viewer: their own council's suppressed report only;
- regional analyst: the regional aggregates only, never a council's pages;
- administrator: every council, and the admin pages (a superuser).

The second wall: every request sets the PostgreSQL setting `app.council` to the id of the
user's council ('region' for a regional analyst, '*' for an administrator); row-level security on
council-scoped tables (migration 0002) hides every other council's rows even from a view
that forgot to filter them.
"""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404

from .models import AuditEvent, Council
from .regions_models import Region

ANALYST, VIEWER, REGIONAL, ADMINISTRATOR = "council analyst", "council viewer", "regional analyst", "administrator"
ROLE_PERMISSIONS = {
    ANALYST: ["view_child_level", "upload_returns", "run_jobs", "view_report"],
    VIEWER: ["view_report"],
    REGIONAL: ["view_regional"],
    ADMINISTRATOR: ["view_child_level", "upload_returns", "run_jobs", "view_report", "view_regional"],
}
EVERY_COUNCIL, REGION_SCOPE = "*", "region"


def role_of(user) -> str | None:
    """The user's role: the name of their group, administrator for a superuser."""
    if user.is_superuser:
        return ADMINISTRATOR
    names = [g.name for g in user.groups.all() if g.name in ROLE_PERMISSIONS]
    return names[0] if names else None


def council_of(user) -> Council | None:
    profile = getattr(user, "profile", None)
    return profile.council if profile else None


def may(user, permission: str, council: Council) -> bool:
    """Whether `user` holds `permission` (a codename) for `council`."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    own = council_of(user)
    return own is not None and own.pk == council.pk and user.has_perm(f"web.{permission}")


def audit(request, action: str, *, council: Council | None = None, allowed: bool = True, detail: str = "") -> None:
    """Write one row of the audit log for this request."""
    user = request.user if request.user.is_authenticated else None
    AuditEvent.objects.create(user=user, username=user.get_username() if user else "", action=action,
                              council=council, path=request.get_full_path()[:500], allowed=allowed, detail=detail)


def council_page(permission: str, action: str | None = None):
    """A view of one council's pages (its code the first URL argument): refused with 403, and
    audited, unless the user holds `permission` for that council; audited as `action` when
    allowed and `action` is given (every view of child-level data, upload and run)."""
    def wrap(view):
        @functools.wraps(view)
        def run(request, code: str, *args, **kwargs):
            council = get_object_or_404(Council, code=code)
            if not may(request.user, permission, council):
                audit(request, action or view.__name__, council=council, allowed=False,
                      detail=f"refused: needs {permission}")
                return HttpResponseForbidden("You do not have access to this council's pages.")
            if action:
                audit(request, action, council=council)
            return view(request, council, *args, **kwargs)
        return run
    return wrap


def scope_for(user) -> str:
    """The value of `app.council` for this user's requests."""
    if user.is_authenticated and user.is_superuser:
        return EVERY_COUNCIL
    council = council_of(user) if user.is_authenticated else None
    if council is None and user.is_authenticated and role_of(user) == REGIONAL:
        return REGION_SCOPE
    return str(council.pk) if council else ""


def set_scope(value: str) -> None:
    """Name the council whose rows this database connection may see."""
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('app.council', %s, false)", [value])


class CouncilScopeMiddleware:
    """Set `app.council` for the request's connection, and clear it afterwards."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        set_scope(scope_for(request.user))
        try:
            return self.get_response(request)
        finally:
            set_scope("")


def regional_page(action: str = "view regional", *, administrator: bool = False, audited: bool = False):
    """A regional view: refused with 403, and audited as `action`, unless the user holds
    view_regional (or, with `administrator`, is an administrator); audited when allowed too if
    `audited` (a view that writes its own audit row with what it did leaves it false)."""
    def wrap(view):
        @login_required
        @functools.wraps(view)
        def run(request, *args, **kwargs):
            user = request.user
            allowed = user.is_superuser if administrator else user.has_perm("web.view_regional")
            if not allowed:
                needs = "an administrator" if administrator else "view_regional"
                audit(request, action, allowed=False, detail=f"refused: needs {needs}")
                return HttpResponseForbidden("You do not have access to this regional page.")
            if audited:
                audit(request, action)
            return view(request, Region.current(), *args, **kwargs)
        return run
    return wrap


def needs_region(region: Region | None) -> None:
    if region is None:
        raise Http404("No region is set up on this server yet: an administrator adds it in the admin pages.")
