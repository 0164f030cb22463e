"""`manage.py export {deviations|components|audit|reviews|queue|changes} [filters] [--output FILE]`.

`--as-of DATE|COMMIT|import-N` exports the deviations or components as the record stood
then (today's columns; deviations.reads.history); `export changes --from A --to B`
what changed between two points.

The filters are the list pages' (the same FilterSets): give them as
`--filter key=value` (repeatable, the page's query-string keys) or as named
options (`--kind overlay --review-state needs-review`).  The file is written
beside its final name and renamed when complete, so a failed export leaves
no partial file; `--output -` writes to standard output.  Each export is an
audit event (who ran it, the filters, the number of rows).

`manage.py export audit --check FILE` checks an audit export instead: every
row's hash recomputed from its cells, the links between consecutive events,
and the file's newest event against the live chain (which `verify_audit`
checks whole).  Exit status 0 only when all agree.
"""

from __future__ import annotations

import getpass
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.domain import audit
from deviations.models import AuditEvent
from deviations.reads import exports
from deviations.reads.exports import changes
from deviations.vocabulary import Origin


def _all_filters() -> dict[str, set[str]]:
    """filter name -> datasets that have it."""
    found: dict[str, set[str]] = {}
    for name, ds in exports.DATASETS.items():
        for key in ds.filterset.base_filters:
            found.setdefault(key, set()).add(name)
    return found


class Command(BaseCommand):
    help = (
        "Export deviations, components (with drift), the audit log or the review history as "
        "CSV, filtered like the list pages. Recorded as an audit event."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", choices=sorted([*exports.DATASETS, changes.NAME]))
        parser.add_argument(
            "--as-of",
            dest="as_of",
            metavar="DATE|COMMIT|import-N",
            help="(deviations, components) the record as it stood then",
        )
        parser.add_argument(
            "--from", dest="from_point", metavar="POINT", help="(changes) the earlier point"
        )
        parser.add_argument(
            "--to", dest="to_point", metavar="POINT", help="(changes) the later point"
        )
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="a list page filter, as in its URL (repeatable), e.g. --filter kind=overlay",
        )
        for key, datasets in sorted(_all_filters().items()):
            parser.add_argument(
                f"--{key.replace('_', '-')}",
                dest=f"filter_{key}",
                metavar="VALUE",
                help=f"filter {key!r} ({', '.join(sorted(datasets))})",
            )
        parser.add_argument(
            "--check",
            metavar="FILE",
            help="(audit only) check an audit export against its hashes and the live chain",
        )
        parser.add_argument(
            "--output",
            "-o",
            help="file to write (default: azldrift-<dataset>[-<filters>]-<date>.csv here; "
            "'-' for stdout)",
        )
        parser.add_argument(
            "--columns",
            metavar="NAME[,NAME]",
            help="(deviations, queue) opt-in columns at the end: diff (each overlay's own diff)",
        )
        parser.add_argument(
            "--bom",
            action="store_true",
            help="start the file with UTF-8's byte-order mark (for spreadsheet programs)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["dataset"]
        if options["check"]:
            if name != "audit":
                raise CommandError(
                    "--check checks audit exports: manage.py export audit --check FILE"
                )
            return self._check(Path(options["check"]))
        if name == changes.NAME:
            return self._changes(options)
        if options["from_point"] or options["to_point"]:
            raise CommandError("--from and --to are for the changes export")
        known = exports.DATASETS[name].filterset.base_filters
        params: dict[str, str] = {}
        for item in options["filter"]:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(f"--filter {item!r}: expected KEY=VALUE")
            params[key.strip()] = value
        for key in _all_filters():
            value = options.get(f"filter_{key}")
            if value is not None:
                params[key] = value
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise CommandError(
                f"not a filter of the {name} export: {', '.join(unknown)} "
                f"(its filters: {', '.join(known)})"
            )
        if options["as_of"]:
            params["as_of"] = options["as_of"]
        described = {key: str(value) for key, value in params.items()}
        if options["columns"]:
            params["columns"] = options["columns"]
        if options["bom"]:
            params["bom"] = "1"
        actor = audit.Actor.job(f"manage.py export ({getpass.getuser()})", Origin.COMMAND)
        output = options["output"] or exports.filename(name, filters=described)
        try:
            if output == "-":
                rows = exports.write(actor, name, params, sys.stdout.buffer)
                sys.stdout.flush()
            else:
                rows = self._to_file(actor, name, params, Path(output))
        except exports.ExportError as error:
            raise CommandError(str(error)) from None
        if output != "-":
            self.stderr.write(f"{rows} {name} row{'s' if rows != 1 else ''} -> {output}")

    def _changes(self, options: dict[str, Any]) -> None:
        if options["filter"] or options["as_of"]:
            raise CommandError("the changes export takes --from and --to only")
        params = {"from": options["from_point"] or "", "to": options["to_point"] or ""}
        actor = audit.Actor.job(f"manage.py export ({getpass.getuser()})", Origin.COMMAND)
        output = options["output"] or exports.filename(changes.NAME)
        try:
            changes.changes_between(params)  # unknown points fail before any file is made
            if output == "-":
                rows = changes.write(actor, params, sys.stdout.buffer)
                sys.stdout.flush()
            else:
                rows = self._atomically(Path(output), lambda out: changes.write(actor, params, out))
        except exports.ExportError as error:
            raise CommandError(str(error)) from None
        if output != "-":
            self.stderr.write(f"{rows} change row{'s' if rows != 1 else ''} -> {output}")

    def _check(self, path: Path) -> None:
        try:
            # utf-8-sig: a file downloaded with ?bom=1 starts with a byte-order mark.
            with open(path, newline="", encoding="utf-8-sig") as handle:
                result = exports.check_audit_csv(handle)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: {error}") from None
        if not result.ok:
            raise CommandError(f"{path}: NOT intact: {result.problem}")
        if result.checked:
            stored = AuditEvent.objects.filter(seq=result.head_seq).values_list("hash", flat=True)
            if stored.first() != result.head_hash:
                raise CommandError(
                    f"{path}: event #{result.head_seq} differs from the live audit chain's"
                )
        self.stdout.write(
            f"{path}: {result.checked} events, hashes and links intact; newest #{result.head_seq} "
            f"matches the live chain (run verify_audit to check the chain itself)"
        )

    def _to_file(self, actor: audit.Actor, name: str, params: dict[str, str], path: Path) -> int:
        exports.select(name, params)  # invalid filters fail before any file is made
        return self._atomically(path, lambda out: exports.write(actor, name, params, out))

    def _atomically(self, path: Path, write: Callable[[_Named], int]) -> int:
        """Write beside the final name, renamed when complete (no partial file)."""
        folder = path.parent if str(path.parent) else Path()
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                rows = write(_Named(out, str(path)))
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return rows


class _Named:
    """A binary file whose `name` is the final path (recorded in the audit event)."""

    def __init__(self, out: exports.BinaryOut, name: str) -> None:
        self.out, self.name = out, name

    def write(self, data: bytes) -> int:
        return self.out.write(data)
