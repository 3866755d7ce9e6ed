from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from profiles.models import Role
from profiles.permissions import roles_of

from .selectors import open_flag_count


def followups(request: HttpRequest) -> dict[str, object]:
    """The count of open flags given to a teacher (their queue's), in their navigation;
    counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or Role.TEACHER not in roles_of(user):
        return {"open_flag_count": 0}
    return {
        "open_flag_count": SimpleLazyObject(
            lambda: open_flag_count(viewer=user, assigned_to_me=True)
        )
    }
