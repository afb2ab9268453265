"""Answers to questions, reused while everything they depend on stays the same: the registry says what
that is for each command (handlers.forms.Depends), and the key holds exactly that. A repeated
`/gmg chair` then costs no database read at all while storage.change_watch says nothing changed, and
one indexed read when something may have."""

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from handlers.commands import parse_question
from handlers.forms import Depends
from handlers.text import normalize_input
from storage import groups
from storage.change_watch import ChangeWatch, Generation
from storage.groups import Clock
from storage.schedule import schedule_day_at

Key = tuple[Hashable, ...]
# The longest a workspace's data versions are trusted without a read, whatever the watch says: a bound
# on any way it could miss a change.
CLOCKS_FOR = 30.0


class AnswerCache:
    def __init__(self, *, engine: Engine, watch: ChangeWatch, size: int = 4096) -> None:
        self.engine = engine
        self.watch = watch
        self.size = size
        self._answers: OrderedDict[Key, dict[str, Any]] = OrderedDict()
        # Each workspace's groups and their data versions, as read at a generation of the watch, and when.
        self._clocks: dict[str, tuple[Generation, float, list[Clock]]] = {}
        self._lock = threading.Lock()

    def key(
        self, *, team_id: str, text: str, now: datetime, language: str, reading: bool = True
    ) -> Key | None:
        """The cache key of a question, or None for a change, or a workspace not seen yet; answers in
        each language are kept apart. Not `reading`: None rather than read the database."""
        question = parse_question(text)
        if question is None:
            return None
        group_word, form = question
        clocks = self._workspace_clocks(team_id, reading)
        if clocks is None:
            return None
        named = [c for c in clocks if c[0] == groups.short_key(group_word)] if group_word else []
        chosen = named or [c for c in clocks if c[1]]
        if not chosen or (group_word and not named):
            # No group yet, or a first word that names no group (the command answers with an error).
            return None
        _, _, group_id, version, timezone, handover_time = chosen[0]
        parts: list[Hashable] = [team_id, language, normalize_input(text)]
        for depends in sorted(form.depends, key=lambda d: d.name):
            if depends is Depends.GROUP:
                parts.append((group_id, version))
            elif depends is Depends.GROUPS:
                # Each group's chair turns at its own handover time, in its own timezone.
                parts.append(tuple((*c[:4], schedule_day_at(c[4], c[5], now)) for c in clocks))
            elif depends is Depends.SCHEDULE_DAY:
                parts.append(schedule_day_at(timezone, handover_time, now))
            elif depends is Depends.CALENDAR_DAY:
                parts.append(now.astimezone(ZoneInfo(timezone)).date())
        return tuple(parts)

    def _workspace_clocks(self, team_id: str, reading: bool) -> list[Clock] | None:
        # Taken before the read: a change saved meanwhile moves it, and the next question reads again.
        generation = self.watch.generation()
        with self._lock:
            known = self._clocks.get(team_id)
        if known is not None and known[0] == generation and time.monotonic() - known[1] < CLOCKS_FOR:
            return known[2]
        if not reading:
            return None
        read_at = time.monotonic()
        with self.engine.connect() as connection:
            clocks = groups.workspace_clocks(connection=connection, team_id=team_id)
        if generation is not None:
            with self._lock:
                self._clocks[team_id] = (generation, read_at, clocks)
                while len(self._clocks) > self.size:
                    del self._clocks[next(iter(self._clocks))]
        return clocks

    def get(self, key: Key) -> dict[str, Any] | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: Key, answer: dict[str, Any]) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
