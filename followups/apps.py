from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "followups"

    def ready(self) -> None:
        # The digest task lives next to the digest (followups.digest); Celery's autodiscovery
        # only imports tasks.py, so register it here.
        from . import digest  # noqa: F401
