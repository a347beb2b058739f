"""The FINT sandbox: a seeded synthetic county served over FINT's HAL JSON API.

``generate(seed, size)`` makes a :class:`County`; ``create_app(county, …)`` serves
it; ``County.advance_day()`` simulates a school day; ``County.scenario`` names
the planted awkward cases. See docs/sandbox-fint.md.
"""

from edusync.sandbox.fint.county import County
from edusync.sandbox.fint.day import DayReport
from edusync.sandbox.fint.generator import SIZES, generate
from edusync.sandbox.fint.scenario import Scenario
from edusync.sandbox.fint.server import create_app

__all__ = ["SIZES", "County", "DayReport", "Scenario", "create_app", "generate"]
