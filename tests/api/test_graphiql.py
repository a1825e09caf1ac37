"""GraphiQL works offline: its page names only files the API serves itself, and serves them."""

import base64
import hashlib
from html.parser import HTMLParser
from pathlib import Path

from tests.conftest import running

from tongban.app import create_app
from tongban.config import Settings, load_settings


class References(HTMLParser):
    """Every URL the page makes a browser load, with its integrity value when it has one."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "srcset", "poster", "data"):
            url = values.get(name)
            if url:
                self.found.append((url, values.get("integrity")))


def page_settings(env: str, database: str, redis_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        {}, env=env, database_url=database, redis_url=redis_url, blob_dir=str(tmp_path / "b")
    )


async def test_graphiql_loads_only_files_the_api_serves(
    database: str, redis_url: str, tmp_path: Path
) -> None:
    app = create_app(page_settings("development", database, redis_url, tmp_path))
    async with running(app) as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        html = page.text
        assert "GraphiQL" in html
        # No address elsewhere at all: not in tags, not in scripts building one.
        assert "http://" not in html and "https://" not in html and "unpkg" not in html

        parser = References()
        parser.feed(html)
        assert len(parser.found) >= 6  # react, react-dom, graphiql js+css, explorer js+css
        for url, integrity in parser.found:
            assert url.startswith("/") and not url.startswith("//"), url
            asset = await http.get(url)
            assert asset.status_code == 200, url
            # The browser checks it too: a file that differs from the pinned one is refused.
            assert integrity is not None, url
            digest = base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
            assert integrity == f"sha384-{digest}", url


async def test_outside_development_neither_graphiql_nor_its_files_are_served(
    database: str, redis_url: str, tmp_path: Path
) -> None:
    settings = page_settings("test", database, redis_url, tmp_path)
    async with running(create_app(settings)) as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})
        assert "GraphiQL" not in page.text
        assert (await http.get("/static/graphiql/graphiql.min.js")).status_code == 404
