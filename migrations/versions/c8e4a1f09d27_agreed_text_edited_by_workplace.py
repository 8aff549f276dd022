"""the draft as last agreed (room.agreed_text), who last changed an afspraak (agreement.edited_by), and the
stage's workplace (series.workplace)

Revision ID: c8e4a1f09d27
Revises: b3d71e5a0c42
Create Date: 2026-12-02 21:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8e4a1f09d27'
down_revision = 'b3d71e5a0c42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreed_text', sa.Text(), nullable=True))
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_by', sa.String(length=40), nullable=True))
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('workplace', sa.String(length=80), nullable=True))


def downgrade():
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_column('workplace')
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_column('edited_by')
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.drop_column('agreed_text')
