// Command conformance drives the GitLab sandbox with GitLab's official Go client
// (gitlab.com/gitlab-org/api/client-go), one case per route and error the sandbox
// models from GitLab's 18.x and 19.x source, and prints one JSON line per case:
//
//	{"case": "...", "ok": true|false, "detail": "..."}
//
// What each case expects depends on the profile GET /version reports (18.1, 18.11 or 19.2);
// docs/sandbox.md ("Version profiles") says where each expectation was read in GitLab.
// Usage: conformance <base URL> (the administrator's token in GITLAB_TOKEN).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

const securityManager gitlab.AccessLevelValue = 25

type world struct {
	baseURL string
	admin   *gitlab.Client
	// GitLab 18.11 and later: required expiry and the new wordings (18.7-18.10), project and
	// subgroup service accounts and their creation limit (18.11).
	since1811 bool
	// GitLab 19.x: Security Manager is a role a token may have.
	securityManager bool
	group           *gitlab.Group
	subgroup        *gitlab.Group
	project         *gitlab.Project
	users           int
}

type result struct {
	Case   string `json:"case"`
	Ok     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

func main() {
	if len(os.Args) != 2 || os.Getenv("GITLAB_TOKEN") == "" {
		fmt.Fprintln(os.Stderr, "usage: GITLAB_TOKEN=<admin token> conformance <base URL>")
		os.Exit(2)
	}
	w, err := setUp(os.Args[1], os.Getenv("GITLAB_TOKEN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "set-up failed:", err)
		os.Exit(2)
	}
	failed := 0
	out := json.NewEncoder(os.Stdout)
	for _, c := range cases(w) {
		r := result{Case: c.name, Ok: true}
		if err := c.run(); err != nil {
			r.Ok, r.Detail = false, err.Error()
			failed++
		}
		_ = out.Encode(r)
	}
	if failed > 0 {
		os.Exit(1)
	}
}

// notFound keeps the body of the last 404: client-go answers every 404 with ErrNotFound and drops
// the body, whose wording is what the cases compare. The program runs one request at a time.
type notFound struct {
	base http.RoundTripper
	body []byte
}

func (n *notFound) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := n.base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusNotFound {
		n.body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(n.body))
	}
	return resp, err
}

var lastNotFound = &notFound{base: http.DefaultTransport}

func client(baseURL, token string) (*gitlab.Client, error) {
	// No retries: a 429 or 5xx is what a case looks at, not something to wait out.
	return gitlab.NewClient(token, gitlab.WithBaseURL(baseURL), gitlab.WithoutRetries(),
		gitlab.WithHTTPClient(&http.Client{Transport: lastNotFound, Timeout: 30 * time.Second}))
}

func setUp(baseURL, token string) (*world, error) {
	admin, err := client(baseURL, token)
	if err != nil {
		return nil, err
	}
	version, _, err := admin.Version.GetVersion()
	if err != nil {
		return nil, fmt.Errorf("GET /version: %w", err)
	}
	var major, minor int
	if _, err = fmt.Sscanf(version.Version, "%d.%d", &major, &minor); err != nil {
		return nil, fmt.Errorf("GET /version answered %q", version.Version)
	}
	w := &world{baseURL: baseURL, admin: admin, since1811: major > 18 || (major == 18 && minor >= 11),
		securityManager: major >= 19}
	if w.group, _, err = admin.Groups.CreateGroup(&gitlab.CreateGroupOptions{
		Name: gitlab.Ptr("Conformance"), Path: gitlab.Ptr("conformance")}); err != nil {
		return nil, fmt.Errorf("create group: %w", err)
	}
	if w.subgroup, _, err = admin.Groups.CreateGroup(&gitlab.CreateGroupOptions{
		Name: gitlab.Ptr("Team"), Path: gitlab.Ptr("team"), ParentID: gitlab.Ptr(w.group.ID)}); err != nil {
		return nil, fmt.Errorf("create subgroup: %w", err)
	}
	if w.project, _, err = admin.Projects.CreateProject(&gitlab.CreateProjectOptions{
		Path: gitlab.Ptr("app"), NamespaceID: gitlab.Ptr(w.group.ID)}); err != nil {
		return nil, fmt.Errorf("create project: %w", err)
	}
	return w, nil
}

// member makes a new user with level on the group (and so on its project) and returns a client acting as it.
func (w *world) member(level gitlab.AccessLevelValue) (*gitlab.Client, error) {
	w.users++
	name := fmt.Sprintf("member%d", w.users)
	user, _, err := w.admin.Users.CreateUser(&gitlab.CreateUserOptions{
		Username: gitlab.Ptr(name), Name: gitlab.Ptr(name), Email: gitlab.Ptr(name + "@example.com"),
		Password: gitlab.Ptr("conformance-password")})
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	if _, _, err = w.admin.GroupMembers.AddGroupMember(w.group.ID, &gitlab.AddGroupMemberOptions{
		UserID: gitlab.Ptr(user.ID), AccessLevel: gitlab.Ptr(level)}); err != nil {
		return nil, fmt.Errorf("add member: %w", err)
	}
	token, _, err := w.admin.Users.CreatePersonalAccessToken(user.ID, &gitlab.CreatePersonalAccessTokenOptions{
		Name: gitlab.Ptr("conformance"), Scopes: gitlab.Ptr([]string{"api"})})
	if err != nil {
		return nil, fmt.Errorf("create user token: %w", err)
	}
	return client(w.baseURL, token.Token)
}

func inDays(days int) *gitlab.ISOTime {
	t := gitlab.ISOTime(time.Now().UTC().AddDate(0, 0, days))
	return &t
}

func isoDay(t *gitlab.ISOTime) string {
	if t == nil {
		return "<nil>"
	}
	return time.Time(*t).Format("2006-01-02")
}

// refused checks that err is GitLab's answer with status and exactly the JSON body want.
func refused(err error, status int, want string) error {
	var gotStatus int
	var body []byte
	var answer *gitlab.ErrorResponse
	switch {
	case errors.Is(err, gitlab.ErrNotFound):
		gotStatus, body = http.StatusNotFound, lastNotFound.body
	case errors.As(err, &answer):
		gotStatus, body = answer.Response.StatusCode, answer.Body
	default:
		return fmt.Errorf("want %d %s, got %v", status, want, err)
	}
	var got, expected any
	if json.Unmarshal(body, &got) != nil || json.Unmarshal([]byte(want), &expected) != nil {
		return fmt.Errorf("unreadable body %q", body)
	}
	if gotStatus != status || !reflect.DeepEqual(got, expected) {
		return fmt.Errorf("want %d %s, got %d %s", status, want, gotStatus, body)
	}
	return nil
}

func message(text string) string {
	encoded, _ := json.Marshal(map[string]string{"message": text})
	return string(encoded)
}

func badRequest(text string) string { return message("400 Bad request - " + text) }

const (
	invalidLevel   = `{"error":"access_level does not have a valid value"}`
	routeNotFound  = `{"error":"404 Not Found"}`
	newLevelText   = "Access level of the token contains permissions not held by the creating user"
	oldLevelText   = "Access level of the token can't be greater the access level of the user who created the token"
	oldOwnerText   = "Could not provision owner access to project access token"
	newRotateText  = "Not eligible to rotate tokens with permissions not held by the user"
	oldRotateText  = "Not eligible to rotate token with access level higher than the user"
	subgroupText   = "User does not have permission to create a service account in this group."
	rateLimitText  = "This endpoint has been requested too many times. Try again later."
	ociText        = "Username can only include non-accented letters, digits, '_', '-' and '.'. It must not start with '-', '_', or '.', nor end with '-', '_', '.', '.git', or '.atom'."
	namespaceText  = "Username can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or end in '.', '.git' or '.atom'."
	visibilityText = "The visibility setting cannot be changed for masked and hidden variables."
)

type testCase struct {
	name string
	run  func() error
}

func cases(w *world) []testCase {
	var list []testCase
	add := func(name string, run func() error) { list = append(list, testCase{name, run}) }
	addTokenCases(w, add)
	addServiceAccountCases(w, add)
	addVariableCases(w, add)
	addTriggerCases(w, add)
	addEstateCases(w, add)
	return list
}

func (w *world) projectToken(as *gitlab.Client, level gitlab.AccessLevelValue) (*gitlab.ProjectAccessToken, error) {
	token, _, err := as.ProjectAccessTokens.CreateProjectAccessToken(w.project.ID, &gitlab.CreateProjectAccessTokenOptions{
		Name: gitlab.Ptr("conformance"), Scopes: gitlab.Ptr([]string{"read_api"}), AccessLevel: gitlab.Ptr(level),
		ExpiresAt: inDays(30)})
	return token, err
}

func addTokenCases(w *world, add func(string, func() error)) {
	add("project token: create without expires_at", func() error {
		token, _, err := w.admin.ProjectAccessTokens.CreateProjectAccessToken(w.project.ID,
			&gitlab.CreateProjectAccessTokenOptions{Name: gitlab.Ptr("no-expiry"), Scopes: gitlab.Ptr([]string{"api"})})
		if w.since1811 {
			return refused(err, 400, badRequest("expires_at is missing"))
		}
		if err != nil || isoDay(token.ExpiresAt) != isoDay(inDays(365)) {
			return fmt.Errorf("want today + 365, got %v %v", token, err)
		}
		return nil
	})
	add("project token: create with expires_at null takes the maximum lifetime", func() error {
		body := map[string]any{"name": "null-expiry", "scopes": []string{"api"}, "expires_at": nil}
		req, err := w.admin.NewRequest(http.MethodPost, fmt.Sprintf("projects/%d/access_tokens", w.project.ID), body, nil)
		if err != nil {
			return err
		}
		var token gitlab.ProjectAccessToken
		if _, err = w.admin.Do(req, &token); err != nil || isoDay(token.ExpiresAt) != isoDay(inDays(365)) {
			return fmt.Errorf("want 201 with today + 365, got %v %v", token.ExpiresAt, err)
		}
		return nil
	})
	for _, kind := range []string{"project", "group"} {
		add(kind+" token: get an unknown token", func() error {
			var err error
			if kind == "project" {
				_, _, err = w.admin.ProjectAccessTokens.GetProjectAccessToken(w.project.ID, 999999)
			} else {
				_, _, err = w.admin.GroupAccessTokens.GetGroupAccessToken(w.group.ID, 999999)
			}
			if w.since1811 {
				return refused(err, 404, message("404 "+kind+" Access Token Not Found"))
			}
			return refused(err, 404, message("404 Could not find "+kind+" access token with token_id: 999999 Not Found"))
		})
	}
	add("project token: an Owner token from a Maintainer", func() error {
		maintainer, err := w.member(gitlab.MaintainerPermissions)
		if err != nil {
			return err
		}
		_, err = w.projectToken(maintainer, gitlab.OwnerPermissions)
		if w.since1811 {
			return refused(err, 400, badRequest(newLevelText))
		}
		return refused(err, 400, badRequest(oldOwnerText))
	})
	add("project token: a Planner token from a Maintainer", func() error {
		maintainer, err := w.member(gitlab.MaintainerPermissions)
		if err != nil {
			return err
		}
		_, err = w.projectToken(maintainer, gitlab.PlannerPermissions)
		if w.since1811 {
			return refused(err, 400, badRequest(newLevelText))
		}
		return refused(err, 400, badRequest(oldLevelText))
	})
	add("project token: a Security Manager token from a Maintainer", func() error {
		maintainer, err := w.member(gitlab.MaintainerPermissions)
		if err != nil {
			return err
		}
		_, err = w.projectToken(maintainer, securityManager)
		if w.securityManager {
			return refused(err, 400, badRequest(newLevelText))
		}
		return refused(err, 400, invalidLevel)
	})
	add("project token: a Security Manager token from an Owner", func() error {
		owner, err := w.member(gitlab.OwnerPermissions)
		if err != nil {
			return err
		}
		token, err := w.projectToken(owner, securityManager)
		if !w.securityManager {
			return refused(err, 400, invalidLevel)
		}
		if err != nil || token.AccessLevel != securityManager {
			return fmt.Errorf("want 201 at level 25, got %v %v", token, err)
		}
		return nil
	})
	add("project token: a Maintainer rotates an Owner token", func() error {
		maintainer, err := w.member(gitlab.MaintainerPermissions)
		if err != nil {
			return err
		}
		token, err := w.projectToken(w.admin, gitlab.OwnerPermissions)
		if err != nil {
			return err
		}
		_, _, err = maintainer.ProjectAccessTokens.RotateProjectAccessToken(w.project.ID, token.ID, nil)
		if w.since1811 {
			return refused(err, 400, badRequest(newRotateText))
		}
		return refused(err, 400, badRequest(oldRotateText))
	})
	for _, caller := range []gitlab.AccessLevelValue{gitlab.MaintainerPermissions, gitlab.OwnerPermissions} {
		add(fmt.Sprintf("project token: a %d rotates a Security Manager token", caller), func() error {
			member, err := w.member(caller)
			if err != nil {
				return err
			}
			token, err := w.projectToken(w.admin, securityManager)
			if !w.securityManager {
				return refused(err, 400, invalidLevel)
			}
			if err != nil {
				return err
			}
			_, _, err = member.ProjectAccessTokens.RotateProjectAccessToken(w.project.ID, token.ID, nil)
			if caller == gitlab.MaintainerPermissions {
				return refused(err, 400, badRequest(newRotateText))
			}
			return err
		})
	}
	add("group token: a Security Manager token from an Owner, then rotated", func() error {
		owner, err := w.member(gitlab.OwnerPermissions)
		if err != nil {
			return err
		}
		token, _, err := owner.GroupAccessTokens.CreateGroupAccessToken(w.group.ID, &gitlab.CreateGroupAccessTokenOptions{
			Name: gitlab.Ptr("sm"), Scopes: gitlab.Ptr([]string{"read_api"}), AccessLevel: gitlab.Ptr(securityManager),
			ExpiresAt: inDays(30)})
		if !w.securityManager {
			return refused(err, 400, invalidLevel)
		}
		if err != nil || token.AccessLevel != securityManager {
			return fmt.Errorf("want 201 at level 25, got %v %v", token, err)
		}
		_, _, err = owner.GroupAccessTokens.RotateGroupAccessToken(w.group.ID, token.ID, nil)
		return err
	})
	add("group token: a Maintainer of the group may not create one", func() error {
		maintainer, err := w.member(gitlab.MaintainerPermissions)
		if err != nil {
			return err
		}
		_, _, err = maintainer.GroupAccessTokens.CreateGroupAccessToken(w.group.ID, &gitlab.CreateGroupAccessTokenOptions{
			Name: gitlab.Ptr("x"), Scopes: gitlab.Ptr([]string{"read_api"}),
			AccessLevel: gitlab.Ptr(gitlab.ReporterPermissions), ExpiresAt: inDays(30)})
		return refused(err, 400, badRequest("User does not have permission to create group access token"))
	})
}

func (w *world) groupAccount(as *gitlab.Client, group int64, opt *gitlab.CreateServiceAccountOptions) (*gitlab.GroupServiceAccount, *gitlab.Response, error) {
	return as.Groups.CreateServiceAccount(group, opt)
}

func addServiceAccountCases(w *world, add func(string, func() error)) {
	refusedUsernames := map[string][]string{
		"admin":       {"Username admin is a reserved name"},
		"bad name!":   {ociText, namespaceText},
		"../../admin": {ociText, namespaceText},
		"robot.git":   {namespaceText},
		"robot.json":  {"Username ending with a reserved file extension is not allowed."},
		"a__b":        {ociText},
		"r":           {"Username is too short (minimum is 2 characters)"},
	}
	for _, username := range []string{"admin", "bad name!", "../../admin", "robot.git", "robot.json", "a__b", "r"} {
		add("group service account: username "+username, func() error {
			owner, err := w.member(gitlab.OwnerPermissions) // each its own caller: creation is rate-limited per user
			if err != nil {
				return err
			}
			_, _, err = w.groupAccount(owner, w.group.ID, &gitlab.CreateServiceAccountOptions{
				Username: gitlab.Ptr(username), Email: gitlab.Ptr("robot@example.com")})
			problems := refusedUsernames[username]
			sentence := problems[0]
			if len(problems) == 2 {
				sentence = problems[0] + " and " + problems[1]
			}
			return refused(err, 400, badRequest(sentence))
		})
	}
	add("group service account: a username kept for GitLab's AI agents", func() error {
		owner, err := w.member(gitlab.OwnerPermissions)
		if err != nil {
			return err
		}
		_, _, err = w.groupAccount(owner, w.group.ID, &gitlab.CreateServiceAccountOptions{Username: gitlab.Ptr("duo-helper")})
		var answer *gitlab.ErrorResponse
		if !errors.As(err, &answer) || answer.Response.StatusCode != 400 || !strings.Contains(string(answer.Body), "duo-") {
			return fmt.Errorf("want 400 naming the reserved prefix, got %v", err)
		}
		return nil
	})
	add("group service account: email robot@", func() error {
		owner, err := w.member(gitlab.OwnerPermissions)
		if err != nil {
			return err
		}
		_, _, err = w.groupAccount(owner, w.group.ID, &gitlab.CreateServiceAccountOptions{Email: gitlab.Ptr("robot@")})
		return refused(err, 400, badRequest("Email is invalid"))
	})
	add("group service account: a name with angle brackets is rewritten", func() error {
		owner, err := w.member(gitlab.OwnerPermissions)
		if err != nil {
			return err
		}
		account, _, err := w.groupAccount(owner, w.group.ID, &gitlab.CreateServiceAccountOptions{
			Name: gitlab.Ptr("CI <b>robot</b>"), Username: gitlab.Ptr("ci-robot")})
		if err != nil || account.Name != "CI -robot-" || account.UserName != "ci-robot" {
			return fmt.Errorf("want 201 named \"CI -robot-\", got %v %v", account, err)
		}
		return nil
	})
	add("group service account: in a subgroup", func() error {
		owner, err := w.member(gitlab.OwnerPermissions)
		if err != nil {
			return err
		}
		account, _, err := w.groupAccount(owner, w.subgroup.ID, &gitlab.CreateServiceAccountOptions{})
		if !w.since1811 {
			return refused(err, 400, badRequest(subgroupText))
		}
		if err != nil || !strings.HasPrefix(account.UserName, fmt.Sprintf("service_account_group_%d_", w.subgroup.ID)) {
			return fmt.Errorf("want 201 with a generated username, got %v %v", account, err)
		}
		return nil
	})
	add("group service account: ten a minute per user, then 429", func() error {
		owner, err := w.member(gitlab.OwnerPermissions)
		if err != nil {
			return err
		}
		for i := 0; i < 10; i++ {
			if _, _, err = w.groupAccount(owner, w.group.ID, &gitlab.CreateServiceAccountOptions{}); err != nil {
				return fmt.Errorf("create %d: %w", i+1, err)
			}
		}
		_, _, err = w.groupAccount(owner, w.group.ID, &gitlab.CreateServiceAccountOptions{})
		if !w.since1811 {
			return err // no limit before 18.11
		}
		if problem := refused(err, 429, `{"message":{"error":"`+rateLimitText+`"}}`); problem != nil {
			return problem
		}
		var answer *gitlab.ErrorResponse
		errors.As(err, &answer)
		if after := answer.Response.Header.Get("Retry-After"); after != "60" {
			return fmt.Errorf("want Retry-After: 60, got %q", after)
		}
		return nil
	})
	addProjectServiceAccountCases(w, add)
}

// project calls a project service-account route through the client's own request machinery
// (client-go has no service of its own for these routes).
func (w *world) projectAccounts(method, suffix string, body any, into any) error {
	req, err := w.admin.NewRequest(method, fmt.Sprintf("projects/%d/service_accounts%s", w.project.ID, suffix), body, nil)
	if err != nil {
		return err
	}
	_, err = w.admin.Do(req, into)
	return err
}

func addProjectServiceAccountCases(w *world, add func(string, func() error)) {
	var account gitlab.GroupServiceAccount
	var token gitlab.PersonalAccessToken
	step := func(name, method string, suffix func() string, body any, into any, check func() error) {
		add("project service account: "+name, func() error {
			err := w.projectAccounts(method, suffix(), body, into)
			if !w.since1811 {
				return refused(err, 404, routeNotFound) // no such route before 18.10
			}
			if err != nil {
				return err
			}
			return check()
		})
	}
	none := func() error { return nil }
	step("create", http.MethodPost, func() string { return "" }, map[string]any{"name": "Deployer"}, &account,
		func() error {
			if !strings.HasPrefix(account.UserName, fmt.Sprintf("service_account_project_%d_", w.project.ID)) {
				return fmt.Errorf("unexpected username %q", account.UserName)
			}
			return nil
		})
	var listed []gitlab.GroupServiceAccount
	step("list", http.MethodGet, func() string { return "" }, nil, &listed, func() error {
		if len(listed) != 1 || listed[0].ID != account.ID {
			return fmt.Errorf("want the one account, got %v", listed)
		}
		return nil
	})
	tokens := func() string { return fmt.Sprintf("/%d/personal_access_tokens", account.ID) }
	step("create a token", http.MethodPost, tokens, map[string]any{"name": "ci", "scopes": []string{"api"},
		"expires_at": isoDay(inDays(30))}, &token, func() error {
		if !strings.HasPrefix(token.Token, "glpat-") {
			return errors.New("no token value in the answer")
		}
		return nil
	})
	step("rotate the token", http.MethodPost, func() string { return fmt.Sprintf("%s/%d/rotate", tokens(), token.ID) },
		nil, &token, none)
	step("revoke the token", http.MethodDelete, func() string { return fmt.Sprintf("%s/%d", tokens(), token.ID) },
		nil, nil, none)
	step("delete", http.MethodDelete, func() string { return fmt.Sprintf("/%d", account.ID) }, nil, nil, none)
}

func addVariableCases(w *world, add func(string, func() error)) {
	add("project variable: a hidden variable's masked setting cannot change", func() error {
		_, _, err := w.admin.ProjectVariables.CreateVariable(w.project.ID, &gitlab.CreateProjectVariableOptions{
			Key: gitlab.Ptr("HIDDEN"), Value: gitlab.Ptr("hidden-s3cr3t"), MaskedAndHidden: gitlab.Ptr(true)})
		if err != nil {
			return err
		}
		_, _, err = w.admin.ProjectVariables.UpdateVariable(w.project.ID, "HIDDEN",
			&gitlab.UpdateProjectVariableOptions{Masked: gitlab.Ptr(false)})
		return refused(err, 400, `{"message":{"base":["`+visibilityText+`"]}}`)
	})
	add("group variable: a hidden variable's masked setting cannot change", func() error {
		_, _, err := w.admin.GroupVariables.CreateVariable(w.group.ID, &gitlab.CreateGroupVariableOptions{
			Key: gitlab.Ptr("HIDDEN"), Value: gitlab.Ptr("hidden-s3cr3t"), MaskedAndHidden: gitlab.Ptr(true)})
		if err != nil {
			return err
		}
		_, _, err = w.admin.GroupVariables.UpdateVariable(w.group.ID, "HIDDEN",
			&gitlab.UpdateGroupVariableOptions{Masked: gitlab.Ptr(false)})
		return refused(err, 400, `{"message":{"base":["`+visibilityText+`"]}}`)
	})
}
