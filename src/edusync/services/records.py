"""Stored rows as the frozen records the services hand out (a console user, an API token), and back as JSON.

A record's fields are its table's columns of the same name; the few that are not (a JSON list
kept as text, a renamed column, a value worked out from another) are given by the caller.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def from_row(cls: type[T], row: Any, **given: Any) -> T:
    """A ``cls`` from ``row``: each field from the column of its name, except those in ``given``."""
    names = [f.name for f in dataclasses.fields(cls)]
    return cls(**{name: given[name] if name in given else getattr(row, name) for name in names})


def as_json(record: DataclassInstance, **extra: Any) -> dict[str, Any]:
    """A record's fields (a tuple as a list), in their declared order, then ``extra``."""
    out = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()} | extra
