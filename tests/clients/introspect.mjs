// What GraphiQL, GraphQL Code Generator (schema from a URL) and graphql-inspector do first: a
// full introspection of the live API with graphql-js. It must succeed and describe exactly the
// checked-in contract, graphql/schema.graphql.
//
//   GRAPHQL_URL   http://host:port/graphql of a running API

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
} from "graphql";

const url = process.env.GRAPHQL_URL;
if (!url) throw new Error("GRAPHQL_URL is not set");
const sdlFile = new URL("../../graphql/schema.graphql", import.meta.url);

// Everything the tools may ask for, as graphql-js 16 spells it.
const query = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
});
const response = await fetch(url, {
  method: "POST",
  headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
  body: JSON.stringify({ query, operationName: "IntrospectionQuery" }),
});
const body = await response.json();
assert.equal(response.status, 200, JSON.stringify(body));
assert.equal(body.errors, undefined, `introspection errors: ${JSON.stringify(body.errors)}`);

const live = printSchema(lexicographicSortSchema(buildClientSchema(body.data)));
const checkedIn = printSchema(
  lexicographicSortSchema(buildSchema(await readFile(sdlFile, "utf8"))),
);
if (live !== checkedIn) {
  const a = live.split("\n");
  const b = checkedIn.split("\n");
  const at = a.findIndex((line, i) => line !== b[i]);
  console.error(`the live schema differs from graphql/schema.graphql at line ${at + 1} (sorted):`);
  console.error(`  live:       ${JSON.stringify(a.slice(Math.max(0, at - 2), at + 3))}`);
  console.error(`  checked in: ${JSON.stringify(b.slice(Math.max(0, at - 2), at + 3))}`);
  process.exit(1);
}
console.log(JSON.stringify({ step: "introspection equals the checked-in SDL", types: Object.keys(buildClientSchema(body.data).getTypeMap()).length }));
