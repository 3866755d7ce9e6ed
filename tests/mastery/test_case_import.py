"""CASE 1.0/1.1 JSON package import, specified against two real packages (quirks included)."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from mastery.case_import import CaseImportResult, case_import, case_item_types
from mastery.models import Competency, Framework, Prerequisite
from profiles.models import School, User

from .. import factories as f

# /work/shared/data/case, found from the checkout (/work/main) or a worktree (/work/wt/<name>).
CASE = next(
    (
        up / "shared" / "data" / "case"
        for up in Path(__file__).resolve().parents
        if (up / "shared" / "data" / "case").is_dir()
    ),
    Path("/work/shared/data/case"),
)
SBAC = CASE / "smarter-balanced-grade3-math-c1-th.json"
OPENSALT = CASE / "opensalt-what-standards-could-be.json"

SBAC_DOCUMENT = "1796d9a2-d5ee-11e7-b39f-71a145b86a18"
SBAC_IGNORED = (
    "19 associations of types LearnHub does not use were ignored (exactMatchOf 3, isRelatedTo 16)."
)
OPENSALT_DOCUMENT = "20c5134f-423d-4097-a971-3dd5152bf507"
OPENSALT_WARNINGS = [
    "The precedes association 74cf8429-f361-42a9-ad7b-c313ce9a38b9 points to "
    "61a66013-f85c-59c7-bdba-a2c9030e1c21, which is not in this package: skipped.",
    "20 associations of types LearnHub does not use were ignored (exactMatchOf 16, exemplar 2, "
    "isRelatedTo 2).",
]
# OpenSALT items by code.
RP_6A = "edfce0e7-dbbf-40d5-af1a-baccabef85e9"
RP_6A3 = "d83a65ed-770c-4dbe-a505-11e5e17a9a79"
RP_7A2B = "dc31d28f-8227-41b9-8720-1a54ae16b121"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def write(tmp_path: Path, package: Any, name: str = "package.json") -> Path:
    target = tmp_path / name
    target.write_text(json.dumps(package), encoding="utf-8")
    return target


def import_(source: Any, school: School, actor: User | None = None) -> CaseImportResult:
    return case_import(source=source, school=school, actor=actor, source_name="package.json")


def counts() -> dict[str, int]:
    return {
        "frameworks": Framework.objects.count(),
        "competencies": Competency.objects.count(),
        "prerequisites": Prerequisite.objects.count(),
    }


def snapshot(framework: Framework) -> dict[str, tuple[Any, ...]]:
    return {
        c["identifier"]: tuple(c.values())
        for c in Competency.objects.filter(framework=framework).values()
    }


def labels(competencies: Any) -> list[str]:
    return [c.short_statement or c.statement for c in competencies]


def association(package: dict[str, Any], identifier: str) -> dict[str, Any]:
    return next(a for a in package["CFAssociations"] if a["identifier"] == identifier)


def item(package: dict[str, Any], identifier: str) -> dict[str, Any]:
    return next(i for i in package["CFItems"] if i["identifier"] == identifier)


# --------------------------------------------------------------------------- Smarter Balanced


def test_smarter_balanced_package_imports_all_48_items_as_a_tree(world):
    result = import_(SBAC, world.school, world.admin)

    assert result.errors == []
    assert result.applied is True
    assert (result.created, result.updated, result.unchanged, result.prerequisites) == (48, 0, 0, 0)
    assert result.warnings == [SBAC_IGNORED]
    assert result.summary_text == (
        "Grade 3 Mathematics Item Specification C1 TH: 48 competencies created, 0 updated, "
        "0 unchanged; 0 prerequisites; 1 warning."
    )
    framework = result.framework
    assert framework is not None and framework.pk is not None
    assert framework.imported_at is not None
    assert (
        framework.school,
        framework.identifier,
        framework.uri,
        framework.title,
        framework.creator,
        framework.version,
        framework.subject,
        framework.description,
    ) == (
        world.school,
        SBAC_DOCUMENT,
        "https://case.smarterbalanced.org/ims/case/v1p0/CFDocuments/" + SBAC_DOCUMENT,
        "Grade 3 Mathematics Item Specification C1 TH",
        "Smarter Balanced_Math Claim 1 Item Specifications",
        "",
        "Math",
        "",
    )
    competencies = Competency.objects.filter(framework=framework)
    assert competencies.count() == 48
    assert competencies.filter(is_leaf=True).count() == 36
    assert max(c.depth for c in competencies) == 3
    assert Prerequisite.objects.count() == 0
    assert set(competencies.values_list("grade_levels", flat=True)) == {"03"}


def test_smarter_balanced_top_level_follows_sequence_numbers_2_to_5(world):
    framework = import_(SBAC, world.school).framework

    top = Competency.objects.filter(framework=framework, parent=None).order_by("sort_key")
    assert labels(top) == [
        "Clarifications",
        "Target H",
        "Item Writing and Scoring Guidelines",
        "Task Models",
    ]
    assert [c.order for c in top] == [2, 3, 4, 5]
    assert [c.sort_key for c in top] == ["0001", "0002", "0003", "0004"]
    assert {c.depth for c in top} == {0}


def test_smarter_balanced_siblings_are_ordered_by_sequence_number_not_file_order(world):
    framework = import_(SBAC, world.school).framework

    # The file lists these children's associations as 3, 4, 5, 6, 7, then 1, 2.
    general = Competency.objects.get(
        framework=framework, identifier="245cb85a-d5ee-11e7-af64-2f4385684fc7"
    )
    children = general.children.order_by("sort_key")
    assert labels(children) == [
        "Allowable Stimulus Materials",
        "Accessibility Concerns/Guidance",
        "Key/Construct Relevant Vocabulary",
        "Allowable Tools",
        "Target-Specific Attributes",
        "Non-Targeted Constructs",
        "Development Notes",
    ]
    assert [c.order for c in children] == [1, 2, 3, 4, 5, 6, 7]
    assert [c.sort_key for c in children] == [f"0003.0003.000{n}" for n in range(1, 8)]
    assert {(c.depth, c.is_leaf) for c in children} == {(2, True)}
    assert general.parent is not None
    assert general.parent.statement == "Item Writing and Scoring Guidelines"


def test_smarter_balanced_unnumbered_siblings_keep_file_order(world):
    framework = import_(SBAC, world.school).framework

    task_models = Competency.objects.get(framework=framework, statement="Task Models")
    assert [(c.statement, c.order) for c in task_models.children.order_by("sort_key")] == [
        ("Task Model 1a", 1),
        ("Task Model 2", 2),
        ("Task Model 3", 3),
    ]
    ranges = Competency.objects.get(
        framework=framework, identifier="245df986-d5ee-11e7-8135-63dcfb120e35"
    )
    assert labels(ranges.children.order_by("sort_key")) == [
        "Level 1",
        "Level 2",
        "Level 3",
        "Level 4",
    ]
    # Example 4 is listed far from its siblings but still comes after Example 3.
    examples = Competency.objects.get(
        framework=framework, identifier="26069770-d5ee-11e7-80fd-2f2b7d613edb"
    )
    assert labels(examples.children.order_by("sort_key")) == [
        "Example 1",
        "Example 2",
        "Example 3",
        "Example 4",
    ]
    assert [c.depth for c in examples.children.all()] == [3, 3, 3, 3]


def test_smarter_balanced_codes_statements_and_identifiers_are_kept_verbatim(world):
    framework = import_(SBAC, world.school).framework

    skill = Competency.objects.get(framework=framework, code="M.G3.C1MD.TH.3.MD.B.3")
    assert skill.identifier == "d65d1838-d5ee-11e7-ab62-2da15be1aaa5"
    assert skill.uri == (
        "https://case.smarterbalanced.org/ims/case/v1p0/CFItems/"
        "d65d1838-d5ee-11e7-ab62-2da15be1aaa5"
    )
    assert skill.statement == (
        "Draw a scaled picture graph and a scaled bar graph to represent a data set with several "
        'categories. Solve one- and two-step "how many more" and "how many less" problems using '
        "information presented in scaled bar graphs. *For example, draw a bar graph in which "
        "each square in the bar graph might represent 5 pets.*"
    )
    assert (skill.short_statement, skill.kind, skill.grade_levels) == ("", "Measured Skill", "03")
    assert (skill.depth, skill.order, skill.sort_key, skill.is_leaf) == (1, 1, "0002.0001", True)
    target = skill.parent
    assert target is not None
    assert (target.code, target.statement, target.short_statement, target.kind) == (
        "M.G3.C1MD.TH",
        "Represent and interpret data.",
        "Target H",
        "Target",
    )
    assert target.is_leaf is False
    # A statement that is literally the word "None" in the file stays that word.
    tools = Competency.objects.get(
        framework=framework, identifier="245d2510-d5ee-11e7-bc0a-ffd4ace3c58c"
    )
    assert (tools.statement, tools.short_statement) == ("None", "Allowable Tools")


def test_sort_key_order_is_depth_first_tree_order(world):
    framework = import_(SBAC, world.school).framework

    ordered = list(Competency.objects.filter(framework=framework).order_by("sort_key"))
    seen: set[int] = set()
    for competency in ordered:
        assert competency.parent_id is None or competency.parent_id in seen
        seen.add(competency.pk)
    # Each subtree is contiguous: a node's descendants directly follow it.
    position = {c.pk: i for i, c in enumerate(ordered)}
    for competency in ordered:
        if competency.parent_id is not None:
            parent_at = position[competency.parent_id]
            between = ordered[parent_at + 1 : position[competency.pk]]
            assert all(c.depth > ordered[parent_at].depth for c in between)


# --------------------------------------------------------------------------- OpenSALT


def test_opensalt_package_imports_16_items_and_two_prerequisites(world):
    result = import_(OPENSALT, world.school, world.admin)

    assert result.errors == []
    assert (result.created, result.updated, result.unchanged, result.prerequisites) == (16, 0, 0, 2)
    assert result.warnings == OPENSALT_WARNINGS
    framework = result.framework
    assert framework is not None
    assert (framework.identifier, framework.uri, framework.title, framework.creator) == (
        OPENSALT_DOCUMENT,
        "http://opensalt-staging.opened.com/uri/" + OPENSALT_DOCUMENT,
        "What Standards Could Be",
        "Brandon Dorman",
    )
    competencies = Competency.objects.filter(framework=framework)
    assert competencies.count() == 16
    assert competencies.filter(is_leaf=True).count() == 12
    assert max(c.depth for c in competencies) == 2
    top = competencies.filter(parent=None).order_by("sort_key")
    assert [(c.code, c.order, c.kind, c.grade_levels) for c in top] == [
        ("CCSS.Math.Content.6.RP.A", 1, "Cluster", "06"),
        ("CCSS.Math.Content.7.RP.A", 2, "Cluster", "07"),
    ]
    pairs = {
        (p.prerequisite.code, p.competency.code)
        for p in Prerequisite.objects.select_related("competency", "prerequisite")
    }
    assert pairs == {
        ("CCSS.Math.Content.6.RP.A.1", "CCSS.Math.Content.6.RP.A.2"),
        ("CCSS.Math.Content.6.RP.A.3", "CCSS.Math.Content.7.RP.A.3"),
    }
    unit_rate = competencies.get(code="CCSS.Math.Content.6.RP.A.2")
    assert [c.code for c in unit_rate.prerequisites.all()] == ["CCSS.Math.Content.6.RP.A.1"]


def test_opensalt_tree_and_verbatim_values(world):
    framework = import_(OPENSALT, world.school).framework

    cluster = Competency.objects.get(framework=framework, identifier=RP_6A)
    assert [c.code for c in cluster.children.order_by("sort_key")] == [
        "CCSS.Math.Content.6.RP.A.1",
        "CCSS.Math.Content.6.RP.A.2",
        "CCSS.Math.Content.6.RP.A.3",
    ]
    component = Competency.objects.get(framework=framework, identifier=RP_7A2B)
    assert (component.code, component.statement, component.kind) == (
        "CCSS.Math.Content.7.RP.A.2b",
        "Identify the constant of proportionality (unit rate) in tables, graphs, equations, "
        "diagrams, and verbal descriptions of proportional relationships.",
        "Component",
    )
    assert component.uri == "http://opensalt-staging.opened.com/uri/" + RP_7A2B
    assert (component.depth, component.sort_key, component.order) == (2, "0002.0002.0002", 2)
    assert component.parent is not None
    assert component.parent.code == "CCSS.Math.Content.7.RP.A.2"
    assert [c.code[-4:] for c in component.parent.children.order_by("sort_key")] == [
        "A.2a",
        "A.2b",
        "A.2c",
        "A.2d",
    ]


# --------------------------------------------------------------------------- re-import


@pytest.mark.parametrize("path", [SBAC, OPENSALT], ids=["sbac", "opensalt"])
def test_importing_the_same_package_twice_changes_nothing(world, path):
    first = import_(path, world.school)
    before = snapshot(first.framework)
    prerequisites = set(Prerequisite.objects.values_list("pk", "competency_id", "prerequisite_id"))
    totals = counts()

    second = import_(path, world.school)

    assert second.errors == []
    assert (second.created, second.updated, second.unchanged) == (0, 0, first.created)
    assert second.prerequisites == first.prerequisites
    assert second.framework is not None and first.framework is not None
    assert second.framework.pk == first.framework.pk
    assert counts() == totals
    assert snapshot(second.framework) == before
    assert set(Prerequisite.objects.values_list("pk", "competency_id", "prerequisite_id")) == (
        prerequisites
    )
    assert second.warnings == first.warnings


def test_a_changed_statement_updates_exactly_that_competency(world, tmp_path):
    framework = import_(OPENSALT, world.school).framework
    before = snapshot(framework)
    package = load(OPENSALT)
    item(package, RP_7A2B)["fullStatement"] = "Find the unit rate in tables and graphs."

    result = import_(write(tmp_path, package), world.school)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 15)
    after = snapshot(framework)
    assert {key for key in before if before[key] != after[key]} == {RP_7A2B}
    assert Competency.objects.get(identifier=RP_7A2B).statement == (
        "Find the unit rate in tables and graphs."
    )
    assert counts() == {"frameworks": 1, "competencies": 16, "prerequisites": 2}


def test_reimport_updates_the_framework_but_keeps_school_settings(world, tmp_path):
    framework = import_(OPENSALT, world.school).framework
    assert framework is not None
    first_import = framework.imported_at
    Framework.objects.filter(pk=framework.pk).update(calculation_method="highest", is_active=False)
    package = load(OPENSALT)
    package["CFDocument"]["title"] = "What Standards Could Be (2nd edition)"
    package["CFDocument"]["version"] = "2.0"

    result = import_(write(tmp_path, package), world.school)

    framework.refresh_from_db()
    assert result.framework == framework
    assert (framework.title, framework.version) == ("What Standards Could Be (2nd edition)", "2.0")
    assert (framework.calculation_method, framework.is_active) == ("highest", False)
    assert framework.imported_at is not None and first_import is not None
    assert framework.imported_at > first_import


def test_items_dropped_from_the_package_are_kept_and_reported(world, tmp_path):
    framework = import_(OPENSALT, world.school).framework
    package = load(OPENSALT)
    package["CFItems"] = [i for i in package["CFItems"] if i["identifier"] != RP_7A2B]

    result = import_(write(tmp_path, package), world.school)

    assert result.errors == []
    # 7.RP.A.2c and 2d move up one place among their siblings.
    assert (result.created, result.updated, result.unchanged) == (0, 2, 13)
    assert result.warnings[-1] == (
        "1 competency of this framework is no longer in the package and was left as it is "
        f"(it may carry evidence): {RP_7A2B} (CCSS.Math.Content.7.RP.A.2b)."
    )
    assert Competency.objects.filter(framework=framework, identifier=RP_7A2B).exists()
    assert Competency.objects.count() == 16


def test_a_prerequisite_the_package_no_longer_declares_is_removed(world, tmp_path):
    import_(OPENSALT, world.school)
    package = load(OPENSALT)
    package["CFAssociations"] = [
        a
        for a in package["CFAssociations"]
        if a["identifier"] != "09c435b5-d488-4371-b826-9a5caff06f36"  # 6.RP.A.1 precedes 6.RP.A.2
    ]

    result = import_(write(tmp_path, package), world.school)

    assert result.prerequisites == 1
    assert "1 prerequisite link(s) the package no longer declares were removed." in result.warnings
    assert [(p.prerequisite.code, p.competency.code) for p in Prerequisite.objects.all()] == [
        ("CCSS.Math.Content.6.RP.A.3", "CCSS.Math.Content.7.RP.A.3")
    ]


def test_the_same_package_in_another_school_is_a_separate_framework(world):
    mine = import_(OPENSALT, world.school).framework
    theirs = import_(OPENSALT, world.other_school).framework

    assert mine is not None and theirs is not None
    assert mine.pk != theirs.pk
    assert theirs.identifier == mine.identifier == OPENSALT_DOCUMENT
    assert Competency.objects.count() == 32


# --------------------------------------------------------------------------- broken packages


def _invalid_json(tmp_path: Path) -> Path:
    target = tmp_path / "broken.json"
    target.write_text(OPENSALT.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    return target


def _mutate(change: Any) -> Any:
    def build(tmp_path: Path) -> Path:
        package = load(OPENSALT)
        change(package)
        return write(tmp_path, package)

    return build


def _no_document(package: dict[str, Any]) -> None:
    del package["CFDocument"]


def _item_without_identifier(package: dict[str, Any]) -> None:
    del package["CFItems"][2]["identifier"]


def _item_without_statement(package: dict[str, Any]) -> None:
    item(package, RP_7A2B)["fullStatement"] = "  "


def _loop(package: dict[str, Any]) -> None:
    # 6.RP.A (a child of the document) becomes a child of its own child 6.RP.A.3.
    link = association(package, "a7364b9e-91e7-4b09-875f-5eab0d3e6f7c")
    link["destinationNodeURI"] = {"title": "6.RP.A.3", "identifier": RP_6A3, "uri": ""}


def _duplicate(package: dict[str, Any]) -> None:
    twin = copy.deepcopy(item(package, RP_7A2B))
    twin["fullStatement"] = "A second item with the same identifier."
    package["CFItems"].append(twin)


BROKEN = {
    "invalid_json": (
        _invalid_json,
        "The file is not valid JSON: Expecting ',' delimiter at line 926, column 21. A CASE "
        "package is a JSON file.",
    ),
    "no_cfdocument": (
        _mutate(_no_document),
        "The file has no CFDocument, so it is not a CASE package (a CASE package holds a "
        "CFDocument, its CFItems and CFAssociations).",
    ),
    "item_without_identifier": (
        _mutate(_item_without_identifier),
        'CFItems entry 3 (fullStatement "Understand the concept of a ratio and use ratio '
        'language to…") has no identifier.',
    ),
    "item_without_statement": (
        _mutate(_item_without_statement),
        f"The CFItem {RP_7A2B} has no fullStatement.",
    ),
    "isChildOf_loop": (
        _mutate(_loop),
        "The isChildOf associations form a loop, so these items have no place in the tree: "
        f"{RP_6A} (CCSS.Math.Content.6.RP.A) → {RP_6A3} (CCSS.Math.Content.6.RP.A.3) → "
        f"{RP_6A} (CCSS.Math.Content.6.RP.A) (each is a child of the next).",
    ),
    "duplicate_identifier": (
        _mutate(_duplicate),
        f"The CFItem identifier {RP_7A2B} is used twice (CFItems entries 12 and 17); "
        "identifiers must be unique.",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_package_writes_nothing_and_says_why(world, tmp_path, case):
    build, message = BROKEN[case]
    path = build(tmp_path)

    result = import_(path, world.school)

    assert result.applied is False
    assert result.framework is None
    assert len(result.errors) == 1
    assert result.errors[0].startswith(message)
    assert (result.created, result.updated, result.unchanged, result.prerequisites) == (0, 0, 0, 0)
    assert result.summary_text == "1 problem found, nothing was written."
    assert counts() == {"frameworks": 0, "competencies": 0, "prerequisites": 0}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_reimport_leaves_the_imported_framework_as_it_was(world, tmp_path, case):
    framework = import_(OPENSALT, world.school).framework
    before = snapshot(framework)
    assert framework is not None
    imported_at = Framework.objects.get().imported_at

    result = import_(BROKEN[case][0](tmp_path), world.school)

    assert result.applied is False
    assert counts() == {"frameworks": 1, "competencies": 16, "prerequisites": 2}
    assert snapshot(framework) == before
    assert Framework.objects.get().imported_at == imported_at


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty: a CASE package is a JSON object."),
        (b"\xff\xfe{}", "The file is not UTF-8 text (byte 0 cannot be read)"),
        (b"[1, 2]", "The file holds a JSON list, not an object"),
        (b'{"CFDocument": {"title": "No id"}}', "The CFDocument has no identifier."),
        (
            b'{"CFDocument": {"identifier": "d1", "title": "T"}, "CFItems": {}}',
            "CFItems is not a list.",
        ),
    ],
    ids=["empty", "not_utf8", "json_list", "document_without_identifier", "items_not_a_list"],
)
def test_other_unusable_files_are_refused_in_plain_words(world, content, message):
    result = import_(io.BytesIO(content), world.school)

    assert result.applied is False
    assert result.errors[0].startswith(message)
    assert counts() == {"frameworks": 0, "competencies": 0, "prerequisites": 0}


def test_a_missing_file_is_refused(world, tmp_path):
    result = import_(tmp_path / "nope.json", world.school)

    assert result.errors == [f"{tmp_path / 'nope.json'} is not a file."]


def test_a_code_longer_than_learnhub_keeps_is_refused_rather_than_cut(world, tmp_path):
    package = load(OPENSALT)
    item(package, RP_7A2B)["humanCodingScheme"] = "X" * 65

    result = import_(write(tmp_path, package), world.school)

    assert result.errors == [
        f"The CFItem {RP_7A2B}'s code is 65 characters long; LearnHub keeps at most 64 and must "
        "keep it whole."
    ]
    assert counts()["competencies"] == 0


# --------------------------------------------------------------------------- quirks and choices


def _package(items: list[dict[str, Any]], associations: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "CFDocument": {
            "identifier": "doc",
            "uri": "https://example.org/doc",
            "title": "Tiny",
            "subject": ["Science", "Math"],
            "version": "1.1",
            "description": "A small framework.",
        },
        "CFItems": [
            {"identifier": i, "fullStatement": f"Statement {i}", **extra} for i, extra in items
        ],
        "CFAssociations": [
            {
                "identifier": f"a{n}",
                "associationType": kind,
                "originNodeURI": {"identifier": origin},
                "destinationNodeURI": {"identifier": destination},
                **({"sequenceNumber": seq} if seq is not None else {}),
            }
            for n, (kind, origin, destination, seq) in enumerate(associations, start=1)
        ],
    }


def test_numbered_siblings_come_first_then_the_rest_in_file_order(world):
    package = _package(
        [("u1", {}), ("n2", {}), ("u2", {}), ("n1", {}), ("s", {})],
        [
            ("isChildOf", "u1", "doc", None),
            ("isChildOf", "n2", "doc", 20),
            ("isChildOf", "u2", "doc", None),
            ("isChildOf", "n1", "doc", "10"),
            ("isChildOf", "s", "doc", "first"),
        ],
    )

    result = import_(io.BytesIO(json.dumps(package).encode()), world.school)

    assert result.errors == []
    assert result.warnings == [
        'The isChildOf association a5 has an unusable sequenceNumber "first": s follows its '
        "numbered siblings."
    ]
    rows = Competency.objects.order_by("sort_key").values_list("identifier", "order", "sort_key")
    assert list(rows) == [
        ("n1", 10, "0001"),
        ("n2", 20, "0002"),
        ("u1", 21, "0003"),
        ("u2", 22, "0004"),
        ("s", 23, "0005"),
    ]
    framework = result.framework
    assert framework is not None
    assert (framework.subject, framework.version, framework.description) == (
        "Science",
        "1.1",
        "A small framework.",
    )


def test_second_parents_orphans_and_references_by_uri(world):
    package = _package(
        [("a", {"uri": "https://example.org/a"}), ("b", {}), ("c", {}), ("orphan", {})],
        [
            ("isChildOf", "a", "doc", 1),
            ("isChildOf", "b", "a", 1),
            ("isChildOf", "c", "a", 2),
            ("isChildOf", "c", "b", 1),
            ("precedes", "b", "c", None),
            ("precedes", "b", "b", None),
            ("isChildOf", "elsewhere", "a", None),
        ],
    )
    # The second isChildOf of b names its parent by uri only.
    package["CFAssociations"][1]["destinationNodeURI"] = {"uri": "https://example.org/a"}

    result = import_(io.BytesIO(json.dumps(package).encode()), world.school)

    assert result.errors == []
    assert result.warnings == [
        "The CFItem c has a second parent (b, association a4); LearnHub keeps one parent, the "
        "first (a).",
        "The precedes association a6 says b precedes itself: skipped.",
        "The isChildOf association a7 points to elsewhere, which is not in this package: skipped.",
        "1 CFItem(s) have no isChildOf association and were placed at the top level: orphan.",
    ]
    tree = Competency.objects.order_by("sort_key").values_list(
        "identifier", "parent__identifier", "depth", "is_leaf"
    )
    assert list(tree) == [
        ("a", None, 0, False),
        ("b", "a", 1, True),
        ("c", "a", 1, True),
        ("orphan", None, 0, True),
    ]
    assert result.prerequisites == 1


def test_a_wrapped_cfpackage_and_a_document_uri_named_cfdocumenturi_are_read(world):
    package = _package([("a", {"educationLevel": ["06", "07"]})], [("isChildOf", "a", "doc", 1)])
    document = package["CFDocument"]
    del document["uri"]
    document["CFDocumentURI"] = {"title": "Tiny", "identifier": "doc", "uri": "https://x.org/d"}

    result = import_(io.BytesIO(json.dumps({"CFPackage": package}).encode()), world.school)

    assert result.errors == []
    assert result.framework is not None
    assert result.framework.uri == "https://x.org/d"
    assert Competency.objects.get().grade_levels == "06, 07"


# --------------------------------------------------------------------------- callers


def test_an_uploaded_file_is_accepted(world):
    upload = SimpleUploadedFile(
        "what-standards.json", OPENSALT.read_bytes(), content_type="application/json"
    )

    result = case_import(source=upload, school=world.school, actor=world.admin)

    assert result.applied is True
    assert result.created == 16


def test_a_dry_run_counts_but_writes_nothing(world):
    result = case_import(source=OPENSALT, school=world.school, actor=None, dry_run=True)

    assert (result.applied, result.dry_run, result.framework) == (False, True, None)
    assert (result.created, result.prerequisites) == (16, 2)
    assert result.summary_text.startswith("Dry run, nothing was written. What Standards Could Be:")
    assert counts() == {"frameworks": 0, "competencies": 0, "prerequisites": 0}


@pytest.mark.parametrize("who", ["teacher", "other_admin"])
def test_only_an_admin_of_the_school_may_import(world, who):
    result = import_(OPENSALT, world.school, getattr(world, who))

    assert result.errors == [
        "You do not administer Maple Grove Learning Community, so you cannot import frameworks "
        "into it."
    ]
    assert counts()["frameworks"] == 0


@pytest.mark.parametrize("path", [OPENSALT, SBAC], ids=["16_items", "48_items"])
def test_an_import_is_a_handful_of_queries_whatever_the_size(
    world, path, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        import_(path, world.school, world.admin)
    with django_assert_max_num_queries(7):
        import_(path, world.school, world.admin)


# --------------------------------------------------------------------------- the command


def test_the_command_imports_into_the_named_school(world, capsys):
    call_command("import_case", str(OPENSALT), "--school", "Riverside Academy")

    out = capsys.readouterr().out
    assert (
        "opensalt-what-standards-could-be.json → Riverside Academy: What Standards Could Be: "
        "16 competencies created, 0 updated, 0 unchanged; 2 prerequisites; 2 warnings."
    ) in out
    assert "warning: The precedes association 74cf8429-f361-42a9-ad7b-c313ce9a38b9" in out
    assert Framework.objects.get().school == world.other_school


def test_the_command_finds_the_school_by_id(world):
    call_command("import_case", str(SBAC), "--school", str(world.school.pk))

    assert Framework.objects.get().school == world.school


def test_the_command_needs_no_school_when_there_is_only_one(db):
    school = f.SchoolFactory(name="Only School")

    call_command("import_case", str(OPENSALT), "--dry-run")
    assert counts()["frameworks"] == 0
    call_command("import_case", str(OPENSALT))

    assert Framework.objects.get().school == school


def test_the_command_asks_for_a_school_when_there_are_several(world):
    with pytest.raises(CommandError, match=r"There are several schools: name one with --school\."):
        call_command("import_case", str(OPENSALT))


def test_the_command_exits_non_zero_on_a_broken_file(world, tmp_path, capsys):
    path = _invalid_json(tmp_path)

    with pytest.raises(CommandError) as raised:
        call_command("import_case", str(path), "--school", str(world.school.pk))

    # Said once, not "was not imported: Not imported: …".
    assert (
        str(raised.value) == "broken.json was not imported: 1 problem found, nothing was written."
    )

    assert "error: The file is not valid JSON" in capsys.readouterr().err
    assert counts()["frameworks"] == 0


# --- which items become learning targets ------------------------------------------------------


def test_the_package_lists_its_item_types_with_counts_and_examples(db):
    school = f.SchoolFactory()
    listed = case_item_types(source=SBAC, school=school, actor=None)
    assert listed.errors == []
    by_name = {t.name: t for t in listed.types}
    assert by_name["Measured Skill"].count == 2 and by_name["Measured Skill"].suggested
    assert by_name["Target"].suggested
    assert by_name["Task Model"].count == 4 and not by_name["Task Model"].suggested
    assert "Task Model 1a" in by_name["Task Model"].examples
    assert sum(t.count for t in listed.types) == 48
    assert Framework.objects.count() == 0  # listing writes nothing


def test_only_the_chosen_item_types_become_learning_targets(db):
    school = f.SchoolFactory()
    result = case_import(
        source=SBAC, school=school, actor=None, target_types={"Measured Skill", "Target"}
    )
    assert result.applied, result.errors
    targets = Competency.objects.filter(framework=result.framework, is_leaf=True)
    assert sorted(targets.values_list("code", flat=True)) == [
        "M.G3.C1MD.TH.3.MD.B.3",
        "M.G3.C1MD.TH.3.MD.B.4",
    ]
    # "None", "No Descriptors" and "Task Model 1a" are kept for reference, never scored.
    for statement in ("None", "No Descriptors", "Task Model 1a"):
        assert not Competency.objects.filter(statement=statement, is_leaf=True).exists()
        assert Competency.objects.filter(statement=statement).exists()
    assert any("kept for reference but not scored" in w for w in result.warnings)


def test_a_chosen_type_above_another_chosen_type_is_not_a_target(db):
    school = f.SchoolFactory()
    result = case_import(
        source=OPENSALT, school=school, actor=None, target_types={"Standard", "Component"}
    )
    targets = set(
        Competency.objects.filter(framework=result.framework, is_leaf=True).values_list(
            "code", flat=True
        )
    )
    assert "CCSS.Math.Content.6.RP.A.3a" in targets
    assert "CCSS.Math.Content.6.RP.A.3" not in targets  # its components are the targets
    assert "CCSS.Math.Content.6.RP.A.1" in targets
    assert not any(code.endswith(".A") for code in targets)  # clusters are not chosen


def test_choosing_no_type_or_an_unknown_type_writes_nothing(db):
    school = f.SchoolFactory()
    none = case_import(source=OPENSALT, school=school, actor=None, target_types=set())
    assert not none.applied and "Choose at least one item type" in none.errors[0]
    unknown = case_import(source=OPENSALT, school=school, actor=None, target_types={"Widget"})
    assert not unknown.applied and "no items of type Widget" in unknown.errors[0]
    assert Framework.objects.count() == 0


def test_the_command_lists_the_item_types_and_writes_nothing(world, capsys):
    call_command("import_case", str(SBAC), "--school", str(world.school.pk), "--list-types")

    out = capsys.readouterr().out
    assert '"Measured Skill": 2 items, 2 with a code (suggested: every item has a code)' in out
    assert '"Task Model": 4 items, 0 with a code; e.g. Task Models | Task Model 1a' in out
    assert counts()["frameworks"] == 0


def test_the_command_scores_only_the_chosen_item_types(world, capsys):
    call_command("import_case", str(SBAC), "--school", str(world.school.pk))
    assert "choose with --target-types" in capsys.readouterr().out  # every leaf, and it says so
    call_command(
        "import_case",
        str(SBAC),
        "--school",
        str(world.school.pk),
        "--target-types",
        "Target, Measured Skill",
    )

    leaves = Competency.objects.filter(is_leaf=True)
    assert sorted(leaves.values_list("kind", flat=True)) == ["Measured Skill", "Measured Skill"]
    assert Competency.objects.filter(kind="Task Model").exists()  # kept, never scored
