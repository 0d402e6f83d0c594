"""GitLab project and group access tokens as Pulumi resources.

Importing this package must stay free of side effects: the dynamic provider
process imports it to unpickle the provider class by reference.
"""

from .errors import GitLabTokenError
from .resources import (
    GroupAccessToken,
    GroupAccessTokenArgs,
    ProjectAccessToken,
    ProjectAccessTokenArgs,
    RotationConfigurationArgs,
)

__version__ = "0.1.0"

__all__ = [
    "GitLabTokenError",
    "GroupAccessToken",
    "GroupAccessTokenArgs",
    "ProjectAccessToken",
    "ProjectAccessTokenArgs",
    "RotationConfigurationArgs",
    "__version__",
]
