"""seats that are one person (extra, email_key, link_source) and mail kinds (delivered in order)

Revision ID: 5e1f0c2a9b7d
Revises: d9540a388044
Create Date: 2026-12-02 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f0c2a9b7d'
down_revision = 'd9540a388044'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extra', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('email_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('link_source', sa.String(length=8), nullable=True))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='verslag', nullable=False))
    # Mail queued before this revision: sign-in mail and invitations had no kind of their own.
    op.execute("UPDATE outbox_message SET kind = 'sign_in' WHERE room_id IS NULL")
    op.execute("UPDATE outbox_message SET kind = 'invitation' WHERE subject LIKE 'Uitnodiging%'")


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('link_source')
        batch_op.drop_column('email_key')
        batch_op.drop_column('extra')
