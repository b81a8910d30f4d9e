"""analytics indexes: queue_entry and operator_chat by session, chat_message by time

Analytics asks, for every chat of a day, whether it ever queued or had an operator (EXISTS by session_id);
without these indexes each check scans both tables (they also serve the FK cascades of the retention purge).
The average AI response time reads the BOT messages of one day: chat_message by created_at.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.create_index("ix_chat_message_created_at", ["created_at"], unique=False)
    with op.batch_alter_table("queue_entry", schema=None) as batch_op:
        batch_op.create_index("ix_queue_entry_session_id", ["session_id"], unique=False)
    with op.batch_alter_table("operator_chat", schema=None) as batch_op:
        batch_op.create_index("ix_operator_chat_session_id", ["session_id"], unique=False)


def downgrade():
    with op.batch_alter_table("operator_chat", schema=None) as batch_op:
        batch_op.drop_index("ix_operator_chat_session_id")
    with op.batch_alter_table("queue_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_entry_session_id")
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_message_created_at")
