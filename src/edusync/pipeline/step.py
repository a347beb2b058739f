"""What one step of a run looks like to the runner.

A run profile lists steps as text (``fint:import``, ``sync``, ``itslearning:export``);
:data:`edusync.pipeline.run.STEPS` turns each into a :class:`Step` of its stage. A step reads
and writes through its stage's store and the run's context, and says how it ended in a
:class:`StepResult`. A step that must stop the run raises: :class:`~edusync.errors.GateBlocked`
waits for a person, any other :class:`~edusync.errors.EdusyncError` fails the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from edusync.pipeline.context import RunContext


@dataclass(frozen=True)
class StepResult:
    """How a step ended, for the run report: ``done``, or ``skipped`` with the reason in ``note``."""

    status: Literal["done", "skipped"] = "done"
    note: str = ""


class Step(Protocol):
    """One step of a run; ``run`` may be called again on resume and must then do only what is left."""

    #: The step as the profile lists it.
    name: str

    def run(self, ctx: RunContext) -> StepResult: ...


def parse(step: str) -> tuple[str, str | None]:
    """``fint:import`` → (``import``, ``fint``); ``sync`` → (``sync``, None)."""
    subject, sep, action = step.partition(":")
    return (action, subject) if sep else (step, None)
