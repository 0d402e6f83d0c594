// A Go program over the generated SDK, as a user writes one: built, not run (running it needs
// the Go language host; docs/sdks.md).
package main

import (
	gitlabtokens "example.com/pulumi-gitlab-tokens/sdk/go/gitlabtokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		ciToken, err := gitlabtokens.NewProjectAccessToken(ctx, "ci-token", &gitlabtokens.ProjectAccessTokenArgs{
			Project:     pulumi.String("acme/app"),
			Scopes:      pulumi.StringArray{pulumi.String("read_api"), pulumi.String("read_repository")},
			AccessLevel: pulumi.String("developer"),
			RotationConfiguration: &gitlabtokens.RotationConfigurationArgs{
				ExpirationDays:   pulumi.Int(30),
				RotateBeforeDays: pulumi.Int(7),
			},
		})
		if err != nil {
			return err
		}
		// Outputs are typed: the value a StringOutput (a secret at run time), the ID an IntOutput.
		var value pulumi.StringOutput = ciToken.Token
		var tokenID pulumi.IntOutput = ciToken.TokenId
		ctx.Export("tokenValue", pulumi.ToSecret(value))
		ctx.Export("tokenId", tokenID)

		// The invoke, both forms.
		listed, err := gitlabtokens.GetProjectAccessTokens(ctx, &gitlabtokens.GetProjectAccessTokensArgs{
			Project: "acme/app",
			State:   pulumi.StringRef("active"),
		})
		if err != nil {
			return err
		}
		ctx.Export("count", pulumi.Int(len(listed.Tokens)))
		names := gitlabtokens.GetProjectAccessTokensOutput(ctx, gitlabtokens.GetProjectAccessTokensOutputArgs{
			Project: pulumi.String("acme/app"),
		}).Tokens().ApplyT(func(tokens []gitlabtokens.TokenRecord) []string {
			out := make([]string, len(tokens))
			for i, token := range tokens {
				out[i] = token.Name
			}
			return out
		}).(pulumi.StringArrayOutput)
		ctx.Export("names", names)
		return nil
	})
}
