package main

// The rest of the token estate: service-account updates (GroupsService.UpdateServiceAccount, and the
// project route through the client's request machinery), impersonation tokens (client-go's UsersService), cluster agents'
// tokens (ClusterAgentsService) and runners' authentication tokens (UsersService.CreateUserRunner,
// RunnersService).

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// addEstateCases: the kinds beyond access, deploy and service-account tokens, in their routes' order.
func addEstateCases(w *world, add func(string, func() error)) {
	addServiceAccountUpdateCases(w, add)
	addImpersonationCases(w, add)
	addClusterAgentCases(w, add)
	addRunnerCases(w, add)
}

// estateUser makes a user that belongs to nothing, for the routes that act on a user.
func (w *world) estateUser(name string) (*gitlab.User, error) {
	user, _, err := w.admin.Users.CreateUser(&gitlab.CreateUserOptions{
		Username: gitlab.Ptr(name), Name: gitlab.Ptr(name), Email: gitlab.Ptr(name + "@example.com"),
		Password: gitlab.Ptr("conformance-password")})
	if err != nil {
		return nil, fmt.Errorf("create user %s: %w", name, err)
	}
	return user, nil
}

func addImpersonationCases(w *world, add func(string, func() error)) {
	var user *gitlab.User
	var token *gitlab.ImpersonationToken
	in30 := time.Now().UTC().AddDate(0, 0, 30).Truncate(24 * time.Hour)
	add("impersonation token: create", func() error {
		var err error
		if user, err = w.estateUser("impersonated"); err != nil {
			return err
		}
		token, _, err = w.admin.Users.CreateImpersonationToken(user.ID, &gitlab.CreateImpersonationTokenOptions{
			Name: gitlab.Ptr("support"), Scopes: gitlab.Ptr([]string{"api"}), ExpiresAt: &in30})
		if err != nil {
			return err
		}
		if !strings.HasPrefix(token.Token, "glpat-") || !token.Active || isoDay(token.ExpiresAt) != in30.Format("2006-01-02") {
			return fmt.Errorf("want an active glpat- token expiring %s, got %v", in30.Format("2006-01-02"), token.ExpiresAt)
		}
		return nil
	})
	add("impersonation token: it acts as the user", func() error {
		as, err := client(w.baseURL, token.Token)
		if err != nil {
			return err
		}
		me, _, err := as.Users.CurrentUser()
		if err != nil || me.ID != user.ID {
			return fmt.Errorf("want user %d, got %v %v", user.ID, me, err)
		}
		return nil
	})
	add("impersonation token: get and list", func() error {
		got, _, err := w.admin.Users.GetImpersonationToken(user.ID, token.ID)
		if err != nil || got.Name != "support" || got.Token != "" {
			return fmt.Errorf("want the token without its value, got %v %v", got, err)
		}
		listed, _, err := w.admin.Users.GetAllImpersonationTokens(user.ID,
			&gitlab.GetAllImpersonationTokensOptions{State: gitlab.Ptr("active")})
		if err != nil || len(listed) != 1 || listed[0].ID != token.ID {
			return fmt.Errorf("want the one active token, got %v %v", listed, err)
		}
		return nil
	})
	add("impersonation token: revoke", func() error {
		if _, err := w.admin.Users.RevokeImpersonationToken(user.ID, token.ID); err != nil {
			return err
		}
		got, _, err := w.admin.Users.GetImpersonationToken(user.ID, token.ID)
		if err != nil || !got.Revoked || got.Active {
			return fmt.Errorf("want a revoked token, got %v %v", got, err)
		}
		return nil
	})
	add("impersonation token: an unknown token", func() error {
		_, _, err := w.admin.Users.GetImpersonationToken(user.ID, 999999)
		return refused(err, 404, message("404 Impersonation Token Not Found"))
	})
	add("impersonation token: without expires_at", func() error {
		_, _, err := w.admin.Users.CreateImpersonationToken(user.ID, &gitlab.CreateImpersonationTokenOptions{
			Name: gitlab.Ptr("no-expiry"), Scopes: gitlab.Ptr([]string{"api"})})
		return refused(err, 400, `{"message":{"expires_at":["can't be blank"]}}`)
	})
	add("impersonation token: administrators only", func() error {
		owner, err := w.member(gitlab.OwnerPermissions)
		if err != nil {
			return err
		}
		_, _, err = owner.Users.CreateImpersonationToken(user.ID, &gitlab.CreateImpersonationTokenOptions{
			Name: gitlab.Ptr("x"), Scopes: gitlab.Ptr([]string{"api"}), ExpiresAt: &in30})
		return refused(err, 403, message("403 Forbidden"))
	})
}

func addClusterAgentCases(w *world, add func(string, func() error)) {
	var agent *gitlab.Agent
	var first, second *gitlab.AgentToken
	agents := w.admin.ClusterAgents
	add("cluster agent: register", func() error {
		var err error
		agent, _, err = agents.RegisterAgent(w.project.ID, &gitlab.RegisterAgentOptions{Name: gitlab.Ptr("production")})
		if err != nil {
			return err
		}
		if agent.Name != "production" || agent.ConfigProject.ID != w.project.ID {
			return fmt.Errorf("want agent production of project %d, got %v", w.project.ID, agent)
		}
		return nil
	})
	add("cluster agent: a name taken in the project", func() error {
		_, _, err := agents.RegisterAgent(w.project.ID, &gitlab.RegisterAgentOptions{Name: gitlab.Ptr("production")})
		return refused(err, 400, message(`400 Bad request - ["Name has already been taken"]`))
	})
	add("cluster agent: list and get", func() error {
		listed, _, err := agents.ListAgents(w.project.ID, nil)
		if err != nil || len(listed) != 1 || listed[0].ID != agent.ID {
			return fmt.Errorf("want the one agent, got %v %v", listed, err)
		}
		got, _, err := agents.GetAgent(w.project.ID, agent.ID)
		if err != nil || got.Name != "production" {
			return fmt.Errorf("want agent production, got %v %v", got, err)
		}
		return nil
	})
	add("cluster agent token: create", func() error {
		var err error
		if first, _, err = agents.CreateAgentToken(w.project.ID, agent.ID, &gitlab.CreateAgentTokenOptions{
			Name: gitlab.Ptr("kas"), Description: gitlab.Ptr("the production cluster")}); err != nil {
			return err
		}
		if !strings.HasPrefix(first.Token, "glagent-") || first.Status != "active" || first.AgentID != agent.ID {
			return fmt.Errorf("want an active glagent- token of agent %d, got status %q", agent.ID, first.Status)
		}
		return nil
	})
	add("cluster agent token: two active at most", func() error {
		var err error
		if second, _, err = agents.CreateAgentToken(w.project.ID, agent.ID,
			&gitlab.CreateAgentTokenOptions{Name: gitlab.Ptr("next")}); err != nil {
			return err
		}
		_, _, err = agents.CreateAgentToken(w.project.ID, agent.ID, &gitlab.CreateAgentTokenOptions{Name: gitlab.Ptr("third")})
		return refused(err, 400, badRequest("An agent can have only two active tokens at a time"))
	})
	add("cluster agent token: list and get", func() error {
		listed, _, err := agents.ListAgentTokens(w.project.ID, agent.ID, nil)
		if err != nil || len(listed) != 2 || listed[0].ID != first.ID || listed[1].ID != second.ID {
			return fmt.Errorf("want the two tokens, got %v %v", listed, err)
		}
		got, _, err := agents.GetAgentToken(w.project.ID, agent.ID, first.ID)
		if err != nil || got.Name != "kas" || got.Token != "" {
			return fmt.Errorf("want token kas without its value, got %v %v", got, err)
		}
		return nil
	})
	add("cluster agent token: revoke", func() error {
		if _, err := agents.RevokeAgentToken(w.project.ID, agent.ID, first.ID); err != nil {
			return err
		}
		_, _, err := agents.GetAgentToken(w.project.ID, agent.ID, first.ID)
		return refused(err, 404, message("404 Not found"))
	})
	add("cluster agent token: a Developer may not create one", func() error {
		developer, err := w.member(gitlab.DeveloperPermissions)
		if err != nil {
			return err
		}
		_, _, err = developer.ClusterAgents.CreateAgentToken(w.project.ID, agent.ID,
			&gitlab.CreateAgentTokenOptions{Name: gitlab.Ptr("x")})
		return refused(err, 403, message("403 Forbidden"))
	})
	add("cluster agent: delete", func() error {
		if _, err := agents.DeleteAgent(w.project.ID, agent.ID); err != nil {
			return err
		}
		_, _, err := agents.GetAgent(w.project.ID, agent.ID)
		return refused(err, 404, message("404 Not found"))
	})
}

func addRunnerCases(w *world, add func(string, func() error)) {
	var runner *gitlab.UserRunner
	projectRunner := &gitlab.CreateUserRunnerOptions{RunnerType: gitlab.Ptr("project_type"),
		ProjectID: gitlab.Ptr(w.project.ID), Description: gitlab.Ptr("builder")}
	add("runner: create a project runner", func() error {
		var err error
		if runner, _, err = w.admin.Users.CreateUserRunner(projectRunner); err != nil {
			return err
		}
		if !strings.HasPrefix(runner.Token, "glrt-t3_") || runner.TokenExpiresAt != nil {
			return fmt.Errorf("want a glrt-t3_ token without expiry, got expiry %v", runner.TokenExpiresAt)
		}
		return nil
	})
	add("runner: details", func() error {
		got, _, err := w.admin.Runners.GetRunnerDetails(runner.ID)
		if err != nil {
			return err
		}
		if got.RunnerType != "project_type" || got.Description != "builder" || got.Paused || got.Token != "" ||
			got.Status != "never_contacted" || len(got.Projects) != 1 || got.Projects[0].ID != w.project.ID {
			return fmt.Errorf("unexpected details %+v", got)
		}
		return nil
	})
	add("runner: reset its authentication token", func() error {
		reset, _, err := w.admin.Runners.ResetRunnerAuthenticationToken(runner.ID)
		if err != nil {
			return err
		}
		if reset.Token == nil || *reset.Token == runner.Token || !strings.HasPrefix(*reset.Token, "glrt-t3_") {
			return errors.New("want a new glrt-t3_ token")
		}
		return nil
	})
	add("runner: listed under its project", func() error {
		listed, _, err := w.admin.Runners.ListProjectRunners(w.project.ID,
			&gitlab.ListProjectRunnersOptions{Type: gitlab.Ptr("project_type")})
		if err != nil {
			return err
		}
		if len(listed) != 1 || listed[0].ID != runner.ID || listed[0].Description != "builder" ||
			listed[0].RunnerType != "project_type" || listed[0].Paused || listed[0].Token != "" {
			return fmt.Errorf("want the project's one runner, got %+v", listed)
		}
		inGroup, _, err := w.admin.Runners.ListGroupsRunners(w.group.ID,
			&gitlab.ListGroupsRunnersOptions{Type: gitlab.Ptr("project_type")})
		if err != nil {
			return err
		}
		if len(inGroup) != 0 {
			return fmt.Errorf("a group lists no project runner, got %+v", inGroup)
		}
		return nil
	})
	add("runner: a Developer may not reset it", func() error {
		developer, err := w.member(gitlab.DeveloperPermissions)
		if err != nil {
			return err
		}
		_, _, err = developer.Runners.ResetRunnerAuthenticationToken(runner.ID)
		return refused(err, 403, message("403 Forbidden - No access granted"))
	})
	add("runner: a group runner needs a group Owner", func() error {
		maintainer, err := w.member(gitlab.MaintainerPermissions)
		if err != nil {
			return err
		}
		_, _, err = maintainer.Users.CreateUserRunner(&gitlab.CreateUserRunnerOptions{
			RunnerType: gitlab.Ptr("group_type"), GroupID: gitlab.Ptr(w.group.ID)})
		return refused(err, 403, message("403 Forbidden - Insufficient permissions"))
	})
	add("runner: a missing project", func() error {
		_, _, err := w.admin.Users.CreateUserRunner(&gitlab.CreateUserRunnerOptions{
			RunnerType: gitlab.Ptr("project_type"), ProjectID: gitlab.Ptr(int64(999999))})
		return refused(err, 400, badRequest("Missing/invalid project"))
	})
	add("runner: delete", func() error {
		if _, err := w.admin.Runners.RemoveRunner(runner.ID); err != nil {
			return err
		}
		_, _, err := w.admin.Runners.GetRunnerDetails(runner.ID)
		return refused(err, 404, message("404 Runner Not Found"))
	})
}

func addServiceAccountUpdateCases(w *world, add func(string, func() error)) {
	add("group service account: update", func() error {
		account, _, err := w.groupAccount(w.admin, w.group.ID, &gitlab.CreateServiceAccountOptions{})
		if err != nil {
			return err
		}
		updated, _, err := w.admin.Groups.UpdateServiceAccount(w.group.ID, account.ID, &gitlab.UpdateServiceAccountOptions{
			Name: gitlab.Ptr("Deployer"), Username: gitlab.Ptr("deployer"), Email: gitlab.Ptr("deployer@example.com")})
		if err != nil {
			return err
		}
		if updated.ID != account.ID || updated.Name != "Deployer" || updated.UserName != "deployer" ||
			updated.Email != "deployer@example.com" {
			return fmt.Errorf("unexpected update %+v", updated)
		}
		return nil
	})
	add("group service account: update to a taken username", func() error {
		account, _, err := w.groupAccount(w.admin, w.group.ID, &gitlab.CreateServiceAccountOptions{})
		if err != nil {
			return err
		}
		_, _, err = w.admin.Groups.UpdateServiceAccount(w.group.ID, account.ID,
			&gitlab.UpdateServiceAccountOptions{Username: gitlab.Ptr("deployer")})
		return refused(err, 400, message("Username has already been taken"))
	})
	add("project service account: update", func() error {
		var account, updated gitlab.GroupServiceAccount
		err := w.projectAccounts(http.MethodPost, "", map[string]any{}, &account)
		if !w.since1811 {
			return refused(err, 404, routeNotFound)
		}
		if err != nil {
			return err
		}
		err = w.projectAccounts(http.MethodPatch, fmt.Sprintf("/%d", account.ID), map[string]any{"name": "Renamed"},
			&updated)
		if err != nil || updated.Name != "Renamed" || updated.UserName != account.UserName {
			return fmt.Errorf("want the account renamed, got %+v %v", updated, err)
		}
		return nil
	})
}
