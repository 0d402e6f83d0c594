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

		// The token handed to the jobs that use it: a masked variable fed from the secret value.
		variable, err := gitlabtokens.NewProjectVariable(ctx, "registry-token", &gitlabtokens.ProjectVariableArgs{
			Project:   pulumi.String("acme/consumer"),
			Key:       pulumi.String("REGISTRY_TOKEN"),
			Value:     ciToken.Token,
			Masked:    pulumi.Bool(true),
			Protected: pulumi.Bool(true),
		})
		if err != nil {
			return err
		}
		var key pulumi.StringOutput = variable.Key
		ctx.Export("key", key)

		// The token lists are invokes, in both forms: a plain call and one taking outputs.
		active, err := gitlabtokens.GetProjectAccessTokens(ctx, &gitlabtokens.GetProjectAccessTokensArgs{
			Project: "acme/app",
			State:   pulumi.StringRef("active"),
		})
		if err != nil {
			return err
		}
		ids := make([]int, 0, len(active.Tokens))
		for _, token := range active.Tokens {
			ids = append(ids, token.Id)
		}
		ctx.Export("listedIds", pulumi.ToIntArray(ids))
		var mine gitlabtokens.TokenRecordArrayOutput = gitlabtokens.GetProjectAccessTokensOutput(ctx,
			gitlabtokens.GetProjectAccessTokensOutputArgs{Project: pulumi.String("acme/app"), Name: ciToken.Name},
		).Tokens()
		ctx.Export("mine", mine)
		return nil
	})
}
