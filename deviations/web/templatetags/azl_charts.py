"""Small server-rendered SVG charts (no JavaScript, no inline styles: CSS classes only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import template

register = template.Library()


def _share(value: int, largest: int, scale: float = 100.0) -> float:
    return round(scale * value / largest, 2) if largest else 0.0


@register.inclusion_tag("includes/charts/bars.html")
def bars(rows: Sequence[tuple[str, int, str]], caption: str, tone: str = "blue") -> dict:
    """Horizontal bars: one row per (label, count, link), scaled to the largest count."""
    largest = max((n for _, n, _ in rows), default=0)
    items = [
        {"label": label, "count": n, "href": href, "width": _share(n, largest)}
        for label, n, href in rows
    ]
    return {"items": items, "caption": caption, "tone": tone}


@register.inclusion_tag("includes/charts/histogram.html")
def histogram(rows: Sequence[tuple[str, int, str]], caption: str) -> dict:
    """Vertical bars (a distribution) in a 320x150 box, each bar linking to its rows."""
    largest = max((n for _, n, _ in rows), default=0)
    width, top, base = 320, 18, 120
    step = width / max(len(rows), 1)
    items = []
    for i, (label, n, href) in enumerate(rows):
        height = _share(n, largest, base - top) if n else 0
        items.append(
            {
                "label": label,
                "count": n,
                "href": href,
                "x": round(i * step + step * 0.15, 2),
                "w": round(step * 0.7, 2),
                "y": round(base - height, 2),
                "h": height,
                "cx": round(i * step + step / 2, 2),
                "ty": round(base - height - 4, 2),
            }
        )
    return {"items": items, "caption": caption, "base": base}


@register.inclusion_tag("includes/charts/stack.html")
def stack(rows: Sequence[tuple[str, str, int, str]], caption: str) -> dict:
    """One stacked bar of shares: (key, label, count, link) per segment."""
    total = sum(n for _, _, n, _ in rows)
    items, x = [], 0.0
    for key, label, n, href in rows:
        w = _share(n, total)
        items.append({"key": key, "label": label, "count": n, "href": href, "x": x, "w": w})
        x = round(x + w, 2)
    return {"items": items, "caption": caption, "total": total}


@register.inclusion_tag("includes/charts/timeline.html")
def drift_timeline(
    commits: Sequence[Any], pinned_at: dt.datetime | None, tip_at: dt.datetime | None
) -> dict:
    """The commits since the pin on a time axis from the pin to the tip."""
    stamps = [c.committed_at for c in commits]
    start = pinned_at or (min(stamps) if stamps else None)
    end = max([*stamps, *([tip_at] if tip_at else [])], default=None)
    if start is None or end is None:
        return {"points": []}
    span = (end - start).total_seconds() or 1.0
    left, right = 10.0, 590.0
    points = [
        {
            "x": round(
                left + (right - left) * max(0.0, (c.committed_at - start).total_seconds()) / span, 2
            ),
            "commit": c,
        }
        for c in commits
    ]
    return {"points": points, "start": start, "end": end, "left": left, "right": right}


@register.inclusion_tag("includes/charts/lines.html")
def step_lines(chart: Any) -> dict:
    """A trends.Chart as step lines on a time axis (600x200), one CSS class per series."""
    points = chart.points
    left, right, top, base = 44.0, 590.0, 10.0, 170.0
    if not points or not chart.series:
        return {"chart": chart, "lines": []}
    start, end = points[0].at, points[-1].at
    span = (end - start).total_seconds() or 1.0
    largest = max((p.values.get(k, 0) for p in points for k, _ in chart.series), default=0) or 1
    if chart.unit == "%":
        largest = 100

    def x(at: dt.datetime) -> float:
        return round(left + (right - left) * (at - start).total_seconds() / span, 2)

    def y(value: float) -> float:
        return round(base - (base - top) * value / largest, 2)

    lines = []
    for index, (key, label) in enumerate(chart.series):
        coords: list[str] = []
        previous: float | None = None
        for point in points:
            value = point.values.get(key, 0)
            if previous is not None:
                coords.append(f"{x(point.at)},{y(previous)}")
            coords.append(f"{x(point.at)},{y(value)}")
            previous = value
        if len(points) == 1:
            coords.append(f"{right},{y(previous or 0)}")
        last = points[-1].values.get(key, 0)
        lines.append(
            {
                "key": key,
                "label": label,
                "tone": index % 8,
                "points": " ".join(coords),
                "last": last,
            }
        )
    return {
        "chart": chart,
        "lines": lines,
        "left": left,
        "right": right,
        "top": top,
        "base": base,
        "largest": largest,
        "start": start,
        "end": end,
    }
