"""Charts drawn on the server as inline SVG: a line per object type over the nights, and each night's ops.

No script draws them, so they show without JavaScript; each has a title and a table fallback
(the numbers under the chart) for a screen reader.
"""

from __future__ import annotations

from html import escape
from typing import Any

from markupsafe import Markup

#: Colours with at least 3:1 contrast on white, told apart also by dash patterns.
LINES = {"person": ("#1f5fa8", ""), "group": ("#a8461f", "6 3"), "membership": ("#2e7d32", "2 2")}
OPS = {"add": "#2e7d32", "update": "#1f5fa8", "delete": "#b3261e"}
W, H, PAD = 600, 160, 30


def totals_chart(nights: list[dict[str, Any]], title: str, types: tuple[str, ...]) -> Markup:
    """Counts after each night, one line per type, each scaled to its own maximum (they differ 100-fold)."""
    if not nights:
        return Markup("")
    parts = [_frame(title)]
    step = (W - 2 * PAD) / max(len(nights) - 1, 1)
    for object_type in types:
        values = [int(n["totals"].get(object_type, 0)) for n in nights]
        top = max(values) or 1
        points = " ".join(
            f"{PAD + i * step:.1f},{H - PAD - (v / top) * (H - 2 * PAD):.1f}" for i, v in enumerate(values)
        )
        colour, dash = LINES.get(object_type, ("#444", ""))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}" points="{points}">'
            f"<title>{escape(object_type)}: {values[-1]}</title></polyline>"
        )
    parts.append(_legend({t: LINES.get(t, ("#444", ""))[0] for t in types}))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text in it went through escape)


def ops_chart(nights: list[dict[str, Any]], title: str) -> Markup:
    """Each night's adds, updates and deletes as stacked bars."""
    if not nights:
        return Markup("")
    top = max((sum(n["ops"].values()) for n in nights), default=0) or 1
    width = (W - 2 * PAD) / len(nights)
    parts = [_frame(title)]
    for i, night in enumerate(nights):
        y = float(H - PAD)
        for op, colour in OPS.items():
            n = int(night["ops"].get(op, 0))
            if not n:
                continue
            height = n / top * (H - 2 * PAD)
            y -= height
            parts.append(
                f'<rect x="{PAD + i * width:.1f}" y="{y:.1f}" width="{max(width - 1, 1):.1f}" '
                f'height="{height:.1f}" fill="{colour}"><title>run {night["run_id"]}: {n} {op}</title></rect>'
            )
    parts.append(_legend(OPS))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text in it went through escape)


def _frame(title: str) -> str:
    return (
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {W} {H}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#555"/>'
    )


def _legend(colours: dict[str, str]) -> str:
    out = []
    for i, (name, colour) in enumerate(colours.items()):
        x = PAD + i * 130
        out.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="16" font-size="12" fill="#222">{escape(name)}</text>'
        )
    return "".join(out)
