from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    """The shared base every app builds on (errors, API plumbing, charts, health, tasks).
    It imports no LearnHub app."""

    name = "core"
    label = "core"

    def ready(self) -> None:
        from django.core.signals import got_request_exception

        from .middleware import mark_database_down

        got_request_exception.connect(mark_database_down, dispatch_uid="core.database_down")
        checks.register(check_database_middleware_first)


def check_database_middleware_first(**kwargs: object) -> list[checks.CheckMessage]:
    from django.conf import settings

    name = "core.middleware.DatabaseUnavailableMiddleware"
    if settings.MIDDLEWARE[:1] != [name]:
        return [
            checks.Error(
                f"{name} must be the first middleware, so every request gets a clear 503 "
                "while the database is down, whichever middleware meets it.",
                id="core.E001",
            )
        ]
    return []
