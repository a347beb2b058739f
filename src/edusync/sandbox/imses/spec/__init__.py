"""itslearning's IMS ES as the project holds it: the actions, the project's own XSDs, and the checker.

The sandbox reads and answers requests by these rules, and :class:`ImsesChecker` holds every
exchange in the tests to them, so neither the sandbox nor the connector can drift from the
specification unseen. Nothing here comes from the connector.
"""

from edusync.sandbox.imses.spec.checker import ImsesChecker

__all__ = ["ImsesChecker"]
