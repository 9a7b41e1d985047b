"""indicators keep their confirmed and open report counts, and the tier their reports' risk holds

A status change of 500 reports recounted every indicator they name from all of its links: an
indicator named by a fifth of a million reports cost seconds per action (issue #11's bulk
action took 15 s at 1,000,000 reports). `confirmed_count` and `open_count` are now kept in
step as links are added and linked reports change status, like `report_count`, and
`queue_tier` records the tier the risk of the reports naming the indicator reflects, so that
they are re-tiered exactly when it changes. Existing rows are counted here, in SQL (no ORM
model: this migration must run the same whatever the models become). The index of links by
indicator becomes (indicator_id, report_id): the report page lists an indicator's latest
reports, which sorted every link of a popular indicator (99 ms at 200,000 reports).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 05:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OPEN_STATUSES = "('new', 'triaging', 'needs_info', 'duplicate')"  # storage/indicators.py, frozen here


def _count(condition: str) -> str:
    """Linked reports meeting `condition`, walked from the indicator's links (a condition in
    the WHERE clause let SQLite walk the reports by status instead: hours at 1,000,000)."""
    return ("(SELECT coalesce(sum(CASE WHEN " + condition + " THEN 1 ELSE 0 END), 0) FROM report_indicators ri "
            "JOIN reports r ON r.id = ri.report_id WHERE ri.indicator_id = indicators.id)")


def upgrade() -> None:
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('open_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('queue_tier', sa.SmallInteger(), server_default='0', nullable=False))
    with op.batch_alter_table('report_indicators', schema=None) as batch_op:
        batch_op.drop_index('ix_report_indicators_indicator_id')
        batch_op.create_index('ix_report_indicators_indicator_report', ['indicator_id', 'report_id'], unique=False)
    confirmed, open_ = _count("r.status = 'confirmed'"), _count(f"r.status IN {OPEN_STATUSES}")
    op.execute(f"UPDATE indicators SET confirmed_count = {confirmed}, open_count = {open_}")
    # storage/queue.py indicator_tier: 2 confirmed fraud, 1 suspected and named by more than one report
    op.execute("UPDATE indicators SET queue_tier = CASE WHEN status = 'confirmed_fraud' THEN 2 "
               "WHEN status = 'suspected' AND report_count > 1 THEN 1 ELSE 0 END")


def downgrade() -> None:
    with op.batch_alter_table('report_indicators', schema=None) as batch_op:
        batch_op.drop_index('ix_report_indicators_indicator_report')
        batch_op.create_index('ix_report_indicators_indicator_id', ['indicator_id'], unique=False)
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_column('queue_tier')
        batch_op.drop_column('open_count')
        batch_op.drop_column('confirmed_count')
