"""LearnHub: the web application a personalized-learning school runs on."""

from .celery import app as celery_app

__all__ = ("celery_app",)
