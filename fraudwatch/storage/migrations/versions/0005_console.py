"""officer console: people sign in, the queue in risk order, notes, campaigns, model registry

Users get a password hash (argon2id), an optional TOTP secret, a language and a session
epoch; reports get the columns the queue sorts and filters on (risk, queue_rank, verdict
authority and category, assignee, campaign, model version, distinct reporters); officers'
notes, campaigns with the MinHash bands that group near-identical texts, and the model
registry get tables. The audit trail becomes append-only in the database: rows cannot be
deleted, and an update may only scrub `detail` (what an erasure of personal data does).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 01:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), 'postgresql')
AUDIT_FIXED = ('id', 'created_at', 'actor', 'action', 'target_type', 'target_id', 'address')


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
    sa.Column('report_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('authorities', JSON, nullable=True),
    sa.Column('patterns', JSON, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('key', name=op.f('uq_campaigns_key'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaigns_last_seen'), ['last_seen'], unique=False)
    op.create_table('model_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=True),
    sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('metrics', JSON, nullable=True),
    sa.Column('comparison', JSON, nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_model_versions_version'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verdict_authority', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('verdict_category', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('model_version', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('reporter_count', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('risk', sa.Float(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('queue_rank', sa.Float(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('assigned_to', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reports_campaign_id_campaigns'), 'campaigns', ['campaign_id'],
                                    ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_reports_verdict_authority'), ['verdict_authority'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_verdict_category'), ['verdict_category'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_assigned_to'), ['assigned_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_reports_queue', ['queue_rank', 'id'], unique=False)
        batch_op.create_index('ix_reports_status_queue', ['status', 'queue_rank', 'id'], unique=False)
    op.create_table('report_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_notes_report_id_reports'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_notes'))
    )
    with op.batch_alter_table('report_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_notes_report_id'), ['report_id'], unique=False)
    op.create_table('report_bands',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_bands_report_id_reports'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'band', name=op.f('pk_report_bands'))
    )
    with op.batch_alter_table('report_bands', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_bands_band'), ['band'], unique=False)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=64), nullable=True))
    _audit_append_only()


def _audit_append_only() -> None:
    """Refuse deletes of audit events, and updates of anything but `detail`."""
    if op.get_bind().dialect.name == 'postgresql':
        changed = ' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in AUDIT_FIXED)
        op.execute("CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$")
        op.execute("CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
                   "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
        op.execute(f"CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                   f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION audit_events_append_only()")
    else:
        op.execute("CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
                   "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END")
        op.execute(f"CREATE TRIGGER audit_events_no_update BEFORE UPDATE OF {', '.join(AUDIT_FIXED)} "
                   "ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_update" +
               (" ON audit_events" if op.get_bind().dialect.name == 'postgresql' else ""))
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete" +
               (" ON audit_events" if op.get_bind().dialect.name == 'postgresql' else ""))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('address')
    with op.batch_alter_table('report_bands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_bands_band'))
    op.drop_table('report_bands')
    with op.batch_alter_table('report_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_notes_report_id'))
    op.drop_table('report_notes')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_status_queue')
        batch_op.drop_index('ix_reports_queue')
        batch_op.drop_index(batch_op.f('ix_reports_campaign_id'))
        batch_op.drop_index(batch_op.f('ix_reports_assigned_to'))
        batch_op.drop_index(batch_op.f('ix_reports_verdict_category'))
        batch_op.drop_index(batch_op.f('ix_reports_verdict_authority'))
        batch_op.drop_constraint(batch_op.f('fk_reports_campaign_id_campaigns'), type_='foreignkey')
        for column in ('campaign_id', 'assigned_to', 'queue_rank', 'risk', 'reporter_count', 'model_version',
                       'verdict_category', 'verdict_authority'):
            batch_op.drop_column(column)
    with op.batch_alter_table('users', schema=None) as batch_op:
        for column in ('last_login_at', 'session_epoch', 'language', 'totp_secret', 'password_hash'):
            batch_op.drop_column(column)
    op.drop_table('model_versions')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaigns_last_seen'))
    op.drop_table('campaigns')
