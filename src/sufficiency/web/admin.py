"""The admin pages, for administrators: councils, users' councils, uploads, jobs and the
audit log (read-only)."""

from django.contrib import admin

from .models import AuditEvent, Council, Job, Profile, SignInFailures, Upload


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ("name", "code")


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "council", "must_change_password")


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ("pk", "council", "uploaded_by", "uploaded_at", "errors", "warnings")
    exclude = ("issues",)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("pk", "council", "kind", "status", "progress", "created_by", "created_at")


@admin.register(SignInFailures)
class SignInFailuresAdmin(admin.ModelAdmin):
    list_display = ("username", "failures", "locked_until")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "action", "council", "allowed", "path")
    list_filter = ("allowed", "action")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
from . import region_admin  # noqa: E402,F401  (the region's admin page)
