"""Unified diffs as HTML tables, syntax-highlighted server-side with Pygments.

`{{ diff_text|render_diff }}` parses a unified diff (git style or plain),
highlights each hunk with the lexer its file name calls for (a spec with the
RPM spec lexer, a patch with the diff lexer, ...) and returns a table.  Every
piece of text from the diff is escaped here; CSS classes carry all styling
(the CSP allows no inline styles).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_for_filename
from pygments.token import STANDARD_TYPES, _TokenType
from pygments.util import ClassNotFound

register = template.Library()

MAX_LINES = 4000  # beyond this a page shows a note and a link to the plain diff
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")


@dataclass
class Line:
    kind: str  # "add", "del", "ctx", "note"
    text: str
    old: int | None = None
    new: int | None = None
    html: str = ""


@dataclass
class Hunk:
    header: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class FileDiff:
    old_path: str = ""
    new_path: str = ""
    meta: list[str] = field(default_factory=list)
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.new_path if self.new_path not in ("", "/dev/null") else self.old_path

    @property
    def added(self) -> int:
        return sum(1 for h in self.hunks for ln in h.lines if ln.kind == "add")

    @property
    def removed(self) -> int:
        return sum(1 for h in self.hunks for ln in h.lines if ln.kind == "del")


def _strip_prefix(path: str) -> str:
    path = path.split("\t", 1)[0]
    if path.startswith(("a/", "b/")):
        return path[2:]
    return path


def parse(diff: str) -> list[FileDiff]:
    """Files, hunks and numbered lines of a unified diff."""
    files: list[FileDiff] = []
    current: FileDiff | None = None
    hunk: Hunk | None = None
    old_left = new_left = 0
    old_no = new_no = 0
    for raw in diff.splitlines():
        if hunk is not None and (old_left > 0 or new_left > 0):
            tag, body = raw[:1], raw[1:]
            if tag == "+":
                hunk.lines.append(Line("add", body, new=new_no))
                new_no += 1
                new_left -= 1
                continue
            if tag == "-":
                hunk.lines.append(Line("del", body, old=old_no))
                old_no += 1
                old_left -= 1
                continue
            if tag == " " or raw == "":
                hunk.lines.append(Line("ctx", body, old=old_no, new=new_no))
                old_no += 1
                new_no += 1
                old_left -= 1
                new_left -= 1
                continue
        if raw.startswith("\\"):
            if hunk is not None:
                hunk.lines.append(Line("note", raw))
            continue
        match = _HUNK.match(raw)
        if match and current is not None:
            old_no, new_no = int(match.group(1)), int(match.group(3))
            old_left = int(match.group(2) or 1)
            new_left = int(match.group(4) or 1)
            hunk = Hunk(header=raw)
            current.hunks.append(hunk)
            continue
        hunk = None
        if raw.startswith("diff "):
            current = FileDiff(meta=[raw])
            files.append(current)
        elif raw.startswith("--- "):
            if current is None or current.hunks or current.old_path:
                current = FileDiff()
                files.append(current)
            current.old_path = _strip_prefix(raw[4:])
        elif raw.startswith("+++ ") and current is not None:
            current.new_path = _strip_prefix(raw[4:])
        else:
            if current is None:
                current = FileDiff()
                files.append(current)
            current.meta.append(raw)
    return files


@lru_cache(maxsize=256)
def _lexer_for(path: str) -> Lexer:
    try:
        return get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


@lru_cache(maxsize=512)
def _css_class(ttype: _TokenType) -> str:
    while ttype not in STANDARD_TYPES and ttype.parent is not None:
        ttype = ttype.parent
    css = STANDARD_TYPES.get(ttype, "")
    return "" if css == "w" else css  # whitespace needs no span of its own


def _tokens(lexer: Lexer, text: str) -> list[tuple[str, str]]:
    """(css class, text) runs; neighbours of one class merged (lexers emit char by char)."""
    runs: list[tuple[str, str]] = []
    for ttype, value in lexer.get_tokens(text):
        css = _css_class(ttype)
        if runs and runs[-1][0] == css:
            runs[-1] = (css, runs[-1][1] + value)
        else:
            runs.append((css, value))
    return runs


def _highlight(lexer: Lexer, lines: list[Line]) -> None:
    """Set each line's `html`: the hunk is lexed as one text, then split at newlines."""
    text = "\n".join(line.text for line in lines) + "\n"
    out: list[list[str]] = [[]]
    for css, value in _tokens(lexer, text):
        for i, part in enumerate(value.split("\n")):
            if i:
                out.append([])
            if part:
                out[-1].append(
                    f'<span class="{css}">{escape(part)}</span>' if css else escape(part)
                )
    for line, pieces in zip(lines, out, strict=False):
        line.html = "".join(pieces)


def _num(value: int | None) -> str:
    return "" if value is None else str(value)


def render_files(files: list[FileDiff], raw_url: str = "", max_lines: int = MAX_LINES) -> str:
    rows: list[str] = []
    budget = max_lines
    hidden = 0
    for f in files:
        rows.append(
            '<tbody class="diff-file"><tr class="file"><th colspan="3" scope="rowgroup">'
            f'<span class="path">{escape(f.path or "(unnamed)")}</span> '
            f'<span class="stat"><span class="plus">+{f.added}</span> '
            f'<span class="minus">&minus;{f.removed}</span></span></th></tr>'
        )
        lexer = _lexer_for(f.path.rsplit("/", 1)[-1])
        for hunk in f.hunks:
            if budget <= 0:
                hidden += len(hunk.lines)
                continue
            shown = [ln for ln in hunk.lines if ln.kind != "note"][:budget]
            budget -= len(shown)
            hidden += sum(1 for ln in hunk.lines if ln.kind != "note") - len(shown)
            _highlight(lexer, shown)
            rows.append(f'<tr class="hunk"><td colspan="3">{escape(hunk.header)}</td></tr>')
            for line in shown:
                sign = {"add": "+", "del": "&minus;", "ctx": " "}[line.kind]
                rows.append(
                    f'<tr class="{line.kind}"><td class="ln">{_num(line.old)}</td>'
                    f'<td class="ln">{_num(line.new)}</td>'
                    f'<td class="code"><span class="sign" aria-hidden="true">{sign}</span>'
                    f"{line.html}</td></tr>"
                )
        rows.append("</tbody>")
    table = (
        '<div class="diff-wrap"><table class="diff hl">'
        '<colgroup><col class="ln"><col class="ln"><col></colgroup>' + "".join(rows) + "</table>"
    )
    if hidden:
        more = f"{hidden} more lines are not shown here."
        if raw_url:
            more += f' <a href="{escape(raw_url)}">Open the whole diff as text</a>.'
        table += f'<p class="note">{more}</p>'
    return table + "</div>"


@register.filter
def render_diff(diff: str | None, raw_url: str = "") -> SafeString:
    """A unified diff as a highlighted HTML table (empty diff: a short note)."""
    if not diff or not diff.strip():
        return mark_safe('<p class="muted">No changes.</p>')
    return mark_safe(render_files(parse(diff), raw_url=raw_url))  # noqa: S308 - escaped above


def pygments_css(style: str = "default") -> str:
    """The token colours for `.hl` (static/css/pygments.css is this text; a test checks it).

    Regenerate with:
    .venv/bin/python -m deviations.web.templatetags.azl_diff > static/css/pygments.css
    """
    rules = HtmlFormatter(style=style).get_token_style_defs(".hl")
    # Lexing a fragment of a file can yield error tokens; a red box there is noise.
    kept = [rule for rule in rules if not rule.startswith(".hl .err")]
    return (
        "/* Generated from Pygments' default style by azl_diff.pygments_css(). */\n"
        + "\n".join(kept)
        + "\n"
    )


if __name__ == "__main__":
    print(pygments_css(), end="")
