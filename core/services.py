"""The ``@service`` decorator every write goes through: one transaction, and the history
context named after the function, so a change in the audit trail says which service made it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import pghistory
from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")


def service(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` atomically inside ``pghistory.context(service=<its name>, user=<actor>)``.

    Services take keyword-only arguments; the acting person is ``actor`` (absent for the
    system's own work, such as the nightly scan)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        actor: Any = kwargs.get("actor")
        context: dict[str, Any] = {"service": fn.__name__}
        if actor is not None and getattr(actor, "pk", None):
            context["user"] = actor.pk
        with transaction.atomic(), pghistory.context(**context):
            return fn(*args, **kwargs)

    return wrapper
