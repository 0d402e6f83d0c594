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

// The invoke, both forms.
const listed: Promise<gitlabTokens.GetProjectAccessTokensResult> =
    gitlabTokens.getProjectAccessTokens({ project: "acme/app", state: "active" });
const names: pulumi.Output<string[]> = gitlabTokens
    .getProjectAccessTokensOutput({ project: "acme/app" })
    .apply(result => result.tokens.map(token => token.name));

export const tokenValue = pulumi.secret(value);
export { tokenId, names, idAsText };
export const count = listed.then(result => result.tokens.length);
