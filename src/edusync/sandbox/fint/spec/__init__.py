"""FINT's consumer API as its makers publish it, held against every exchange in the tests.

:class:`FintChecker` holds each request and answer to the HAL shape of FINT's API overview,
the classes of FINT's information model (``fint-model.json``, the project's own schema of
them, MIT-licensed names with attribution), the paging of fint-core-consumer and its
asynchronous write flow. It imports nothing of the connector or of the sandbox it checks.
"""

from edusync.sandbox.fint.spec.checker import FintChecker

__all__ = ["FintChecker"]
