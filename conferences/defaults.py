"""The default conference template, from conferences/data/default_template.json. No model
imports: the data migration passes its historical models, the school setup the current ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEFAULT_TEMPLATE_FILE = Path(__file__).resolve().parent / "data" / "default_template.json"


def default_template_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEFAULT_TEMPLATE_FILE.read_text(encoding="utf-8"))
    return data


def default_template_write(template_model: Any, section_model: Any, school_id: int) -> bool:
    """Create the default template for one school from the data file, unless the school has a
    default already. Takes the model classes so the data migration can use its historical ones."""
    if template_model.objects.filter(school_id=school_id, is_default=True).exists():
        return False
    data = default_template_data()
    name = data["name"]
    if template_model.objects.filter(school_id=school_id, name=name).exists():
        return False
    template = template_model.objects.create(
        school_id=school_id,
        name=name,
        description=data["description"],
        checklist=list(data["checklist"]),
        is_default=True,
    )
    section_model.objects.bulk_create(
        [
            section_model(
                template_id=template.pk,
                order=i,
                kind=s["kind"],
                title=s["title"],
                minutes=s["minutes"],
                prompts=list(s["prompts"]),
            )
            for i, s in enumerate(data["sections"])
        ]
    )
    return True
