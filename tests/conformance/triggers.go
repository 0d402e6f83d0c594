package main

// Pipeline trigger tokens through client-go's PipelineTriggers service: the same in every profile
// (lib/api/ci/triggers.rb, Ci::TriggerPolicy, Ci::TriggerPresenter; docs/sandbox.md).

import (
	"fmt"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

const updateRefusedText = "The current user is not authorized to update the pipeline trigger token"

func addTriggerCases(w *world, add func(string, func() error)) {
	var owner *gitlab.Client
	var trigger *gitlab.PipelineTrigger
	// The cases after the first share its trigger; without one they fail instead of panicking.
	withTrigger := func(run func() error) func() error {
		return func() error {
			if trigger == nil {
				return fmt.Errorf("no trigger: the first case did not make one")
			}
			return run()
		}
	}
	add("pipeline trigger: a Maintainer creates one and sees its whole token", func() error {
		var err error
		if owner, err = w.member(gitlab.MaintainerPermissions); err != nil {
			return err
		}
		trigger, _, err = owner.PipelineTriggers.AddPipelineTrigger(w.project.ID,
			&gitlab.AddPipelineTriggerOptions{Description: gitlab.Ptr("deploy")})
		if err != nil {
			return err
		}
		if !strings.HasPrefix(trigger.Token, "glptt-") || len(trigger.Token) != 46 || trigger.Owner == nil {
			return fmt.Errorf("want a glptt- token of 46 characters and an owner, got %d characters, owner %v",
				len(trigger.Token), trigger.Owner)
		}
		listed, _, err := owner.PipelineTriggers.ListPipelineTriggers(w.project.ID, nil)
		if err != nil || len(listed) != 1 || listed[0].Token != trigger.Token {
			return fmt.Errorf("want the one trigger with its whole token, got %d triggers %v", len(listed), err)
		}
		got, _, err := owner.PipelineTriggers.GetPipelineTrigger(w.project.ID, trigger.ID)
		if err != nil || got.Token != trigger.Token || got.Description != "deploy" {
			return fmt.Errorf("want the trigger with its whole token, got %v", err)
		}
		return nil
	})
	add("pipeline trigger: another Maintainer sees four characters of it", withTrigger(func() error {
		other, err := w.member(gitlab.MaintainerPermissions)
		if err != nil {
			return err
		}
		got, _, err := other.PipelineTriggers.GetPipelineTrigger(w.project.ID, trigger.ID)
		if err != nil || got.Token != trigger.Token[6:10] {
			return fmt.Errorf("want the four characters after the prefix, got %v", err)
		}
		return nil
	}))
	add("pipeline trigger: its owner edits it in place", withTrigger(func() error {
		edited, _, err := owner.PipelineTriggers.EditPipelineTrigger(w.project.ID, trigger.ID,
			&gitlab.EditPipelineTriggerOptions{Description: gitlab.Ptr("deploy docs")})
		if err != nil || edited.ID != trigger.ID || edited.Token != trigger.Token || edited.Description != "deploy docs" {
			return fmt.Errorf("want the same trigger with the new description, got %v", err)
		}
		return nil
	}))
	add("pipeline trigger: the administrator may not edit another user's", withTrigger(func() error {
		_, _, err := w.admin.PipelineTriggers.EditPipelineTrigger(w.project.ID, trigger.ID,
			&gitlab.EditPipelineTriggerOptions{Description: gitlab.Ptr("mine now")})
		return refused(err, 403, message("403 Forbidden - "+updateRefusedText))
	}))
	add("pipeline trigger: a Developer may not list them", func() error {
		developer, err := w.member(gitlab.DeveloperPermissions)
		if err != nil {
			return err
		}
		_, _, err = developer.PipelineTriggers.ListPipelineTriggers(w.project.ID, nil)
		return refused(err, 403, message("403 Forbidden"))
	})
	add("pipeline trigger: create without a description", func() error {
		_, _, err := w.admin.PipelineTriggers.AddPipelineTrigger(w.project.ID, &gitlab.AddPipelineTriggerOptions{})
		return refused(err, 400, `{"error":"description is missing"}`)
	})
	add("pipeline trigger: delete, then get", withTrigger(func() error {
		if _, err := owner.PipelineTriggers.DeletePipelineTrigger(w.project.ID, trigger.ID); err != nil {
			return err
		}
		_, _, err := owner.PipelineTriggers.GetPipelineTrigger(w.project.ID, trigger.ID)
		return refused(err, 404, message("404 Not found"))
	}))
}
