// A front end's typed use of the types GraphQL Code Generator makes from graphql/schema.graphql
// and graphql/operations/*.graphql. Only type-checked (`tsc --strict --noEmit`), never run: it
// proves the generated types compile and are precise enough to catch mistakes (each
// `@ts-expect-error` below must be an error, or tsc fails).

import type { ApolloClient, TypedDocumentNode } from "@apollo/client";

import type {
  AcceptCaseMutation,
  AcceptCaseMutationVariables,
  CaseEventAction,
  CaseState,
  CaseUpdatedSubscription,
  CaseUpdatedSubscriptionVariables,
  CaseViewQuery,
  CaseViewQueryVariables,
  DecideCaseMutation,
  DecideCaseMutationVariables,
  SubmitCaseInput,
  SubmitCaseMutation,
  SubmitCaseMutationVariables,
} from "./generated/graphql.js";

// The documents come from graphql/operations/ (a bundler's loader in a real front end).
declare const SubmitCase: TypedDocumentNode<SubmitCaseMutation, SubmitCaseMutationVariables>;
declare const CaseView: TypedDocumentNode<CaseViewQuery, CaseViewQueryVariables>;
declare const AcceptCase: TypedDocumentNode<AcceptCaseMutation, AcceptCaseMutationVariables>;
declare const DecideCase: TypedDocumentNode<DecideCaseMutation, DecideCaseMutationVariables>;
declare const CaseUpdated: TypedDocumentNode<
  CaseUpdatedSubscription,
  CaseUpdatedSubscriptionVariables
>;

type UserErrors = ReadonlyArray<{ code: string; message: string; field?: string | null }>;

function orThrow<T>(value: T | null | undefined, errors: UserErrors): T {
  if (errors.length > 0 || value == null) {
    throw new Error(errors.map((e) => `${e.code} ${e.field ?? ""}: ${e.message}`).join("; "));
  }
  return value;
}

export async function submit(client: ApolloClient, files: Record<string, File>): Promise<string> {
  const input: SubmitCaseInput = {
    matterCode: "GD-BL-001",
    regionCode: "440106",
    idempotencyKey: crypto.randomUUID(),
    formData: { companyName: "广州通办科技有限公司" },
    materials: Object.entries(files).map(([materialCode, file]) => ({ materialCode, file })),
  };
  // @ts-expect-error: materials need their code
  const missingCode: SubmitCaseInput = { ...input, materials: [{ file: new Blob() }] };
  void missingCode;

  const result = await client.mutate({ mutation: SubmitCase, variables: { input } });
  const payload = result.data?.submitCase;
  const created = orThrow(payload?.case, payload?.userErrors ?? []);
  const state: CaseState = created.state;
  void state;
  // @ts-expect-error: the operation did not select the applicant
  void created.applicant;
  return created.number;
}

export async function acceptIfAllowed(
  client: ApolloClient,
  number: string,
): Promise<number | null> {
  const { data } = await client.query({ query: CaseView, variables: { number, last: 5 } });
  const view = data?.case;
  if (!view?.allowedActions.some((action) => action.toLowerCase() === "accept")) return null;
  // @ts-expect-error: expectedVersion is required ($version: Int!)
  await client.mutate({ mutation: AcceptCase, variables: { number } });
  const result = await client.mutate({
    mutation: AcceptCase,
    variables: { number, version: view.version },
  });
  const payload = result.data?.acceptCase;
  return orThrow(payload?.case, payload?.userErrors ?? []).version;
}

export function follow(
  client: ApolloClient,
  number: string,
  onUpdate: (action: CaseEventAction, version: number | null | undefined) => void,
): () => void {
  const subscription = client
    .subscribe({ query: CaseUpdated, variables: { number } })
    .subscribe(({ data }) => {
      if (!data) return;
      // @ts-expect-error: actions are enum values (ACCEPTED), never the stored lower-case words
      if (data.caseUpdated.action === "accepted") return;
      onUpdate(data.caseUpdated.action, data.caseUpdated.version);
    });
  return () => subscription.unsubscribe();
}

// The head approves with the signed decision document; the case then links to it.
export async function approveWithDocument(
  client: ApolloClient,
  number: string,
  version: number,
  document: File,
): Promise<string | null> {
  const result = await client.mutate({
    mutation: DecideCase,
    variables: { number, version, decision: "APPROVED", resultNumber: "R-1", document },
  });
  const payload = result.data?.decideCase;
  const decided = orThrow(payload?.case, payload?.userErrors ?? []);
  const link: string | null | undefined = decided.decisionDocument?.downloadUrl;
  // @ts-expect-error: the operation did not select the document's storage key (there is none)
  void decided.decisionDocument?.blobKey;
  return link ?? null;
}
