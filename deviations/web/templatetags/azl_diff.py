"""Unified diffs as HTML tables, syntax-highlighted server-side with Pygments.

`{{ diff_text|render_diff }}` parses a unified diff (git style or plain),
highlights each hunk with the lexer its file name calls for (a spec with the
RPM spec lexer, a patch with the diff lexer, ...) and returns a table.
`{% diff_table text raw_url %}` does the same in the reader's chosen layout
(unified, or side by side: see web/display.py).
A removed line and the added line that replaces it get their changed words
marked (`<mark>`, found by difflib over word tokens).  Every piece of text
from the diff is escaped here; CSS classes carry all styling (the CSP allows
no inline styles).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_for_filename
from pygments.token import STANDARD_TYPES, _TokenType
from pygments.util import ClassNotFound

from deviations.web import display

register = template.Library()

MAX_LINES = 4000  # beyond this a page shows a note and a link to the plain diff
# Word-level marking is skipped where it would cost much or say nothing: very long lines,
# and pairs so unlike that marking would paint the whole line.
WORD_DIFF_MAX_CHARS = 1000
WORD_DIFF_MIN_RATIO = 0.4
_WORD = re.compile(r"\w+|\s+|[^\w\s]")
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")


@dataclass
class Line:
    kind: str  # "add", "del", "ctx", "note"
    text: str
    old: int | None = None
    new: int | None = None
    html: str = ""
    # (start, end) character ranges changed against the paired line (intra-line diff).
    marks: list[tuple[int, int]] = field(default_factory=list)


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
    """Set each line's `html`: the hunk is lexed as one text, then split at newlines;
    changed words (`marks`) are wrapped in `<mark>` inside the token spans."""
    text = "\n".join(line.text for line in lines) + "\n"
    runs: list[list[tuple[str, str]]] = [[]]
    for css, value in _tokens(lexer, text):
        for i, part in enumerate(value.split("\n")):
            if i:
                runs.append([])
            if part:
                runs[-1].append((css, part))
    for line, pieces in zip(lines, runs, strict=False):
        line.html = _line_html(pieces, line.marks)


def _line_html(pieces: list[tuple[str, str]], marks: list[tuple[int, int]]) -> str:
    out: list[str] = []
    at = 0
    for css, part in pieces:
        inner: list[str] = []
        end = at + len(part)
        cut = at
        for low, high in marks:
            low, high = max(low, at), min(high, end)
            if low >= high:
                continue
            inner.append(escape(part[cut - at : low - at]))
            inner.append(f"<mark>{escape(part[low - at : high - at])}</mark>")
            cut = high
        inner.append(escape(part[cut - at :]))
        html = "".join(inner)
        out.append(f'<span class="{css}">{html}</span>' if css else html)
        at = end
    return "".join(out)


def _changed_ranges(old: str, new: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The character ranges of `old` and of `new` that differ, word by word; none when the
    lines are too long or too unlike for marks to help."""
    if max(len(old), len(new)) > WORD_DIFF_MAX_CHARS:
        return [], []
    a, b = _WORD.findall(old), _WORD.findall(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < WORD_DIFF_MIN_RATIO:
        return [], []
    a_at = [0]
    for token in a:
        a_at.append(a_at[-1] + len(token))
    b_at = [0]
    for token in b:
        b_at.append(b_at[-1] + len(token))
    old_marks: list[tuple[int, int]] = []
    new_marks: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            old_marks.append((a_at[i1], a_at[i2]))
        if j2 > j1:
            new_marks.append((b_at[j1], b_at[j2]))
    return old_marks, new_marks


def _changes(lines: list[Line]) -> list[tuple[list[Line], list[Line]]]:
    """The hunk's changes: each run of removed lines with the added lines right after it."""
    found: list[tuple[list[Line], list[Line]]] = []
    dels: list[Line] = []
    adds: list[Line] = []
    for line in [*lines, Line("ctx", "")]:
        if line.kind == "del" and not adds:
            dels.append(line)
        elif line.kind == "add":
            adds.append(line)
        else:
            if dels or adds:
                found.append((dels, adds))
            dels, adds = ([line], []) if line.kind == "del" else ([], [])
    return found


def _mark_words(lines: list[Line]) -> None:
    """Pair the n-th removed line of a change with its n-th added line and mark what differs."""
    for dels, adds in _changes(lines):
        for old, new in zip(dels, adds, strict=False):
            old.marks, new.marks = _changed_ranges(old.text, new.text)


def _num(value: int | None) -> str:
    return "" if value is None else str(value)


_SIGN = {"add": "+", "del": "&minus;", "ctx": " "}


def _code(line: Line, css: str = "code") -> str:
    return (
        f'<td class="{css}"><span class="sign" aria-hidden="true">{_SIGN[line.kind]}</span>'
        f"{line.html}</td>"
    )


def _unified_rows(shown: list[Line]) -> list[str]:
    return [
        f'<tr class="{line.kind}"><td class="ln">{_num(line.old)}</td>'
        f'<td class="ln">{_num(line.new)}</td>{_code(line)}</tr>'
        for line in shown
    ]


def _split_rows(shown: list[Line]) -> list[str]:
    """Side by side: context on both sides, a change's removed lines on the left facing its
    added lines on the right."""
    rows: list[str] = []

    def side(line: Line | None, number: int | None) -> str:
        if line is None:
            return '<td class="ln gap"></td><td class="code gap"></td>'
        return f'<td class="ln {line.kind}">{_num(number)}</td>' + _code(line, f"code {line.kind}")

    at = 0
    while at < len(shown):
        line = shown[at]
        if line.kind == "ctx":
            rows.append(f'<tr class="ctx">{side(line, line.old)}{side(line, line.new)}</tr>')
            at += 1
            continue
        dels: list[Line] = []
        while at < len(shown) and shown[at].kind == "del":
            dels.append(shown[at])
            at += 1
        adds: list[Line] = []
        while at < len(shown) and shown[at].kind == "add":
            adds.append(shown[at])
            at += 1
        for n in range(max(len(dels), len(adds))):
            old = dels[n] if n < len(dels) else None
            new = adds[n] if n < len(adds) else None
            left = side(old, old.old if old else None)
            right = side(new, new.new if new else None)
            rows.append(f'<tr class="change">{left}{right}</tr>')
    return rows


def render_files(
    files: list[FileDiff], raw_url: str = "", max_lines: int = MAX_LINES, layout: str = ""
) -> str:
    split = layout == display.SPLIT
    width = 4 if split else 3
    rows: list[str] = []
    budget = max_lines
    hidden = 0
    for f in files:
        rows.append(
            f'<tbody class="diff-file"><tr class="file"><th colspan="{width}" scope="rowgroup">'
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
            _mark_words(shown)
            _highlight(lexer, shown)
            rows.append(f'<tr class="hunk"><td colspan="{width}">{escape(hunk.header)}</td></tr>')
            rows.extend(_split_rows(shown) if split else _unified_rows(shown))
        rows.append("</tbody>")
    cols = (
        '<col class="ln"><col class="half"><col class="ln"><col class="half">'
        if split
        else '<col class="ln"><col class="ln"><col>'
    )
    kind = "diff hl split" if split else "diff hl"
    table = (
        f'<div class="diff-wrap"><table class="{kind}"><colgroup>{cols}</colgroup>'
        + "".join(rows)
        + "</table>"
    )
    if hidden:
        more = f"{hidden} more lines are not shown here."
        if raw_url:
            more += f' <a href="{escape(raw_url)}">Open the whole diff as text</a>.'
        table += f'<p class="note">{more}</p>'
    return table + "</div>"


@register.simple_tag(takes_context=True)
def diff_layout_of(context: Any) -> str:
    """`split` when the reader chose side-by-side diffs, else "" (unified)."""
    return display.diff_layout(context.get("request"))


@register.simple_tag(takes_context=True)
def diff_table(context: Any, diff: str | None, raw_url: str = "") -> SafeString:
    """A diff as `render_diff` makes it, in the layout the reader chose."""
    if not diff or not diff.strip():
        return mark_safe('<p class="muted">No changes.</p>')
    layout = display.diff_layout(context.get("request"))
    return mark_safe(render_files(parse(diff), raw_url=raw_url, layout=layout))  # noqa: S308


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
