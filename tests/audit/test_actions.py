"""Audit actions: one vocabulary, written by every writer, listed in the README.

The README's table must be the vocabulary's (values and descriptions, in order), and no
writer may name an action as free text: the source is read for `audit.record(...)` and
`audit.Draft(...)` calls whose action is a string literal or an f-string.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from deviations.reads.exports import changes
from deviations.reads.exports.datasets import DATASETS
from deviations.vocabulary import AuditAction, Decision

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def _readme_table() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("| action | what it records |")
    end = text.index("\n\n", start)
    return text[start:end] + "\n"


def _expected_table() -> str:
    rows = "".join(f"| `{action.value}` | {action.description} |\n" for action in AuditAction)
    return "| action | what it records |\n|---|---|\n" + rows


def test_the_readme_lists_every_action_with_its_description():
    assert _readme_table() == _expected_table(), (
        "README.md's table of audit actions differs from deviations.vocabulary.AuditAction; "
        "the table should read:\n\n" + _expected_table()
    )


def test_decisions_and_exports_have_their_actions():
    assert {AuditAction.for_decision(d) for d in Decision} == {
        AuditAction.REVIEW_APPROVED,
        AuditAction.REVIEW_CHANGES_REQUESTED,
        AuditAction.REVIEW_REJECTED,
    }
    exports = {action for action in AuditAction if action.startswith("export.")}
    # The list exports, and the changes between two points (reads.exports.changes).
    assert {AuditAction.for_export(name) for name in (*DATASETS, changes.NAME)} == exports


def _free_text_actions(source: str, where: str) -> list[str]:
    """`where:line` of each audit.record/Draft call whose action is a literal or f-string."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        if name == "record" and len(node.args) >= 2:
            action = node.args[1]
        elif name == "Draft" and node.args:
            action = node.args[0]
        else:
            action = next((k.value for k in node.keywords if k.arg == "action"), None)
            if name not in ("record", "Draft") or action is None:
                continue
        if isinstance(action, ast.JoinedStr) or (
            isinstance(action, ast.Constant) and isinstance(action.value, str)
        ):
            found.append(f"{where}:{node.lineno}")
    return found


def test_the_check_finds_free_text_actions():
    source = 'audit.record(a, "x.y")\naudit.Draft(action=f"review.{d}")\naudit.Draft("z")\n'
    assert _free_text_actions(source, "sample") == ["sample:1", "sample:2", "sample:3"]
    assert _free_text_actions("audit.record(a, AuditAction.NOTE_ADDED)\n", "ok") == []


def test_no_writer_names_an_action_as_free_text():
    found = []
    for path in sorted((ROOT / "deviations").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        found += _free_text_actions(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == [], "use deviations.vocabulary.AuditAction: " + ", ".join(found)


def test_action_values_are_stable_names():
    # Values are hashed into every event: dotted lower-case names, short enough to store.
    for action in AuditAction:
        assert re.fullmatch(r"[a-z_]+(\.[a-z_-]+)+", action.value), action
        assert len(action.value) <= 64
