"""The README is the newcomer's first page: what it cites exists, and its API row lists every
route group the API has."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import get_resolver

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_every_document_the_readme_cites_is_in_the_repository():
    cited = set(re.findall(r"\]\(([^)#]+\.(?:md|png))", README))
    cited |= set(re.findall(r"(?<![\w/-])([A-Z][A-Za-z_]*\.md)\b", README))  # e.g. PRODUCT.md
    missing = sorted(c for c in cited if not (ROOT / c).exists())
    assert missing == []


def test_the_api_row_lists_the_goals_endpoints():
    row = next(line for line in README.splitlines() if line.startswith("| `/api/v1/`"))
    _, api = get_resolver().namespace_dict["api"]
    names = {n for n in api.reverse_dict if isinstance(n, str)}
    goal_actions = sorted(
        n.removeprefix("goal-") for n in names if n.startswith("goal-") and n != "goal-list"
    )
    assert goal_actions  # the goals API has its transitions, check-ins, comments and steps
    for action in goal_actions:
        if action != "detail":
            assert f"`{action}/`" in row, action
    assert "`action-steps/" in row
