from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token

from core.health import healthz
from profiles.forms import EmailAuthenticationForm, QueuedPasswordResetForm

admin.site.site_header = "LearnHub school admin"
admin.site.site_title = "LearnHub admin"
admin.site.index_title = "Run the school"

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", obtain_auth_token, name="token"),
    path("", include("profiles.api.urls")),
    path("", include("mastery.api.urls")),
    path("", include("goals.api.urls")),
    path("", include("conferences.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("profiles.urls")),
    path("", include("mastery.urls")),
    path("", include("goals.urls")),
    path("", include("conferences.urls")),
]

handler403 = "django.views.defaults.permission_denied"
