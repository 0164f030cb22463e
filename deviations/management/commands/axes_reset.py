"""django-axes' `axes_reset`, audited (deviations.domain.logins); see `unlock_logins`."""

from __future__ import annotations

from typing import Any

from axes.management.commands import axes_reset

from deviations.management.commands.unlock_logins import unlock_from_command


class Command(axes_reset.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        count = unlock_from_command("axes_reset", everything=True)
        self.stdout.write(f"{count} attempts removed." if count else "No attempts found.")
