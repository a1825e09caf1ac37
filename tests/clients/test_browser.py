"""GraphiQL and CORS in a real browser: Debian's chromium, headless, driven by playwright-core
(`browser.mjs`).

- GraphiQL renders with every address but loopback unreachable (no name resolves, a dead
  proxy): its editor appears instead of "Loading...", and a query run from the page shows the
  API's answer. tests/api/test_graphiql.py reads the page; this proves a browser agrees.
- A page served from another origin listed in TONGBAN_CORS_ALLOWED_ORIGINS POSTs a query to the
  API with fetch and shows the data; the same page from an origin not listed gets nothing, the
  browser refuses it for CORS.

The API runs as `tongban serve` in development (the only environment serving GraphiQL), with its
port, database and Redis moved away from the defaults, as a developer's machine runs it.
`./dev test` installs chromium where it is missing; when it could not, it says why in
TONGBAN_TEST_NO_BROWSER and this test is skipped with that reason. Anywhere else a missing
browser is a failure, so CI cannot pass without running it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tests.clients.test_clients import run, wait_ready
from tests.servers import free_port

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# The console script ops run (`tongban serve`), from this environment.
TONGBAN = str(Path(sys.executable).with_name("tongban"))
# A matter of the demo catalogue (public: no token needed to read it).
KEYWORD = "公积金"
QUERY = (
    f'{{ matters(first: 1, filter: {{keyword: "{KEYWORD}"}}) '
    "{ edges { node { code current { name } } } } }"
)


@pytest.fixture(scope="session")
def chromium() -> str:
    found = shutil.which("chromium")
    if found is not None:
        return found
    reason = os.environ.get("TONGBAN_TEST_NO_BROWSER")
    if reason:
        pytest.skip(f"no chromium for the browser checks: {reason}")
    pytest.fail(
        "the browser checks need Debian's chromium: `./dev test` installs it "
        "(apt-get install --no-install-recommends chromium)"
    )


def portal_page(graphql_url: str) -> bytes:
    """A front end on its own origin calling the API as a browser does (a JSON POST, so a
    preflight first)."""
    return f"""<!doctype html>
<html>
  <head><meta charset="utf-8" /><title>portal</title></head>
  <body>
    <pre id="out">waiting</pre>
    <script>
      fetch({json.dumps(graphql_url)}, {{
        method: "POST",
        headers: {{ "content-type": "application/json" }},
        body: JSON.stringify({{ query: {json.dumps(QUERY)} }}),
      }})
        .then((response) => response.json())
        .then(
          (body) => {{ out.textContent = "data " + JSON.stringify(body.data); }},
          (error) => {{ out.textContent = "failed " + error.name; }},
        );
    </script>
  </body>
</html>
""".encode()


@contextlib.contextmanager
def page_server(page: bytes) -> Iterator[str]:
    """A second local HTTP server (another origin than the API's) serving one page; its origin."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_graphiql_renders_offline_and_only_allowed_origins_get_answers(
    chromium: str, node: str, database: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    assert port != 8000 and not database.endswith("/tongban")
    graphql_url = f"http://127.0.0.1:{port}/graphql"
    page = portal_page(graphql_url)
    with page_server(page) as allowed, page_server(page) as refused:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")} | {
            "TONGBAN_ENV": "development",
            "TONGBAN_DATABASE_URL": database,
            "TONGBAN_REDIS_URL": redis_url,
            "TONGBAN_HTTP_PORT": str(port),
            "TONGBAN_CORS_ALLOWED_ORIGINS": f"https://portal.example.gov.cn,{allowed}",
            "TONGBAN_BLOB_DIR": str(tmp_path / "blobs"),
            "TONGBAN_DATA_DIR": str(tmp_path / "data"),
            "TONGBAN_HEALTH_DIR": str(tmp_path / "health"),
            "TONGBAN_LOG_LEVEL": "WARNING",
        }
        log = tmp_path / "api.log"
        with log.open("wb") as out:
            api = subprocess.Popen(
                [TONGBAN, "serve"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            await wait_ready(port, [api], [log])
            client_env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
            await run(
                [node, "browser.mjs"],
                env=client_env
                | {
                    "GRAPHQL_URL": graphql_url,
                    "ALLOWED_PAGE": f"{allowed}/portal.html",
                    "REFUSED_PAGE": f"{refused}/portal.html",
                    "CHROMIUM": chromium,
                    "MATTER_NAME": KEYWORD,
                },
                seconds=120,
                server_logs=[log],
            )
        finally:
            api.terminate()
            try:
                api.wait(30)
            except subprocess.TimeoutExpired:
                api.kill()
                api.wait()
