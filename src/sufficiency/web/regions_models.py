"""The region this server serves, and its data-sharing agreement as data.

The agreement is kept as the YAML its councils signed, checked by the library's own loader
(`sufficiency.region.agreement.parse_agreement`) whenever an administrator saves it, so the
web application and `sufficiency share --agreement` read the same file the same way. The member
councils are the agreement's; each one added as a Council here can share through the page.

A server serves one region: its store (`region.duckdb`), the agreement file the worker hands
the library, the shares it imported and the regional report sit in `SUFFICIENCY_HOME/region/`.
The region's rows are not council-scoped: they hold no child-level data (the store does, in
pseudonyms only, and it is a file on the server, not a table here).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from ..errors import SufficiencyError
from ..region.agreement import USES, Agreement, parse_agreement


class Region(models.Model):
    """The region: its name, its agreement (YAML), and the uses shares are imported for."""

    name = models.CharField(max_length=100, unique=True,
                            help_text="As the agreement's `region` says it, such as Greater Manchester.")
    agreement = models.TextField(blank=True, help_text="The data-sharing agreement as YAML "
                                 "(docs/how-to/regional.md); raise its version whenever it changes.")
    uses = models.CharField(max_length=60, default="indicators",
                            help_text=f"What shares are imported for, comma-separated: {', '.join(USES)}.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Region | None:
        """The region this server serves, or None before an administrator sets it up."""
        return cls.objects.order_by("pk").first()

    def parsed(self) -> Agreement:
        """The agreement, checked (SchemaError naming the key when it is wrong)."""
        return parse_agreement(self.agreement, f"the agreement of {self.name}")

    @property
    def use_list(self) -> list[str]:
        return [u.strip() for u in self.uses.split(",") if u.strip()]

    def clean(self) -> None:
        if not self.agreement.strip():
            raise ValidationError({"agreement": "Give the agreement: paste its YAML, upload its file or start "
                                                "from a shipped example."})
        try:
            agreement = self.parsed()
        except SufficiencyError as exc:
            raise ValidationError({"agreement": str(exc)}) from None
        if agreement.region.lower() != self.name.strip().lower():
            raise ValidationError({"name": f"The agreement is {agreement.region}'s, not {self.name}'s: "
                                           "give the region the agreement's name."})
        bad = [u for u in self.use_list if u not in agreement.uses]
        if not self.use_list or bad:
            raise ValidationError({"uses": f"Give uses the agreement covers ({', '.join(agreement.uses)}); "
                                           f"{bad[0] if bad else 'none'} is not one of them."})

    @property
    def folder(self) -> Path:
        return Path(settings.SUFFICIENCY_HOME) / "region"

    @property
    def store(self) -> Path:
        return self.folder / "region.duckdb"

    @property
    def report_file(self) -> Path:
        """The regional report, small numbers suppressed (the only one the web serves)."""
        return self.folder / "report" / "region.html"

    def agreement_file(self) -> Path:
        """The agreement written where the library reads it (the worker's copy of this row)."""
        path = self.folder / "agreement.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.agreement, encoding="utf-8")
        return path
