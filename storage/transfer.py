"""A group's data in and out as documents (storage/documents.py): the validated import, which checks
the whole result before it writes anything, the export, and a new workspace's first groups."""

import itertools
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from storage import groups, handover, handover_transfer, queries
from storage.documents import (
    DEFAULT_SHORT_NAME,
    EMPTY,
    Document,
    GroupDoc,
    ImportError_,
    MemberDoc,
    TermDoc,
    numbered,
    parse_document,
)
from storage.durations import format_duration, parse_duration
from storage.matching import member_key, resolve_member
from storage.models import Admin, ChecklistItem, Group, Member, Subscription, Term

BUILT_IN = Path(__file__).parent / "gmg.yaml"
_SETTING_UP = threading.Lock()


# Writing the merged result


class Imported(NamedTuple):
    group: Group
    members: int
    terms: int


def import_documents(
    *,
    session: Session,
    team_id: str,
    docs: Iterable[Document],
    replace: bool,
    user_id: str,
    now: datetime,
    action: str,
) -> list[Imported]:
    """Imports each document into the workspace's group of its short name (the default group when it
    names none), adding the groups that do not exist yet; all or nothing (the caller commits). An
    error names the document when the file holds several. Documents are taken one at a time, so that
    `iter_documents` of a large file is never held whole."""
    imported: dict[int, tuple[int, Imported]] = {}
    for index, doc in numbered(docs):
        i = index or 0
        target = _target(session, team_id, doc)
        if isinstance(target, Group) and target.id in imported:
            first = imported[target.id][0]
            raise ImportError_(f"documents {first + 1} and {i + 1} are both the group {target.short_name}")
        try:
            group = _import_one(session, team_id, doc, target, replace, user_id, now, action)
        except ImportError_ as exc:
            raise ImportError_(str(exc) if index is None else f"document {i + 1}: {exc}") from exc
        assert group.id is not None
        imported[group.id] = i, Imported(group, len(doc.members), len(doc.terms))
    return [done for _, done in imported.values()]


def _target(session: Session, team_id: str, doc: Document) -> Group | str | None:
    """The group a document goes to: one of the workspace's, or the short name of one to add (None: a
    new workspace's first group, under the default short name)."""
    short = doc.group.short_name
    if not short:
        return groups.default_group(session=session, team_id=team_id)
    found = groups.find_group(session=session, team_id=team_id, short_name=short)
    return found if found is not None else groups.short_key(short)


def _import_one(
    session: Session,
    team_id: str,
    doc: Document,
    target: Group | str | None,
    replace: bool,
    user_id: str,
    now: datetime,
    action: str,
) -> Group:
    group = target if isinstance(target, Group) else None
    if group is None:
        group = groups.add_group(
            session=session,
            team_id=team_id,
            group=Group(
                **{
                    **doc.group.model_dump(exclude={"topic_channel"}),
                    "short_name": doc.group.short_name or DEFAULT_SHORT_NAME,
                }
            ),
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
    return group


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
    new_terms = [_term_row(t, pool, group_id, i) for i, t in enumerate(doc.terms)]
    twice = sorted(day for day, count in Counter(t["first_day"] for t in new_terms).items() if count > 1)
    if twice:
        raise ImportError_(f"terms ({twice[0]}): two terms start on that day")
    spans = {day: (day, t.last_day) for day, t in terms.items()}
    spans.update((t["first_day"], (t["first_day"], t["last_day"])) for t in new_terms)
    _check_no_overlap(sorted(spans.values()))
    rotation = None
    if doc.rotation is not None:
        rotation = [_known_code(pool, code, lambda: "rotation") for code in doc.rotation]
        repeated = [code for code in dict.fromkeys(rotation) if rotation.count(code) > 1]
        if repeated:
            raise ImportError_(f"rotation: {repeated[0]} appears twice; name each member once")

    # Everything is checked: from here on, write.
    incoming_members = _merge_members(members, doc.members, group_id)
    # The short name selects the group; it is changed with `/gmg group rename`, not by an import.
    settings = doc.group.model_dump(exclude_unset=not replace, exclude={"short_name"})
    # The topic channel is the importing workspace's own (each workspace that sees the group has one).
    if "topic_channel" in settings:
        link = groups.link_of(session=session, team_id=team_id, group_id=group_id)
        if link is not None:
            link.topic_channel = settings.pop("topic_channel")
            session.add(link)
    settings.pop("topic_channel", None)
    for key, value in settings.items():
        setattr(group, key, value)
    session.add(group)
    if replace:
        queries.delete_group_data(session=session, group_id=group_id)
        session.flush()
    session.add_all(incoming_members)
    replaced = [t["first_day"] for t in new_terms if t["first_day"] in terms]
    if replaced:
        queries.delete_terms_starting(session=session, group_id=group_id, first_days=replaced)
    # Rows in bulk into the table, not ORM objects (nor through the ORM's bulk insert, which still
    # handles each row on its own): an import may hold 100,000 terms.
    if new_terms:
        session.execute(insert(SQLModel.metadata.tables["term"]), new_terms)
    if rotation is not None:
        queries.set_rotation(session=session, group_id=group_id, codes=rotation)
    if doc.reminders is not None:
        queries.set_lead_seconds(
            session=session,
            group_id=group_id,
            seconds=[parse_duration(v) for v in doc.reminders.lead_times],
        )
    _add_subscriptions(session, group_id, team_id, doc)
    admins = set(queries.list_admins(session=session, group_id=group_id))
    session.add_all(Admin(group_id=group_id, user_id=u) for u in dict.fromkeys(doc.admins) if u not in admins)
    handover_transfer.import_process(session=session, group_id=group_id, team_id=team_id, doc=doc)
    session.flush()


def _add_subscriptions(session: Session, group_id: int, team_id: str, doc: Document) -> None:
    """Adds the document's subscriptions to the group's. A channel has one language, on each of its
    rows: the one the document gives it, else the one it has."""
    stored = list(queries.list_subscriptions(session=session, group_id=group_id))
    languages = {s.channel_id: s.language for s in stored if s.language}
    languages.update({sub.channel: sub.language for sub in doc.subscriptions if sub.language})
    for row in stored:
        if row.language != languages.get(row.channel_id, row.language):
            row.language = languages[row.channel_id]
            session.add(row)
    existing_subs = {(s.channel_id, s.kind) for s in stored}
    for sub in doc.subscriptions:
        for kind in sub.kinds:
            if (sub.channel, kind) not in existing_subs:
                existing_subs.add((sub.channel, kind))
                session.add(
                    Subscription(
                        group_id=group_id,
                        team_id=team_id,
                        channel_id=sub.channel,
                        kind=kind,
                        language=languages.get(sub.channel),
                    )
                )


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


def _known_code(members: list[MemberDoc], text: str, where: Callable[[], str]) -> str:
    """`where` names the place for an error, and is called only then (an import of many terms would
    otherwise spend much of its time writing messages it never shows)."""
    member = resolve_member(members, text)
    if member is None:
        known = ", ".join(sorted(m.code for m in members)) or "none yet"
        raise ImportError_(f"{where()}: {text!r}: unknown member (known: {known})")
    return member.code


def _term_row(doc: TermDoc, members: list[MemberDoc], group_id: int, index: int) -> dict[str, Any]:
    def where() -> str:
        return f"terms[{index}] ({doc.first_day})"

    if doc.last_day < doc.first_day:
        raise ImportError_(f"{where()}: last_day {doc.last_day} is before first_day")
    chairs = [_known_code(members, c, lambda: f"{where()}: chairs") for c in doc.chairs]
    if len(set(chairs)) != len(chairs):
        raise ImportError_(f"{where()}: chairs: a member is named twice")
    return {**doc.model_dump(exclude={"chairs", "checklist"}), "group_id": group_id, "chairs": chairs}


def _check_no_overlap(spans: list[tuple[date, date]]) -> None:
    """`spans`: (first day, last day) of every term, in order."""
    for (first, last), (after, _) in itertools.pairwise(spans):
        if after <= last:
            raise ImportError_(f"terms ({after}): overlaps the term {first} to {last}")


# Export


def export_document(*, session: Session, group: Group) -> dict[str, Any]:
    """The group as a document. Members' names in other languages, translated themes and channels'
    languages are written only where there are some."""
    assert group.id is not None
    group_id = group.id
    subs: dict[str, list[str]] = {}
    languages: dict[str, str] = {}
    for sub in queries.list_subscriptions(session=session, group_id=group_id):
        subs.setdefault(sub.channel_id, []).append(sub.kind)
        if sub.language:
            languages[sub.channel_id] = sub.language
    links = groups.links_of(session=session, group_id=group_id)
    checklists = handover_transfer.checklists_by_day(session=session, group_id=group_id)
    template = [
        handover_transfer.checklist_record(t) for t in handover.template(session=session, group_id=group_id)
    ]
    return {
        # The topic channel of the group's home workspace.
        "group": {
            **GroupDoc.model_validate(group, from_attributes=True).model_dump(),
            "topic_channel": links[0].topic_channel if links else None,
        },
        "members": [
            _without(MemberDoc.model_validate(m, from_attributes=True).model_dump(), names={}, focal_teams={})
            for m in queries.list_members(session=session, group_id=group_id)
        ],
        "terms": [
            _term_document(t, checklists.get(t.first_day, []), template)
            for t in queries.list_terms(session=session, group_id=group_id)
        ],
        "rotation": queries.get_rotation(session=session, group_id=group_id),
        "reminders": {
            "lead_times": [
                format_duration(s) for s in queries.get_lead_seconds(session=session, group_id=group_id)
            ]
        },
        "subscriptions": [
            {"channel": c, "kinds": k, **({"language": languages[c]} if c in languages else {})}
            for c, k in subs.items()
        ],
        "admins": queries.list_admins(session=session, group_id=group_id),
        "checklist_template": template,
        "proposals": handover_transfer.proposal_records(
            session=session, group_id=group_id, home=links[0].team_id if links else groups.LOCAL
        ),
    }


def _without(record: dict[str, Any], **defaults: Any) -> dict[str, Any]:
    """The record without the keys that hold their default."""
    return {k: v for k, v in record.items() if k not in defaults or v != defaults[k]}


def _term_document(
    term: Term, checklist: list[ChecklistItem], template: list[dict[str, Any]]
) -> dict[str, Any]:
    """The term, and its handover's checklist unless that is the template's copy as made, untouched
    (planning makes that copy again from the same template)."""
    record = _without(
        TermDoc.model_validate(term, from_attributes=True).model_dump(), translations={}, checklist=None
    )
    if "translations" in record:
        record["translations"] = {
            language: _without(given, description="") for language, given in record["translations"].items()
        }
    items = [handover_transfer.checklist_record(i) for i in checklist]
    if items and items != template:
        record["checklist"] = items
    return record


def ensure_workspace(
    *, session: Session, team_id: str, seed: bool, now: datetime, take_over: bool = True
) -> Group:
    """The workspace's default group. A workspace new to the bot takes over the groups prepared with
    the command line, if there are any and `take_over` lets it (once: the first workspace gets them);
    else it starts with the built-in GMG record (or an empty group)."""
    group = groups.default_group(session=session, team_id=team_id)
    if group is not None:
        return group
    if groups.workspace_groups(session=session, team_id=team_id):
        return _repaired(session, team_id, now)
    # One setup at a time in this process: the others wait here, not on the database's write lock
    # (SQLite's waiters poll and one can starve), and then find the groups made. Between processes the
    # database decides, as below.
    with _SETTING_UP:
        session.rollback()
        group = groups.default_group(session=session, team_id=team_id)
        if group is None:
            _set_up(session, team_id, seed, now, take_over)
    group = groups.default_group(session=session, team_id=team_id)
    if group is None:
        raise RuntimeError(f"the groups of workspace {team_id} could not be set up")
    return group


def _repaired(session: Session, team_id: str, now: datetime) -> Group:
    """A workspace with groups but no default (which the database cannot rule out by itself): the first
    by short name becomes the default, audited, rather than every command failing."""
    first = groups.lock_workspace(session=session, team_id=team_id)[0]
    if groups.default_group(session=session, team_id=team_id) is None:
        groups.set_default_group(
            session=session, team_id=team_id, group=first, user_id=groups.BOT, now=now, action="group default"
        )
    session.commit()
    found = groups.default_group(session=session, team_id=team_id)
    assert found is not None
    return found


def _set_up(session: Session, team_id: str, seed: bool, now: datetime, take_over: bool) -> None:
    try:
        if (
            team_id == groups.LOCAL
            or not take_over
            or not groups.take_over_unclaimed(session=session, team_id=team_id, now=now)
        ):
            doc = parse_document(BUILT_IN.read_text(encoding="utf-8")) if seed else EMPTY
            # The link is written first, as the default: of two first requests at once (in any process),
            # the second fails there, before it could write anything (one default group per workspace).
            created = groups.add_group(
                session=session,
                team_id=team_id,
                group=Group(**doc.group.model_dump()),
                user_id=groups.BOT,
                now=now,
                action="seed built-in GMG data" if seed else "create empty group",
                default=True,
            )
            import_document(session=session, group=created, team_id=team_id, doc=doc, replace=True)
        session.commit()
    except IntegrityError:
        # Another process set this workspace up at the same moment: use what it made.
        session.rollback()
