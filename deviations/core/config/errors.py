"""Problems found in a config: each names the file, the component and the item."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigIssue:
    """One thing wrong with the config, in words a maintainer can act on."""

    file: str  # relative to the config root ("" when the whole config is meant)
    message: str
    component: str = ""
    item: str = ""  # e.g. 'overlay 2 ("Remove xen-devel")', "build.check", "include"
    line: int = 0

    def __str__(self) -> str:
        where = self.file or "config"
        if self.line:
            where += f":{self.line}"
        parts = [where]
        if self.component:
            parts.append(f"component {self.component!r}")
        if self.item:
            parts.append(self.item)
        return f"{', '.join(parts)}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "component": self.component,
            "item": self.item,
            "message": self.message,
        }


class ConfigError(Exception):
    """The config cannot be used; `issues` lists every problem found, not just the first."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = list(issues)
        count = len(self.issues)
        head = f"{count} problem{'s' if count != 1 else ''} in the config"
        super().__init__(head + "".join(f"\n  {issue}" for issue in self.issues))


def overlay_label(index: int, description: str) -> str:
    """How errors name an overlay: its 1-based index and its description."""
    return f"overlay {index} ({description!r})" if description else f"overlay {index}"
