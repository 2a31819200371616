"""The version of each event's participants, kept by triggers, for the programme summary

Revision ID: 249137376f1b
Revises: c3e8a1f0b7d2
Create Date: 2026-12-04 15:30:00.000000

Every change to what the summaries read of an event (its attendance, its registrations, the
delegates its walk-ins are known as) gives the event a new version of its participants, so
that the programme summary counts again the events that changed and no other (see
app/models/participation.py, which creates the same triggers with the tables).

Events that already have participants get no row: no row means "as when the triggers were
created", and their first change gives them one.

SQLite: a later migration that rebuilds attendance, registration or delegate in batch mode
drops their triggers, and must create them again (tests/test_migrations.py checks).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '249137376f1b'
down_revision = 'c3e8a1f0b7d2'
branch_labels = None
depends_on = None

# The same triggers as app/models/participation.py makes with the tables (a copy: migrations
# never import the app). The columns the summaries read of each table; the first says which
# events a row is part of.
WATCHED = {
    "attendance": ("event_id", "registration_id", "attended", "email", "participant_key", "country",
                   "organisation_kind"),
    "registration": ("event_id", "delegate_id", "status", "country", "organisation_kind"),
    "delegate": ("email", "country", "organisation_kind"),
}


def new_versions(table, row, version):
    if table == "delegate":
        return (
            f"SELECT DISTINCT event_id, {version} FROM attendance "
            f"WHERE registration_id IS NULL AND email <> '' AND email = {row}.email"
        )
    return f"VALUES ({row}.event_id, {version})"


def sqlite_triggers():
    highest = "(SELECT coalesce(max(version), 0) + 1 FROM participants_version)"

    def upsert(table, row):
        return (
            f"INSERT INTO participants_version (event_id, version) {new_versions(table, row, highest)} "
            "ON CONFLICT (event_id) DO UPDATE SET version = excluded.version;"
        )

    for table, columns in WATCHED.items():
        old, new = upsert(table, "OLD"), upsert(table, "NEW")
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
        for action, when, body in (
            ("insert", "INSERT", new),
            ("delete", "DELETE", old),
            ("update", f"UPDATE OF {', '.join(columns)}", f"{old} {new}"),
        ):
            condition = f" WHEN {changed}" if action == "update" else ""
            yield (
                f"CREATE TRIGGER IF NOT EXISTS participants_{table}_{action} AFTER {when} ON {table} "
                f"FOR EACH ROW{condition} BEGIN {body} END"
            )


def postgresql_triggers():
    def upsert(table, row):
        return (
            "INSERT INTO participants_version AS known (event_id, version) "
            f"{new_versions(table, row, 'pg_current_xact_id()::text::bigint')} "
            "ON CONFLICT (event_id) DO UPDATE SET version = excluded.version "
            "WHERE known.version IS DISTINCT FROM excluded.version;"
        )

    for table, columns in WATCHED.items():
        key = columns[0]
        old_row, new_row = (", ".join(f"{row}.{column}" for column in columns) for row in ("OLD", "NEW"))
        yield (
            f"CREATE OR REPLACE FUNCTION participants_{table}_changed() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'UPDATE' AND ({old_row}) IS NOT DISTINCT FROM ({new_row}) THEN RETURN NULL; END IF; "
            f"IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.{key} IS DISTINCT FROM NEW.{key}) THEN "
            f"{upsert(table, 'OLD')} END IF; "
            f"IF TG_OP <> 'DELETE' THEN {upsert(table, 'NEW')} END IF; "
            "RETURN NULL; END $$"
        )
        yield f"DROP TRIGGER IF EXISTS participants_{table} ON {table}"
        # Deferred to the commit, so that the lock on the event's row is taken last.
        yield (
            f"CREATE CONSTRAINT TRIGGER participants_{table} "
            f"AFTER INSERT OR DELETE OR UPDATE OF {', '.join(columns)} ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION participants_{table}_changed()"
        )


def upgrade():
    op.create_table('participants_version',
    sa.Column('event_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_participants_version'))
    )
    with op.batch_alter_table('participants_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participants_version_version'), ['version'], unique=False)

    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_walk_in_email', ['email'], unique=False,
                              sqlite_where=sa.text('registration_id IS NULL'),
                              postgresql_where=sa.text('registration_id IS NULL'))

    dialect = op.get_bind().dialect.name
    triggers = {"sqlite": sqlite_triggers, "postgresql": postgresql_triggers}.get(dialect)
    for statement in triggers() if triggers else ():
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in WATCHED:
        if dialect == "sqlite":
            for action in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS participants_{table}_{action}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS participants_{table} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS participants_{table}_changed()")

    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_walk_in_email',
                            sqlite_where=sa.text('registration_id IS NULL'),
                            postgresql_where=sa.text('registration_id IS NULL'))

    with op.batch_alter_table('participants_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participants_version_version'))

    op.drop_table('participants_version')
