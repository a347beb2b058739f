"""The input sanity check: an import that looks broken blocks before anything is marked gone.

Three ways a source can be broken, each judged per object type:

- **sudden loss**: a full import lost more than ``max_loss_percent`` of what was staged, or is empty;
- **slow drift**: a full import holds ``max_drift_percent`` fewer objects than the type's baseline
  (the largest count within ``drift_window_days``, counted again from the last approval), however
  small each night's own loss was;
- **a vanishing attribute**: one import removed an attribute from more than ``max_vanish_percent``
  of the type's objects (a CSV without its ``fnr`` column blanks every national id).

Every object type of the connector is judged first, so one approval covers everything that one
broken export did. The approval is bound to the hash of exactly what would go.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from edusync.config.models import Config
from edusync.errors import GateBlocked
from edusync.model.hashing import text_hash


@dataclass
class Loss:
    """What one import of one object type would do that a person may have to approve."""

    connector: str
    object_type: str
    before: int
    seen: int
    gone: list[str]
    full: bool = True
    #: The drift baseline (None: no history within the window, or a delta).
    baseline: int | None = None
    #: Attribute name → how many objects this import removed it from.
    vanished: Counter[str] = field(default_factory=Counter)

    @property
    def subject(self) -> str:
        return f"{self.connector}/{self.object_type}"


def _loss(config: Config, loss: Loss) -> tuple[list[str], list[str]]:
    policy = config.safety.input
    if not loss.full or loss.before == 0 or not loss.gone:
        return [], []
    limit = config.object_options(loss.connector, loss.object_type).max_loss_percent
    limit = policy.max_loss_percent if limit is None else limit
    pct = 100.0 * len(loss.gone) / loss.before
    if loss.seen == 0 and policy.block_empty:
        reason = f"{loss.subject}: the full import is empty (had {loss.before} objects)"
    elif pct > limit:
        reason = (
            f"{loss.subject}: the full import lost {len(loss.gone)} of {loss.before} objects "
            f"({pct:.1f} % > limit {limit:g} %)"
        )
    else:
        return [], []
    return [reason], [f"{loss.object_type}\x1f{a}" for a in sorted(loss.gone)]


def _drift(config: Config, loss: Loss) -> tuple[list[str], list[str]]:
    policy = config.safety.input
    limit, base = policy.max_drift_percent, loss.baseline
    if limit is None or not loss.full or not base or loss.seen >= base:
        return [], []
    pct = 100.0 * (base - loss.seen) / base
    if pct <= limit:
        return [], []
    reason = (
        f"{loss.subject}: {loss.seen} objects, {base - loss.seen} fewer than its baseline of {base} "
        f"(the largest count within {policy.drift_window_days} days): a slow loss of {pct:.1f} % > limit {limit:g} %"
    )
    return [reason], [f"drift\x1f{loss.object_type}\x1f{base}\x1f{loss.seen}"]


def _vanished(config: Config, loss: Loss) -> tuple[list[str], list[str]]:
    limit, base = config.safety.input.max_vanish_percent, max(loss.before, 1)
    reasons, bound = [], []
    for name, n in sorted(loss.vanished.items()):
        pct = 100.0 * n / base
        if pct > limit:
            reasons.append(
                f"{loss.subject}: attribute {name!r} vanished from {n} of {loss.before} objects "
                f"({pct:.1f} % > limit {limit:g} %)"
            )
            bound.append(f"vanished\x1f{loss.object_type}\x1f{name}\x1f{n}")
    return reasons, bound


def judge(config: Config, losses: list[Loss]) -> tuple[list[str], str, set[str]]:
    """The reasons to block, the hash an approval must name, and the object types the reasons are about."""
    reasons: list[str] = []
    bound: list[str] = []
    types: set[str] = set()
    for loss in losses:
        for check in (_loss, _drift, _vanished):
            found, what = check(config, loss)
            if found:
                reasons += found
                bound += what
                types.add(loss.object_type)
    connector = losses[0].connector if losses else ""
    return reasons, text_hash(connector, *bound) if reasons else "", types


def check(config: Config, losses: list[Loss], approved: frozenset[str], warnings: list[str]) -> set[str]:
    """Raise :class:`GateBlocked` for what nobody approved; return the object types a person approved."""
    reasons, digest, types = judge(config, losses)
    if not reasons:
        return set()
    if digest in approved:
        warnings += [r + " (approved)" for r in reasons]
        return types
    detail = {"connector": losses[0].connector, "lost": {loss.subject: len(loss.gone) for loss in losses if loss.gone}}
    raise GateBlocked("input", reasons, digest, detail)
