"""Answers to questions, reused while the workspace's data version and the schedule day stay the
same: a repeated `/gmg chair` then costs one indexed read instead of loading the schedule."""

import threading
from collections import OrderedDict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from handlers.commands import is_question
from handlers.text import normalize_input
from storage import queries
from storage.schedule import schedule_day_at

Key = tuple[str, int, date, str]


class AnswerCache:
    def __init__(self, *, engine: Engine, size: int = 4096) -> None:
        self.engine = engine
        self.size = size
        self._answers: OrderedDict[Key, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, *, team_id: str, text: str, now: datetime) -> Key | None:
        """The cache key of a question, or None for a change, or a workspace not seen yet."""
        if not is_question(text):
            return None
        with self.engine.connect() as connection:
            clock = queries.group_clock(connection=connection, team_id=team_id)
        if clock is None:
            return None
        version, timezone, handover_time = clock
        return team_id, version, schedule_day_at(timezone, handover_time, now), normalize_input(text)

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
