// A TypeScript program over the generated SDK, as a user writes one: type-checked, not run
// (running it needs the Node.js language host; docs/sdks.md).
import * as pulumi from "@pulumi/pulumi";
import * as gitlabTokens from "@pulumi/gitlab-tokens";

const ciToken = new gitlabTokens.ProjectAccessToken("ci-token", {
    project: "acme/app",
    scopes: ["read_api", "read_repository"],
    accessLevel: "developer",
    rotationConfiguration: { expirationDays: 30, rotateBeforeDays: 7 },
});

// Outputs are typed: the value is an Output<string> (a secret at run time), the ID a number.
const value: pulumi.Output<string> = ciToken.token;
const tokenId: pulumi.Output<number> = ciToken.tokenId;

// The SDK's types are checked, not `any`: each of these must be a type error, or tsc fails.
// @ts-expect-error: the token's ID is a number
const idAsText: pulumi.Output<string> = ciToken.tokenId;
// @ts-expect-error: project is a required input
new gitlabTokens.ProjectAccessToken("no-project", { scopes: ["read_api"] });
// @ts-expect-error: inputs are camelCase, as in the schema
new gitlabTokens.ProjectAccessToken("snake", { project: "acme/app", scopes: ["read_api"], access_level: "developer" });

// The token handed to the jobs that use it: a masked variable fed from the secret value.
const variable = new gitlabTokens.ProjectVariable("registry-token", {
    project: "acme/consumer",
    key: "REGISTRY_TOKEN",
    value: ciToken.token,
    masked: true,
    protected: true,
});
const key: pulumi.Output<string> = variable.key;

// The token lists are invokes, in both forms: a plain call (a Promise) and one taking outputs.
const active: Promise<gitlabTokens.GetProjectAccessTokensResult> =
    gitlabTokens.getProjectAccessTokens({ project: "acme/app", state: "active" });
const listedIds: Promise<number[]> = active.then(listed => listed.tokens.map(token => token.id));
const mine: pulumi.Output<gitlabTokens.types.output.TokenRecord[]> =
    gitlabTokens.getProjectAccessTokensOutput({ project: "acme/app", name: ciToken.name }).tokens;
const unmanaged: pulumi.Output<string[]> = mine.apply(tokens => tokens.filter(t => !t.managed).map(t => t.name));
// @ts-expect-error: the filters are camelCase, as in the schema
gitlabTokens.getProjectAccessTokens({ project: "acme/app", expires_before: "2027-01-01" });

export const tokenValue = pulumi.secret(value);
export { tokenId, idAsText, key, listedIds, unmanaged };
