"""The whole group as one YAML document: export, validated import, and the built-in data set."""

import itertools
import re
import unicodedata
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage import groups, queries
from storage.durations import DurationError, format_duration, parse_duration
from storage.matching import canonical_code, member_key, resolve_member
from storage.models import Admin, Group, Member, Subscription, Term

try:  # libyaml's parser when PyYAML has it: the built-in data is read for every new workspace
    from yaml import CSafeLoader as SafeLoader
except ImportError:
    from yaml import SafeLoader  # type: ignore[assignment]

BUILT_IN = Path(__file__).parent / "gmg.yaml"
DEFAULT_LEADS = ["30d", "7d", "1d"]
# A group imported without a short name, into a workspace that has none yet.
DEFAULT_SHORT_NAME = "main"
SUBSCRIPTION_KINDS = ("reminders", "themes")
USER_ID = r"^[UW][A-Z0-9]{2,31}$"
CHANNEL_ID = r"^[CGD][A-Z0-9]{2,31}$"


class ImportError_(ValueError):
    """A document that cannot be imported; the message names the record and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        # PostgreSQL refuses NUL in text: refuse it here, naming the record, before anything is written.
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in texts):
            raise ValueError("contains a NUL character")
        # NFC: an accent written as a separate combining mark is stored as the one character it shows.
        if isinstance(value, list):
            return [_nfc(v) for v in value]
        return _nfc(value)


def _nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


class GroupDoc(_Strict):
    name: str = Field(min_length=1, max_length=200)
    # Names the group the document goes to; none: the workspace's default group.
    short_name: str = Field(default="", max_length=30)
    timezone: str = "UTC"
    term_months: int = Field(default=6, ge=1, le=24)
    handover_time: str = "00:00"
    topic_channel: str | None = Field(default=None, pattern=CHANNEL_ID)

    @field_validator("short_name")
    @classmethod
    def _short_name(cls, value: str) -> str:
        try:
            return groups.check_short_name(value) if value else value
        except groups.ShortNameError as exc:
            raise ValueError(str(exc).replace("`", "")) from exc

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("handover_time", mode="before")
    @classmethod
    def _clock(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError('write the handover time as a quoted "HH:MM", e.g. "09:00"')
        return check_clock(value)


def _canonical(value: Any) -> Any:
    # Before the length is checked: the compatibility forms of a code may be longer than it.
    return canonical_code(value) if isinstance(value, str) else value


class MemberDoc(_Strict):
    code: Annotated[str, BeforeValidator(_canonical)] = Field(min_length=1, max_length=50)
    name: str = Field(default="", max_length=200)
    active: bool = True
    joined: int | None = Field(default=None, ge=1900, le=2200)
    note: str = Field(default="", max_length=1000)
    aliases: list[Annotated[str, Field(min_length=1, max_length=50)]] = []
    focal_points: list[Annotated[str, Field(pattern=USER_ID)]] = []


class TermDoc(_Strict):
    first_day: date
    last_day: date

    @field_validator("first_day", "last_day")
    @classmethod
    def _in_range(cls, value: date) -> date:
        # The bot projects and counts beyond a term's days: keep them where dates still work.
        if not 1900 <= value.year <= 2200:
            raise ValueError(f"{value} is out of range: use years from 1900 to 2200")
        return value

    chairs: list[str] = Field(min_length=1, max_length=10)
    theme: str = Field(default="", max_length=150)
    description: str = Field(default="", max_length=3000)
    note: str = Field(default="", max_length=1000)


class RemindersDoc(_Strict):
    lead_times: list[str] = Field(max_length=20)

    @field_validator("lead_times")
    @classmethod
    def _leads(cls, values: list[str]) -> list[str]:
        try:
            return [format_duration(parse_duration(v)) for v in values]
        except DurationError as exc:
            raise ValueError(str(exc).replace("`", "")) from exc


class SubscriptionDoc(_Strict):
    channel: str = Field(pattern=CHANNEL_ID)
    kinds: list[Literal["reminders", "themes"]] = Field(min_length=1)


class Document(_Strict):
    group: GroupDoc
    members: list[MemberDoc] = []
    terms: list[TermDoc] = []
    rotation: list[str] | None = None
    reminders: RemindersDoc | None = None
    subscriptions: list[SubscriptionDoc] = []
    admins: list[Annotated[str, Field(pattern=USER_ID)]] = []


EMPTY = Document(
    group=GroupDoc(name="Rotating chair group", short_name=DEFAULT_SHORT_NAME),
    reminders=RemindersDoc(lead_times=DEFAULT_LEADS),
)

# Names people use that the IANA database spells otherwise (Geneva keeps Zurich's clock).
TIMEZONE_ALIASES = {"Europe/Geneva": "Europe/Zurich"}


def check_timezone(value: str) -> str:
    value = TIMEZONE_ALIASES.get(value, value)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a folder, a name too long
        raise ValueError(f"unknown timezone {value!r}; use an IANA name like Europe/Geneva") from exc
    return value


def check_clock(value: str) -> str:
    if not re.fullmatch(r"\d{2}:\d{2}", value):
        raise ValueError(f"{value!r} is not a time; use HH:MM, e.g. 09:00")
    try:
        time.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a time of day; use HH:MM from 00:00 to 23:59") from exc
    return value


# Reading


class _Loader(SafeLoader):
    """Safe YAML that leaves dates as text: validation then names the record of a day like 2011-02-30."""


def _as_text(loader: SafeLoader, node: yaml.Node) -> str:
    return str(node.value)


def _mapping_once(loader: SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A mapping whose keys each appear once: YAML would let the last of two win, silently."""
    seen: dict[tuple[type, Any], int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool):
            continue
        line = key_node.start_mark.line + 1
        if (type(key), key) in seen:
            raise ImportError_(
                f"line {line}: the key `{key}` appears twice in one mapping "
                f"(first on line {seen[type(key), key]}); keep one"
            )
        seen[type(key), key] = line
    return loader.construct_mapping(node, deep=True)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)
_Loader.add_constructor("tag:yaml.org,2002:map", _mapping_once)


def parse_documents(text: str) -> list[Document]:
    """One document per group, separated by `---` lines; a file of one document is one group. Each
    names its group by `group.short_name`, and no two the same one."""
    try:
        raws = [raw for raw in yaml.load_all(text, Loader=_Loader) if raw is not None]
    except yaml.YAMLError as exc:
        raise ImportError_(f"not valid YAML: {exc}".splitlines()[0]) from exc
    if not raws:
        raise ImportError_("the file holds no document: write at least `group: {name: ...}`")
    docs = [_validated(raw, i if len(raws) > 1 else None) for i, raw in enumerate(raws)]
    seen: dict[str, int] = {}
    for i, doc in enumerate(docs):
        first = seen.setdefault(groups.short_key(doc.group.short_name), i)
        if first != i:
            name = doc.group.short_name or "(no short name: the default group)"
            raise ImportError_(f"documents {first + 1} and {i + 1} are both the group {name}")
    return docs


def parse_document(text: str) -> Document:
    """A file of exactly one group."""
    docs = parse_documents(text)
    if len(docs) != 1:
        raise ImportError_(f"the file holds {len(docs)} documents; one group was expected")
    return docs[0]


def _validated(raw: Any, index: int | None) -> Document:
    where = "" if index is None else f"document {index + 1}: "
    if not isinstance(raw, dict):
        raise ImportError_(f"{where}a document must be a mapping with at least `group: {{name: ...}}`")
    try:
        return Document.model_validate(raw)
    except ValidationError as exc:
        raise ImportError_(where + _describe(exc, raw)) from exc


def _describe(exc: ValidationError, raw: dict[str, Any]) -> str:
    """The first problem, naming the record the way a person finds it in the file."""
    error = exc.errors()[0]
    loc = list(error["loc"])
    where = str(loc[0]) if loc else "document"
    if len(loc) >= 2 and isinstance(loc[1], int):
        where = f"{loc[0]}[{loc[1]}]"
        records = raw.get(str(loc[0]))
        record = records[loc[1]] if isinstance(records, list) and loc[1] < len(records) else None
        if isinstance(record, dict):
            label = record.get("code") or record.get("first_day") or record.get("channel")
            if label is not None:
                where += f" ({label})"
        loc = loc[2:]
    else:
        loc = loc[1:]
    field = ".".join(str(p) for p in loc)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{where}{': ' + field if field else ''}: {message}"


# Writing the merged result


def import_documents(
    *,
    session: Session,
    team_id: str,
    docs: list[Document],
    replace: bool,
    user_id: str,
    now: datetime,
    action: str,
) -> list[Group]:
    """Imports each document into the workspace's group of its short name (the default group when it
    names none), adding the groups that do not exist yet; all or nothing (the caller commits)."""
    imported = []
    for doc in docs:
        short = doc.group.short_name
        group = (
            groups.find_group(session=session, team_id=team_id, short_name=short)
            if short
            else groups.default_group(session=session, team_id=team_id)
        )
        if group is None:
            group = groups.add_group(
                session=session,
                team_id=team_id,
                group=Group(**{**doc.group.model_dump(), "short_name": short or DEFAULT_SHORT_NAME}),
                user_id=user_id,
                now=now,
                action=f"{action} (new group)",
            )
        import_document(session=session, group=group, team_id=team_id, doc=doc, replace=replace)
        assert group.id is not None
        queries.add_audit_entry(
            session=session,
            group_id=group.id,
            team_id=team_id,
            at=now,
            user_id=user_id,
            action=action,
            before=None,
            after={"members": len(doc.members), "terms": len(doc.terms)},
        )
        imported.append(group)
    return imported


def import_document(*, session: Session, group: Group, team_id: str, doc: Document, replace: bool) -> None:
    """Checks the whole result first, then writes it into `group` (subscriptions are channels of
    workspace `team_id`); raises ImportError_ with nothing changed."""
    assert group.id is not None
    group_id = group.id
    members = {} if replace else {m.code: m for m in queries.list_members(session=session, group_id=group_id)}
    terms = (
        {} if replace else {t.first_day: t for t in queries.list_terms(session=session, group_id=group_id)}
    )
    _check_members_once(doc.members)
    pool = _member_pool(members, doc.members)
    _check_names_unique(pool)
    new_terms = [_term_from(t, pool, group_id, i) for i, t in enumerate(doc.terms)]
    starts = [t.first_day for t in new_terms]
    twice = sorted(d for d in set(starts) if starts.count(d) > 1)
    if twice:
        raise ImportError_(f"terms ({twice[0]}): two terms start on that day")
    for term in new_terms:
        terms[term.first_day] = term
    _check_no_overlap(sorted(terms.values(), key=lambda t: t.first_day))
    rotation = None
    if doc.rotation is not None:
        rotation = [_known_code(pool, code, f"rotation: {code!r}") for code in doc.rotation]
        repeated = [code for code in dict.fromkeys(rotation) if rotation.count(code) > 1]
        if repeated:
            raise ImportError_(f"rotation: {repeated[0]} appears twice; name each member once")

    # Everything is checked: from here on, write.
    incoming_members = _merge_members(members, doc.members, group_id)
    # The short name selects the group; it is changed with `/gmg group rename`, not by an import.
    settings = doc.group.model_dump(exclude_unset=not replace, exclude={"short_name"})
    for key, value in settings.items():
        setattr(group, key, value)
    session.add(group)
    if replace:
        queries.delete_group_data(session=session, group_id=group_id)
        session.flush()
    session.add_all(incoming_members)
    for term in new_terms:
        existing = (
            None
            if replace
            else queries.term_on_or_before(session=session, group_id=group_id, day=term.first_day)
        )
        if existing is not None and existing.first_day == term.first_day:
            session.delete(existing)
            session.flush()
        session.add(term)
    if rotation is not None:
        queries.set_rotation(session=session, group_id=group_id, codes=rotation)
    if doc.reminders is not None:
        queries.set_lead_seconds(
            session=session,
            group_id=group_id,
            seconds=[parse_duration(v) for v in doc.reminders.lead_times],
        )
    existing_subs = {
        (s.channel_id, s.kind) for s in queries.list_subscriptions(session=session, group_id=group_id)
    }
    for sub in doc.subscriptions:
        for kind in sub.kinds:
            if (sub.channel, kind) not in existing_subs:
                existing_subs.add((sub.channel, kind))
                session.add(
                    Subscription(group_id=group_id, team_id=team_id, channel_id=sub.channel, kind=kind)
                )
    admins = set(queries.list_admins(session=session, group_id=group_id))
    session.add_all(Admin(group_id=group_id, user_id=u) for u in dict.fromkeys(doc.admins) if u not in admins)
    session.flush()


def _check_members_once(docs: list[MemberDoc]) -> None:
    """Two records of one member in a document (`FAO` and fullwidth `FAO`, `UN Women` and `UN-WOMEN`) would
    leave the last one's fields: refuse, naming both."""
    first: dict[str, int] = {}
    for i, doc in enumerate(docs):
        j = first.setdefault(member_key(doc.code), i)
        if j != i:
            raise ImportError_(f"members[{i}] ({doc.code}): the same member as members[{j}] ({docs[j].code})")


def _check_names_unique(pool: list[MemberDoc]) -> None:
    """Each code and alias names one member: a name shared by two would pick one of them at random."""
    owner: dict[str, str] = {}
    for member in pool:
        for name in dict.fromkeys([member.code, *member.aliases]):
            key = member_key(name)
            other = owner.setdefault(key, member.code)
            if other != member.code:
                raise ImportError_(f"members ({member.code}): the name {name!r} already names {other}")


def _member_pool(members: dict[str, Member], docs: list[MemberDoc]) -> list[MemberDoc]:
    """The members' codes and aliases as the import leaves them, without touching stored ones."""
    pool = {code: MemberDoc.model_construct(code=code, aliases=m.aliases) for code, m in members.items()}
    for doc in docs:
        if doc.code not in pool or "aliases" in doc.model_fields_set:
            pool[doc.code] = doc
    return list(pool.values())


def _merge_members(members: dict[str, Member], docs: list[MemberDoc], group_id: int) -> list[Member]:
    changed = []
    for doc in docs:
        member = members.get(doc.code)
        if member is None:
            member = Member(group_id=group_id, code=doc.code, name=doc.name or doc.code)
            members[doc.code] = member
        for key in doc.model_fields_set - {"code"}:
            setattr(member, key, getattr(doc, key))
        changed.append(member)
    return changed


def _known_code(members: list[MemberDoc], text: str, where: str) -> str:
    member = resolve_member(members, text)
    if member is None:
        known = ", ".join(sorted(m.code for m in members)) or "none yet"
        raise ImportError_(f"{where}: unknown member (known: {known})")
    return member.code


def _term_from(doc: TermDoc, members: list[MemberDoc], group_id: int, index: int) -> Term:
    where = f"terms[{index}] ({doc.first_day})"
    if doc.last_day < doc.first_day:
        raise ImportError_(f"{where}: last_day {doc.last_day} is before first_day")
    chairs = [_known_code(members, c, f"{where}: chairs: {c!r}") for c in doc.chairs]
    if len(set(chairs)) != len(chairs):
        raise ImportError_(f"{where}: chairs: a member is named twice")
    return Term(group_id=group_id, **doc.model_dump(exclude={"chairs"}), chairs=chairs)


def _check_no_overlap(terms: list[Term]) -> None:
    for before, after in itertools.pairwise(terms):
        if after.first_day <= before.last_day:
            raise ImportError_(
                f"terms ({after.first_day}): overlaps the term {before.first_day} to {before.last_day}"
            )


# Export


def export_document(*, session: Session, group: Group) -> dict[str, Any]:
    assert group.id is not None
    group_id = group.id
    subs: dict[str, list[str]] = {}
    for sub in queries.list_subscriptions(session=session, group_id=group_id):
        subs.setdefault(sub.channel_id, []).append(sub.kind)
    return {
        "group": GroupDoc.model_validate(group, from_attributes=True).model_dump(),
        "members": [
            MemberDoc.model_validate(m, from_attributes=True).model_dump()
            for m in queries.list_members(session=session, group_id=group_id)
        ],
        "terms": [
            TermDoc.model_validate(t, from_attributes=True).model_dump()
            for t in queries.list_terms(session=session, group_id=group_id)
        ],
        "rotation": queries.get_rotation(session=session, group_id=group_id),
        "reminders": {
            "lead_times": [
                format_duration(s) for s in queries.get_lead_seconds(session=session, group_id=group_id)
            ]
        },
        "subscriptions": [{"channel": c, "kinds": k} for c, k in subs.items()],
        "admins": queries.list_admins(session=session, group_id=group_id),
    }


def dump_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def dump_yaml_documents(documents: list[dict[str, Any]]) -> str:
    """Several groups as one file: a YAML document each, `---` between them."""
    return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True, width=100)


def ensure_workspace(*, session: Session, team_id: str, seed: bool, now: datetime) -> Group:
    """The workspace's default group. A workspace new to the bot takes over the groups prepared with
    the command line, if there are any (once: the first workspace gets them); else it starts with the
    built-in GMG record (or an empty group)."""
    group = groups.default_group(session=session, team_id=team_id)
    if group is not None:
        return group
    try:
        if team_id == groups.LOCAL or not groups.take_over_unclaimed(
            session=session, team_id=team_id, now=now
        ):
            doc = parse_document(BUILT_IN.read_text(encoding="utf-8")) if seed else EMPTY
            # The link is written first: of two first requests at once, the second fails there, before it
            # could write anything (one default group per workspace).
            created = groups.add_group(
                session=session,
                team_id=team_id,
                group=Group(**doc.group.model_dump()),
                user_id=groups.BOT,
                now=now,
                action="seed built-in GMG data" if seed else "create empty group",
            )
            import_document(session=session, group=created, team_id=team_id, doc=doc, replace=True)
        session.commit()
    except IntegrityError:
        # Another process set this workspace up at the same moment: use what it made.
        session.rollback()
    group = groups.default_group(session=session, team_id=team_id)
    if group is None:
        raise RuntimeError(f"the groups of workspace {team_id} could not be set up")
    return group
