"""A group as a YAML document: its shape, checked field by field (pydantic), and how files are read
(one document per group, `---` between them) and written. Nothing here touches the database."""

import re
from collections.abc import Hashable, Iterable, Iterator
from datetime import date, time
from typing import Annotated, Any, Literal, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from messages.languages import DEFAULT as DEFAULT_LANGUAGE
from messages.languages import LANGUAGES, UnknownLanguage, check_language
from storage import groups
from storage.document_base import CHANNEL_ID, TEAM_ID, USER_ID, Strict, clean_text
from storage.durations import DurationError, format_duration, parse_duration
from storage.handover_documents import MAX_CHECKLIST, ChecklistItemDoc, ChecklistTemplateDoc, ProposalDoc
from storage.matching import canonical_code

try:  # libyaml's parser when PyYAML has it: the built-in data is read for every new workspace
    from yaml import CSafeLoader as SafeLoader
except ImportError:
    from yaml import SafeLoader  # type: ignore[assignment]

DEFAULT_LEADS = ["30d", "7d", "1d"]
# A group imported without a short name, into a workspace that has none yet.
DEFAULT_SHORT_NAME = "Board"
SUBSCRIPTION_KINDS = ("reminders", "themes")


class ImportError_(ValueError):
    """A document that cannot be imported; the message names the record and the problem."""


def _languages_text() -> str:
    return ", ".join(LANGUAGES)


def _language(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"write the language as one of {_languages_text()}")
    try:
        return check_language(value)
    except UnknownLanguage as exc:
        raise ValueError(f"unknown language {value!r}; use one of {_languages_text()}") from exc


def _translation_key(value: Any) -> str:
    """A language other texts are translated into: the text itself is the original, in the default."""
    language = _language(value)
    if language == DEFAULT_LANGUAGE:
        raise ValueError(
            f"{language!r} is the original's language: write it as the text itself, and translations "
            f"into {', '.join(x for x in LANGUAGES if x != DEFAULT_LANGUAGE)}"
        )
    return language


def _by_language(value: Any) -> Any:
    """A mapping by language (`{fr: ..., es: ...}`) with its keys checked; its values as given."""
    if not isinstance(value, dict):
        return value
    checked: dict[str, Any] = {}
    for key, given in value.items():
        language = _translation_key(key)
        if language in checked:
            raise ValueError(f"the language {language!r} is given twice")
        checked[language] = given
    return checked


# A member's full name in another language.
TranslatedName = Annotated[str, StringConstraints(min_length=1, max_length=200), BeforeValidator(clean_text)]


class GroupDoc(Strict):
    name: str = Field(min_length=1, max_length=200)
    # Names the group the document goes to; none: the workspace's default group.
    short_name: str = Field(default="", max_length=30)
    timezone: str = "UTC"
    term_months: int = Field(default=6, ge=1, le=24)
    handover_time: str = "00:00"
    topic_channel: str | None = Field(default=None, pattern=CHANNEL_ID)
    # The language of the group's channel posts.
    language: str = DEFAULT_LANGUAGE
    # A term's theme is to be adopted this many days before it starts (`settings theme-deadline`).
    theme_deadline_days: int | None = Field(default=None, ge=0, le=366)

    @field_validator("language", mode="before")
    @classmethod
    def _known_language(cls, value: Any) -> str:
        return _language(value)

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        # The name heads lists, App Home sections and the page: one line.
        return " ".join(value.split())

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


class MemberDoc(Strict):
    code: Annotated[str, BeforeValidator(_canonical)] = Field(min_length=1, max_length=50)
    name: str = Field(default="", max_length=200)
    active: bool = True
    joined: int | None = Field(default=None, ge=1900, le=2200)
    note: str = Field(default="", max_length=1000)
    aliases: list[Annotated[str, Field(min_length=1, max_length=50)]] = []
    focal_points: list[Annotated[str, Field(pattern=USER_ID)]] = []
    # The workspace each focal point is in, where it is not the group's home: `{U123: T456}`.
    focal_teams: dict[Annotated[str, Field(pattern=USER_ID)], Annotated[str, Field(pattern=TEAM_ID)]] = {}
    # The full name in other languages: `{fr: ..., es: ...}`.
    names: Annotated[dict[str, TranslatedName], BeforeValidator(_by_language)] = {}


class TranslationDoc(Strict):
    """A term's theme in another language."""

    theme: str = Field(min_length=1, max_length=150)
    description: str = Field(default="", max_length=3000)


class TermDoc(Strict):
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
    # The theme in other languages: `{fr: {theme: ..., description: ...}, es: {...}}`.
    # (A factory: a `{}` default would be deep-copied for every term.)
    translations: Annotated[dict[str, TranslationDoc], BeforeValidator(_by_language)] = Field(
        default_factory=dict
    )
    # The checklist of the handover at the term's first day; none: the one there is stays (on a merge).
    checklist: list[ChecklistItemDoc] | None = Field(default=None, max_length=MAX_CHECKLIST)

    @model_validator(mode="after")
    def _theme_to_translate(self) -> "TermDoc":
        if self.translations and not self.theme:
            raise ValueError("translations are given but the term has no theme to translate")
        return self


class RemindersDoc(Strict):
    lead_times: list[str] = Field(max_length=20)

    @field_validator("lead_times")
    @classmethod
    def _leads(cls, values: list[str]) -> list[str]:
        try:
            return [format_duration(parse_duration(v)) for v in values]
        except DurationError as exc:
            raise ValueError(str(exc).replace("`", "")) from exc


class SubscriptionDoc(Strict):
    channel: str = Field(pattern=CHANNEL_ID)
    kinds: list[Literal["reminders", "themes"]] = Field(min_length=1)
    # The channel's language; none: the group's.
    language: str | None = None

    @field_validator("language", mode="before")
    @classmethod
    def _known_language(cls, value: Any) -> str | None:
        return None if value is None else _language(value)


class Document(Strict):
    group: GroupDoc
    members: list[MemberDoc] = []
    terms: list[TermDoc] = []
    rotation: list[str] | None = None
    reminders: RemindersDoc | None = None
    subscriptions: list[SubscriptionDoc] = []
    admins: list[Annotated[str, Field(pattern=USER_ID)]] = []
    # What each handover's checklist is copied from; none: the group's stays as it is (on a merge).
    checklist_template: list[ChecklistTemplateDoc] | None = Field(default=None, max_length=MAX_CHECKLIST)
    proposals: list[ProposalDoc] = []

    @model_validator(mode="after")
    def _one_adopted_per_term(self) -> "Document":
        adopted = [p.term for p in self.proposals if p.state == "adopted"]
        twice = sorted({term for term in adopted if adopted.count(term) > 1})
        if twice:
            raise ValueError(f"proposals: two are adopted for the term {twice[0]}; a term adopts one theme")
        return self


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
    """Safe YAML that leaves dates as text: validation then names the record of a day like 2011-02-30;
    and refuses a key given twice."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # The mappings of the document whose keys were checked, by id: PyYAML's handling of merge keys
        # (`<<`) rewrites a merged mapping in place, after which its keys can no longer be told apart.
        self.checked: set[int] = set()

    def construct_document(self, node: yaml.Node) -> Any:
        self.checked.clear()  # a node's id may be another's in the next document
        return super().construct_document(node)


def _as_text(loader: SafeLoader, node: yaml.Node) -> str:
    return str(node.value)


_MERGE = "tag:yaml.org,2002:merge"


def _mapping_once(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A mapping whose keys each appear once: YAML would let the last of two win, silently."""
    if any(key_node.tag == _MERGE for key_node, _ in node.value):
        _check_keys_once(loader, node)  # before PyYAML merges, which rewrites the mappings
        return loader.construct_mapping(node, deep=True)
    mapping = loader.construct_mapping(node, deep=True)
    if len(mapping) < len(node.value):  # two keys became one: say which (the usual case skips this)
        _check_keys_once(loader, node)
    return mapping


def _check_keys_once(loader: _Loader, node: yaml.MappingNode) -> None:
    """Refuses a key given twice in `node` (two keys equal once read, like 1 and 1.0, included) or in a
    mapping merged into it. A key given in the mapping itself and also merged in is YAML's override."""
    if id(node) in loader.checked:
        return
    loader.checked.add(id(node))
    seen: dict[Any, int] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if key_node.tag == _MERGE:
            key: Any = "<<"
            merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for mapping in merged:
                if isinstance(mapping, yaml.MappingNode):
                    _check_keys_once(loader, mapping)
        else:
            key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            continue  # PyYAML refuses it when it builds the mapping
        if key in seen:
            raise ImportError_(
                f"line {line}: the key `{key}` appears twice in one mapping "
                f"(first on line {seen[key]}); keep one"
            )
        seen[key] = line


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)
_Loader.add_constructor("tag:yaml.org,2002:map", _mapping_once)


T = TypeVar("T")


def numbered(items: Iterable[T]) -> Iterator[tuple[int | None, T]]:
    """Each item with its index, or with None when it is the only one: messages name "document 2" only
    in a file of several. Looks one item ahead, so that a stream is never held whole."""
    stream = iter(items)
    current = next(stream, _END)
    following = next(stream, _END)
    several = following is not _END
    index = 0
    while current is not _END:
        yield (index if several else None), cast(T, current)
        current, following = following, next(stream, _END)
        index += 1


_END = object()


def iter_documents(text: str) -> Iterator[Document]:
    """One document per group, separated by `---` lines; a file of one document is one group. Each
    names its group by `group.short_name`, and no two the same one. Read and checked one document at a
    time, so that a file of many groups is never held whole as objects."""
    seen: dict[str, int] = {}
    for index, raw in numbered(_raw_documents(text)):
        doc = _validated(raw, index)
        i = index or 0
        first = seen.setdefault(groups.short_key(doc.group.short_name), i)
        if first != i:
            name = doc.group.short_name or "(no short name: the default group)"
            raise ImportError_(f"documents {first + 1} and {i + 1} are both the group {name}")
        yield doc
    if not seen:
        raise ImportError_("the file holds no document: write at least `group: {name: ...}`")


def _raw_documents(text: str) -> Iterator[Any]:
    try:
        for raw in yaml.load_all(text, Loader=_Loader):
            if raw is not None:
                yield raw
    except yaml.MarkedYAMLError as exc:
        # Where it went wrong and what was wrong (not the whole text, which quotes the input).
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ImportError_(f"not valid YAML: {where}{exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise ImportError_(f"not valid YAML: {exc}".splitlines()[0]) from exc


def parse_document(text: str) -> Document:
    """A file of exactly one group."""
    docs = list(iter_documents(text))
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
            label = (
                record.get("code")
                or record.get("first_day")
                or record.get("channel")
                or record.get("title")
                or record.get("text")
            )
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


def dump_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def dump_yaml_documents(documents: list[dict[str, Any]]) -> str:
    """Several groups as one file: a YAML document each, `---` between them."""
    return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True, width=100)
