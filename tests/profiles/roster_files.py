"""Modified copies of the real OneRoster sample (shared/data/oneroster/roster-hub-v1p1), built in
each test's tmp_path: the originals are read-only and never edited."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from profiles.models import (
    Enrollment,
    GuardianLink,
    LearnerProfile,
    Membership,
    School,
    Section,
    Term,
    User,
)

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "oneroster" / "roster-hub-v1p1"
TALLY_KEYS = (
    "schools",
    "terms",
    "sections",
    "users",
    "memberships",
    "learner_profiles",
    "guardian_links",
    "enrollments",
)


def counts() -> dict[str, int]:
    return {
        "schools": School.objects.count(),
        "terms": Term.objects.count(),
        "sections": Section.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "learner_profiles": LearnerProfile.objects.count(),
        "guardian_links": GuardianLink.objects.count(),
        "enrollments": Enrollment.objects.count(),
    }


def history_counts() -> dict[str, int]:
    return {
        "users": User.pgh_event_model.objects.count(),  # type: ignore[attr-defined]
        "enrollments": Enrollment.pgh_event_model.objects.count(),  # type: ignore[attr-defined]
        "profiles": LearnerProfile.pgh_event_model.objects.count(),  # type: ignore[attr-defined]
        "links": GuardianLink.pgh_event_model.objects.count(),  # type: ignore[attr-defined]
    }


def tally(created: int = 0, updated: int = 0, unchanged: int = 0, deactivated: int = 0) -> dict:
    return {
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "deactivated": deactivated,
    }


def tallies(summary: dict) -> dict:
    """The per-record-type counts of a report, without its other parts."""
    return {key: summary[key] for key in TALLY_KEYS}


def reasons(summary: dict) -> list[str]:
    return [w["reason"] for w in summary["warnings"]]


def copy_sample(tmp_path: Path, name: str = "export") -> Path:
    """A writable copy of the sample export (the originals are read-only)."""
    folder = tmp_path / name
    folder.mkdir(parents=True)
    for path in SAMPLE.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def edit(folder: Path, filename: str, old: str, new: str, *, count: int = 1) -> None:
    path = folder / filename
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{old!r} must appear {count} times in {filename}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def rewrite_csv(folder: Path, filename: str, change) -> None:
    """Apply ``change(rows)`` (header first) to a file; written back fully quoted."""
    path = folder / filename
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    rows = change(rows)
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def drop_column(folder: Path, filename: str, column: str) -> None:
    def change(rows):
        index = rows[0].index(column)
        return [[value for i, value in enumerate(row) if i != index] for row in rows]

    rewrite_csv(folder, filename, change)


def rename_column(folder: Path, filename: str, old: str, new: str) -> None:
    def change(rows):
        rows[0] = [new if name == old else name for name in rows[0]]
        return rows

    rewrite_csv(folder, filename, change)


def set_value(folder: Path, filename: str, sourced_id: str, column: str, value: str) -> None:
    def change(rows):
        index = rows[0].index(column)
        hits = [row for row in rows[1:] if row[0] == sourced_id]
        assert len(hits) == 1, sourced_id
        hits[0][index] = value
        return rows

    rewrite_csv(folder, filename, change)


def append_row(folder: Path, filename: str, row: str) -> None:
    path = folder / filename
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n" + row + "\n", encoding="utf-8")


def remove_rows(folder: Path, filename: str, sourced_ids: set[str]) -> None:
    rewrite_csv(
        folder, filename, lambda rows: [rows[0], *(r for r in rows[1:] if r[0] not in sourced_ids)]
    )


def user_row(sid: str, role: str, *, email: str = "", agents: str = "", username: str = "") -> str:
    return (
        f'"{sid}","","","true","or0001","{role}","{username}","","Given {sid}","Family {sid}",'
        f'"","","{email}","","","{agents}","","","",""'
    )


def zip_folder(folder: Path, target: Path, *, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
    return target


def zip_bytes(folder: Path = SAMPLE) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            # A fixed time: two archives of the same files are the same bytes, whenever built.
            info = zipfile.ZipInfo(path.name, date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def upload(folder: Path = SAMPLE, name: str = "roster.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, zip_bytes(folder), content_type="application/zip")


def two_school_district(tmp_path: Path, name: str = "district") -> Path:
    """The sample as a district export: district or0000 above schools or0001 and or0002 (and a
    department of or0002); classes cl0004 and cl0005 move to or0002, so sessions as0001..as0003
    are shared by classes of both schools (as0002 only by or0002's)."""
    folder = copy_sample(tmp_path, name)
    append_row(folder, "orgs.csv", '"or0000","","","Sample District","district","",""')
    append_row(folder, "orgs.csv", '"or0002","","","Second School","school","","or0000"')
    edit(
        folder, "orgs.csv", '"Sample School","school","",""', '"Sample School","school","","or0000"'
    )
    edit(
        folder,
        "classes.csv",
        '"C404","scheduled","","or0001","as0002"',
        '"C404","scheduled","","or0002","as0001,as0002"',
    )
    edit(
        folder,
        "classes.csv",
        '"C405","scheduled","","or0001","as0002"',
        '"C405","scheduled","","or0002","as0003"',
    )
    for sid in [f"en00{n:02d}" for n in range(20, 31)] + ["en0004", "en0005"]:
        set_value(folder, "enrollments.csv", sid, "schoolSourcedId", "or0002")
    # People of cl0004/cl0005 belong to the second school; us0001 teaches at both.
    for n in range(10, 21):
        set_value(folder, "users.csv", f"us00{n:02d}", "orgSourcedIds", "or0002")
    set_value(folder, "users.csv", "us0001", "orgSourcedIds", "or0001,or0002")
    set_value(folder, "users.csv", "us0002", "orgSourcedIds", "or0002")
    return folder
