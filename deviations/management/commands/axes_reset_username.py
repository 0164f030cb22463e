"""django-axes' `axes_reset_username`, audited (deviations.domain.logins); see `unlock_logins`."""

from __future__ import annotations

from typing import Any

from axes.management.commands import axes_reset_username

from deviations.management.commands.unlock_logins import unlock_from_command


class Command(axes_reset_username.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        count = sum(
            unlock_from_command("axes_reset_username", username=name)
            for name in options["username"]
        )
        self.stdout.write(f"{count} attempts removed." if count else "No attempts found.")
