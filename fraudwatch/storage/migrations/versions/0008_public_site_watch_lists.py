"""public site and watch lists: receipts, screenshots, published examples, advisories, alerts

Reports from the public site's form get a receipt number their reporter follows them by, and a
region (given, or read off a phone number); a screenshot sent with one is kept re-encoded with
the text OCR read in it. A confirmed report published on the site as an example of its pattern
keeps its redacted text (published_examples); editors (a new role, no schema change) write
advisories. Enterprises and tax offices watch domains, brands, companies and phones
(watch_entries); a match is an alert, made once (dedupe_key), delivered to webhooks and e-mail
addresses (alert_channels) with a log of attempts (alert_deliveries). The statistics pages read
figures a job computes (site_snapshots).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 07:50:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table('advisories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body_markdown', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('pattern', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('author', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advisories')),
    sa.UniqueConstraint('slug', name=op.f('uq_advisories_slug'))
    )
    with op.batch_alter_table('advisories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advisories_published_at'), ['published_at'], unique=False)

    op.create_table('site_snapshots',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('body', JSON, nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_site_snapshots'))
    )
    op.create_table('alert_channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=2100), nullable=False),
    sa.Column('secret', sa.String(length=128), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_alert_channels_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_channels'))
    )
    with op.batch_alter_table('alert_channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_channels_owner_id'), ['owner_id'], unique=False)

    op.create_table('watch_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=300), nullable=False),
    sa.Column('match_key', sa.String(length=300), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_watch_entries_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_entries')),
    sa.UniqueConstraint('owner_id', 'kind', 'match_key', name='uq_watch_entries_owner_kind_key')
    )
    with op.batch_alter_table('watch_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_entries_match_key'), ['match_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_watch_entries_owner_id'), ['owner_id'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('subject_type', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=2100), nullable=False),
    sa.Column('dedupe_key', sa.String(length=64), nullable=False),
    sa.Column('detail', JSON, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['watch_entries.id'], name=op.f('fk_alerts_entry_id_watch_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_alerts_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_alerts_dedupe_key'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_owner_id'), ['owner_id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('ocr_text', sa.Text(), nullable=True),
    sa.Column('ocr_status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_attachments_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_report_id'), ['report_id'], unique=False)

    op.create_table('published_examples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('pattern', sa.String(length=32), nullable=False),
    sa.Column('authority', sa.String(length=32), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('chosen_by', sa.String(length=120), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_published_examples_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_examples')),
    sa.UniqueConstraint('report_id', name=op.f('uq_published_examples_report_id'))
    )
    with op.batch_alter_table('published_examples', schema=None) as batch_op:
        batch_op.create_index('ix_published_examples_pattern_state_id', ['pattern', 'state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_published_examples_published_at'), ['published_at'], unique=False)

    op.create_table('alert_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_deliveries_alert_id_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['channel_id'], ['alert_channels.id'], name=op.f('fk_alert_deliveries_channel_id_alert_channels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_deliveries'))
    )
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_deliveries_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_deliveries_channel_id'), ['channel_id'], unique=False)

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('region', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_reports_receipt'), ['receipt'])



def downgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_reports_receipt'), type_='unique')
        batch_op.drop_column('region')
        batch_op.drop_column('receipt')

    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_deliveries_channel_id'))
        batch_op.drop_index(batch_op.f('ix_alert_deliveries_alert_id'))

    op.drop_table('alert_deliveries')
    with op.batch_alter_table('published_examples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_examples_published_at'))
        batch_op.drop_index('ix_published_examples_pattern_state_id')

    op.drop_table('published_examples')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_report_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_owner_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_entry_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_created_at'))

    op.drop_table('alerts')
    with op.batch_alter_table('watch_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_entries_owner_id'))
        batch_op.drop_index(batch_op.f('ix_watch_entries_match_key'))

    op.drop_table('watch_entries')
    with op.batch_alter_table('alert_channels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_channels_owner_id'))

    op.drop_table('alert_channels')
    op.drop_table('site_snapshots')
    with op.batch_alter_table('advisories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advisories_published_at'))

    op.drop_table('advisories')
