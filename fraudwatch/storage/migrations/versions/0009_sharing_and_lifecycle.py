"""sharing and lifecycle: outgoing feeds, sightings and decay, appeals, takedowns, imports

The feeds publish indicators through feed_entries, kept in step with the indicators by one
writer that numbers every change (seq, the incremental feeds' cursor; a removal stays as an
unlisted entry). Indicators get a source's confidence, a count of sightings (each one also a
row in sightings, which refresh their decay) and delisted_at, set when an appeal against the
listing is accepted (appeals). Confirmed URLs and domains are followed to their takedown
(takedowns, with the notices sent about each). Scheduled pulls of other feeds
(import_sources) and every import (import_runs) record rows read, imported and refused.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 11:43:40.085977
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table('feed_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('feed', sa.String(length=16), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=2100), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('authority', sa.String(length=32), nullable=True),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_entries')),
    sa.UniqueConstraint('indicator_id', name=op.f('uq_feed_entries_indicator_id')),
    sa.UniqueConstraint('seq', name=op.f('uq_feed_entries_seq'))
    )
    with op.batch_alter_table('feed_entries', schema=None) as batch_op:
        batch_op.create_index('ix_feed_entries_feed_listed_seq', ['feed', 'listed', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_entries_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('licence', sa.String(length=300), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('bad', sa.Integer(), nullable=False),
    sa.Column('bad_reasons', JSON, nullable=True),
    sa.Column('samples', JSON, nullable=True),
    sa.Column('not_modified', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_runs_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_runs_started_at'), ['started_at'], unique=False)

    op.create_table('import_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=2100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('licence', sa.String(length=300), nullable=True),
    sa.Column('interval_seconds', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('etag', sa.String(length=300), nullable=True),
    sa.Column('last_modified', sa.String(length=64), nullable=True),
    sa.Column('last_pull_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_sources')),
    sa.UniqueConstraint('name', name=op.f('uq_import_sources_name'))
    )
    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt', sa.String(length=24), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=2100), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=True),
    sa.Column('owner_name', sa.String(length=300), nullable=False),
    sa.Column('contact_email', sa.String(length=320), nullable=False),
    sa.Column('contact_phone', sa.String(length=64), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submitted_by', sa.String(length=64), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_appeals_indicator_id_indicators'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals')),
    sa.UniqueConstraint('receipt', name=op.f('uq_appeals_receipt'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_status'), ['status'], unique=False)

    op.create_table('sightings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('ref', sa.String(length=200), nullable=True),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_sightings_indicator_id_indicators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sightings'))
    )
    with op.batch_alter_table('sightings', schema=None) as batch_op:
        batch_op.create_index('ix_sightings_indicator_seen', ['indicator_id', 'seen_at'], unique=False)

    op.create_table('takedowns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('abuse_contacts', JSON, nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('down_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_check_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_check', JSON, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_takedowns_indicator_id_indicators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_takedowns')),
    sa.UniqueConstraint('indicator_id', name=op.f('uq_takedowns_indicator_id'))
    )
    with op.batch_alter_table('takedowns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_takedowns_next_check_at'), ['next_check_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_takedowns_status'), ['status'], unique=False)

    op.create_table('takedown_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('takedown_id', sa.Integer(), nullable=False),
    sa.Column('party', sa.String(length=16), nullable=False),
    sa.Column('contact', sa.String(length=320), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['takedown_id'], ['takedowns.id'], name=op.f('fk_takedown_notices_takedown_id_takedowns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_takedown_notices'))
    )
    with op.batch_alter_table('takedown_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_takedown_notices_takedown_id'), ['takedown_id'], unique=False)

    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confidence', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('sighting_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('delisted_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_column('delisted_at')
        batch_op.drop_column('sighting_count')
        batch_op.drop_column('confidence')

    with op.batch_alter_table('takedown_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_takedown_notices_takedown_id'))

    op.drop_table('takedown_notices')
    with op.batch_alter_table('takedowns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_takedowns_status'))
        batch_op.drop_index(batch_op.f('ix_takedowns_next_check_at'))

    op.drop_table('takedowns')
    with op.batch_alter_table('sightings', schema=None) as batch_op:
        batch_op.drop_index('ix_sightings_indicator_seen')

    op.drop_table('sightings')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_status'))
        batch_op.drop_index(batch_op.f('ix_appeals_indicator_id'))
        batch_op.drop_index(batch_op.f('ix_appeals_created_at'))

    op.drop_table('appeals')
    op.drop_table('import_sources')
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_runs_started_at'))
        batch_op.drop_index(batch_op.f('ix_import_runs_source'))

    op.drop_table('import_runs')
    with op.batch_alter_table('feed_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_entries_campaign_id'))
        batch_op.drop_index('ix_feed_entries_feed_listed_seq')

    op.drop_table('feed_entries')
