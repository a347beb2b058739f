"""What the file targets share (``pifu-xml``, ``oneroster-csv``, ``sds-csv``): one file per change set, published whole.

Each change is recorded in the published picture kept beside the files
(:class:`edusync.connectors.pifu.state.State`), and :meth:`PublishedTarget.finish_export` writes
the change set's file from it under a temporary name, uploads it over SFTP when configured, and
renames it into place (:mod:`.delivery`). The state commits only after the file is in place, so a
process killed at any point publishes the change set once, whole; a resumed run finds it published
and writes nothing.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from edusync.connectors.base import Connector
from edusync.connectors.pifu.delivery import prune, publish, upload
from edusync.connectors.pifu.state import PendingRow, State
from edusync.errors import FatalError, SkippableError
from edusync.memory import collector_paused
from edusync.model.fnr import mask_text
from edusync.model.records import Change, ChangeResult


class PublishedSettings(BaseModel):
    """The folder the files go to, their names, how many stay, and delivery over SFTP."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    output: Path | None = None
    """As a target: the folder the published files, and the state of what was published, are written to."""
    prefix: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    """File names start with this; unset: the connector's name."""
    keep_files: int = Field(default=30, ge=1)
    """How many published files stay in ``output``; older ones are deleted."""

    # -- delivery over SFTP (optional; the files are always kept in ``output`` too) ---------------
    sftp_host: str | None = None
    """Also deliver each file to this SFTP server; unset: the files stay in ``output`` only."""
    sftp_port: int = Field(default=22, ge=1, le=65535)
    """The SFTP server's port."""
    sftp_username: str | None = None
    """The SFTP login; required with ``sftp_host``."""
    sftp_password: SecretStr | None = None
    """The login's password, only as an ``${ENV}`` reference; this or ``sftp_private_key``."""
    sftp_private_key: SecretStr | None = None
    """The private key's text (OpenSSH or PEM), only as an ``${ENV}`` reference."""
    sftp_passphrase: SecretStr | None = None
    """The private key's passphrase, if it has one, only as an ``${ENV}`` reference."""
    sftp_host_key: str | None = None
    """The server's public key (``ssh-ed25519 AAAA…``); without it or ``sftp_known_hosts``, ``~/.ssh/known_hosts``
    is used. An unknown host key is never accepted."""
    sftp_known_hosts: Path | None = None
    """A known_hosts file with the server's key, instead of ``sftp_host_key``."""
    sftp_dir: str = "."
    """The folder on the server the files go to; each arrives whole, by rename."""
    sftp_timeout: float = Field(default=60.0, gt=0)
    """Seconds to wait for the connection; a whole upload may take ten times this."""

    @model_validator(mode="after")
    def _sftp(self) -> PublishedSettings:
        if self.sftp_host:
            if not self.sftp_username:
                raise ValueError("sftp_username is required with sftp_host")
            if self.sftp_password is None and self.sftp_private_key is None:
                raise ValueError("sftp_host needs sftp_password or sftp_private_key (from ${ENV})")
        return self


class PublishedTarget(Connector):
    """Base of the file targets; a subclass turns a change into a state row and writes the file."""

    default_batch_size = 20_000  # a batch is one SQLite transaction
    settings: PublishedSettings
    #: The state file's name: ``.<prefix>.<state_name>``.
    state_name: ClassVar[str]
    #: The published files' ending.
    suffix: ClassVar[str]
    #: What a file that holds everything is called in its name (``…-full.xml``, ``…-bulk.zip``).
    full_word: ClassVar[str]

    def __init__(self, name: str, settings: Any, base_dir: Path) -> None:
        super().__init__(name, settings, base_dir)
        self._state: State | None = None
        self._token = ""

    @property
    def prefix(self) -> str:
        return self.settings.prefix or self.name

    def folder(self) -> Path:
        if self.settings.output is None:
            raise FatalError(f"connector {self.name!r}: 'output' is not set, so it cannot export")
        folder = self.resolve_path(self.settings.output)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def state(self) -> State:
        if self._state is None:
            self._state = State(self.folder() / f".{self.prefix}.{self.state_name}")
        return self._state

    def begin_export(self, run_id: int, change_set_id: int) -> None:
        self._token = f"run{run_id:06d}-cs{change_set_id}"
        self.state()

    @abstractmethod
    def _pending(self, c: Change) -> PendingRow | None:
        """The state row ``c`` makes (None: nothing to record); :class:`SkippableError` fails that change."""

    def _refused(self, c: Change, exc: SkippableError) -> str:
        """The message of a change :meth:`_pending` refused, national ids masked.

        A person's key may be a fødselsnummer, and a quoted value may be one in the wrong attribute."""
        return mask_text(f"{c.object_type} {c.key}: {exc}")

    def export(self, changes: Sequence[Change]) -> list[ChangeResult]:
        """Record the changes; they reach the file in :meth:`finish_export`."""
        rows: list[PendingRow] = []
        results: list[ChangeResult] = []
        for c in changes:
            try:
                row = self._pending(c)
            except SkippableError as exc:
                results.append(ChangeResult(c.id, False, self._refused(c, exc), retriable=False))
                continue
            if row is None:
                results.append(ChangeResult(c.id, True))
            else:
                rows.append(row)
        self.state().record(rows)
        results += [ChangeResult(row[0], True) for row in rows]
        return results

    def confirm(self, changes: Sequence[Change]) -> set[int]:
        """Changes recorded for the file being written, or in the file published last."""
        return self.state().recorded([c.id for c in changes])

    def finish_export(self) -> None:
        # Rendering a county makes millions of short-lived objects and no cycles worth a scan.
        with collector_paused():
            self._finish()

    def full(self, state: State) -> bool:
        """Whether this change set's file holds everything (else: only what changed)."""
        return True

    def skip_empty(self) -> bool:
        """Whether a delta that folded into nothing writes no file."""
        return False

    def skip_unchanged(self, full: bool) -> bool:
        """Whether a change set with no change at all writes no file."""
        return not full and self.skip_empty()

    @abstractmethod
    def write(self, tmp: Path, state: State, full: bool) -> bool:
        """Write the change set's file to ``tmp`` from the applied state; False: there is nothing to publish."""

    def _finish(self) -> None:
        state = self.state()
        pending = state.has_pending()
        if not pending and state.get("published") == self._token:
            return  # this change set is already out (a resumed run)
        full = self.full(state)
        if not pending and self.skip_unchanged(full):
            return
        kind = self.full_word if full else "delta"
        folder = self.folder()
        final = folder / f"{self.prefix}-{self._token}-{kind}{self.suffix}"
        tmp = folder / f".{final.name}.tmp"
        state.begin(before=not full)
        try:
            state.apply()
            if self.write(tmp, state, full):
                if self.settings.sftp_host:
                    upload(self.settings, self.base_dir, tmp, final.name)
                publish(tmp, final)
            else:
                tmp.unlink(missing_ok=True)
            state.commit({"published": self._token, "file": final.name, "mode": kind})
        except BaseException:
            state.rollback()
            tmp.unlink(missing_ok=True)
            raise
        prune(folder, self.prefix, self.settings.keep_files, suffix=self.suffix)

    def close(self) -> None:
        if self._state is not None:
            self._state.close()
            self._state = None
