from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from .models import Role
from .permissions import roles_of


def navigation(request: HttpRequest) -> dict[str, object]:
    """Role-aware navigation: one entry per home the person has."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": frozenset()}
    roles = roles_of(user)
    items: list[dict[str, str]] = []
    if Role.TEACHER in roles:
        items.append({"label": "My students", "url": reverse("teacher-home")})
        items.append({"label": "Follow-ups", "url": reverse("followup-queue"), "count": "flags"})
        items.append({"label": "Evidence to review", "url": reverse("evidence-review")})
        items.append({"label": "Advisory goals", "url": reverse("advisory-goals")})
        items.append({"label": "Conferences", "url": reverse("conference-schedule")})
    if Role.STUDENT in roles:
        # Editing one's own About me (/students/<me>/about/edit/) is still "About me".
        items.append(
            {
                "label": "About me",
                "url": reverse("student-home"),
                "also": reverse("about-me-edit", args=[user.pk]),
            }
        )
        items.append({"label": "My goals", "url": reverse("my-goals")})
        items.append({"label": "My mastery", "url": reverse("my-mastery")})
        items.append({"label": "My conference", "url": reverse("my-conference")})
    if Role.GUARDIAN in roles:
        items.append({"label": "My children", "url": reverse("family-home")})
        items.append({"label": "Conferences", "url": reverse("family-conferences")})
    if user.is_staff:
        items.append({"label": "School admin", "url": reverse("admin:index")})
    # The API docs are for integrators (school admins, operators), not a teacher's daily work;
    # /api/docs/ stays open to every signed-in person.
    if Role.ADMIN in roles or user.is_superuser:
        items.append({"label": "API", "url": reverse("api-docs")})
    path = request.path
    # The longest matching prefix is the current page (/teach/evidence/ is not "My students").
    matches = [
        (len(prefix), i)
        for i in items
        for prefix in (i["url"], i.get("also"))
        if prefix and path.startswith(prefix)
    ]
    best = max(matches, key=lambda m: m[0], default=(0, None))[1]
    for item in items:
        item["current"] = "page" if item is best else ""
    context: dict[str, object] = {"nav_items": items, "user_roles": roles}
    if Role.GUARDIAN in roles:
        from .selectors import family_contacts_for

        # Called (one query) only by the pages that show it: every page a family sees.
        context["family_contacts"] = lambda: family_contacts_for(user)
    return context
