"""FS sandbox: a seeded university and an FS-like REST API over it.

``generate(seed, size)`` makes the university; ``create_app(university, username=…, password=…)``
serves it. See ``docs/sandbox-fs.md`` for the routes and the scenario of awkward cases.
"""

from edusync.sandbox.fs.app import create_app
from edusync.sandbox.fs.model import ExamKey
from edusync.sandbox.fs.scales import Scale
from edusync.sandbox.fs.scenario import Scenario
from edusync.sandbox.fs.university import SIZES, University, generate

__all__ = ["SIZES", "ExamKey", "Scale", "Scenario", "University", "create_app", "generate"]
