"""The widget on the shop: the loader merchants link to, and its content-hashed assets (docs/widget.md)."""
