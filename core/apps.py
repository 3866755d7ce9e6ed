from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared base every app builds on (errors, API plumbing, charts, health, tasks).
    It imports no LearnHub app."""

    name = "core"
    label = "core"
