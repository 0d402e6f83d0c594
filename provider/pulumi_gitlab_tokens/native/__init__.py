"""The native provider ``gitlab-tokens``: the same resources as the dynamic face, for every Pulumi language.

A thin adapter (:mod:`.provider`) over the dynamic face's provider classes,
with a schema derived from the kind declarations (:mod:`.schema`). Run as
``pulumi-resource-gitlab-tokens``; ``python -m pulumi_gitlab_tokens.native
schema`` prints the schema. Design and limits: docs/native-provider.md.
"""
