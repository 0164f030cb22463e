"""django-axes' `axes_reset_ip`, audited (deviations.domain.logins); see `unlock_logins`."""

from __future__ import annotations

from typing import Any

from axes.management.commands import axes_reset_ip

from deviations.management.commands.unlock_logins import unlock_from_command


class Command(axes_reset_ip.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        count = sum(unlock_from_command("axes_reset_ip", ip_address=ip) for ip in options["ip"])
        self.stdout.write(f"{count} attempts removed." if count else "No attempts found.")
