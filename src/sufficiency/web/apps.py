"""The Django application holding the web face's models, views and templates."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sufficiency.web"
    label = "web"
    verbose_name = "sufficiency"
    default_auto_field = "django.db.models.BigAutoField"
