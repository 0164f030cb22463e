"""manage.py render_overlays: preview a component's overlays on its upstream sources.

    python manage.py render_overlays --sources DIR --config FILE --output OUT
                                     [--component NAME] [--diff]

DIR is the upstream checkout (one *.spec plus sidecar files).  FILE is a component TOML
(`[components.NAME]` with `overlays`/`overlay-files`) or a per-file overlay TOML
(`[metadata]` + `[[overlays]]`), validated by the config loader; `source` paths resolve
against the folder of the TOML that declares them, confined to the config tree (the
nearest folder up with an azldev.toml, else FILE's folder).  Each overlay's verdict is
printed; on success OUT holds the rendered tree.  On failure nothing is written and the
command exits non-zero naming the failing overlays.  Archive overlays print the repacked
archive's sha256 (no post-overlay hash is required here, as with azldev --allow-no-hashes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...core.config import ConfigError, load_overlays, toml11
from ...core.overlays import (
    RenderOptions,
    TreeError,
    load_tree,
    overlay_label,
    render,
    write_tree,
)
from ...core.overlays.render import config_root_for
from ...vocabulary import Verdict


def _component_name(config: Path, given: str | None) -> str | None:
    """The component whose spec to use: --component, else the one FILE declares."""
    if given:
        return given
    try:
        data = toml11.loads(config.read_text())
    except (OSError, UnicodeDecodeError, toml11.TOMLDecodeError):
        return None  # load_overlays reports the problem properly
    components = data.get("components")
    if isinstance(components, dict) and len(components) == 1:
        return next(iter(components))
    return None


class Command(BaseCommand):
    help = "Apply a component's overlays to an upstream checkout and write the rendered tree."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sources", required=True, help="upstream checkout folder")
        parser.add_argument("--config", required=True, help="component or overlay TOML file")
        parser.add_argument("--output", required=True, help="folder to create with the result")
        parser.add_argument("--component", help="component name (for a multi-component TOML)")
        parser.add_argument("--diff", action="store_true", help="also print the unified diff")

    def handle(self, *args: Any, **options: Any) -> None:
        sources = Path(options["sources"])
        config = Path(options["config"])
        output = Path(options["output"])
        if output.exists():
            raise CommandError(f"--output {output} already exists; give a new folder")
        if not config.is_file():
            raise CommandError(f"--config {config} is not a file")
        try:
            overlays = load_overlays(config, component=options["component"])
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        try:
            tree = load_tree(sources, _component_name(config, options["component"]))
        except (TreeError, OSError) as exc:
            raise CommandError(f"--sources: {exc}") from None

        root = config_root_for(config.resolve().parent)
        render_options = RenderOptions(
            config_root=str(root),
            max_archive_bytes=settings.ARCHIVE_MAX_BYTES,
            max_archive_ratio=settings.ARCHIVE_MAX_RATIO,
        )
        result = render(tree, overlays, options=render_options)
        for outcome in result.outcomes:
            label = overlay_label(outcome.index, outcome.overlay)
            line = f"{outcome.verdict:8} {label}"
            if outcome.verdict == Verdict.FAILED:
                line += "\n         " + outcome.message.removeprefix(label).removeprefix(" ")
            self.stdout.write(line)
        for name, digest in sorted(result.archives.items()):
            self.stdout.write(f"archive  {name} repacked: sha256 {digest}")
        if options["diff"] and result.diff:
            self.stdout.write(result.diff, ending="")
        if not result.ok:
            numbers = ", ".join(str(o.index + 1) for o in result.failures)
            reasons = "".join(f"\n  {o.message}" for o in result.failures)
            raise CommandError(f"overlay(s) {numbers} failed; nothing written to {output}{reasons}")
        try:
            write_tree(result.tree_after, output)
        except (TreeError, OSError) as exc:
            raise CommandError(f"--output: {exc}") from None
        self.stdout.write(f"rendered {len(overlays)} overlay(s) into {output}")
