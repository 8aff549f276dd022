"""a conversation keeps when it started (room.started_at): the day it took place, shown everywhere

Revision ID: b3d71e5a0c42
Revises: 5e1f0c2a9b7d
Create Date: 2026-12-02 16:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d71e5a0c42'
down_revision = '5e1f0c2a9b7d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_at', sa.DateTime(), nullable=True))
    # Conversations that began before this revision: the best guess of their day is the planned one, else when
    # they were made (one made at the table began then).
    op.execute("UPDATE room SET started_at = COALESCE(planned_for, created_at) WHERE status != 'planned'")


def downgrade():
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.drop_column('started_at')
