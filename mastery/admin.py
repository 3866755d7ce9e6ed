from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.errors import DomainError
from profiles.access import request_user
from profiles.admin_base import (
    SchoolScopedAdmin,
    SchoolScopedInline,
    administered_schools,
    register_school_path,
)
from profiles.models import School, Section

from . import calculation as calc
from .models import (
    Competency,
    Evidence,
    Framework,
    MasteryRecord,
    PacingPlan,
    PacingTarget,
    Prerequisite,
    ProficiencyLevel,
    ProficiencyScale,
    SectionCompetency,
)
from .services import (
    competency_update,
    evidence_delete,
    evidence_update,
    framework_link_sections,
    framework_update,
    scale_update,
    scale_validate,
)

# Levels have no admin of their own (they are edited inline on their scale).
register_school_path(ProficiencyLevel, "scale__school")


class LevelFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        rows = [
            (f.cleaned_data["points"], f.cleaned_data.get("is_mastery", False))
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and "points" in f.cleaned_data
        ]
        try:
            scale_validate(rows)
        except DomainError as error:
            raise ValidationError(error.message) from error


class LevelInline(SchoolScopedInline):
    school_path = "scale__school"
    model = ProficiencyLevel
    formset = LevelFormSet
    extra = 0
    min_num = 1


@admin.register(ProficiencyScale)
class ProficiencyScaleAdmin(SchoolScopedAdmin):
    list_display = ["name", "school", "is_default", "level_summary"]
    list_filter = ["school", "is_default"]
    search_fields = ["name"]
    inlines = [LevelInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("levels")

    @admin.display(description="levels")
    def level_summary(self, obj: ProficiencyScale) -> str:
        return ", ".join(
            f"{lv.points.normalize()} {lv.label}{' ★' if lv.is_mastery else ''}"
            for lv in obj.levels.all()
        )

    def save_model(
        self, request: HttpRequest, obj: ProficiencyScale, form: Any, change: bool
    ) -> None:
        if not change:  # an edit is saved with its levels, by scale_update in save_related
            super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not change:
            super().save_related(request, form, formsets, change)
            return
        levels: list[ProficiencyLevel] = []
        deleted: list[ProficiencyLevel] = []
        for formset in formsets:
            levels += formset.save(commit=False)
            deleted += formset.deleted_objects
        ids = scale_update(
            actor=request_user(request),
            scale=form.instance,
            levels=levels,
            deleted=deleted,
        )
        form.save_m2m()
        if ids:
            messages.info(request, f"Mastery records of {len(ids)} framework(s) are being rebuilt.")


class FrameworkForm(forms.ModelForm):
    link_sections = forms.ModelMultipleChoiceField(
        queryset=Section.objects.none(),
        required=False,
        label="Work on it in these sections",
        help_text="Links every learning target of this framework to the chosen sections.",
    )

    class Meta:
        model = Framework
        fields = [
            "school",
            "title",
            "subject",
            "description",
            "creator",
            "version",
            "scale",
            "calculation_method",
            "calculation_parameter",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        method = data.get("calculation_method")
        if method:
            try:
                calc.validate_parameter(method, data.get("calculation_parameter"))
            except DomainError as error:
                self.add_error("calculation_parameter", error.message)
        return data


@admin.register(Framework)
class FrameworkAdmin(SchoolScopedAdmin):
    form = FrameworkForm
    list_display = ["title", "school", "subject", "calculation_method", "competency_count"]
    list_filter = ["school", "calculation_method", "is_active"]
    search_fields = ["title", "identifier", "subject"]
    readonly_fields = ["identifier", "uri", "imported_at", "tree"]
    change_list_template = "admin/mastery/framework/change_list.html"

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        sections = Section.objects.all()
        if obj is not None:
            sections = sections.filter(school=obj.school)
        if not request.user.is_superuser:
            sections = sections.filter(school_id__in=administered_schools(request))
        form.base_fields["link_sections"].queryset = sections  # type: ignore[attr-defined]
        return form

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        from django.db.models import Count

        return super().get_queryset(request).annotate(n=Count("competencies"))

    @admin.display(description="competencies", ordering="n")
    def competency_count(self, obj: Any) -> int:
        return int(obj.n)

    @admin.display(description="tree")
    def tree(self, obj: Framework) -> str:
        rows = obj.competencies.order_by("sort_key", "id").values_list(
            "depth", "code", "statement", "is_leaf"
        )
        return format_html(
            '<ul class="competency-tree">{}</ul>',
            format_html_join(
                "",
                '<li style="margin-left:{}rem">{}<strong>{}</strong> {}</li>',
                (
                    (depth * 1.25, "• " if leaf else "▸ ", code, statement[:140])
                    for depth, code, statement, leaf in rows
                ),
            ),
        )

    def save_model(self, request: HttpRequest, obj: Framework, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
        elif framework_update(
            actor=request_user(request),
            framework=obj,
            changed=form.changed_data,
        ):
            messages.info(request, "The method changed: mastery records are being rebuilt.")
        sections = form.cleaned_data.get("link_sections")
        if sections:
            added = framework_link_sections(framework=obj, sections=list(sections))
            messages.success(
                request, f"Linked {added} learning target(s) to {len(sections)} section(s)."
            )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="mastery_framework_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Two steps: upload the package and see its item types (CFItemType, with counts and
        examples); then choose which become learning targets, and import."""
        from .case_import import case_import, case_item_types

        if not self.has_add_permission(request):
            raise PermissionDenied
        schools = School.objects.all()
        if not request.user.is_superuser:
            schools = schools.filter(pk__in=administered_schools(request))
        item_types = None
        if request.method == "POST" and request.POST.get("step") == "import":
            # Step 2: the package comes back as text; list its types again to check the choice.
            school = schools.filter(pk=request.POST.get("school") or 0).first()
            if school is not None:
                item_types = case_item_types(
                    source=io.BytesIO(request.POST.get("package", "").encode("utf-8")),
                    school=school,
                    actor=request_user(request),
                ).types
        form = CaseUploadForm(
            request.POST or None, request.FILES or None, schools=schools, item_types=item_types
        )
        if request.method == "POST" and form.is_valid():
            school = form.cleaned_data["school"]
            if item_types is None:
                upload = form.cleaned_data["file"]
                listed = case_item_types(
                    source=upload,
                    school=school,
                    actor=request_user(request),
                    source_name=upload.name,
                )
                for error in listed.errors[:50]:
                    form.add_error(None, error)
                if not listed.errors:
                    upload.seek(0)
                    form = CaseUploadForm(
                        schools=schools,
                        item_types=listed.types,
                        initial={
                            "school": school,
                            "package": upload.read().decode("utf-8-sig"),
                            "package_name": upload.name,
                            "step": "import",
                        },
                    )
            else:
                name = form.cleaned_data["package_name"]
                result = case_import(
                    source=io.BytesIO(form.cleaned_data["package"].encode("utf-8")),
                    school=school,
                    actor=request_user(request),
                    source_name=name,
                    target_types=form.cleaned_data["target_types"],
                )
                if result.applied and result.framework is not None:
                    # summary_text is a sentence already (it ends with its full stop).
                    messages.success(request, f"Imported {name}: {result.summary_text}")
                    for warning in result.warnings[:20]:
                        messages.warning(request, warning)
                    return HttpResponseRedirect(
                        reverse("admin:mastery_framework_change", args=[result.framework.pk])
                    )
                for error in result.errors[:50]:
                    form.add_error(None, error)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a CASE framework",
            "form": form,
            "item_types": form.item_types,
            "opts": self.model._meta,
        }
        return render(request, "admin/mastery/framework/import.html", context)


class CaseUploadForm(forms.Form):
    """Step 1: the school and the file. Step 2 (``step=import``): the package comes back as
    text, with the item types chosen to become learning targets."""

    school = forms.ModelChoiceField(queryset=School.objects.none())
    file = forms.FileField(
        label="CASE 1.0/1.1 package (.json)",
        help_text="CFDocument, CFItems and CFAssociations. Next you choose which item types "
        "become learning targets. Importing it again updates it; a broken file writes nothing.",
    )
    target_types = forms.MultipleChoiceField(
        label="Item types that become learning targets",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only items of these types are scored in the grid; the others are kept for "
        "reference. Types whose items all carry a code (like 6.RP.A.1) are checked for you.",
    )
    package = forms.CharField(
        required=False, widget=forms.HiddenInput, strip=False, max_length=50 * 1024 * 1024
    )
    package_name = forms.CharField(required=False, widget=forms.HiddenInput, max_length=255)
    step = forms.CharField(required=False, widget=forms.HiddenInput, max_length=16)

    def __init__(
        self,
        *args: Any,
        schools: QuerySet[School],
        item_types: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]
        if schools.count() == 1:
            self.fields["school"].initial = schools.first()
        self.item_types = item_types
        if item_types is None:
            del self.fields["target_types"]
        else:
            del self.fields["file"]
            self.fields["school"].widget = forms.HiddenInput()
            field = self.fields["target_types"]
            field.choices = [(t.name, t.name or "(no type)") for t in item_types]  # type: ignore[attr-defined]
            field.initial = [t.name for t in item_types if t.suggested]


class PrerequisiteInline(SchoolScopedInline):
    school_path = "competency__framework__school"
    model = Prerequisite
    fk_name = "competency"
    extra = 0
    autocomplete_fields = ["prerequisite"]
    verbose_name = "prerequisite (comes before this one)"


@admin.register(Competency)
class CompetencyAdmin(SchoolScopedAdmin):
    school_path = "framework__school"
    list_display = ["code", "short", "framework", "kind", "is_leaf", "depth"]
    list_filter = ["framework", "is_leaf", "kind"]
    search_fields = ["code", "statement", "identifier"]
    readonly_fields = ["identifier", "uri", "depth", "sort_key", "is_leaf"]
    autocomplete_fields = ["parent"]
    list_select_related = ["framework"]
    inlines = [PrerequisiteInline]
    ordering = ["framework", "sort_key"]

    @admin.display(description="statement")
    def short(self, obj: Competency) -> str:
        return obj.label[:100]

    def save_model(self, request: HttpRequest, obj: Competency, form: Any, change: bool) -> None:
        if change:
            competency_update(
                actor=request_user(request),
                competency=obj,
                changed=form.changed_data,
            )
        else:
            super().save_model(request, obj, form, change)


@admin.register(SectionCompetency)
class SectionCompetencyAdmin(SchoolScopedAdmin):
    school_path = "section__school"
    list_display = ["section", "competency"]
    list_filter = ["section__school", "section"]
    search_fields = ["section__name", "competency__code", "competency__statement"]
    autocomplete_fields = ["section", "competency"]
    list_select_related = ["section", "competency"]


@admin.register(Evidence)
class EvidenceAdmin(SchoolScopedAdmin):
    """Evidence is recorded on the pages and the API; here it can be corrected or deleted,
    through the same services, so mastery records stay current."""

    school_path = "competency__framework__school"
    list_display = ["student", "competency", "score", "observed_on", "kind", "status", "author"]
    list_filter = ["status", "kind", "observed_on", "competency__framework"]
    search_fields = ["student__email", "student__family_name", "competency__code", "note"]
    date_hierarchy = "observed_on"
    list_select_related = ["student", "competency", "author"]
    readonly_fields = [
        "student",
        "competency",
        "section",
        "status",
        "author",
        "reviewed_by",
        "created_at",
    ]
    fields = [
        "student",
        "competency",
        "section",
        "score",
        "observed_on",
        "kind",
        "title",
        "note",
        "link",
        "status",
        "author",
        "reviewed_by",
        "review_comment",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Evidence, form: Any, change: bool) -> None:
        evidence_update(
            actor=request_user(request),
            evidence=Evidence.objects.get(pk=obj.pk),
            changes={
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in {"score", "observed_on", "kind", "title", "note", "link"}
            },
        )

    def delete_model(self, request: HttpRequest, obj: Evidence) -> None:
        evidence_delete(actor=request_user(request), evidence=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Evidence]) -> None:
        for evidence in queryset.select_related("student"):
            evidence_delete(actor=request_user(request), evidence=evidence)


@admin.register(MasteryRecord)
class MasteryRecordAdmin(SchoolScopedAdmin):
    """Computed from evidence: read only."""

    school_path = "competency__framework__school"
    list_display = [
        "student",
        "competency",
        "score",
        "level",
        "mastered",
        "evidence_count",
        "last_evidence_on",
    ]
    list_filter = ["mastered", "competency__framework"]
    search_fields = ["student__email", "student__family_name", "competency__code"]
    list_select_related = ["student", "competency", "level"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PacingTargetInline(SchoolScopedInline):
    school_path = "plan__section__school"
    model = PacingTarget
    extra = 0
    autocomplete_fields = ["competency"]


@admin.register(PacingPlan)
class PacingPlanAdmin(SchoolScopedAdmin):
    school_path = "section__school"
    list_display = ["__str__", "section", "target_count"]
    search_fields = ["name", "section__name"]
    autocomplete_fields = ["section"]
    inlines = [PacingTargetInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        from django.db.models import Count

        return super().get_queryset(request).annotate(n=Count("targets")).select_related("section")

    @admin.display(description="targets", ordering="n")
    def target_count(self, obj: Any) -> int:
        return int(obj.n)
