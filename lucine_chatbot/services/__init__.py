"""Business rules. Nothing here imports flask.request: views and jobs call the same functions."""
