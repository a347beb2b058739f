"""The ``notify:`` block: who hears of a run that waits for a person, a run that failed, a target gone stale.

These mails are apart from a target's status mail (``targets.NAME.mail``), which stays as
itslearning's import sends it. All of them go through the top-level ``mail`` server.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from edusync.config.rules import Frozen

Address = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]


class NotifyConfig(Frozen):
    """Mails to people, besides the targets' status mails (docs/daemon.md)."""

    approvers: list[Address] = Field(default_factory=list)
    """Who is mailed when a run is blocked by the safety gate (the reason, its numbers and a link to the run's
    review page), besides the console's approvers (``console_approvers``)."""
    console_approvers: bool = True
    """Also mail every console user with the ``approver`` role whose user name is an e-mail address (as OpenID
    Connect's ``email`` claim makes them); a disabled user is not mailed."""
    operators: list[Address] = Field(default_factory=list)
    """Who is mailed when a run fails (its errors, and how to resume it), and when a target goes stale."""
    stale_after_days: Annotated[int, Field(ge=1, le=365)] | None = None
    """A target whose last successful run is this many days old (or that has had runs and none succeeded for
    that long) is stale: the operators get one warning mail per stale period, from ``edusync schedule tick`` or
    the daemon. Days the target pauses, or all its schedules skip, do not count. Unset: no check."""

    @property
    def wanted(self) -> bool:
        """Whether anything here needs the mail server."""
        return bool(self.approvers or self.operators or self.stale_after_days)
