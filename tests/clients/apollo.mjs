// A front end's whole path through one case, with the ecosystem's own clients: Apollo Client 4
// (InMemoryCache, a split link), apollo-upload-client's UploadHttpLink for the files and
// graphql-ws (over the `ws` package, Node's WebSocket) for the live updates.
//
//   GRAPHQL_URL       http://host:port/graphql of a running API (with the outbox relay)
//   APPLICANT_TOKEN   an applicant's bearer token (the identity provider's shape)
//   OFFICER_TOKEN     the bearer token of an intake officer of REGION_CODE
//   REGION_CODE       where the case is filed (default 440106, Tianhe district)
//   IDLE_SECONDS      how long the subscription sits idle before the officer acts (default 30)
//
// Exits 0 when every step held; prints what it saw either way.

import assert from "node:assert/strict";

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import UploadHttpLink from "apollo-upload-client/UploadHttpLink.mjs";
import { OperationTypeNode } from "graphql";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const HTTP_URL = env("GRAPHQL_URL");
const WS_URL = HTTP_URL.replace(/^http/, "ws");
const APPLICANT_TOKEN = env("APPLICANT_TOKEN");
const OFFICER_TOKEN = env("OFFICER_TOKEN");
const REGION_CODE = env("REGION_CODE", "440106");
const IDLE_SECONDS = Number(env("IDLE_SECONDS", "30"));
// A guard against hanging for ever, not a measurement: nothing here asserts on time.
const WAIT_SECONDS = Number(env("WAIT_SECONDS", "60"));

const log = (step, details = {}) => console.log(JSON.stringify({ step, ...details }));
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

// Apollo's default cache, as a front end would start: objects are normalised by `id`.
const cacheConfig = {};

/** Every operation that leaves for the server, by name, to prove what came from the cache. */
function countingLink(sent) {
  return new ApolloLink((operation, forward) => {
    sent.push(operation.operationName);
    return forward(operation);
  });
}

const VIEWER = gql`
  query Viewer {
    viewer { kind name applicant { name idNumber mobile } }
  }
`;

const SUBMIT_CASE = gql`
  mutation SubmitCase($input: SubmitCaseInput!) {
    submitCase(input: $input) {
      created
      case { id number state version receivedOn materials { materialCode name size contentType sha256 } }
      userErrors { code problem field message details }
    }
  }
`;

const CASE_UPDATED = gql`
  subscription CaseUpdated($number: String!, $after: ID) {
    caseUpdated(caseNumber: $number, afterEventId: $after) {
      eventId caseNumber action version state
    }
  }
`;

const WITHDRAW_CASE = gql`
  mutation WithdrawCase($number: String!, $expectedVersion: Int!) {
    withdrawCase(number: $number, expectedVersion: $expectedVersion, reason: "不再需要") {
      case { id number state version allowedActions }
      userErrors { code problem field message }
    }
  }
`;

const CASE_VIEW = gql`
  query CaseView($number: String!) {
    case(number: $number) { id number state version allowedActions acceptedOn receivingRegionCode }
  }
`;

const ACCEPT_CASE = gql`
  mutation AcceptCase($number: String!, $version: Int!) {
    acceptCase(number: $number, expectedVersion: $version) {
      case { id number state version acceptedOn allowedActions }
      userErrors { code problem field message details }
    }
  }
`;

const MATERIALS = ["application", "articles", "id", "premises"];

function pdf(code) {
  const bytes = new TextEncoder().encode(`%PDF-1.4\n% Tongban client test: ${code}\n%%EOF\n`);
  return new File([bytes], `${code}.pdf`, { type: "application/pdf" });
}

async function main() {
  // --- The applicant's app: uploads over HTTP, subscriptions over graphql-transport-ws. ---
  const applicantSent = [];
  const socketEvents = { pongs: 0, closed: [] };
  const ws = createClient({
    url: WS_URL,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${APPLICANT_TOKEN}` },
    // The client pings while idle and counts the server's pongs (graphql-transport-ws keep-alive).
    keepAlive: 10_000,
    // A dropped connection must show up as a failure here, not be papered over by a reconnect.
    retryAttempts: 0,
    on: {
      pong: (received) => {
        if (received) socketEvents.pongs += 1;
      },
      closed: (event) => socketEvents.closed.push({ code: event?.code, reason: event?.reason }),
    },
  });
  const applicant = new ApolloClient({
    cache: new InMemoryCache(cacheConfig),
    link: ApolloLink.split(
      ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
      new GraphQLWsLink(ws),
      ApolloLink.from([
        countingLink(applicantSent),
        new UploadHttpLink({
          uri: HTTP_URL,
          headers: { authorization: `Bearer ${APPLICANT_TOKEN}` },
        }),
      ]),
    ),
  });

  // Signed in with the identity provider's token alone: the first request creates the record.
  const { data: me } = await applicant.query({ query: VIEWER });
  log("applicant signed in", { kind: me.viewer.kind, name: me.viewer.name });
  assert.equal(me.viewer.kind, "APPLICANT");
  assert.ok(me.viewer.applicant, "no applicant record for the signed-in applicant");
  assert.equal(me.viewer.applicant.name, me.viewer.name);

  const key = `apollo-${process.pid}-${Date.now()}`;
  const submitted = await applicant.mutate({
    mutation: SUBMIT_CASE,
    variables: {
      input: {
        matterCode: "GD-BL-001",
        regionCode: REGION_CODE,
        idempotencyKey: key,
        formData: { companyName: "广州通办科技有限公司", capital: 1000000 },
        materials: MATERIALS.map((materialCode) => ({ materialCode, file: pdf(materialCode) })),
      },
    },
  });
  const submitPayload = submitted.data.submitCase;
  assert.deepEqual(submitPayload.userErrors, [], "submitCase reported user errors");
  assert.equal(submitPayload.created, true);
  const received = submitPayload.case;
  log("submitted", { number: received.number, state: received.state, version: received.version });
  assert.equal(received.state, "RECEIVED");
  assert.deepEqual(
    received.materials.map((m) => [m.materialCode, m.contentType, m.size]).sort(),
    MATERIALS.map((code) => [code, "application/pdf", pdf(code).size]).sort(),
    "every uploaded file arrived whole, as a PDF",
  );

  // --- Keep caseUpdated open while nothing happens. ---
  const updates = [];
  let subscriptionError = null;
  let subscriptionCompleted = false;
  let wake = () => {};
  const subscription = applicant
    .subscribe({ query: CASE_UPDATED, variables: { number: received.number } })
    .subscribe({
      next: (result) => {
        if (result.error) subscriptionError = result.error;
        else updates.push(result.data.caseUpdated);
        wake();
      },
      error: (error) => {
        subscriptionError = error;
        wake();
      },
      complete: () => {
        subscriptionCompleted = true;
        wake();
      },
    });
  log("subscribed", { idleSeconds: IDLE_SECONDS });
  await sleep(IDLE_SECONDS);
  const beforeAction = updates.length;
  log("idle over", {
    updatesWhileIdle: updates.map((u) => u.action),
    pongs: socketEvents.pongs,
    closed: socketEvents.closed,
    error: subscriptionError && String(subscriptionError),
  });
  assert.equal(subscriptionError, null, "the subscription failed while idle");
  assert.equal(subscriptionCompleted, false, "the subscription ended while idle");
  assert.deepEqual(socketEvents.closed, [], "the WebSocket closed while idle");
  assert.ok(
    IDLE_SECONDS < 10 || socketEvents.pongs > 0,
    "the server answered none of the client's keep-alive pings",
  );
  // Anything delivered so far belongs to the submission, never to what the officer does next.
  assert.ok(updates.every((u) => u.action !== "ACCEPTED"));

  // --- The intake window's workbench: a normalised cache, mutations that update it. ---
  const officerSent = [];
  const officer = new ApolloClient({
    cache: new InMemoryCache(cacheConfig),
    link: ApolloLink.from([
      countingLink(officerSent),
      new HttpLink({ uri: HTTP_URL, headers: { authorization: `Bearer ${OFFICER_TOKEN}` } }),
    ]),
  });
  const viewed = await officer.query({
    query: CASE_VIEW,
    variables: { number: received.number },
    fetchPolicy: "network-only",
  });
  const before = viewed.data.case;
  log("officer sees", before);
  assert.equal(before.state, "RECEIVED");
  assert.equal(before.receivingRegionCode, REGION_CODE);
  const accept = before.allowedActions.find((a) => a.toLowerCase() === "accept");
  assert.ok(accept, `the window may accept: allowedActions ${before.allowedActions}`);

  const accepted = await officer.mutate({
    mutation: ACCEPT_CASE,
    variables: { number: before.number, version: before.version },
  });
  const acceptPayload = accepted.data.acceptCase;
  assert.deepEqual(acceptPayload.userErrors, [], "acceptCase reported user errors");
  const after = acceptPayload.case;
  log("officer accepted", after);
  assert.equal(after.state, "ACCEPTED");
  assert.ok(after.version > before.version);

  // The query's cached case now reads the mutation's result, with nothing fetched again.
  const requestsSoFar = officerSent.length;
  const cached = officer.readQuery({ query: CASE_VIEW, variables: { number: before.number } });
  log("officer's cache", cached.case);
  assert.equal(cached.case.state, "ACCEPTED");
  assert.equal(cached.case.version, after.version);
  assert.equal(cached.case.acceptedOn, after.acceptedOn);
  assert.ok(!cached.case.allowedActions.includes(accept), "the cached buttons still offer accept");
  const fromCache = await officer.query({
    query: CASE_VIEW,
    variables: { number: before.number },
    fetchPolicy: "cache-only",
  });
  assert.equal(fromCache.data.case.state, "ACCEPTED");
  assert.equal(officerSent.length, requestsSoFar, "the cache went back to the server");
  assert.deepEqual(officerSent, ["CaseView", "AcceptCase"]);
  assert.deepEqual(officer.cache.identify({ __typename: "Case", id: before.id }), `Case:${before.id}`);

  // --- The idle subscription receives the officer's change. ---
  const deadline = Date.now() + WAIT_SECONDS * 1000;
  const acceptedUpdate = () => updates.slice(beforeAction).find((u) => u.action === "ACCEPTED");
  while (!acceptedUpdate() && !subscriptionError && !subscriptionCompleted) {
    if (Date.now() > deadline) break;
    await new Promise((resolve) => {
      wake = resolve;
      setTimeout(resolve, 1000);
    });
  }
  log("updates", { updates, error: subscriptionError && String(subscriptionError) });
  assert.equal(subscriptionError, null, "the subscription failed");
  const update = acceptedUpdate();
  assert.ok(update, `no "accepted" update within ${WAIT_SECONDS} s of the officer's mutation`);
  assert.equal(update.caseNumber, received.number);
  assert.equal(update.version, after.version);
  assert.equal(update.state?.toUpperCase(), "ACCEPTED");

  // --- Away, then back: a reconnect with afterEventId misses nothing. ---
  subscription.unsubscribe();
  await ws.dispose();
  // While the app is offline (no subscription), the applicant withdraws from another device.
  const withdrawn = await applicant.mutate({
    mutation: WITHDRAW_CASE,
    variables: { number: received.number, expectedVersion: after.version },
  });
  assert.deepEqual(withdrawn.data.withdrawCase.userErrors, [], "withdrawCase reported errors");
  assert.equal(withdrawn.data.withdrawCase.case.state, "WITHDRAWN");
  const resumed = [];
  const again = createClient({
    url: WS_URL,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${APPLICANT_TOKEN}` },
    retryAttempts: 0,
  });
  const back = new ApolloClient({ cache: new InMemoryCache(cacheConfig), link: new GraphQLWsLink(again) });
  const resumedSubscription = back
    .subscribe({ query: CASE_UPDATED, variables: { number: received.number, after: update.eventId } })
    .subscribe({
      next: (result) => {
        if (result.error) subscriptionError = result.error;
        else resumed.push(result.data.caseUpdated);
        wake();
      },
      error: (error) => {
        subscriptionError = error;
        wake();
      },
    });
  const resumeDeadline = Date.now() + WAIT_SECONDS * 1000;
  while (!resumed.some((u) => u.action === "WITHDRAWN") && !subscriptionError) {
    if (Date.now() > resumeDeadline) break;
    await new Promise((resolve) => {
      wake = resolve;
      setTimeout(resolve, 1000);
    });
  }
  log("resumed", { resumed, error: subscriptionError && String(subscriptionError) });
  assert.equal(subscriptionError, null, "the resumed subscription failed");
  assert.deepEqual(
    resumed.map((u) => u.action).slice(0, 1),
    ["WITHDRAWN"],
    "the event missed while offline came first after the reconnect",
  );
  resumedSubscription.unsubscribe();
  await again.dispose();
  back.stop();
  applicant.stop();
  officer.stop();
  log("done", { applicantRequests: applicantSent, officerRequests: officerSent });
}

const watchdog = setTimeout(
  () => {
    console.error("apollo.mjs: gave up waiting (watchdog)");
    process.exit(2);
  },
  (IDLE_SECONDS + WAIT_SECONDS + 120) * 1000,
);
watchdog.unref();

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
