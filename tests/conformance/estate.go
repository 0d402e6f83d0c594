package main

// The rest of the token estate: impersonation tokens (client-go's UsersService).

import (
	"fmt"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// addEstateCases: the kinds beyond access, deploy and service-account tokens, in their routes' order.
func addEstateCases(w *world, add func(string, func() error)) {
	addImpersonationCases(w, add)
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
