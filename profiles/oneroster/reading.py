"""Reading the source: a folder or zip, the manifest, each CSV's header and rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..models import (
    Role,
    Section,
    Term,
)
from .rows import (
    _Class,
    _Course,
    _Enrollment,
    _is_email,
    _Org,
    _placeholder_email,
    _quoted,
    _Row,
    _sample,
    _Session,
    _split,
    _Table,
    _User,
)
from .spec import (
    ALIASES,
    CLASS_KINDS,
    DATE_RE,
    ENROLLMENT_ROLES,
    ENTITY_FILES,
    MANIFEST_KEYS,
    MAX_FILE_BYTES,
    MODES,
    ORG_TYPES,
    OTHER_FILES,
    PLACEHOLDER_DOMAIN,
    READ_COLUMNS,
    READ_FILES,
    REQUIRED_COLUMNS,
    SESSION_KINDS,
    SPEC_COLUMNS,
    USER_ROLES,
    Source,
)
from .state import _ImporterState


class _Reading(_ImporterState):
    def _load(self, source: Source) -> dict[str, bytes] | None:
        """The export's CSV files by lower-cased base name, or None after reporting why not."""
        name = self.source_name
        try:
            if isinstance(source, str | Path):
                path = Path(source)
                if path.is_dir():
                    return self._load_folder(path)
                if not path.is_file():
                    self.error(name, None, "", f"{path} is neither a folder nor a zip file.")
                    return None
                with zipfile.ZipFile(path) as archive:
                    return self._load_zip(archive)
            if hasattr(source, "seek"):
                source.seek(0)
            with zipfile.ZipFile(source) as archive:
                return self._load_zip(archive)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
            self.error(name, None, "", "This is not a zip file (or it is damaged).")
        except (OSError, RuntimeError, NotImplementedError) as exc:
            self.error(name, None, "", f"The export could not be read: {exc}.")
        return None

    def _load_folder(self, folder: Path) -> dict[str, bytes] | None:
        files: dict[str, bytes] = {}
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.name.lower() in READ_FILES:
                if path.stat().st_size > MAX_FILE_BYTES:
                    self.error(path.name, None, "", "The file is larger than 100 MB.")
                    return None
                files[path.name.lower()] = path.read_bytes()
        return files

    def _load_zip(self, archive: zipfile.ZipFile) -> dict[str, bytes] | None:
        files: dict[str, bytes] = {}
        seen: dict[str, str] = {}
        for info in archive.infolist():
            base = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
            if (
                info.is_dir()
                or info.filename.startswith("__MACOSX/")
                or base.lower() not in READ_FILES
            ):
                continue
            key = base.lower()
            if key in seen:
                self.error(
                    base,
                    None,
                    "",
                    f"The zip holds two files named {base} ({seen[key]} and {info.filename}).",
                )
                return None
            seen[key] = info.filename
            if info.file_size > MAX_FILE_BYTES:
                self.error(base, None, "", "The file is larger than 100 MB.")
                return None
            with archive.open(info) as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                self.error(base, None, "", "The file is larger than 100 MB.")
                return None
            files[key] = data
        return files

    def _header(
        self, key: str, header: list[str]
    ) -> tuple[dict[str, int] | None, list[tuple[int, str]]]:
        """Map a header row onto 1.1 column names and report every column LearnHub will not
        read. Returns (column -> position, or None when the file cannot be read; the columns
        that are not in the specification, by position)."""
        filename = f"{key}.csv"
        spec = {name.lower(): name for name in SPEC_COLUMNS[key]}
        aliases = ALIASES[key]
        entries = [(index, raw.strip().lstrip("\ufeff")) for index, raw in enumerate(header)]
        positions: dict[str, int] = {}
        ok = True
        for index, name in entries:
            canonical = spec.get(name.lower())
            if canonical is None:
                continue
            if canonical in positions:
                self.error(filename, 1, canonical, f"The column {canonical} appears twice.")
                ok = False
            positions[canonical] = index
        mapped: dict[str, str] = {}
        shadowed: list[tuple[str, str]] = []
        metadata: list[str] = []
        unknown: list[tuple[int, str]] = []
        for index, name in entries:
            lowered = name.lower()
            if lowered in spec:
                continue
            if lowered in aliases:
                canonical = aliases[lowered]
                if canonical in mapped.values():
                    self.error(filename, 1, canonical, f"The column {canonical} appears twice.")
                    ok = False
                elif canonical in positions:
                    shadowed.append((name, canonical))
                else:
                    positions[canonical] = index
                    mapped[name] = canonical
                continue
            if lowered.startswith("metadata."):
                metadata.append(name)
            else:
                unknown.append((index, name))
        for name in REQUIRED_COLUMNS[key]:
            if name not in positions:
                self.error(
                    filename,
                    1,
                    name,
                    f"{filename} has no {name} column, which OneRoster 1.1 requires in this file.",
                )
                ok = False
        read = [name for name in SPEC_COLUMNS[key] if name in positions]
        self.columns[filename] = {
            "read": [name for name in read if name in READ_COLUMNS[key]],
            "not_kept": [name for name in read if name not in READ_COLUMNS[key]],
            "mapped": mapped,
            "extensions": metadata,
            "unknown": [name for _, name in unknown if name] + [old for old, _ in shadowed],
        }
        if mapped:
            self.warn(
                filename,
                1,
                "",
                "These columns have OneRoster 1.0 (or misspelt) names and were read as their "
                "1.1 columns: "
                + ", ".join(f'"{old}" as {new}' for old, new in mapped.items())
                + ".",
            )
        for old, canonical in shadowed:
            self.warn(
                filename,
                1,
                "",
                f'The column "{old}" was not read: it means {canonical}, and the file\'s own '
                f"{canonical} column was read instead.",
            )
        return (positions if ok else None), unknown

    def _report_unknown(
        self, filename: str, unknown: list[tuple[int, str]], used: set[int]
    ) -> None:
        named = [name for index, name in unknown if name]
        unnamed = [index + 1 for index, name in unknown if not name and index in used]
        if named:
            self.warn(
                filename,
                1,
                "",
                f"{len(named)} column{'s' if len(named) != 1 else ''} "
                f"{'are' if len(named) != 1 else 'is'} not in OneRoster 1.1 and "
                f"{'were' if len(named) != 1 else 'was'} not read: {_quoted(named)}. Rename "
                "a column to its OneRoster 1.1 name (or to metadata.<name> for your own data) "
                "if LearnHub should read it.",
            )
        if unnamed:
            self.warn(
                filename,
                1,
                "",
                "Column "
                + ", ".join(str(n) for n in unnamed)
                + " has values but no name in the header, so it was not read.",
            )

    def _parse_csv(self, key: str, data: bytes) -> list[_Row] | None:
        """Rows keyed by canonical column name; None (after reporting) if unusable."""
        filename = f"{key}.csv"
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.error(
                filename,
                None,
                "",
                f"The file is not UTF-8 text (byte {exc.start} cannot be read); "
                "OneRoster files must be saved as UTF-8.",
            )
            return None
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader, None)
            if header is None:
                self.error(filename, None, "", "The file is empty: it needs a header row.")
                return None
            positions, unknown = self._header(key, header)
            unnamed = {index for index, name in unknown if not name}
            filled: set[int] = set()
            rows: list[_Row] = []
            while True:
                start = reader.line_num + 1
                record = next(reader, None)
                if record is None:
                    break
                if not any(value.strip() for value in record):
                    continue
                extra = record[len(header) :]
                if any(value.strip() for value in extra):
                    self.error(
                        filename,
                        start,
                        "",
                        f"This row has {len(record)} values but the header has "
                        f"{len(header)} columns.",
                    )
                    continue
                for index in unnamed - filled:
                    if index < len(record) and record[index].strip():
                        filled.add(index)
                if positions is None:
                    continue
                values = {
                    name: record[index].strip() if index < len(record) else ""
                    for name, index in positions.items()
                }
                rows.append(_Row(start, values))
        except csv.Error as exc:
            self.error(filename, reader.line_num, "", f"The CSV cannot be read here: {exc}.")
            return None
        self._report_unknown(filename, unknown, filled)
        if positions is None:
            return None
        return rows

    def _read(self, files: dict[str, bytes]) -> bool:
        """Parse the manifest and the files it names; False if there is no usable manifest."""
        manifest = files.get("manifest.csv")
        if manifest is None:
            self.error(
                "manifest.csv",
                None,
                "",
                "manifest.csv is missing: a OneRoster export lists its files in it.",
            )
            return False
        rows = self._parse_csv("manifest", manifest)
        if rows is None:
            return False
        declared: dict[str, tuple[str, int]] = {}
        version_seen = False
        for row in rows:
            prop, value = row.get("propertyName"), row.get("value")
            if prop == "oneroster.version":
                version_seen = True
                if value not in ("1.1", "1.1.0"):
                    self.error(
                        "manifest.csv",
                        row.line,
                        "value",
                        f"This importer reads OneRoster 1.1; the manifest says version {value}.",
                    )
            elif prop in MANIFEST_KEYS or prop.startswith("source."):
                continue
            elif prop.startswith("file.") and prop[5:] in ENTITY_FILES:
                mode = value.lower()
                if mode not in MODES:
                    self.error(
                        "manifest.csv",
                        row.line,
                        "value",
                        f'{prop} is "{value}"; it must be absent, bulk or delta.',
                    )
                    continue
                declared[prop[5:]] = (mode, row.line)
            elif prop.startswith("file.") and prop[5:] in OTHER_FILES:
                if value.lower() in ("bulk", "delta"):
                    self.warn(
                        "manifest.csv",
                        row.line,
                        "value",
                        f"LearnHub does not use {prop[5:]}.csv; it was not read.",
                    )
            else:
                self.warn(
                    "manifest.csv",
                    row.line,
                    "propertyName",
                    f'Unknown property "{prop}" was ignored.',
                )
        if not version_seen:
            self.warn("manifest.csv", None, "", "The manifest gives no oneroster.version.")
        for key in ENTITY_FILES:
            filename = f"{key}.csv"
            data = files.get(filename.lower())
            mode, line = declared.get(key, ("", 0))
            if not mode:
                mode = "bulk" if data is not None else "absent"
                if data is not None:
                    self.warn(
                        "manifest.csv",
                        None,
                        "",
                        f"The manifest does not list file.{key}; {filename} was read as bulk.",
                    )
            if mode == "absent":
                if data is not None:
                    self.warn(
                        filename,
                        None,
                        "",
                        f"The manifest says file.{key} is absent, so {filename} was not read.",
                    )
                continue
            if data is None:
                self.error(
                    filename,
                    None,
                    "",
                    f"{filename} is missing, but manifest.csv (line {line}) says it is {mode}.",
                )
                self.broken.add(key)
                continue
            parsed = self._parse_csv(key, data)
            if parsed is None:
                self.broken.add(key)
                continue
            self.modes[key] = mode
            self.tables[key] = _Table(key, mode, parsed)
        return True

    # ---- validation of single rows

    def _rows(self, key: str) -> Iterator[tuple[_Table, _Row, str, bool]]:
        """Each row with a usable, unique sourcedId, and whether it is tobedeleted."""
        table = self.tables.get(key)
        if table is None:
            return
        seen: dict[str, int] = {}
        for row in table.rows:
            sid = row.get("sourcedId")
            if not sid:
                self.error(table.filename, row.line, "sourcedId", "sourcedId is required.")
                continue
            if len(sid) > 255:
                self.error(
                    table.filename, row.line, "sourcedId", "sourcedId is over 255 characters."
                )
                continue
            if sid in seen:
                self.error(
                    table.filename,
                    row.line,
                    "sourcedId",
                    f"sourcedId {sid} appears twice: it is already used on line {seen[sid]}.",
                )
                continue
            seen[sid] = row.line
            status = row.get("status").lower()
            if status not in ("", "active", "tobedeleted"):
                self.error(
                    table.filename,
                    row.line,
                    "status",
                    f'"{row.get("status")}" is not a status: use active, tobedeleted or leave '
                    "it blank.",
                )
            yield table, row, sid, status == "tobedeleted"

    def _text(
        self, table: _Table, row: _Row, column: str, *, limit: int, required: bool = False
    ) -> str:
        value = row.get(column)
        if required and not value:
            self.error(table.filename, row.line, column, f"{column} is required.")
        elif len(value) > limit:
            self.error(
                table.filename,
                row.line,
                column,
                f"{column} is {len(value)} characters long; LearnHub keeps at most {limit}.",
            )
        return value

    def _date(self, table: _Table, row: _Row, column: str, *, required: bool) -> dt.date | None:
        value = row.get(column)
        if not value:
            if required:
                self.error(table.filename, row.line, column, f"{column} is required.")
            return None
        if DATE_RE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.error(
            table.filename,
            row.line,
            column,
            f'"{value}" is not a date written as yyyy-mm-dd (for example 2021-08-01).',
        )
        return None

    def _bool(self, table: _Table, row: _Row, column: str, *, default: bool) -> bool:
        value = row.get(column).lower()
        if not value:
            return default
        if value in ("true", "false"):
            return value == "true"
        self.error(table.filename, row.line, column, f'"{row.get(column)}" must be true or false.')
        return default

    def _choice(self, table: _Table, row: _Row, column: str, choices: Iterable[str]) -> str | None:
        value = row.get(column)
        options = list(choices)
        if not value:
            self.error(table.filename, row.line, column, f"{column} is required.")
            return None
        lowered = {option.lower(): option for option in options}
        if value.lower() not in lowered:
            self.error(
                table.filename,
                row.line,
                column,
                f'"{value}" is not a valid {column}: use one of {", ".join(options)}.',
            )
            return None
        return lowered[value.lower()]

    def _parse_rows(self) -> None:
        for table, row, sid, deleted in self._rows("orgs"):
            org = self.orgs[sid] = _Org(sid, row.line, deleted)
            if deleted:
                continue
            org.name = self._text(table, row, "name", limit=255, required=True)
            org.type = self._choice(table, row, "type", ORG_TYPES) or ""
            org.identifier = self._text(table, row, "identifier", limit=255)
            org.parent_sid = row.get("parentSourcedId")
            if org.parent_sid == sid:
                self.error(
                    table.filename, row.line, "parentSourcedId", "An org cannot be its own parent."
                )
                org.parent_sid = ""

        for table, row, sid, deleted in self._rows("academicSessions"):
            session = self.sessions[sid] = _Session(sid, row.line, deleted)
            if deleted:
                continue
            session.title = self._text(table, row, "title", limit=255, required=True)
            kind = self._choice(table, row, "type", SESSION_KINDS.values())
            session.kind = kind or Term.Kind.TERM
            session.start = self._date(table, row, "startDate", required=True)
            session.end = self._date(table, row, "endDate", required=True)
            if session.start and session.end and session.end <= session.start:
                self.error(
                    table.filename,
                    row.line,
                    "endDate",
                    f"endDate {session.end} must be after startDate {session.start}.",
                )
            session.parent_sid = row.get("parentSourcedId")
            if session.parent_sid == sid:
                self.error(
                    table.filename,
                    row.line,
                    "parentSourcedId",
                    "A session cannot be its own parent.",
                )
                session.parent_sid = ""
            session.school_year = self._text(table, row, "schoolYear", limit=16)

        for table, row, sid, deleted in self._rows("courses"):
            course = self.courses[sid] = _Course(sid, row.line, deleted)
            if deleted:
                continue
            course.title = self._text(table, row, "title", limit=255, required=True)
            course.org_sid = self._text(table, row, "orgSourcedId", limit=255, required=True)
            course.subjects = ", ".join(_split(row.get("subjects")))
            if len(course.subjects) > 128:
                self.error(
                    table.filename, row.line, "subjects", "subjects are over 128 characters."
                )

        for table, row, sid, deleted in self._rows("classes"):
            klass = self.classes[sid] = _Class(sid, row.line, deleted)
            if deleted:
                continue
            klass.title = self._text(table, row, "title", limit=255, required=True)
            klass.code = self._text(table, row, "classCode", limit=64)
            klass.kind = CLASS_KINDS.get(
                (self._choice(table, row, "classType", CLASS_KINDS) or "").lower(),
                Section.Kind.CLASS,
            )
            klass.course_sid = self._text(table, row, "courseSourcedId", limit=255, required=True)
            klass.school_sid = self._text(table, row, "schoolSourcedId", limit=255, required=True)
            klass.term_sids = _split(row.get("termSourcedIds"))
            if not klass.term_sids:
                self.error(
                    table.filename, row.line, "termSourcedIds", "termSourcedIds is required."
                )
            klass.subjects = ", ".join(_split(row.get("subjects")))
            if len(klass.subjects) > 128:
                self.error(
                    table.filename, row.line, "subjects", "subjects are over 128 characters."
                )
            klass.grades = ", ".join(_split(row.get("grades")))
            if len(klass.grades) > 64:
                self.error(table.filename, row.line, "grades", "grades are over 64 characters.")

        emails: dict[str, tuple[str, int]] = {}
        placeholders: list[str] = []
        passwords = 0
        for table, row, sid, deleted in self._rows("users"):
            user = self.users[sid] = _User(sid, row.line, deleted)
            if deleted:
                continue
            user.enabled = self._bool(table, row, "enabledUser", default=True)
            user.org_sids = _split(row.get("orgSourcedIds"))
            if not user.org_sids:
                self.error(table.filename, row.line, "orgSourcedIds", "orgSourcedIds is required.")
            user.role = self._choice(table, row, "role", USER_ROLES) or ""
            user.given = self._text(table, row, "givenName", limit=150, required=True)
            user.family = self._text(table, row, "familyName", limit=150, required=True)
            user.agent_sids = _split(row.get("agentSourcedIds"))
            if sid in user.agent_sids:
                self.error(
                    table.filename,
                    row.line,
                    "agentSourcedIds",
                    "A person cannot be their own agent.",
                )
                user.agent_sids.remove(sid)
            user.grades = ", ".join(_split(row.get("grades")))
            if user.membership_role == Role.STUDENT and len(user.grades) > 16:
                self.error(table.filename, row.line, "grades", "grades are over 16 characters.")
            if row.get("password"):
                passwords += 1
            email = row.get("email").lower()
            username = row.get("username").lower()
            if email:
                if len(email) > 254 or not _is_email(email):
                    self.error(
                        table.filename,
                        row.line,
                        "email",
                        f'"{row.get("email")}" is not a valid email address.',
                    )
            elif len(username) <= 254 and _is_email(username):
                email = username
            else:
                email = _placeholder_email(sid)
                user.placeholder = True
                placeholders.append(sid)
            user.email = email
            if email in emails:
                other, other_line = emails[email]
                self.error(
                    table.filename,
                    row.line,
                    "email",
                    f"{email} is also the email of {other} (line {other_line}); each person "
                    "needs their own address.",
                )
            else:
                emails[email] = (sid, row.line)
        if placeholders:
            self.warn(
                "users.csv",
                None,
                "email",
                f"{len(placeholders)} people have no email address ({_sample(placeholders)}): "
                f"they were given a placeholder ending in @{PLACEHOLDER_DOMAIN} and cannot sign "
                "in until someone enters their real address.",
            )
        if passwords:
            self.warn(
                "users.csv",
                None,
                "password",
                f"{passwords} rows carry a password: LearnHub never imports passwords.",
            )

        pairs: dict[tuple[str, str, str], tuple[str, int]] = {}
        for table, row, sid, deleted in self._rows("enrollments"):
            enrollment = self.enrollments[sid] = _Enrollment(sid, row.line, deleted)
            if deleted:
                continue
            enrollment.class_sid = self._text(
                table, row, "classSourcedId", limit=255, required=True
            )
            enrollment.school_sid = self._text(
                table, row, "schoolSourcedId", limit=255, required=True
            )
            enrollment.user_sid = self._text(table, row, "userSourcedId", limit=255, required=True)
            enrollment.role = self._choice(table, row, "role", ENROLLMENT_ROLES) or ""
            enrollment.primary = self._bool(table, row, "primary", default=False)
            begin = self._date(table, row, "beginDate", required=False)
            end = self._date(table, row, "endDate", required=False)
            if begin and end and end < begin:
                self.error(
                    table.filename,
                    row.line,
                    "endDate",
                    f"endDate {end} is before beginDate {begin}.",
                )
            mapped = enrollment.mapped_role
            if mapped and enrollment.class_sid and enrollment.user_sid:
                pair = (enrollment.class_sid, enrollment.user_sid, mapped)
                if pair in pairs:
                    other, other_line = pairs[pair]
                    self.error(
                        table.filename,
                        row.line,
                        "userSourcedId",
                        f"{enrollment.user_sid} is already enrolled in {enrollment.class_sid} as "
                        f"{mapped} by {other} (line {other_line}).",
                    )
                else:
                    pairs[pair] = (sid, row.line)

    # ---- validation across files and against the database
