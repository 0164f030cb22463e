"""Component names in URLs, for the pages and the API alike.

`<component_name:name>` takes any name but one holding '/' or NUL: '/' ends a path
segment, and PostgreSQL refuses NUL in a query, so such a URL matches no route (a 404)
instead of failing in the database.  The import only records names that follow the
package-name rule (core/names.py); a row recorded before that rule may hold anything,
and `component_url` still links it: by name when a URL can carry the name, else by id.
"""

from __future__ import annotations

import re

from django.urls import register_converter, reverse
from django.urls.converters import StringConverter


class ComponentName(StringConverter):
    """A component's name in a URL (`<component_name:name>`): anything but '/' and NUL."""

    regex = r"[^/\x00]+"


register_converter(ComponentName, "component_name")

_CARRIED = re.compile(ComponentName.regex)


def carries(name: str) -> bool:
    """Whether `/components/<name>/` leads to the component called `name`.

    Not for '.' and '..': browsers resolve those segments (even percent-encoded)
    before asking, so the link would lead elsewhere.
    """
    return _CARRIED.fullmatch(name) is not None and name not in (".", "..")


def component_url(name: str, pk: int | str | None = None, *, diff: bool = False) -> str:
    """The page (or with `diff`, the plain diff) of a component; "" when neither its
    name nor an id can make a link."""
    if carries(name):
        return reverse("component_diff" if diff else "component", args=[name])
    if pk is not None and str(pk).isdigit():
        return reverse("component_diff_by_id" if diff else "component_by_id", args=[int(pk)])
    return ""


class DeviationKey(StringConverter):
    """A deviation's key in a permalink (`<deviation_key:key>`): anything but NUL, '/'
    included (the key is the URL's last part, so it may hold slashes)."""

    regex = r"[^\x00]+"


register_converter(DeviationKey, "deviation_key")


def deviation_url(name: str, key: str, pk: int) -> str:
    """A deviation's permalink, `/components/<name>/deviations/<key>/`, which outlives its
    id (a re-import from scratch); `/deviations/<id>/` when the name or the key cannot
    travel in a path (a '.' or '..' or empty segment would be resolved away by the browser).
    """
    segments = key.split("/")
    if carries(name) and "\x00" not in key and all(s not in ("", ".", "..") for s in segments):
        return reverse("deviation_permalink", args=[name, key])
    return reverse("deviation", args=[pk])
