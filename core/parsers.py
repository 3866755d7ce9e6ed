"""The API's JSON parser: hostile bodies are a 400 with a sentence, never a 500."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def _scan(value: Any, limit: int) -> tuple[int, bool]:
    """How deeply ``value`` nests (counting no further than ``limit`` + 1) and whether any string
    value holds a NUL character, iteratively."""
    deepest = 0
    has_nul = False
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > deepest:
            deepest = level
            if deepest > limit:
                return deepest, has_nul
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
        elif isinstance(item, str) and "\x00" in item:
            has_nul = True
    return deepest, has_nul


def _check(data: Any) -> str | None:
    depth, has_nul = _scan(data, MAX_DEPTH)
    if depth > MAX_DEPTH:
        return f"JSON nested more than {MAX_DEPTH} levels deep."
    if has_nul:
        return "Text can't contain NUL characters (\\0). Remove them and try again."
    return None


class SafeJSONParser(JSONParser):
    """DRF's parser, plus: nesting deeper than the API ever uses (32), JSON that Python can only
    parse by recursing past its limit (5,000 levels) and NUL characters in string values are
    refused with a 400 and a sentence."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON nested too deeply to be read.") from exc
        problem = _check(data)
        if problem:
            raise ParseError(problem)
        return data


def loads(text: str | bytes) -> Any:
    """``json.loads`` for request bodies outside the API: ValueError for anything hostile."""
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply to be read.") from exc
    problem = _check(data)
    if problem:
        raise ValueError(problem)
    return data
