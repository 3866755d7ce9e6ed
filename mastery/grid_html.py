"""The class grid's table body, built in Python.

At 150 students × 60 targets the grid has 9,000 cells; rendering one template include per cell
took ~0.4 ms each (3.7 s a page, 3 MB). Built here with one escape per name and compact markup
— a cell is ``<td class=v12 m><button>3</button></td>``, its level colour comes from one CSS rule
per level and one static script opens its evidence — the same page takes ~0.3 s and ~250 KB
(bench/grid.py). Row and column headers (``th scope``) name each cell for screen readers.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .selectors import ClassGrid, GridCell, GridRow


def _score(score: Decimal | None) -> str:
    if score is None:
        return "·"
    text = f"{score:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _cell(cell: GridCell | None) -> str:
    if cell is None:
        return "<td><button>–</button></td>"
    classes = []
    if cell.level is not None:
        classes.append(f"v{cell.level.pk}")
    if cell.mastered:
        classes.append("m")
    attr = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attr}><button>{_score(cell.score)}</button></td>"


def grid_row_html(row: GridRow, *, oob: bool = False) -> SafeString:
    student = row.student
    behind = row.pacing is not None and not row.pacing.on_pace
    parts = [
        f'<tr id="row-{student.pk}" data-s="{student.pk}"',
        ' class="grid__row--behind"' if behind else "",
        ' hx-swap-oob="true"' if oob else "",
        '><th scope="row" class="grid__student">',
        f'<a href="{reverse("student-detail", args=[student.pk])}">',
        escape(student.display_name),
        "</a>",
        (
            f' <span class="badge badge--warn">Behind by {row.pacing.behind_by}</span>'
            if behind and row.pacing
            else ""
        ),
        f'</th><td class="grid__num">{row.mastered}</td>',
        "".join(_cell(cell) for _, cell in row.cells),
        "</tr>",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or numeric


def grid_body_html(grid: ClassGrid) -> SafeString:
    return mark_safe("\n".join(grid_row_html(row) for row in grid.rows))  # noqa: S308


def level_styles(grid: ClassGrid) -> SafeString:
    """One CSS rule per level colour (colours are validated as #rrggbb in the model)."""
    rules = [f".grid .v{lv.pk} button::before{{background:{lv.colour}}}" for lv in grid.levels]
    return mark_safe("\n".join(rules))  # noqa: S308
