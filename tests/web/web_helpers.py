"""What the web tests share besides fixtures: the two councils, a password, making a user,
and letting a test's own connection see every council's rows."""

from __future__ import annotations

HARTLEPOOL, DARLINGTON = ("E06000001", "Hartlepool"), ("E06000005", "Darlington")
PASSWORD = "correct horse battery staple"


def make_user(name: str, role: str, council=None, password: str | None = None):
    """A user holding `role` (a group name) for `council`."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from sufficiency.web.models import Profile
    from sufficiency.web.roles import ADMINISTRATOR

    users = get_user_model()
    user = users.objects.filter(username=name).first()
    if user is None:
        user = users.objects.create_user(name, password=password, is_superuser=role == ADMINISTRATOR,
                                         is_staff=role == ADMINISTRATOR)
        user.groups.add(Group.objects.get(name=role))
        Profile.objects.create(user=user, council=council)
    return user


def everything() -> None:
    """Let this test's own connection see every council's rows (the middleware clears it)."""
    from sufficiency.web.roles import EVERY_COUNCIL, set_scope

    set_scope(EVERY_COUNCIL)


def keep_screenshots(shots) -> None:
    """Copy a browser test's screenshots to $SUFFICIENCY_WEB_SCREENSHOTS (docs/web/) when it is set."""
    import os
    import shutil
    from pathlib import Path

    keep = os.environ.get("SUFFICIENCY_WEB_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for png in Path(shots).glob("*.png"):
            shutil.copy(png, Path(keep) / png.name)
