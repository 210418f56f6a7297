"""The four roles as groups holding the council permissions (see roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from sufficiency.web.roles import ROLE_PERMISSIONS


def make_roles(apps, schema_editor):
    config = apps.get_app_config("web")
    config.models_module = True  # the historical app has no models module; permissions need one named
    create_permissions(config, verbosity=0, apps=apps)
    config.models_module = None
    group, permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        role, _ = group.objects.get_or_create(name=name)
        role.permissions.set(permission.objects.filter(content_type__app_label="web", codename__in=codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLE_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [("web", "0002_row_level_security"), ("auth", "0012_alter_user_first_name_max_length"),
                    ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(make_roles, remove_roles)]
