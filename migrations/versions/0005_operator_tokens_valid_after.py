"""operator.tokens_valid_after: tokens issued before it are refused

Set when an admin changes an operator's password or role or deactivates her (issue 21): the tokens she had
stop working at once, on every device, not when they expire eight hours later.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("operator") as batch:
        batch.add_column(sa.Column("tokens_valid_after", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("operator") as batch:
        batch.drop_column("tokens_valid_after")
