from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "learnhub.common"
    label = "common"
