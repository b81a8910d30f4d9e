"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""
from lucine_chatbot.app import create_app

app = create_app()
