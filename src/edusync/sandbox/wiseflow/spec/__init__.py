"""WISEflow's public API as the project holds it: the operations, their schemas, and the checker.

``wiseflow-api.json`` holds the facts of WISEflow's OpenAPI 1.34.0 for the operations the sandbox
serves (see its ``$comment`` and ``tools/wiseflow_facts.py``). The sandbox refuses a request that
breaks them (:mod:`.validation`), and :class:`WiseflowChecker` holds every exchange in the tests
to them, so neither the sandbox nor the connector can drift from the specification unseen.
Nothing here comes from the connector or from the rest of the sandbox.
"""

from edusync.sandbox.wiseflow.spec.checker import WiseflowChecker
from edusync.sandbox.wiseflow.spec.operations import API_PREFIX, OPERATIONS, Operation, find
from edusync.sandbox.wiseflow.spec.validation import request_problems

__all__ = ["API_PREFIX", "OPERATIONS", "Operation", "WiseflowChecker", "find", "request_problems"]
