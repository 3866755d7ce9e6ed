from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.health import healthz
from profiles.api.views import TokenView
from profiles.views import (
    LoginPage,
    PasswordChangePage,
    PasswordResetConfirmPage,
    PasswordResetPage,
)

admin.site.site_header = "LearnHub school admin"
admin.site.site_title = "LearnHub admin"
admin.site.index_title = "Run the school"

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("", include("profiles.api.urls")),
    path("", include("mastery.api.urls")),
    path("", include("goals.api.urls")),
    path("", include("conferences.api.urls")),
    path("", include("followups.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", LoginPage.as_view(), name="login"),
    path("accounts/password_reset/", PasswordResetPage.as_view(), name="password_reset"),
    path("accounts/password_change/", PasswordChangePage.as_view(), name="password_change"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        PasswordResetConfirmPage.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # A page for people: signed out, the login page (then back here), like every other page.
    # HTML only: its renderer has no template for DRF's OPTIONS metadata (a 500), so it
    # answers GET and HEAD and nothing else.
    path(
        "api/docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", http_method_names=["get", "head"]
            )
        ),
        name="api-docs",
    ),
    path("", include("profiles.urls")),
    path("", include("mastery.urls")),
    path("", include("goals.urls")),
    path("", include("conferences.urls")),
    path("", include("followups.urls")),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
