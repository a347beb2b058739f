"""``edusync init --profile vigobas DIR``: a VIGO-BAS configuration to fill in, with every variable it reads.

The configuration is the demo's ``vigobas.yaml`` with a comment above each key; its header
lists each environment variable the configuration and edusync read, what it is, and where a
county finds the value. Secrets are only ever read from the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from edusync.config.commented import with_comments


@dataclass(frozen=True)
class Variable:
    name: str
    what: str
    secret: bool = False
    required: bool = True


#: Every environment variable a VIGO-BAS installation reads: the config's ``${…}`` and edusync's own.
VARIABLES = (
    Variable("FINT_BASE_URL", "the county's FINT API: https://api.felleskomponent.no (beta.… to test)"),
    Variable("FINT_TOKEN_URL", "FINT's OAuth token endpoint: https://idp.felleskomponent.no/nidp/oauth/nam/token"),
    Variable("FINT_CLIENT_ID", "the OAuth client id of the county's FINT client (FINT's customer portal)"),
    Variable("FINT_CLIENT_SECRET", "that client's secret (customer portal)", secret=True),
    Variable("FINT_USERNAME", "the FINT client's username; the password grant logs in as the client"),
    Variable("FINT_PASSWORD", "the FINT client's password (customer portal)", secret=True),
    Variable("FINT_FEIDE_REALM", "the county's Feide realm (fjordheimfk.no): the rules build Feide names in it"),
    Variable(
        "EDUSYNC_DATABASE_URL",
        "the database, overriding storage.url (postgresql+psycopg://user@host/edusync in production)",
        secret=True,
        required=False,
    ),
    Variable("EDUSYNC_CONFIG", "this file, when edusync runs elsewhere than in its folder", required=False),
    Variable("EDUSYNC_ACTOR", "who approves or rejects a blocked run, for the audit log (else $USER)", required=False),
)


def header() -> str:
    lines = [
        "# edusync with the VIGO-BAS profile: a county's pupils, staff, schools and groups from FINT,",
        "# read as VIGO-BAS's FINT Edu MA reads them. Reference: docs/vigobas.md (which FINT collections",
        "# the FINT client needs access to) and docs/configuration.md (every key).",
        "#",
        "# Environment variables (set them in the service's unit or secret store, never in this file):",
    ]
    for v in VARIABLES:
        tags = ", ".join(t for t, on in (("required", v.required), ("optional", not v.required),
                                         ("secret", v.secret)) if on)  # fmt: skip
        lines.append(f"#   {v.name} ({tags}): {v.what}")
    return "\n".join(lines) + "\n"


def template() -> str:
    """The shipped VIGO-BAS configuration, its own opening comment replaced by :func:`header`."""
    text = resources.files("edusync.demo").joinpath("vigobas.yaml").read_text(encoding="utf-8")
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    return header() + body


def init_vigobas(folder: Path, *, force: bool = False) -> Path:
    """Write ``edusync.yaml`` for VIGO-BAS into ``folder``; refuse to overwrite unless ``force``."""
    config = folder / "edusync.yaml"
    if config.exists() and not force:
        raise FileExistsError(f"{config} exists (use --force to overwrite)")
    folder.mkdir(parents=True, exist_ok=True)
    config.write_text(with_comments(template()), encoding="utf-8")
    return config
