from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from profiles.admin_base import (
    SchoolScopedAdmin,
    SchoolScopedInline,
    administered_schools,
    school_scoped_queryset,
)

from .models import (
    Enrollment,
    GuardianLink,
    LearnerProfile,
    Membership,
    Role,
    RosterImport,
    School,
    Section,
    Term,
    User,
)
from .services import membership_create


class MembershipInline(SchoolScopedInline):
    model = Membership
    school_path = "school"
    extra = 0
    autocomplete_fields = ["school"]


class ChildLinkInline(SchoolScopedInline):
    model = GuardianLink
    school_path = "student__memberships__school"
    fk_name = "guardian"
    extra = 0
    autocomplete_fields = ["student"]
    verbose_name = "child"
    verbose_name_plural = "children (as guardian)"


class GuardianLinkInline(SchoolScopedInline):
    model = GuardianLink
    school_path = "student__memberships__school"
    fk_name = "student"
    extra = 0
    autocomplete_fields = ["guardian"]
    verbose_name = "guardian"
    verbose_name_plural = "guardians (as student)"


class SchoolUserCreationForm(AdminUserCreationForm):
    """A new person is added to a school with a first role, so the school admin who adds them
    can see them afterwards (a person belongs to a school through a membership)."""

    school = forms.ModelChoiceField(queryset=School.objects.none(), required=False)
    role = forms.ChoiceField(choices=[("", "---------"), *Role.choices], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("school")) != bool(data.get("role")):
            raise forms.ValidationError("Give both the school and the person's role there.")
        return data


@admin.register(User)
class UserAdmin(SchoolScopedAdmin, DjangoUserAdmin):  # type: ignore[misc]
    """People. A school admin manages the accounts of people who belong only to schools they
    run; a person who also belongs to another school is read-only here (their password, email
    and name are an operator's to change — docs/decisions/0004), while their roles, classes and
    family links at this school stay editable in Memberships, Enrollments and Guardian links."""

    school_path = "memberships__school"
    add_form = SchoolUserCreationForm
    ordering = ["family_name", "given_name"]
    list_display = ["email", "given_name", "family_name", "roles", "is_active", "sourced_id"]
    list_filter = ["memberships__role", "memberships__school", "is_active", "is_staff"]
    search_fields = ["email", "given_name", "family_name", "preferred_name", "sourced_id"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [MembershipInline, GuardianLinkInline, ChildLinkInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("given_name", "family_name", "preferred_name")}),
        ("Roster", {"fields": ("sourced_id", "is_active")}),
        ("Admin access", {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "given_name",
                    "family_name",
                    "school",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        memberships = Membership.objects.all()
        if not request.user.is_superuser:
            # The roles column names the admin's own school's roles only.
            memberships = memberships.filter(school_id__in=administered_schools(request))
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("memberships", queryset=memberships))
        )

    @admin.display(description="roles")
    def roles(self, obj: User) -> str:
        return ", ".join(sorted({m.get_role_display() for m in obj.memberships.all()}))

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "school" in form.base_fields:
            school_field = form.base_fields["school"]
            school_field.queryset = school_scoped_queryset(School, request)  # type: ignore[attr-defined]
            if not request.user.is_superuser:
                school_field.required = True
                form.base_fields["role"].required = True
        return form

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # Adding a person asks for their school and first role; the rest follows on their page.
        return [] if obj is None else super().get_inline_instances(request, obj)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        school, role = form.cleaned_data.get("school"), form.cleaned_data.get("role")
        if not change and school and role:
            membership_create(
                actor=request.user,  # type: ignore[arg-type]
                user=obj,
                school=school,
                role=role,
            )

    def _known_elsewhere(self, request: HttpRequest, obj: Any) -> bool:
        """The person also belongs to a school this admin does not run."""
        if obj is None or request.user.is_superuser:
            return False
        return (
            Membership.objects.filter(user_id=obj.pk)
            .exclude(school_id__in=administered_schools(request))
            .exists()
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not self._known_elsewhere(
            request, obj
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not self._known_elsewhere(
            request, obj
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if request.method == "GET" and self._known_elsewhere(request, obj):
            messages.info(
                request,
                "This person also belongs to another school, so their account (name, email, "
                "password, access) is read-only here and changed by an operator. Their roles, "
                "classes and family links at your school are in Memberships, Enrollments and "
                "Guardian links.",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # A school admin cannot mint superusers or hand out arbitrary permissions.
            fields += ["is_superuser", "groups", "user_permissions"]
        return fields


@admin.register(School)
class SchoolAdmin(SchoolScopedAdmin):
    school_path = "pk"
    list_display = ["name", "identifier", "sourced_id", "is_active"]
    search_fields = ["name", "identifier", "sourced_id"]
    list_filter = ["is_active"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def save_model(self, request: HttpRequest, obj: School, form: Any, change: bool) -> None:
        from .services import school_setup

        super().save_model(request, obj, form, change)
        school_setup(school=obj)


@admin.register(Term)
class TermAdmin(SchoolScopedAdmin):
    list_display = ["title", "school", "kind", "start_date", "end_date", "school_year", "is_active"]
    list_filter = ["school", "kind", "school_year", "is_active"]
    search_fields = ["title", "sourced_id"]
    date_hierarchy = "start_date"


class EnrollmentInline(SchoolScopedInline):
    model = Enrollment
    school_path = "section__school"
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Section)
class SectionAdmin(SchoolScopedAdmin):
    list_display = ["name", "code", "kind", "school", "subject", "is_active"]
    list_filter = ["school", "kind", "terms", "is_active"]
    search_fields = ["name", "code", "course_title", "sourced_id"]
    filter_horizontal = ["terms"]
    inlines = [EnrollmentInline]


@admin.register(Membership)
class MembershipAdmin(SchoolScopedAdmin):
    list_display = ["user", "school", "role", "grade_level", "is_active"]
    list_filter = ["school", "role", "grade_level", "is_active"]
    search_fields = ["user__email", "user__given_name", "user__family_name"]
    autocomplete_fields = ["user", "school"]
    list_select_related = ["user", "school"]


@admin.register(Enrollment)
class EnrollmentAdmin(SchoolScopedAdmin):
    school_path = "section__school"
    list_display = ["user", "section", "role", "is_primary", "is_active"]
    list_filter = ["role", "is_active", "section__school", "section__kind"]
    search_fields = ["user__email", "user__family_name", "section__name", "section__code"]
    autocomplete_fields = ["user", "section"]
    list_select_related = ["user", "section"]


@admin.register(GuardianLink)
class GuardianLinkAdmin(SchoolScopedAdmin):
    school_path = "student__memberships__school"
    list_display = ["guardian", "student", "relationship", "is_active"]
    list_filter = ["is_active", "relationship"]
    search_fields = [
        "guardian__email",
        "guardian__family_name",
        "student__email",
        "student__family_name",
    ]
    autocomplete_fields = ["guardian", "student"]
    list_select_related = ["guardian", "student"]


@admin.register(LearnerProfile)
class LearnerProfileAdmin(SchoolScopedAdmin):
    school_path = "student__memberships__school"
    list_display = ["student", "updated_at", "updated_by", "version"]
    search_fields = ["student__email", "student__given_name", "student__family_name"]
    list_select_related = ["student", "updated_by"]
    readonly_fields = ["student", "version", "updated_at", "updated_by", "history"]
    fieldsets = (
        (None, {"fields": ("student",)}),
        (
            "In the student's words",
            {"fields": ("strengths", "needs", "interests", "learning_preferences", "aspirations")},
        ),
        ("Staff only", {"fields": ("support_notes", "accommodations")}),
        ("Record", {"fields": ("version", "updated_at", "updated_by", "history")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="history (who, when, what)")
    def history(self, obj: LearnerProfile) -> str:
        from django.utils.html import format_html_join

        from .selectors import history_for_profile

        rows = history_for_profile(obj.student, limit=25)
        return (
            format_html_join(
                "",
                "<p>{} · {} · {}</p>",
                (
                    (
                        f"{r.when:%Y-%m-%d %H:%M}",
                        r.who.display_name if r.who else "an import or the system",
                        ", ".join(r.fields),
                    )
                    for r in rows
                ),
            )
            or "No changes recorded."
        )

    def save_model(
        self, request: HttpRequest, obj: LearnerProfile, form: Any, change: bool
    ) -> None:
        """Edits in the admin go through the same service as the pages (history, conflicts)."""
        from .services import learner_profile_update

        learner_profile_update(
            actor=request.user,  # type: ignore[arg-type]
            student=obj.student,
            expected_version=obj.version,
            changes={name: form.cleaned_data[name] for name in form.changed_data},
        )


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="OneRoster 1.1 CSV export (.zip)",
        help_text="A zip holding manifest.csv, orgs.csv, academicSessions.csv, courses.csv, "
        "classes.csv, users.csv and enrollments.csv. Importing the same export twice changes "
        "nothing; a file with errors writes nothing.",
    )


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["source_name", "status", "created_at", "created_by"]
    list_filter = ["status"]
    readonly_fields = [
        "source_name",
        "status",
        "created_at",
        "created_by",
        "counts",
        "warnings",
        "problems",
    ]
    exclude = ["summary", "errors"]
    change_list_template = "admin/profiles/rosterimport/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="what changed")
    def counts(self, obj: RosterImport) -> str:
        rows = [
            (
                name,
                c.get("created", 0),
                c.get("updated", 0),
                c.get("deactivated", 0),
                c.get("unchanged", 0),
            )
            for name, c in obj.summary.items()
            if isinstance(c, dict) and "created" in c
        ]
        if not rows:
            return "Nothing written."
        return format_html(
            "<table><thead><tr><th>record</th><th>created</th><th>updated</th>"
            "<th>deactivated</th><th>unchanged</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows
            ),
        )

    @admin.display(description="warnings")
    def warnings(self, obj: RosterImport) -> str:
        items = obj.summary.get("warnings") or []
        if not items:
            return "None."
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((w,) for w in items))
        )

    @admin.display(description="problems (nothing was written)")
    def problems(self, obj: RosterImport) -> str:
        if not obj.errors:
            return "None."
        return format_html(
            "<table><thead><tr><th>file</th><th>line</th><th>field</th><th>reason</th></tr>"
            "</thead><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (e.get("file", ""), e.get("line", ""), e.get("field", ""), e.get("reason", ""))
                    for e in obj.errors
                ),
            ),
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or bool(administered_schools(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RosterImport]:
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(created_by=request.user)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="profiles_rosterimport_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        from .oneroster import roster_import

        if not self.has_module_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = RosterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            result = roster_import(
                source=upload,
                source_name=upload.name,
                actor=request.user,  # type: ignore[arg-type]
            )
            if result.status == RosterImport.Status.APPLIED:
                messages.success(request, f"Imported {upload.name}: {result.summary_text}.")
            else:
                messages.error(
                    request,
                    f"{upload.name} was not imported: {len(result.errors)} problem(s), "
                    "nothing was written. See the report below.",
                )
            return HttpResponseRedirect(
                reverse("admin:profiles_rosterimport_change", args=[result.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a OneRoster roster",
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/profiles/rosterimport/upload.html", context)
