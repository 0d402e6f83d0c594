"""``pulumi-resource-gitlab-tokens``: the plugin the engine starts; ``... schema`` prints the package schema."""

from __future__ import annotations

import sys

from pulumi.provider.experimental import server

from .provider import GitLabTokensProvider
from .schema import package_version, schema_json


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["schema"]:
        print(schema_json())
        return
    server.main(args, package_version(), GitLabTokensProvider())


if __name__ == "__main__":
    main()
