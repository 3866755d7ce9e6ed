"""The class grid's table body, built in Python.

At 150 students × 60 targets the grid has 9,000 cells; rendering one template include per cell
took ~0.4 ms each (3.7 s a page, 3 MB). Here a cell is ``<td class=l1>2.65</td>`` (``m1``
when mastered): its level colour and the bold of a mastered level come from one CSS rule per
level, and the table is an ARIA grid (``role="grid"``): one cell at a time is in the tab order,
the arrow keys move between cells and Enter or a click opens the cell's evidence
(static/js/grid.js). Row and column headers (``th scope``) name each cell for screen readers.
Cells that show the same thing are one ``GridCell`` (see ``class_grid``), so each distinct cell
is formatted once.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .selectors import ClassGrid, GridCell, GridRow
from .statements import statement_text, truncate

EMPTY_CELL = "<td>–</td>"  # no evidence yet


def _score(score: Decimal | None) -> str:
    if score is None:
        return "·"  # evidence, but no score yet (e.g. "n number of times")
    text = f"{score:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def level_class(index: int, *, mastered: bool) -> str:
    """``l0`` for the highest level, ``l1`` the next …; ``m0``, ``m1`` … when mastered."""
    return f"{'m' if mastered else 'l'}{index}"


class CellFormatter(dict[GridCell | None, str]):
    """Each distinct ``GridCell`` formatted once per page (cells hash by identity, so a row is
    ``"".join(map(formatter.__getitem__, row.cells))``, a lookup per cell)."""

    def __init__(self, grid: ClassGrid) -> None:
        super().__init__({None: EMPTY_CELL})
        self.index = {lv.pk: i for i, lv in enumerate(grid.levels)}

    def __missing__(self, cell: GridCell) -> str:
        if cell.level is not None:
            css = level_class(self.index[cell.level.pk], mastered=cell.mastered)
            html = f"<td class={css}>{_score(cell.score)}</td>"
        elif cell.mastered:
            html = f"<td class=m>{_score(cell.score)}</td>"
        else:
            html = f"<td>{_score(cell.score)}</td>"
        self[cell] = html
        return html


_PK = 2_147_483_647  # a placeholder id: one reverse() per page, not one per student


def _student_url() -> str:
    return reverse("student-detail", args=[_PK]).replace(str(_PK), "{}")


def grid_row_html(
    row: GridRow,
    grid: ClassGrid,
    *,
    oob: bool = False,
    cell: CellFormatter | None = None,
    student_url: str | None = None,
) -> SafeString:
    cell = cell or CellFormatter(grid)
    student = row.student
    behind = row.pacing is not None and not row.pacing.on_pace
    parts = [
        f'<tr id="row-{student.pk}" data-s="{student.pk}"',
        ' class="grid__row--behind"' if behind else "",
        ' hx-swap-oob="true"' if oob else "",
        '><th scope="row" class="grid__student">',
        f'<a href="{(student_url or _student_url()).format(student.pk)}"',
        f' title="{escape(student.display_name)}">',  # the whole name when it is cut short
        escape(student.display_name),
        "</a>",
        (
            f' <span class="badge badge--warn">Behind by {row.pacing.behind_by}</span>'
            if behind and row.pacing
            else ""
        ),
        f'</th><td class="grid__num">{row.mastered}</td>',
        "".join(map(cell.__getitem__, row.cells)),
        "</tr>",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or numeric


def grid_body_html(grid: ClassGrid) -> SafeString:
    cell, url = CellFormatter(grid), _student_url()
    return mark_safe(  # noqa: S308 - see grid_row_html
        "\n".join(grid_row_html(row, grid, cell=cell, student_url=url) for row in grid.rows)
    )


def grid_head_html(grid: ClassGrid) -> SafeString:
    """The column headers: one per learning target, its code (or label) and due date; the
    statement in ``title``; a long code breaks only after a dot. Built here for the same reason
    as the body (60 columns)."""
    parts = []
    for c in grid.competencies:
        due = grid.expected_by.get(c.pk)
        title, text = statement_text(c.statement), truncate(c.code or statement_text(c.label), 18)
        parts.append(
            f'<th scope="col" class="grid__target" title="{escape(title)}" '
            f'data-c="{c.pk}"><span>{escape(text).replace(".", ".<wbr>")}</span>'
            + (f"<small>by {due:%b} {due.day}</small>" if due else "")
            + "</th>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or numeric


def level_styles(grid: ClassGrid) -> SafeString:
    """One CSS rule per level colour (colours are validated as #rrggbb in the model); the
    levels at or above mastery are bold when mastered."""
    rules = []
    for i, lv in enumerate(grid.levels):
        plain, mastered = level_class(i, mastered=False), level_class(i, mastered=True)
        rules.append(f".grid .{plain}::before,.grid .{mastered}::before{{background:{lv.colour}}}")
    rules.append(".grid td[class^=m]{font-weight:700}")
    return mark_safe("\n".join(rules))  # noqa: S308
