"""the console's indexes: a text index for its search, and changes by (change set, operation)

Persons, groups and organisations are searched through a text index instead of a scan of every
object's attributes (the console's search at a county's size: ~120 000 rows read per search)

``mv_search`` holds, per searched object, its school and its searched values (names, Feide name,
e-mail) in lower case, one per line; triggers on ``mv_objects`` keep it in step, whoever writes.
The index over it is a trigram index on both back ends, so a part of a name is found by the index:
``pg_trgm``'s GIN on PostgreSQL, an FTS5 ``trigram`` table (external content) on SQLite.

A blocked night's review page shows the first few updates of a change set of deletes: without
``ix_change_op`` that read every change of the set (469 259 at a county's size) to find none.

SQLite's ``lower()`` folds ASCII only; the Norwegian and Sámi capitals are folded by hand (``FOLD``).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

#: The attributes searched (edusync.services.people.SEARCHED), in the order they are written.
SEARCHED = ('displayName', 'name', 'eduPersonPrincipalName', 'mail', 'firstName', 'lastName')
TYPES = "('person', 'group', 'organisation')"
#: Capitals SQLite's lower() leaves as they are, with their small letters.
FOLD = (
    ('Æ', 'æ'), ('Ø', 'ø'), ('Å', 'å'), ('Ä', 'ä'), ('Ö', 'ö'), ('Ü', 'ü'), ('É', 'é'), ('È', 'è'),
    ('Á', 'á'), ('À', 'à'), ('Ó', 'ó'), ('Í', 'í'), ('Ú', 'ú'), ('Č', 'č'), ('Đ', 'đ'), ('Ŋ', 'ŋ'),
    ('Š', 'š'), ('Ŧ', 'ŧ'), ('Ž', 'ž'), ('Ï', 'ï'), ('Ñ', 'ñ'),
)


def _sqlite_terms(row: str) -> str:
    parts = " || char(10) || ".join(f"coalesce(json_extract({row}.attrs, '$.{a}'), '')" for a in SEARCHED)
    folded = f"lower({parts})"
    for upper, lower in FOLD:
        folded = f"replace({folded}, '{upper}', '{lower}')"
    return folded


def _pg_terms(row: str) -> str:
    parts = ", ".join(f"coalesce({row}.attrs::jsonb ->> '{a}', '')" for a in SEARCHED)
    return f"lower(concat_ws(E'\\n', {parts}))"


def upgrade() -> None:
    op.create_table(
        'mv_search',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('mv_id', sa.String(48), nullable=False),
        sa.Column('object_type', sa.String(64), nullable=False),
        sa.Column('school', sa.String(255)),
        sa.Column('terms', sa.Text(), nullable=False),
    )
    op.create_index('ix_search_mv', 'mv_search', ['mv_id'], unique=True)
    op.create_index('ix_search_school', 'mv_search', ['school'])
    op.create_index('ix_change_op', 'changes', ['change_set_id', 'op', 'id'])
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite()
    else:
        _postgresql()


def _sqlite() -> None:
    terms, school = _sqlite_terms('new'), "json_extract(new.attrs, '$.school')"
    row = f"(new.id, new.object_type, {school}, {terms})"
    op.execute("CREATE VIRTUAL TABLE mv_search_fts USING fts5(terms, content='mv_search', content_rowid='id', tokenize='trigram')")
    # The external-content table's own triggers: FTS5 is told each row's old terms to take them out.
    op.execute("CREATE TRIGGER mv_search_ai AFTER INSERT ON mv_search BEGIN "
               "INSERT INTO mv_search_fts(rowid, terms) VALUES (new.id, new.terms); END")
    op.execute("CREATE TRIGGER mv_search_ad AFTER DELETE ON mv_search BEGIN "
               "INSERT INTO mv_search_fts(mv_search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END")
    op.execute("CREATE TRIGGER mv_search_au AFTER UPDATE ON mv_search BEGIN "
               "INSERT INTO mv_search_fts(mv_search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); "
               "INSERT INTO mv_search_fts(rowid, terms) VALUES (new.id, new.terms); END")
    op.execute(f"CREATE TRIGGER mv_objects_search_ai AFTER INSERT ON mv_objects WHEN new.object_type IN {TYPES} BEGIN "
               f"DELETE FROM mv_search WHERE mv_id = new.id; "
               f"INSERT INTO mv_search (mv_id, object_type, school, terms) VALUES {row}; END")
    op.execute(f"CREATE TRIGGER mv_objects_search_au AFTER UPDATE OF attrs, object_type ON mv_objects "
               f"WHEN old.object_type IN {TYPES} OR new.object_type IN {TYPES} BEGIN "
               f"DELETE FROM mv_search WHERE mv_id = old.id; "
               f"INSERT INTO mv_search (mv_id, object_type, school, terms) SELECT {row[1:-1]} "
               f"WHERE new.object_type IN {TYPES}; END")
    op.execute(f"CREATE TRIGGER mv_objects_search_ad AFTER DELETE ON mv_objects WHEN old.object_type IN {TYPES} BEGIN "
               "DELETE FROM mv_search WHERE mv_id = old.id; END")
    terms = _sqlite_terms('mv_objects')
    op.execute(f"INSERT INTO mv_search (mv_id, object_type, school, terms) SELECT id, object_type, "
               f"json_extract(attrs, '$.school'), {terms} FROM mv_objects WHERE object_type IN {TYPES}")


def _postgresql() -> None:
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.execute('CREATE INDEX ix_search_terms ON mv_search USING gin (terms gin_trgm_ops)')
    terms = _pg_terms('new')
    op.execute(f"""CREATE FUNCTION mv_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND new.object_type NOT IN {TYPES}) THEN
        DELETE FROM mv_search WHERE mv_id = old.id;
        RETURN NULL;
    END IF;
    IF new.object_type IN {TYPES} THEN
        INSERT INTO mv_search (mv_id, object_type, school, terms)
        VALUES (new.id, new.object_type, new.attrs::jsonb ->> 'school', {terms})
        ON CONFLICT (mv_id) DO UPDATE SET object_type = excluded.object_type, school = excluded.school,
            terms = excluded.terms;
    END IF;
    RETURN NULL;
END $$""")
    # WHEN: the memberships (nine in ten rows) do not call the function at all.
    op.execute(f"CREATE TRIGGER mv_objects_search_ai AFTER INSERT ON mv_objects "
               f"FOR EACH ROW WHEN (new.object_type IN {TYPES}) EXECUTE FUNCTION mv_search_sync()")
    op.execute(f"CREATE TRIGGER mv_objects_search_au AFTER UPDATE OF attrs, object_type ON mv_objects FOR EACH ROW "
               f"WHEN (old.object_type IN {TYPES} OR new.object_type IN {TYPES}) EXECUTE FUNCTION mv_search_sync()")
    op.execute(f"CREATE TRIGGER mv_objects_search_ad AFTER DELETE ON mv_objects "
               f"FOR EACH ROW WHEN (old.object_type IN {TYPES}) EXECUTE FUNCTION mv_search_sync()")
    terms = _pg_terms('mv_objects')
    op.execute(f"INSERT INTO mv_search (mv_id, object_type, school, terms) SELECT id, object_type, "
               f"attrs::jsonb ->> 'school', {terms} FROM mv_objects WHERE object_type IN {TYPES}")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ('mv_objects_search_ai', 'mv_objects_search_au', 'mv_objects_search_ad',
                        'mv_search_ai', 'mv_search_ad', 'mv_search_au'):
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
        op.execute('DROP TABLE IF EXISTS mv_search_fts')
    else:
        for trigger in ('mv_objects_search_ai', 'mv_objects_search_au', 'mv_objects_search_ad'):
            op.execute(f'DROP TRIGGER IF EXISTS {trigger} ON mv_objects')
        op.execute('DROP FUNCTION IF EXISTS mv_search_sync()')
    op.drop_table('mv_search')
    op.drop_index('ix_change_op', table_name='changes')
