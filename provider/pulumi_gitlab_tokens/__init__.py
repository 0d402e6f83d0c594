"""GitLab project, group and personal access tokens, and the CI/CD variables that hand them on, as Pulumi resources.

Importing this package must stay free of side effects: the dynamic provider
process imports it to unpickle the provider class by reference.
"""

from . import _former_paths  # noqa: F401  (state pickled by earlier versions names these modules)
from .common.errors import GitLabTokenError
from .resources.token_lists import (
    TokenRecord,
    list_group_access_tokens,
    list_group_deploy_tokens,
    list_group_service_account_access_tokens,
    list_personal_access_tokens,
    list_project_access_tokens,
    list_project_deploy_tokens,
    list_project_service_account_access_tokens,
    list_tokens,
)
from .resources.deploy_tokens import GroupDeployToken, GroupDeployTokenArgs, ProjectDeployToken, ProjectDeployTokenArgs
from .resources.service_accounts import (
    GroupServiceAccount,
    GroupServiceAccountAccessToken,
    GroupServiceAccountAccessTokenArgs,
    GroupServiceAccountArgs,
    ProjectServiceAccount,
    ProjectServiceAccountAccessToken,
    ProjectServiceAccountAccessTokenArgs,
    ProjectServiceAccountArgs,
)
from .resources.tokens import (
    GroupAccessToken,
    GroupAccessTokenArgs,
    PersonalAccessToken,
    PersonalAccessTokenArgs,
    ProjectAccessToken,
    ProjectAccessTokenArgs,
    RotationConfigurationArgs,
)
from .resources.variables import GroupVariable, GroupVariableArgs, ProjectVariable, ProjectVariableArgs

__version__ = "0.1.0"

__all__ = [
    "GitLabTokenError",
    "GroupAccessToken",
    "GroupAccessTokenArgs",
    "GroupDeployToken",
    "GroupDeployTokenArgs",
    "GroupServiceAccount",
    "GroupServiceAccountAccessToken",
    "GroupServiceAccountAccessTokenArgs",
    "GroupServiceAccountArgs",
    "GroupVariable",
    "GroupVariableArgs",
    "PersonalAccessToken",
    "PersonalAccessTokenArgs",
    "ProjectAccessToken",
    "ProjectAccessTokenArgs",
    "ProjectDeployToken",
    "ProjectDeployTokenArgs",
    "ProjectServiceAccount",
    "ProjectServiceAccountAccessToken",
    "ProjectServiceAccountAccessTokenArgs",
    "ProjectServiceAccountArgs",
    "ProjectVariable",
    "ProjectVariableArgs",
    "RotationConfigurationArgs",
    "TokenRecord",
    "__version__",
    "list_group_access_tokens",
    "list_group_deploy_tokens",
    "list_group_service_account_access_tokens",
    "list_personal_access_tokens",
    "list_project_access_tokens",
    "list_project_deploy_tokens",
    "list_project_service_account_access_tokens",
    "list_tokens",
]
