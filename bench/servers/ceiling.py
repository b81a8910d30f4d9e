"""The ceiling: a bare Flask JSON view, served by the same gunicorn.conf.py as the app."""
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/ceiling")
def get_ceiling():
    return jsonify({"status": "ok", "messages": [], "pending": False})
