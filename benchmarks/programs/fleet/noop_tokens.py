"""The engine's floor: a dynamic resource shaped like ``ProjectAccessToken`` whose provider does nothing.

It lives in an importable module, as the real provider does, so dill pickles
the provider by reference and the provider process imports it (the bench puts
this directory on ``PYTHONPATH``). It reuses the real resource's constructor,
so the inputs, the computed outputs and the secret ``token`` are identical;
only the provider's work differs.
"""

from __future__ import annotations

import inspect
import itertools
import secrets
from typing import Any, Optional

import pulumi
from pulumi.dynamic import ConfigureRequest, CreateResult, ReadResult, ResourceProvider

from pulumi_gitlab_tokens import ProjectAccessToken, ProjectAccessTokenArgs, kinds
from pulumi_gitlab_tokens.common import serving
from pulumi_gitlab_tokens.resources.tokens import TokenResource

_next_token_id = itertools.count(1)


class NoopTokenProvider(ResourceProvider):
    """Create answers with outputs of the real shape; read echoes the state; delete does nothing.

    It takes and keeps the same (owner, resource, backend) identity the real provider
    does, so its pickled ``__provider`` is as distinct per resource and the
    engine deserializes and configures it as often: only the work differs.
    """

    #: The real project token's kind: the resource takes its computed outputs from it.
    kind = kinds.PROJECT

    def __init__(self, owner: str | None = None, resource: str | None = None, backend: str | None = None) -> None:
        super().__init__()
        self.owner, self.resource, self.backend = owner, resource, backend

    def configure(self, req: ConfigureRequest) -> None:
        # Served like the real provider (see pulumi_gitlab_tokens.common.serving), so that only the work differs.
        serving.serve_everything_the_engine_sends()

    def create(self, props: dict[str, Any]) -> CreateResult:
        token_id = next(_next_token_id)
        outs = {k: v for k, v in props.items() if v is not None}
        # The same outputs the real provider records, so the state is the same size.
        outs.update(token=f"noop-{secrets.token_urlsafe(20)}", token_id=token_id, user_id=token_id,
                    active=True, revoked=False, created_at="2030-01-01T00:00:00.000Z",
                    expires_at="2030-01-31", access_level="developer")
        return CreateResult(f"{props['project']}:{token_id}", outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, {k: v for k, v in props.items() if k != "__provider"})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        return None


class NoopProjectToken(TokenResource, module="bench", name="NoopProjectToken"):
    """A ``ProjectAccessToken`` look-alike that never calls GitLab."""

    # The real class's output types (the SDK reads a class's own annotations: ``token_id`` an int).
    __annotations__ = dict(inspect.get_annotations(ProjectAccessToken))

    def __init__(self, resource_name: str, args: ProjectAccessTokenArgs,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(NoopTokenProvider, resource_name, args, opts)
