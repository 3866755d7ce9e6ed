from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from profiles.admin_base import (
    SchoolScopedAdmin,
    SchoolScopedInline,
    administered_schools,
    school_scoped_queryset,
)

from .access import request_user
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
from .oneroster import ENTITY_FILES
from .oneroster.changes import ENTITIES, NOUNS
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
class UserAdmin(SchoolScopedAdmin, DjangoUserAdmin):
    """People. A school admin manages the accounts of people who belong only to schools they
    run; a person who also belongs to another school is read-only here (their password, email
    and name are an operator's to change — docs/decisions/0004), while their roles, classes and
    family links at this school stay editable in Memberships, Enrollments and Guardian links."""

    school_path = "memberships__school"
    add_form = SchoolUserCreationForm
    ordering = ["family_name", "given_name"]
    # The role right after the email: at 1280 px, beside the navigation sidebar and the filters,
    # the columns after the third are cut off (sourcedId stays searchable and on the form).
    list_display = ["email", "roles", "given_name", "family_name", "is_active"]
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
                actor=request_user(request),
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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Binding a school to its OneRoster org is an operator's (decision 0006).
            fields.append("sourced_id")
        return fields

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

        rows = history_for_profile(student=obj.student, limit=25)
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
            actor=request_user(request),
            student=obj.student,
            expected_version=obj.version,
            changes={name: form.cleaned_data[name] for name in form.changed_data},
        )


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="OneRoster 1.1 CSV export (.zip)",
        help_text="A zip holding manifest.csv, orgs.csv, academicSessions.csv, courses.csv, "
        "classes.csv, users.csv and enrollments.csv. You will see what it would change before "
        "anything is written.",
    )


class RosterConfirmForm(forms.Form):
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
    confirmation = forms.CharField(
        required=False,
        max_length=100,
        label="Type the words above to confirm",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def _problem_list(items: list[dict[str, Any]], *, empty: str) -> str:
    """Warnings or errors as sentences ("users.csv, line 5 (email): …")."""
    from .oneroster import problem_text

    if not items:
        return empty
    return format_html(
        "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((problem_text(p),) for p in items))
    )


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    list_display = ["source_name", "status", "created_at", "created_by"]
    list_filter = ["status"]
    fields = (
        "source_name",
        "status",
        "next_step",
        "created_at",
        "created_by",
        "applied_at",
        "counts",
        "renamed",
        "examples",
        "warnings",
        "problems",
        "columns",
    )
    readonly_fields = fields
    change_list_template = "admin/profiles/rosterimport/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="next step")
    def next_step(self, obj: RosterImport) -> str:
        if obj.status == RosterImport.Status.PREVIEWED:
            return format_html(
                '<a href="{}">Check the preview and confirm or cancel it</a>',
                reverse("admin:profiles_rosterimport_preview", args=[obj.pk]),
            )
        if obj.status == RosterImport.Status.REJECTED:
            onboarding = obj.summary.get("onboarding")
            if onboarding:
                return _onboarding_step(onboarding)
            return "Nothing was written. Fix the problems below and upload the file again."
        if obj.status == RosterImport.Status.DISCARDED:
            return "Nothing was written: the preview was cancelled or expired."
        return "None: the changes below were written."

    @admin.display(description="what changed")
    def counts(self, obj: RosterImport) -> str:
        rows = [
            (row["label"], row["created"], row["updated"], row["deactivated"], row["unchanged"])
            for row in _count_rows(obj.summary)
        ]
        if not rows:
            return "Nothing."
        return format_html(
            '<table><thead><tr><th scope="col">record</th><th scope="col">created</th>'
            '<th scope="col">updated</th><th scope="col">deactivated</th>'
            '<th scope="col">unchanged</th></tr></thead><tbody>{}</tbody></table>',
            format_html_join(
                "",
                '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
                rows,
            ),
        )

    @admin.display(description="renamed")
    def renamed(self, obj: RosterImport) -> str:
        lines = [line for group in (obj.summary.get("renames") or {}).values() for line in group]
        if not lines:
            return "Nothing."
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((x,) for x in lines))
        )

    @admin.display(description="examples")
    def examples(self, obj: RosterImport) -> str:
        items = [
            (
                group["title"].replace(" would be ", " "),
                "; ".join(group["examples"])
                + (f"; and {group['more']} more" if group["more"] > 0 else ""),
            )
            for group in _example_groups(obj.summary)
        ]
        if not items:
            return "Nothing."
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li><strong>{}</strong>: {}</li>", items)
        )

    @admin.display(description="warnings")
    def warnings(self, obj: RosterImport) -> str:
        return _problem_list(obj.summary.get("warnings") or [], empty="None.")

    @admin.display(description="problems")
    def problems(self, obj: RosterImport) -> str:
        return _problem_list(obj.errors or [], empty="None.")

    @admin.display(description="columns")
    def columns(self, obj: RosterImport) -> str:
        rows = _column_rows(obj.summary.get("columns") or {})
        if not rows:
            return "Not read."
        return format_html(
            '<table><thead><tr><th scope="col">file</th><th scope="col">read</th>'
            '<th scope="col">not kept</th><th scope="col">not in OneRoster 1.1, not read</th>'
            "</tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "", '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>', rows
            ),
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or bool(administered_schools(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RosterImport]:
        qs = super().get_queryset(request).defer("upload")
        return qs if request.user.is_superuser else qs.filter(created_by=request.user)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="profiles_rosterimport_upload"),
            path(
                "<int:pk>/preview/",
                view(self.preview_view),
                name="profiles_rosterimport_preview",
            ),
            path(
                "<int:pk>/discard/",
                view(self.discard_view),
                name="profiles_rosterimport_discard",
            ),
            *super().get_urls(),
        ]

    def _require_importer(self, request: HttpRequest) -> None:
        if not self.has_module_permission(request):
            raise PermissionDenied

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        from core.errors import DomainError

        from .services import MAX_UPLOAD_BYTES, roster_import_preview

        self._require_importer(request)
        form = RosterUploadForm(request.POST or None, request.FILES or None)
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    record = roster_import_preview(
                        actor=request_user(request),
                        upload=upload.read(MAX_UPLOAD_BYTES + 1),
                        source_name=upload.name,
                    )
                except DomainError as exc:
                    form.add_error("file", exc.message)
                else:
                    if record.status == RosterImport.Status.PREVIEWED:
                        return HttpResponseRedirect(
                            reverse("admin:profiles_rosterimport_preview", args=[record.pk])
                        )
                    count = len(record.errors)
                    messages.error(
                        request,
                        f"{upload.name} cannot be imported: {count} "
                        f"{'problem' if count == 1 else 'problems'}, listed below.",
                    )
                    return HttpResponseRedirect(
                        reverse("admin:profiles_rosterimport_change", args=[record.pk])
                    )
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a OneRoster roster",
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/profiles/rosterimport/upload.html", context, status=status)

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        from core.errors import Conflict, DomainError, ValidationFailed

        from .services import roster_import_confirm, roster_import_expired, roster_import_refresh

        self._require_importer(request)
        record = (
            RosterImport.objects.filter(pk=pk, created_by_id=request.user.pk)
            .defer("upload")
            .first()
        )
        if record is None:
            raise Http404("There is no such roster import of yours.")
        if record.status != RosterImport.Status.PREVIEWED:
            return HttpResponseRedirect(
                reverse("admin:profiles_rosterimport_change", args=[record.pk])
            )
        form = RosterConfirmForm(request.POST or None, initial={"digest": record.plan_digest})
        status, notice = 200, ""
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    applied = roster_import_confirm(
                        actor=request_user(request),
                        roster_import_id=record.pk,
                        digest=form.cleaned_data["digest"],
                        confirmation=form.cleaned_data["confirmation"],
                    )
                except ValidationFailed as exc:
                    form.add_error("confirmation", exc.message)
                except Conflict as exc:
                    status, notice = 409, exc.message
                    if exc.code == "stale_preview":
                        record = roster_import_refresh(
                            actor=request_user(request),
                            roster_import_id=record.pk,
                        )
                        if record.status != RosterImport.Status.PREVIEWED:
                            messages.error(
                                request,
                                f"{exc.message} {record.source_name} now has "
                                "problems, listed below.",
                            )
                            return HttpResponseRedirect(
                                reverse("admin:profiles_rosterimport_change", args=[record.pk])
                            )
                        form = RosterConfirmForm(initial={"digest": record.plan_digest})
                except DomainError as exc:
                    status, notice = exc.status, exc.message
                else:
                    if applied.status == RosterImport.Status.APPLIED:
                        messages.success(
                            request, f"Imported {applied.source_name}: {applied.summary_text}."
                        )
                    else:
                        messages.error(
                            request,
                            f"{applied.source_name} was not imported: the database refused it.",
                        )
                    return HttpResponseRedirect(
                        reverse("admin:profiles_rosterimport_change", args=[applied.pk])
                    )
        summary = record.summary
        context = {
            **self.admin_site.each_context(request),
            "title": f"Check before importing {record.source_name}",
            "opts": self.model._meta,
            "record": record,
            "form": form,
            "notice": notice,
            "expired": roster_import_expired(record),
            "rows": _count_rows(summary),
            "renames": [
                line for group in (summary.get("renames") or {}).values() for line in group
            ],
            "groups": _example_groups(summary),
            "deactivation": summary.get("deactivation") or {},
            "warnings": _sentences(summary.get("warnings") or []),
            "columns": _column_rows(summary.get("columns") or {}),
            "nothing": not any(row["changed"] for row in _count_rows(summary)),
        }
        return render(request, "admin/profiles/rosterimport/preview.html", context, status=status)

    def discard_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        from core.errors import NotFound

        from .services import roster_import_discard

        self._require_importer(request)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:profiles_rosterimport_preview", args=[pk]))
        try:
            record = roster_import_discard(actor=request_user(request), roster_import_id=pk)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        messages.info(
            request, f"The preview of {record.source_name} was discarded: nothing was written."
        )
        return HttpResponseRedirect(reverse("admin:profiles_rosterimport_upload"))


def _onboarding_step(onboarding: dict[str, Any]) -> str:
    """What a school admin refused for a school they do not run does next (docs/decisions/0006)."""
    names = onboarding.get("names", {})
    orgs = ", ".join(
        f"{sid} ({names[sid]})" if names.get(sid) else sid for sid in onboarding["org_sids"]
    )
    schools = onboarding.get("schools") or []
    unbound = [s for s in schools if not s["sourced_id"]]
    if onboarding.get("unknown") and len(schools) == 1:
        school = schools[0]
        bind = format_html(
            'bind <a href="{}">{}</a> to it (its sourcedId field)', school["url"], school["name"]
        )
        if not unbound:
            bind = format_html(
                'change the sourcedId of <a href="{}">{}</a> (now {}) if this is its export, or '
                'add the school on <a href="{}">Schools → Add</a> and make you its admin',
                school["url"],
                school["name"],
                school["sourced_id"],
                onboarding["add_url"],
            )
    elif onboarding.get("unknown"):
        bind = format_html(
            'add the school on <a href="{}">Schools → Add</a> with that sourcedId and make you '
            "its admin",
            onboarding["add_url"],
        )
    else:
        return format_html(
            "Nothing was written. This file is for {}, a school in LearnHub you do not "
            "administer: ask its school admin or your LearnHub operator to import it.",
            orgs,
        )
    return format_html(
        "Nothing was written. This file is for {}, which LearnHub does not know yet. Only a "
        "LearnHub operator binds a school to its OneRoster sourcedId: ask yours to {}, then "
        "upload the file again.",
        orgs,
        bind,
    )


def _sentences(items: list[dict[str, Any]]) -> list[str]:
    from .oneroster import problem_text

    return [problem_text(p) for p in items]


# Record types and files in the order they are written and listed in OneRoster, whatever
# order the JSON column gives back (PostgreSQL's jsonb does not keep it).
FILE_ORDER = [f"{key}.csv" for key in ("manifest", *ENTITY_FILES)]


def _count_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, _ in ENTITIES:
        counts = summary.get(name)
        if isinstance(counts, dict) and "unchanged" in counts:
            rows.append(
                {
                    "label": NOUNS[name][1].capitalize() if name in NOUNS else name,
                    **counts,
                    "changed": counts["created"] + counts["updated"] + counts["deactivated"],
                }
            )
    return rows


def _example_groups(summary: dict[str, Any]) -> list[dict[str, Any]]:
    verbs = {"created": "created", "updated": "updated", "deactivated": "deactivated"}
    groups = []
    changes = summary.get("changes") or {}
    for entity, _ in ENTITIES:
        actions = changes.get(entity)
        if not actions:
            continue
        singular, plural = NOUNS[entity]
        for action in ("deactivated", "created", "updated"):
            shown = actions.get(action)
            if not shown:
                continue
            count = shown["count"]
            groups.append(
                {
                    "title": f"{count} {singular if count == 1 else plural} would be "
                    f"{verbs[action]}",
                    "action": action,
                    "examples": shown["examples"],
                    "more": count - len(shown["examples"]),
                }
            )
    return groups


def _column_rows(columns: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    for filename in sorted(columns, key=lambda f: FILE_ORDER.index(f) if f in FILE_ORDER else 99):
        report = columns[filename]
        read = ", ".join(
            [*(c for c in report.get("read", []) if c not in report.get("mapped", {}).values())]
            + [f"{new} (from {old})" for old, new in report.get("mapped", {}).items()]
        )
        not_kept = ", ".join([*report.get("not_kept", []), *report.get("extensions", [])])
        rows.append(
            (filename, read or "–", not_kept or "–", ", ".join(report.get("unknown", [])) or "–")
        )
    return rows
