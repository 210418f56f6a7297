"""Signing in: Django's own authentication, with a lock-out after repeated failures, and the
first administrator made with a one-time password.

Lock-out rule: after LOCK_AFTER failed sign-ins in a row for one user name, that name is
refused for LOCK_MINUTES minutes, whatever password is given; a successful sign-in clears the
count. The count is kept per user name (also for names that do not exist, so a locked page
does not tell anyone which names do).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import Group
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from .models import Profile, SignInFailures
from .roles import ADMINISTRATOR

LOCK_AFTER = 5
LOCK_MINUTES = 15


def locked_until(username: str) -> dt.datetime | None:
    row = SignInFailures.objects.filter(username=username).first()
    if row and row.locked_until and row.locked_until > timezone.now():
        return row.locked_until
    return None


@transaction.atomic
def record_failure(username: str) -> None:
    row, _ = SignInFailures.objects.select_for_update().get_or_create(username=username)
    row.failures += 1
    if row.failures >= LOCK_AFTER:
        row.locked_until = timezone.now() + dt.timedelta(minutes=LOCK_MINUTES)
        row.failures = 0
    row.save()


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing a locked user name before the password is checked."""

    def clean(self):
        username = (self.data.get("username") or "").strip()
        until = locked_until(username)
        if until:
            raise forms.ValidationError(
                f"Too many failed sign-ins for this name: try again after "
                f"{timezone.localtime(until):%H:%M}, or ask an administrator.", code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            record_failure(username)
            raise
        SignInFailures.objects.filter(username=username).delete()
        return cleaned


class PasswordChangeMiddleware:
    """Send a user whose password must change (the first administrator) to the change page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            profile = getattr(user, "profile", None)
            allowed = (reverse("password_change"), reverse("logout"))
            if profile and profile.must_change_password and request.path not in allowed:
                return redirect("password_change")
        return self.get_response(request)


def password_changed(request) -> None:
    """After a change: the password no longer has to change."""
    Profile.objects.filter(user=request.user).update(must_change_password=False)


def first_administrator(username: str = "admin") -> str | None:
    """If there is no administrator, make one with a random one-time password (to be changed at
    first sign-in) and return the password; otherwise None."""
    users = get_user_model()
    if users.objects.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user = users.objects.create_superuser(username=username, email="", password=password)
        user.groups.add(Group.objects.get(name=ADMINISTRATOR))
        Profile.objects.create(user=user, must_change_password=True)
    return password
