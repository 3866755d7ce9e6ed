"""The application's URLs; bench scripts append their floor views here before the first
request (the resolver is built lazily)."""

from django.urls import URLPattern, URLResolver

from learnhub.urls import urlpatterns as app_urlpatterns

urlpatterns: list[URLPattern | URLResolver] = [*app_urlpatterns]
