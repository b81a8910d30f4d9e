"""The widget tests' shop: the demo pages (Italian, English, German) served on another origin than the backend,
the knowledge base seeded, and the operators' side over real HTTP."""
import pytest

from lucine_chatbot.seed import seed_all

from .widget_shop import Shop, render_pages, serve_shop

PRICE_QUESTION = "Quanto costa il biglietto?"


@pytest.fixture(scope="module")
def shop(app, live_server, shop_listener):
    pages = render_pages(app, live_server)
    for lang in ("en", "de"):  # the snippet with data-lang: the same shop's English and German pages
        pages.update({f"/{lang}{path}": body for path, body in render_pages(app, live_server, lang).items()})
    server, thread = serve_shop(shop_listener, pages)
    yield Shop(origin="http://127.0.0.1:%d" % shop_listener.getsockname()[1], backend=live_server)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def knowledge_base(app):
    seed_all()


@pytest.fixture
def api(playwright_instance, live_server):
    """The operators' side, over real HTTP to the same live server."""
    context = playwright_instance.request.new_context(base_url=live_server)
    yield context
    context.dispose()
