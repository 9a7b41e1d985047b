"""crawl findings reach lookups

A crawl keeps the forms of the page (their targets, what they ask for), and a page judged
scam names the indicators it makes suspected (`evidence_indicators`: the page's URL and
domain, role `page`; its forms' targets on other domains, role `collector`). Evidence
stored before this revision has no forms and names nothing.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 12:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forms', sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), 'postgresql'),
                                      nullable=True))
    op.create_table('evidence_indicators',
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_evidence_indicators_evidence_id_evidence'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'],
                            name=op.f('fk_evidence_indicators_indicator_id_indicators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('evidence_id', 'indicator_id', name=op.f('pk_evidence_indicators'))
    )
    with op.batch_alter_table('evidence_indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_indicators_indicator_id'), ['indicator_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('evidence_indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_indicators_indicator_id'))
    op.drop_table('evidence_indicators')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('forms')
