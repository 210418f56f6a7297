"""The admin page that sets the region up: its name, its data-sharing agreement (pasted,
uploaded as the YAML file, or started from an example shipped with sufficiency) and the uses
shares are imported for. The agreement is checked by the library's loader when it is saved."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html_join

from ..errors import SufficiencyError
from ..region.agreement import shipped
from .models import Council
from .regions_models import Region


class RegionForm(forms.ModelForm):
    agreement_file = forms.FileField(required=False, help_text="Or upload the agreement's YAML file; it replaces "
                                                               "the text above.")
    example = forms.ChoiceField(required=False, help_text="Or start from the example agreement shipped for a region "
                                                          "(an example, not the text of any signed agreement).")

    class Meta:
        model = Region
        fields = ["name", "agreement", "agreement_file", "example", "uses"]
        widgets = {"agreement": forms.Textarea(attrs={"rows": 24, "cols": 100, "style": "font-family:monospace"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["example"].choices = [("", "-"), *[(str(p.name), name.title()) for name, p in shipped().items()]]

    def clean(self):
        data = super().clean()
        given, example = data.get("agreement_file"), data.get("example")
        if given is not None:
            try:
                data["agreement"] = given.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError({"agreement_file": "The agreement file is not text (UTF-8 YAML)."}) from None
        elif example:
            found = {str(p.name): p for p in shipped().values()}.get(example)
            data["agreement"] = found.read_text(encoding="utf-8") if found else data.get("agreement", "")
        return data


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    form = RegionForm
    list_display = ("name", "version", "uses", "updated_at")
    readonly_fields = ("members",)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Region.objects.exists()  # one region per server

    @admin.display(description="agreement version")
    def version(self, obj):
        try:
            return obj.parsed().version
        except SufficiencyError:  # a list page shows even a region whose agreement broke
            return "(cannot be read)"

    @admin.display(description="member councils (those added here as councils can share from their page)")
    def members(self, obj):
        try:
            councils = obj.parsed().councils
        except SufficiencyError:
            return "-"
        here = set(Council.objects.filter(code__in=[m.code for m in councils]).values_list("code", flat=True))
        return format_html_join(", ", "{} ({}){}", ((m.name, m.code, " ✓" if m.code in here else "") for m in councils))
