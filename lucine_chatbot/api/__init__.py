"""The JSON API: one blueprint per API module, mounted under /api."""
from flask import current_app


def no_content():
    """204 with the API's content type, so clients and the contract see JSON everywhere."""
    return current_app.response_class(status=204, mimetype="application/json")
