// GraphiQL and CORS in a real browser: Debian's chromium, headless, driven by playwright-core
// (which never downloads a browser of its own here: it is given CHROMIUM).
//
//   GRAPHQL_URL    http://127.0.0.1:port/graphql of a running API in development (GraphiQL on)
//   ALLOWED_PAGE   a page on an origin listed in TONGBAN_CORS_ALLOWED_ORIGINS that POSTs a query
//                  to the API and writes "data …" or "failed …" into #out
//   REFUSED_PAGE   the same page on an origin that is not listed
//   CHROMIUM       the browser's executable (default /usr/bin/chromium)
//   MATTER_NAME    text the catalogue query's answer must contain
//
// Exits 0 when every check held; prints what it saw either way.

import assert from "node:assert/strict";

import { chromium } from "playwright-core";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const GRAPHQL_URL = env("GRAPHQL_URL");
const ALLOWED_PAGE = env("ALLOWED_PAGE");
const REFUSED_PAGE = env("REFUSED_PAGE");
const CHROMIUM = env("CHROMIUM", "/usr/bin/chromium");
const MATTER_NAME = env("MATTER_NAME");
// Guards against hanging, not measurements: a cold start on two busy cores is slow.
const WAIT_MS = 20_000;
const API_ORIGIN = new URL(GRAPHQL_URL).origin;

const log = (step, details = {}) => console.log(JSON.stringify({ step, ...details }));

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    // Offline as on a network that blocks CDNs: no name resolves, and whatever bypasses DNS
    // meets a proxy that is not there. Loopback never goes through a proxy, so the API answers.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:1",
  ],
});

async function graphiqlRendersOfflineAndRunsAQuery() {
  const page = await browser.newPage();
  const requested = [];
  const errors = [];
  page.on("request", (request) => requested.push(request.url()));
  page.on("pageerror", (error) => errors.push(error.message));

  // Sanity of the set-up itself: a CDN the page could depend on is really unreachable.
  await page.goto(`${API_ORIGIN}/health/live`);
  const cdn = await page.evaluate(() =>
    fetch("https://unpkg.com/graphiql/package.json").then(
      (response) => `reached ${response.status}`,
      (error) => `failed ${error.name}`,
    ),
  );
  log("cdn", { cdn });
  assert.equal(cdn, "failed TypeError");

  // GraphiQL takes the editor's initial text from ?q= (graphiql.html).
  const query = "{ matters(first: 1) { edges { node { code } } } }";
  await page.goto(`${GRAPHQL_URL}?q=${encodeURIComponent(query)}`);
  const editor = await page
    .waitForSelector(".graphiql-query-editor .CodeMirror", { timeout: WAIT_MS })
    .catch(() => null);
  const shown = await page.locator("#graphiql").innerText();
  // Without its scripts the page stays at "Loading...": say so rather than just "timeout".
  assert.ok(
    editor,
    `GraphiQL did not render: the page shows ${JSON.stringify(shown)}, ` +
      `requested ${JSON.stringify(requested)}, errors ${JSON.stringify(errors)}`,
  );
  assert.ok(!shown.includes("Loading..."), shown);
  assert.ok(shown.includes("matters(first: 1)"), shown);

  await page.locator(".graphiql-execute-button").click();
  const response = page.locator(".graphiql-response");
  await page.waitForFunction(
    () => document.querySelector(".graphiql-response")?.innerText.includes('"code"'),
    null,
    { timeout: WAIT_MS },
  );
  const result = await response.innerText();
  log("graphiql", { requested, result });
  assert.match(result, /"matters"/);
  assert.ok(!result.includes('"errors"'), result);
  // Everything GraphiQL needed came from the API itself (the CDN probe above aside).
  const elsewhere = requested.filter(
    (url) => new URL(url).origin !== API_ORIGIN && !url.startsWith("https://unpkg.com/"),
  );
  assert.deepEqual(elsewhere, []);
  assert.deepEqual(errors, []);
  await page.close();
}

async function pageOn(url) {
  const page = await browser.newPage();
  const console_ = [];
  page.on("console", (message) => console_.push(message.text()));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById("out")?.textContent !== "waiting", null, {
    timeout: WAIT_MS,
  });
  const out = await page.locator("#out").textContent();
  await page.close();
  return { out, console: console_ };
}

async function anAllowedOriginCallsTheApiAndAnotherIsRefused() {
  const allowed = await pageOn(ALLOWED_PAGE);
  log("allowed origin", allowed);
  assert.ok(allowed.out.startsWith("data "), allowed.out);
  assert.ok(allowed.out.includes(MATTER_NAME), allowed.out);

  const refused = await pageOn(REFUSED_PAGE);
  log("refused origin", refused);
  assert.equal(refused.out, "failed TypeError");
  // Refused for CORS, not because the API was unreachable.
  assert.ok(
    refused.console.some((text) => text.includes("blocked by CORS policy")),
    refused.console.join("\n"),
  );
}

try {
  log("browser", { version: browser.version() });
  await graphiqlRendersOfflineAndRunsAQuery();
  await anAllowedOriginCallsTheApiAndAnotherIsRefused();
  log("done");
} finally {
  await browser.close();
}
