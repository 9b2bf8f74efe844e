"""Metron's ``PatchRequest`` semantics: RFC 6902 operations as Metron's ``PatchUtils``
applied them (``replace`` creates a missing field, ``remove`` of a missing field does
nothing, Metron's messages for bad paths and failed tests)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from metron.search.errors import InvalidRequest

__all__ = ["apply_patch"]


def _pointer(path: Any, what: str = "path") -> list[str]:
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidRequest(f"a patch operation's '{what}' must be a JSON pointer: {path!r:.80}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def _locate(doc: dict[str, Any], path: Any, what: str = "path") -> tuple[Any, str]:
    """The container (object or list) holding the last step of ``path``, and that step."""
    names = _pointer(path, what)
    if not names:
        raise InvalidRequest(f"Invalid path: {path}")
    here: Any = doc
    for name in names[:-1]:
        if isinstance(here, dict):
            here = here.get(name)
        elif isinstance(here, list) and name.isdigit() and int(name) < len(here):
            here = here[int(name)]
        else:
            here = None
        if not isinstance(here, (dict, list)):
            raise InvalidRequest(f"Invalid path: /{'/'.join(names)}")
    return here, names[-1]


def _list_index(items: list[Any], step: str, *, end_ok: bool) -> int:
    if step == "-" and end_ok:
        return len(items)
    limit = len(items) + (1 if end_ok else 0)
    if not step.isdigit() or int(step) >= limit:
        raise InvalidRequest(f"Invalid path: list index {step!r} out of range")
    return int(step)


def _get(container: Any, step: str) -> Any:
    if isinstance(container, dict):
        return container.get(step)
    return container[_list_index(container, step, end_ok=False)]


def _put(container: Any, step: str, value: Any, *, insert: bool) -> None:
    if isinstance(container, dict):
        container[step] = value
    elif insert:
        container.insert(_list_index(container, step, end_ok=True), value)
    else:
        container[_list_index(container, step, end_ok=False)] = value


def _remove(container: Any, step: str) -> None:
    if isinstance(container, dict):
        container.pop(step, None)
    else:
        del container[_list_index(container, step, end_ok=False)]


def _java_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def apply_patch(doc: Mapping[str, Any], operations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Metron's ``PatchUtils``: RFC 6902 operations as Metron applied them to a document.
    Unlike strict RFC 6902 (and as Metron did), ``add`` and ``replace`` set a field whether
    or not it is there, ``remove`` of a missing field changes nothing, a missing ``from``
    copies null, and a path through something that is not an object is an error.  List
    indices (``/comments/0``, ``/tags/-``), which Metron refused, follow RFC 6902."""
    out = copy.deepcopy(dict(doc))
    for operation in operations:
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "remove", "replace", "move", "copy", "test"):
            raise InvalidRequest(f"The {operation.get('op')} operation is not supported")
        container, step = _locate(out, operation.get("path"))
        value = operation.get("value")
        if op in ("add", "replace"):
            _put(container, step, copy.deepcopy(value), insert=op == "add")
        elif op == "remove":
            _remove(container, step)
        elif op in ("copy", "move"):
            source, from_step = _locate(out, operation.get("from"), "from")
            moved = _get(source, from_step)
            if op == "move":
                _remove(source, from_step)
            _put(container, step, copy.deepcopy(moved), insert=True)
        else:
            actual = _get(container, step)
            if actual != value:
                raise InvalidRequest(
                    f"TEST operation failed: supplied value [{_java_text(value)}]"
                    f" != target value [{_java_text(actual)}]"
                )
    return out
