"""Links out of azldrift: upstream commits, metadata references; small display helpers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from deviations.vocabulary import Severity, SyncRunStatus
from deviations.web import converters
from deviations.web.display import PAGE_SIZES

register = template.Library()


@register.filter
def upstream_commit_url(dist_git_url: str, sha: str) -> str:
    """The web page of `sha` for an https dist-git repository, Fedora's pattern
    (`https://src.fedoraproject.org/rpms/<pkg>.git` -> `.../rpms/<pkg>/c/<sha>`);
    "" for anything else (file:// fixtures, ssh), which pages show as plain text."""
    if not dist_git_url or not sha:
        return ""
    parts = urlsplit(dist_git_url)
    if parts.scheme != "https" or not parts.netloc:
        return ""
    path = parts.path.rstrip("/").removesuffix(".git")
    return f"https://{parts.netloc}{path}/c/{sha}"


@register.filter
def repository_commit_url(source: str, sha: str) -> str:
    """The web page of config commit `sha` when the config came from an https URL (GitHub
    and most forges: `<repo>/commit/<sha>`; GitLab: `<repo>/-/commit/<sha>`), without any
    credentials the URL held; "" for a folder, ssh or file source."""
    try:
        parts = urlsplit(source or "")
        host, port = parts.hostname, parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not host or not sha:
        return ""
    netloc = f"{host}:{port}" if port else host
    repo = parts.path.rstrip("/").removesuffix(".git")
    middle = "/-/commit/" if host.startswith("gitlab.") else "/commit/"
    return f"{parts.scheme}://{netloc}{repo}{middle}{sha}"


@register.filter
def web_url(value: Any) -> str:
    """`value` if it is an absolute http(s) URL, else "" (never a javascript: link)."""
    text = str(value or "")
    try:
        scheme = urlsplit(text).scheme
    except ValueError:
        return ""
    return text if scheme in ("http", "https") else ""


@register.filter
def references(value: Any) -> list[dict[str, str]]:
    """Metadata `commits`/`bugs` entries (strings or {url, title} tables) as url/title dicts."""
    items = value if isinstance(value, list) else [value] if value else []
    out = []
    for item in items:
        if isinstance(item, dict):
            url = str(item.get("url", ""))
            out.append({"url": url, "title": str(item.get("title") or url)})
        else:
            out.append({"url": str(item), "title": str(item)})
    return out


@register.filter
def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


@register.filter
def short(sha: str | None, length: int = 12) -> str:
    return (sha or "")[:length]


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """`mapping[key]` in a template (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def config_place(deviation: Any) -> str:
    """Where a deviation is written: its config file, then `:line` or `:first-last`."""
    place = f"{deviation.config_file}"
    if deviation.line_start:
        place += f":{deviation.line_start}"
        if deviation.line_end and deviation.line_end != deviation.line_start:
            place += f"-{deviation.line_end}"
    return place


@register.filter
def percent(done: int, total: int) -> int:
    return int(100 * done / total) if total else 0


@register.filter
def progress_value(run: Any) -> int:
    """A sync run's progress bar value out of `total or 1`: what is done, or the whole bar for
    a run that had nothing to do and succeeded."""
    if run.total:
        return int(run.done)
    return 1 if run.status == SyncRunStatus.SUCCEEDED else 0


@register.simple_tag(takes_context=True)
def page_url(context: dict, number: int, param: str = "page") -> str:
    """The current URL's query with `param` set to `number` (empty fields dropped)."""
    query = context["request"].GET.copy()
    query[param] = str(number)
    for key in [k for k, values in query.lists() if not any(values)]:
        del query[key]
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def query_fields(context: dict, *dropped: str) -> SafeString:
    """The current query as hidden fields, but for `dropped` keys and empty values: a small
    GET form (page jump, page size) changes one thing and keeps the filters."""
    query = context["request"].GET
    kept = [(k, v) for k, values in query.lists() if k not in dropped for v in values if v]
    return format_html_join("", '<input type="hidden" name="{}" value="{}">', kept)


@register.simple_tag(takes_context=True)
def query_without(context: dict, *dropped: str) -> str:
    """The current query string without `dropped` keys (and without the page number)."""
    query = context["request"].GET.copy()
    for key in [*dropped, "page"]:
        query.pop(key, None)
    return query.urlencode()


@register.simple_tag
def page_sizes() -> tuple[int, ...]:
    return PAGE_SIZES


@register.filter
def control(field: Any, placeholder: str = "") -> SafeString:
    """A filter form field as a plain <select> or <input>.

    Much cheaper than Django's widget templates (one template per <option>), which
    dominated the list pages' render time; the markup and escaping are the same.
    """
    value = field.value()
    value = "" if value is None else str(value)
    attrs = {"name": field.html_name, "id": field.auto_id}
    if field.errors:
        attrs |= {"aria-invalid": "true", "aria-describedby": f"{field.auto_id}-error"}
    attr_html = format_html_join("", ' {}="{}"', attrs.items())
    choices = getattr(field.field, "choices", None)
    if choices is None:
        kind = {"q": "search", "since": "date", "until": "date"}.get(field.name, "text")
        if kind == "search":
            attrs |= {"placeholder": placeholder or "", "autocomplete": "off"}
        attr_html = format_html_join("", ' {}="{}"', attrs.items())
        return format_html('<input type="{}"{} value="{}">', kind, attr_html, value)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((key, " selected" if str(key) == value else "", label) for key, label in choices),
    )
    return format_html("<select{}>{}</select>", attr_html, options)


@register.filter
def verdict(value: str) -> SafeString:
    """A verdict as a badge (a dash when there is none); cheaper than an include per row."""
    if not value:
        return mark_safe('<span class="muted">&ndash;</span>')
    return format_html('<span class="badge verdict-{}">{}</span>', value, value)


@register.filter
def severity(value: Severity | Iterable[Severity]) -> SafeString:
    """A severity, or each of several, as a badge with its description on hover (a filter,
    not an include per row: the lists show one or more a row)."""
    found = [value] if isinstance(value, Severity) else list(value)
    return format_html_join(
        " ",
        '<span class="badge severity-{}" title="{}">{}</span>',
        ((s.value, s.description, s.label) for s in found),
    )


@register.simple_tag
def component_url(name: str, pk: int | str | None = None, diff: bool = False) -> str:
    """A component's page (or plain diff) whatever its name; see web/converters.py."""
    return converters.component_url(name, pk, diff=diff)


@register.simple_tag
def component_link(name: str, pk: int | str | None = None, label: Any = None) -> SafeString:
    """`<a>` to a component's page, or its name as text when no URL can reach it."""
    url = converters.component_url(name, pk)
    shown = name if label is None else label
    return format_html('<a href="{}">{}</a>', url, shown) if url else format_html("{}", shown)


@register.simple_tag
def deviation_url(name: str, key: str, pk: int) -> str:
    """A deviation's permalink by component and key (its id's page when no path can carry
    them); see web/converters.py."""
    return converters.deviation_url(name, key, pk)


# An http(s) URL in free text: up to whitespace, quotes or angle brackets.
_URL = re.compile(r"""\bhttps?://[^\s<>"'`]+""", re.IGNORECASE)
_TRAILING = ".,;:!?"


def _url_end(url: str) -> str:
    """`url` without the punctuation that ends the sentence around it (a ')' only when it
    closes nothing inside the URL, as in "(see https://x.example/a)")."""
    while url:
        if url[-1] in _TRAILING or (url[-1] == ")" and url.count(")") > url.count("(")):
            url = url[:-1]
        else:
            break
    return url


@register.filter(needs_autoescape=False)
def linkify(text: Any) -> SafeString:
    """Free text (descriptions, TOML comments, reasons, notes) escaped, with its http and
    https URLs as links that pass no referrer trust (nofollow noopener); any other scheme
    (javascript:, data:, file:) stays text."""
    text = "" if text is None else str(text)
    out: list[str] = []
    done = 0
    for match in _URL.finditer(text):
        url = _url_end(match.group())
        if len(url) <= len(match.group().split("://", 1)[0]) + 3:
            continue  # a bare "https://" links nowhere
        start = match.start()
        out.append(escape(text[done:start]))
        out.append(format_html('<a href="{}" rel="nofollow noopener">{}</a>', url, url))
        done = start + len(url)
    out.append(escape(text[done:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped above


@register.simple_tag
def audit_object(event: Any) -> SafeString:
    """What an audit event is about, linked to its page where it has one."""
    kind, pk, name = event.object_type, event.object_id, event.component_name
    label = event.object_repr or pk or name
    if kind == "deviation" and pk.isdigit():
        html = format_html('<a href="{}">{}</a>', reverse("deviation", args=[pk]), label)
    elif kind == "component" and (name or pk):
        html = component_link(name, pk, label)
    elif kind == "syncrun" and pk.isdigit():
        html = format_html('<a href="{}">{}</a>', reverse("sync_run", args=[pk]), label)
    else:
        html = format_html("{}", event.object_repr)
    if name and kind != "component":
        where = format_html(' <span class="muted">in {}</span>', component_link(name))
        html = format_html("{}{}", html, where)
    return html
