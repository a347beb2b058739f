"""The tables. Attributes, lineage and counts are JSON text written by :mod:`edusync.model.hashing`.

Lineage is stored compactly, ``{attribute: [index into sources, run]}``; the rule
that made a value is read from the configuration when it is shown.

Change this file only together with a new Alembic revision in ``storage/migrations``;
``tests/storage`` checks that the migrations and these tables agree.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()

ID = String(48)
NAME = String(64)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("profile", NAME, nullable=False),
    Column("status", String(16), nullable=False),
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32)),
    Column("clock", String(32), nullable=False),
    Column("steps", Text, nullable=False),
    Column("step_index", Integer, nullable=False, default=0),
    Column("counts", Text, nullable=False, default="{}"),
    Column("errors", Text, nullable=False, default="[]"),
    Column("warnings", Text, nullable=False, default="[]"),
    Column("block", Text),
    Column("owner", String(160)),  # host:pid of the process running it
    Column("options", Text, nullable=False, server_default="{}"),  # how it was asked to run, e.g. {"full": true}
    Column("recovered", Text, nullable=False, server_default="[]"),  # errors of earlier attempts it got past
)

cs_objects = Table(
    "cs_objects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("connector", NAME, nullable=False),
    Column("object_type", NAME, nullable=False),
    Column("anchor", String(255), nullable=False),
    Column("hash", String(32), nullable=False),
    Column("attrs", Text, nullable=False),
    Column("state", String(8), nullable=False),
    Column("dirty", Boolean, nullable=False),
    Column("mv_id", ID),
    Column("seen_run", Integer, nullable=False),
    Column("changed_run", Integer, nullable=False),
    UniqueConstraint("connector", "object_type", "anchor", name="uq_cs_anchor"),
    # Partial: only the few dirty rows are indexed, so clearing the flag is cheap.
    Index("ix_cs_dirty", "connector", "object_type", "id", sqlite_where=text("dirty"), postgresql_where=text("dirty")),
)

mv_objects = Table(
    "mv_objects",
    metadata,
    Column("id", ID, primary_key=True),
    Column("object_type", NAME, nullable=False),
    Column("state", String(10), nullable=False),
    Column("state_since", String(32), nullable=False),
    Column("attrs", Text, nullable=False),
    Column("lineage", Text, nullable=False),
    Column("sources", Text, nullable=False),
    Column("hash", String(32), nullable=False),
    Column("created_run", Integer, nullable=False),
    Column("changed_run", Integer, nullable=False),
    Column("person_id", ID),
    Column("group_id", ID),
    Index("ix_mv_changed", "object_type", "changed_run"),
    Index(
        "ix_mv_state",
        "object_type",
        "state",
        sqlite_where=text("state != 'active'"),
        postgresql_where=text("state != 'active'"),
    ),
    Index("ix_mv_person", "person_id"),
    Index("ix_mv_group", "group_id"),
)

#: The searched values of each person, group and organisation (lower case, one per line) and its school,
#: kept in step with ``mv_objects`` by triggers (migration 0008, which also makes the trigram index over
#: ``terms``: ``pg_trgm``'s GIN on PostgreSQL, the FTS5 table ``mv_search_fts`` on SQLite).
mv_search = Table(
    "mv_search",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mv_id", ID, nullable=False),
    Column("object_type", NAME, nullable=False),
    Column("school", String(255)),
    Column("terms", Text, nullable=False),
    Index("ix_search_mv", "mv_id", unique=True),
    Index("ix_search_school", "school"),
)

#: What migration 0008 makes that these tables cannot say (a back end's own text index): the FTS5 table and
#: its shadow tables on SQLite, the trigram GIN index on PostgreSQL. The storage contract skips them.
BACKEND_ONLY = ("mv_search_fts", "ix_search_terms")

mv_keys = Table(
    "mv_keys",
    metadata,
    Column("object_type", NAME, primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("value", String(32), primary_key=True),
    Column("mv_id", ID, primary_key=True),
    Index("ix_mvkey_mv", "mv_id"),
    sqlite_with_rowid=False,
)

target_objects = Table(
    "target_objects",
    metadata,
    Column("target", NAME, primary_key=True),
    Column("object_type", NAME, primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("mv_id", ID),
    Column("hash", String(32), nullable=False),
    Column("attrs", Text, nullable=False),
    Column("state", String(10), nullable=False),
    Column("run_id", Integer, nullable=False),
)

target_state = Table(
    "target_state",
    metadata,
    Column("target", NAME, primary_key=True),
    Column("planned_run", Integer, nullable=False),
    Column("config_hash", String(32), nullable=False),
)

change_sets = Table(
    "change_sets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, nullable=False, index=True),
    Column("target", NAME, nullable=False),
    Column("hash", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("counts", Text, nullable=False),
    Column("base_counts", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("decided_by", String(128)),
    Column("decided_at", String(32)),
    # Export progress: every change with id <= sent_upto has its result; a batch being sent is in flight.
    Column("sent_upto", Integer, nullable=False, default=0),
    Column("inflight_from", Integer),
    Column("inflight_to", Integer),
    Index("ix_cset_target", "target", "status"),
)

changes = Table(
    "changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("change_set_id", Integer, nullable=False),
    Column("object_type", NAME, nullable=False),
    Column("key", String(255), nullable=False),
    Column("op", String(8), nullable=False),
    Column("attrs", Text, nullable=False),
    Column("hash", String(32), nullable=False),
    Column("mv_id", ID),
    Column("soft", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    # What the target held before this change, as edusync had recorded it sent (``edusync revert``):
    # ``absent`` when it held nothing; all three None when not kept (older than revert.retention_days).
    Column("prior_state", String(10)),
    Column("prior_hash", String(32)),
    Column("prior_attrs", Text),  # sealed like ``attrs``
    Index("ix_change_set", "change_set_id", "id"),
    Index("ix_change_mv", "mv_id"),  # an object's history (the console's person page)
    Index("ix_change_op", "change_set_id", "op", "id"),  # the review page's first updates among many deletes
    Index(
        "ix_change_failed",
        "change_set_id",
        sqlite_where=text("status = 'failed'"),
        postgresql_where=text("status = 'failed'"),
    ),
)

#: Target objects a revert put back, kept out of every plan until a person releases them
#: (``edusync holds``). A released row stays until the target's next export, whose plan then
#: takes the object up again although the metaverse did not change.
holds = Table(
    "holds",
    metadata,
    Column("target", NAME, primary_key=True),
    Column("object_type", NAME, primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("mv_id", ID),
    Column("reverted_run", Integer, nullable=False),
    Column("held_at", String(32), nullable=False),
    Column("held_by", String(128), nullable=False),
    Column("released_at", String(32)),
    Column("released_by", String(128)),
)

watermarks = Table(
    "watermarks",
    metadata,
    Column("connector", NAME, primary_key=True),
    Column("object_type", NAME, primary_key=True),
    # Text: a source's watermark and snapshot may be long (FINT's hold every class's stamp).
    Column("value", Text),  # where the next delta import starts (None: no delta)
    Column("snapshot", Text),  # fingerprint of the last full import of the whole type
    Column("run_id", Integer, nullable=False),
)

#: The lines of a line-per-record source's last full read (:mod:`edusync.pipeline.importing.lines`):
#: sealed with the newest key (they hold national ids), replaced by each full read.
source_lines = Table(
    "source_lines",
    metadata,
    Column("connector", NAME, primary_key=True),
    Column("object_type", NAME, primary_key=True),
    Column("settings", Text, nullable=False),  # how the lines read; another way reads in full
    Column("lines", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("run_id", Integer, nullable=False),
)

#: What each full import counted, per type: the drift baseline is the largest count within a window
#: of nights, starting again from the count a person approved (``approved``).
input_counts = Table(
    "input_counts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("connector", NAME, nullable=False),
    Column("object_type", NAME, nullable=False),
    Column("run_id", Integer, nullable=False),
    Column("at", String(32), nullable=False),  # the run's clock (UTC)
    Column("count", Integer, nullable=False),
    Column("approved", Boolean, nullable=False),
    Index("ix_input_counts_type", "connector", "object_type", "id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(32), nullable=False),
    Column("run_id", Integer),
    Column("change_set_id", Integer),
    Column("detail", Text, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False),
    Column("token_hash", String(64), nullable=False),  # SHA-256 of the token; the token itself is never stored
    Column("prefix", String(16), nullable=False),  # the token's first characters, to recognise it in lists
    Column("scopes", Text, nullable=False),
    Column("feide_user", String(255)),  # a Feide name (eduPersonPrincipalName) for tokens that act for one user
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("expires_at", String(32)),
    Column("revoked_at", String(32)),
    UniqueConstraint("token_hash", name="uq_api_token_hash"),
)

#: People who sign in to the console: local accounts (an argon2 hash) and OpenID Connect users (no password).
console_users = Table(
    "console_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(255), nullable=False),  # stored lower case
    Column("display_name", String(255), nullable=False),
    Column("password_hash", String(255)),  # argon2id; None for a user who signs in only with OpenID Connect
    Column("roles", Text, nullable=False),
    Column("language", String(8)),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("disabled_at", String(32)),
    Column("last_login_at", String(32)),
    UniqueConstraint("username", name="uq_console_username"),
)
