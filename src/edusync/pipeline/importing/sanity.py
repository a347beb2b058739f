"""The input sanity check: a full import that lost too much blocks before anything is marked gone.

Every object type of the connector is judged first, so one approval covers everything that
one broken export lost. The approval is bound to the hash of exactly the anchors that would go.
"""

from __future__ import annotations

from dataclasses import dataclass

from edusync.config.models import Config
from edusync.errors import GateBlocked
from edusync.model.hashing import text_hash


@dataclass(frozen=True)
class Loss:
    """What a full import of one object type would mark gone."""

    connector: str
    object_type: str
    before: int
    seen: int
    gone: list[str]

    @property
    def subject(self) -> str:
        return f"{self.connector}/{self.object_type}"


def judge(config: Config, losses: list[Loss]) -> tuple[list[str], str]:
    """The reasons to block (none: the import looks sound) and the hash an approval must name."""
    policy = config.safety.input
    reasons: list[str] = []
    lost: list[str] = []
    for loss in losses:
        if loss.before == 0 or not loss.gone:
            continue
        limit = config.object_options(loss.connector, loss.object_type).max_loss_percent
        limit = policy.max_loss_percent if limit is None else limit
        pct = 100.0 * len(loss.gone) / loss.before
        if loss.seen == 0 and policy.block_empty:
            reasons.append(f"{loss.subject}: the full import is empty (had {loss.before} objects)")
        elif pct > limit:
            reasons.append(
                f"{loss.subject}: the full import lost {len(loss.gone)} of {loss.before} objects "
                f"({pct:.1f} % > limit {limit:g} %)"
            )
        else:
            continue
        lost += [f"{loss.object_type}\x1f{a}" for a in sorted(loss.gone)]
    connector = losses[0].connector if losses else ""
    return reasons, text_hash(connector, *lost) if reasons else ""


def check(config: Config, losses: list[Loss], approved: frozenset[str], warnings: list[str]) -> None:
    """Raise :class:`GateBlocked` for a loss nobody approved; an approved one becomes a warning."""
    reasons, digest = judge(config, losses)
    if not reasons:
        return
    if digest in approved:
        warnings += [r + " (approved)" for r in reasons]
        return
    detail = {"connector": losses[0].connector, "lost": {loss.subject: len(loss.gone) for loss in losses if loss.gone}}
    raise GateBlocked("input", reasons, digest, detail)
