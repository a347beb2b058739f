"""Errors named for what happens next, each carrying where it happened as fields, not only as text.

::

    EdusyncError              every error edusync raises on purpose; .fields says where
    ├── FatalError            stop: the run (or the command) cannot go on
    │   ├── ConfigError       the configuration is wrong (every problem listed at once)
    │   ├── SourceError       a source gave data that cannot be trusted (malformed, duplicates)
    │   ├── StorageError      the database refused, or is at the wrong version
    │   ├── NotFound          nothing matches what was asked for (a run, an object, a remote resource)
    │   │   └── AmbiguousKey  several objects match the key: name one of them (they are listed)
    │   ├── RunInProgress     another run is going (or cannot be proven dead); this one does not start
    │   ├── ApprovalRefused   the approval does not match what is stored; nothing was let through
    │   │   ├── RunNotBlocked, AlreadyApproved, HashMismatch, ChangeSetReplaced, ChangeSetAltered
    │   │   ├── FourEyesRefused   the approver caused the change set: another must decide
    │   │   └── DecisionIncomplete  ActorUnknown, ReasonMissing, HashTooShort: ask again with it
    │   ├── RevertRefused     a revert would overwrite later changes (each object named): nothing was sent
    │   ├── KeyUnavailable    a key to seal or open a sensitive value is not there; nothing was stored
    │   └── SafetyFilterStopped  a target's safety filter failed the run (on_breach: fail); nothing was sent
    ├── RetriableError        a passing failure: the same call may succeed later (timeouts, 5xx, locks)
    ├── SkippableError        one record is bad: it is reported, and the rest go on
    └── GateBlocked           the safety gate stopped the run: a person approves or rejects (exit 3)

Foreign exceptions are wrapped with ``raise ... from exc`` so the cause stays visible. No message
or field may hold an unmasked fødselsnummer: :attr:`EdusyncError.fields` masks every value it
gives, and messages are built from masked values (:func:`edusync.model.fnr.mask`).
"""

from __future__ import annotations

from typing import Any

from edusync.model.fnr import mask_text

__all__ = [
    "ActorUnknown",
    "AlreadyApproved",
    "AmbiguousKey",
    "ApprovalRefused",
    "ChangeSetAltered",
    "ChangeSetReplaced",
    "ConfigError",
    "DecisionIncomplete",
    "EdusyncError",
    "FatalError",
    "FourEyesRefused",
    "GateBlocked",
    "HashMismatch",
    "HashTooShort",
    "KeyUnavailable",
    "NotFound",
    "ReasonMissing",
    "RetriableError",
    "RevertRefused",
    "RunInProgress",
    "RunNotBlocked",
    "SafetyFilterStopped",
    "SkippableError",
    "SourceError",
    "StopRequested",
    "StorageError",
]


class EdusyncError(Exception):
    """Base of every error edusync raises on purpose.

    Besides its message it carries where it happened (any of ``connector``, ``object_type``,
    ``anchor``, ``file``, ``line``, ``column``, ``path``, ``target``, ``run_id``), so a report, a log
    line or an API answer can show them as data.
    """

    def __init__(
        self,
        message: str,
        *,
        connector: str | None = None,
        object_type: str | None = None,
        anchor: str | None = None,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
        path: str | None = None,
        target: str | None = None,
        run_id: int | None = None,
    ) -> None:
        super().__init__(message)
        self.connector = connector
        self.object_type = object_type
        self.anchor = anchor
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.target = target
        self.run_id = run_id

    @property
    def fields(self) -> dict[str, Any]:
        """The fields that are set, with any national id in them masked."""
        names = ("connector", "object_type", "anchor", "file", "line", "column", "path", "target", "run_id")
        out: dict[str, Any] = {}
        for name in names:
            value = getattr(self, name)
            if value is not None:
                out[name] = mask_text(value) if isinstance(value, str) else value
        return out


class FatalError(EdusyncError):
    """The run cannot continue."""


class ConfigError(FatalError):
    """One or more configuration problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[str], *, file: str | None = None) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems), file=file)


class SourceError(FatalError):
    """A source delivered data edusync will not act on; nothing of that import is staged."""


class CollectionUnavailable(SourceError):
    """A source collection the client may not read (403) or nobody serves (404).

    ``collection`` names it (``/utdanning/timeplan/fag``) and ``status`` is the answer; whether the
    run goes on without it is the profile's call (optional: a warning; required: this error).
    """

    def __init__(self, message: str, *, collection: str, status: int) -> None:
        super().__init__(message)
        self.collection = collection
        self.status = status


class StorageError(FatalError):
    """The database could not be used."""


class NotFound(FatalError):
    """Nothing matches what was asked for: a run, an object, a group, a remote resource (404)."""


class AmbiguousKey(NotFound):
    """The key names more than one object, so none is picked: ask again with one of ``candidates``.

    Each candidate is what tells them apart (id, type, state, name, Feide name, school), with
    nothing sealed in it; the message lists them too.
    """

    def __init__(self, message: str, *, candidates: list[dict[str, Any]], object_type: str) -> None:
        super().__init__(message, object_type=object_type)
        self.candidates = candidates


class RunInProgress(FatalError):
    """Another run is still going (or cannot be proven dead); this one does not start."""

    def __init__(self, message: str, *, run_id: int | None = None, owner: str | None = None) -> None:
        super().__init__(message, run_id=run_id)
        self.owner = owner


class ApprovalRefused(FatalError):
    """The approval does not match what is stored, so nothing was let through.

    Raised only as one of its subclasses, each named for what the person does next; the console
    answers each by its type: :class:`DecisionIncomplete` 422, :class:`FourEyesRefused` 403, the
    rest 409 (the run is not, or no longer, what the decision was about).
    """


class RunNotBlocked(ApprovalRefused):
    """There is nothing to decide: the run does not exist (``status`` None) or is not blocked."""

    def __init__(self, run_id: int, status: str | None) -> None:
        message = f"there is no run {run_id}" if status is None else f"run {run_id} is {status}, not blocked"
        super().__init__(message, run_id=run_id)
        self.status = status


class AlreadyApproved(ApprovalRefused):
    """The run is approved already (by ``approved_by``): resume it rather than approve it again."""

    def __init__(self, run_id: int, approved_by: str | None) -> None:
        super().__init__(
            f"run {run_id} is already approved by {approved_by}; finish it with `edusync resume {run_id}`",
            run_id=run_id,
        )
        self.approved_by = approved_by


class HashMismatch(ApprovalRefused):
    """The approval names another hash than what was blocked: review the run again and name what it shows.

    ``given`` is the hash (or prefix) the approval named, ``blocked`` the start of the blocked one.
    """

    def __init__(self, run_id: int, given: str, blocked: str) -> None:
        super().__init__(f"run {run_id}: the approval names {given}, but what was blocked is {blocked}", run_id=run_id)
        self.given = given
        self.blocked = blocked


class ChangeSetReplaced(ApprovalRefused):
    """The blocked change set is no longer the one to decide on (``status``: what it is now, ``superseded`` when a
    later run replaced it): decide on the run that holds the new one."""

    def __init__(self, run_id: int, change_set_id: int, status: str) -> None:
        super().__init__(f"run {run_id}: its change set is {status} (a later run replaced it)", run_id=run_id)
        self.change_set_id = change_set_id
        self.status = status


class ChangeSetAltered(ApprovalRefused):
    """The stored change set's changes no longer hash to what was blocked: nothing of it may go; look into why."""

    def __init__(self, run_id: int, change_set_id: int) -> None:
        super().__init__(f"run {run_id}: the stored change set no longer matches what was blocked", run_id=run_id)
        self.change_set_id = change_set_id


class FourEyesRefused(ApprovalRefused):
    """``actor`` caused the change set, and four-eyes is on: another approver must decide."""

    def __init__(self, run_id: int, actor: str) -> None:
        super().__init__(
            f"run {run_id}: {actor} caused this change set, so another approver must decide (four-eyes)", run_id=run_id
        )
        self.actor = actor


class DecisionIncomplete(ApprovalRefused):
    """The decision lacks something it needs (who decides, why, enough of the hash): ask again with it."""


class ActorUnknown(DecisionIncomplete):
    """Nobody is known to decide: set ``EDUSYNC_ACTOR`` (or sign in) and ask again."""

    def __init__(self) -> None:
        super().__init__("no actor is known: set EDUSYNC_ACTOR (or USER) to who you are; nothing was decided")


class ReasonMissing(DecisionIncomplete):
    """A decision the console takes needs a reason: give one and ask again (``decision``: approve or reject)."""

    def __init__(self, run_id: int, decision: str) -> None:
        why = "let it through" if decision == "approve" else "reject it"
        super().__init__(f"run {run_id}: say why you {why} (a reason); nothing was decided", run_id=run_id)
        self.decision = decision


class HashTooShort(DecisionIncomplete):
    """The approval names too little of the reviewed hash (``given``; ``needed`` characters at least): name more."""

    def __init__(self, run_id: int, given: str, needed: int, message: str | None = None) -> None:
        super().__init__(
            message
            or f"run {run_id}: name the hash you reviewed, its first {needed} characters at least "
            f"(`edusync runs show {run_id}` shows it); nothing was let through",
            run_id=run_id,
        )
        self.given = given
        self.needed = needed


class RevertRefused(FatalError):
    """A revert would overwrite what a later run changed, or has no prior value to put back; nothing was sent.

    ``refused`` holds one entry per object (``object_type``, ``key``, ``reason``); revert again with
    ``--only-untouched`` to put back only the others, or revert the later run first.
    """

    def __init__(self, target: str, run_id: int, refused: list[dict[str, str]]) -> None:
        shown = "; ".join(f"{r['object_type']} {r['key']}: {r['reason']}" for r in refused[:10])
        more = f" (and {len(refused) - 10} more)" if len(refused) > 10 else ""
        super().__init__(
            f"{target}: run {run_id} cannot be reverted as a whole, {len(refused)} objects refused: {shown}{more}",
            target=target,
            run_id=run_id,
        )
        self.refused = refused


class KeyUnavailable(FatalError):
    """A key needed to seal (encrypt) or open a sensitive value is not set or not readable."""


class SafetyFilterStopped(FatalError):
    """A target's safety filter failed the run (``on_breach: fail``); nothing was sent to it."""

    def __init__(self, target: str, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(
            f"the safety filter stopped the import to {target}; nothing was sent: " + "; ".join(reasons), target=target
        )


class RetriableError(EdusyncError):
    """A passing failure; the same call may succeed later."""


class StopRequested(EdusyncError):
    """The process is stopping (SIGTERM): the run stops at a safe point, stays ``running`` and resumes on the next
    start (``edusync resume``, or the daemon when it comes back); ``where`` says between what it stopped."""

    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(f"stopped {where}, as the process was asked to")


class SkippableError(EdusyncError):
    """One record is bad; it is reported and the rest go on."""


class GateBlocked(EdusyncError):
    """The safety gate stopped a step; the runner stores the block and the run waits (exit 3).

    ``kind`` is ``input`` (a full import lost too much) or ``threshold`` (a change set breached
    a target's limits). ``hash`` is what an approval is bound to: the exact loss, or the exact
    change set, that the person looked at. ``detail`` is stored with the block (the target and
    change set, or the connector and what it lost).
    """

    def __init__(self, kind: str, reasons: list[str], hash: str, detail: dict[str, Any]) -> None:
        self.kind = kind
        self.reasons = reasons
        self.hash = hash
        self.detail = detail
        super().__init__("; ".join(reasons), target=detail.get("target"), connector=detail.get("connector"))
