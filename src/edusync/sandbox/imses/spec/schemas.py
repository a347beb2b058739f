"""The project's own XSDs for IMS ES (``xsd/``, package data), compiled once and used to validate a message.

Each file names the specification its facts come from. ``all.xsd`` imports the others, so one
compiled set validates any header or body element by its name; an element the set does not
declare is reported as such rather than passed.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import threading

from lxml import etree

from edusync.sandbox.imses.spec.names import Element

_CLARK = re.compile(r"\{[^}]*\}")
_LOCK = threading.Lock()  # one compiled schema keeps one error log: validate one element at a time


@functools.cache
def _schema() -> etree.XMLSchema:
    folder = importlib.resources.files(__package__) / "xsd"
    with importlib.resources.as_file(folder) as path:
        # Our own files, read from disk so that their relative imports resolve; never the network.
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        return etree.XMLSchema(etree.parse(str(path / "all.xsd"), parser))


def problems(element: Element, where: str) -> list[str]:
    """Every way ``element`` (a request, answer or header element) breaks the schema, naming ``where``.

    The messages give the line in the document and local element names (namespaces left out:
    they are long, and the element is unambiguous in its place).
    """
    schema = _schema()
    with _LOCK:
        if schema.validate(element):
            return []
        errors = list(schema.error_log)  # type: ignore[call-overload]  # lxml-stubs: not Iterable
    return [f"{where}: line {e.line}: {_CLARK.sub('', e.message)}" for e in errors]
