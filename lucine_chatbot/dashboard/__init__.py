"""Server-rendered pages: the operator dashboard under /dashboard and the demo shop page."""
