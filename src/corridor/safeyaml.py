"""The one YAML loader for files people give Corridor (frameworks, scenarios, the policy timeline).

It is PyYAML's safe loader with limits, so a hostile file costs nothing and ends in one sentence:
no aliases or anchors (a "billion laughs" file expands nothing), a bounded document size and
nesting depth, and integers of at most 18 digits. Every refusal is an `InputError` naming the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from corridor.errors import InputError

MAX_BYTES = 1_000_000
MAX_DEPTH = 50
MAX_INT_DIGITS = 18


class _Refused(Exception):
    """A limit was hit while composing the document (carried out as an InputError)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases, with a depth limit and bounded integers."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise _Refused("aliases (*name) are not accepted; write the value out", event.start_mark.line + 1)
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if getattr(event, "anchor", None):
            raise _Refused("anchors (&name) are not accepted; write the value out", event.start_mark.line + 1)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(f"nested deeper than {MAX_DEPTH} levels", event.start_mark.line + 1)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = re.sub(r"[^0-9a-fA-F]", "", str(node.value))
        if len(digits) > MAX_INT_DIGITS:
            raise _Refused(f"an integer of {len(digits)} digits is too large", node.start_mark.line + 1)
        return int(super().construct_yaml_int(node))


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


class _TextDatesLoader(_Loader):
    """The same loader, leaving dates as text so callers validate them with their own message."""


_TextDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _Loader.yaml_implicit_resolvers.items()
}


def loads(text: str, *, source: str | Path = "<text>", dates_as_text: bool = False) -> Any:
    """Parse YAML `text` within the limits; raise InputError naming `source` on any problem."""
    if len(text) > MAX_BYTES:
        raise InputError(source, f"the file is larger than {MAX_BYTES:,} bytes")
    loader_cls = _TextDatesLoader if dates_as_text else _Loader
    loader = loader_cls(text)
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise InputError(source, str(exc), row=exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "not valid YAML"
        raise InputError(source, f"not valid YAML: {problem}", row=line) from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise InputError(source, f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def load(path: str | Path, *, dates_as_text: bool = False) -> Any:
    """Read and parse the YAML file at `path` within the limits (see `loads`)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from None
    if size > MAX_BYTES:
        raise InputError(path, f"the file is larger than {MAX_BYTES:,} bytes")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the file as UTF-8 text: {exc}") from None
    return loads(text, source=path, dates_as_text=dates_as_text)
