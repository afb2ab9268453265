"""Babel's extraction method for the catalog modules (babel.cfg): each entry of a module's `MESSAGES`
becomes a gettext message whose context is the message id and whose text is the English, with its
plural (`one`, `other`) where it has one. The comment lines just above an entry go to translators."""

import ast
from collections.abc import Iterator
from typing import IO, Any

# What Babel expects of an extraction method: (line, keyword, messages, translator comments); the
# keywords are Babel's own, `pgettext` (context, text) and `npgettext` (context, singular, plural).
Extracted = tuple[int, str, tuple[str, ...], list[str]]


def catalog(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[Extracted]:
    source = fileobj.read().decode("utf-8")
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.AnnAssign | ast.Assign) and isinstance(node.value, ast.Dict)):
            continue
        for key, value in zip(node.value.keys, node.value.values, strict=True):
            assert isinstance(key, ast.Constant) and isinstance(key.value, str)
            comments = _comments_above(lines, key.lineno)
            english = ast.literal_eval(value)
            if isinstance(english, dict):
                forms: tuple[str, ...] = (key.value, str(english["one"]), str(english["other"]))
                yield key.lineno, "npgettext", forms, comments
            else:
                yield key.lineno, "pgettext", (key.value, str(english)), comments


def _comments_above(lines: list[str], lineno: int) -> list[str]:
    comments: list[str] = []
    row = lineno - 2
    while row >= 0 and lines[row].strip().startswith("#"):
        comments.insert(0, lines[row].strip().lstrip("#").strip())
        row -= 1
    return comments
