"""The API's JSON parser: hostile bodies are a 400 with a sentence, never a 500."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def _depth(value: Any, limit: int) -> int:
    """How deeply ``value`` nests, counting no further than ``limit`` + 1 (iteratively)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > deepest:
            deepest = level
            if deepest > limit:
                return deepest
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


class SafeJSONParser(JSONParser):
    """DRF's parser, plus: nesting deeper than the API ever uses (32) and JSON that Python can
    only parse by recursing past its limit (5,000 levels) are refused as malformed."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON nested too deeply to be read.") from exc
        if _depth(data, MAX_DEPTH) > MAX_DEPTH:
            raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep.")
        return data


def loads(text: str | bytes) -> Any:
    """``json.loads`` for request bodies outside the API: ValueError for anything hostile."""
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply to be read.") from exc
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep.")
    return data
