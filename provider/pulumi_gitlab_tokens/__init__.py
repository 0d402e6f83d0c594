"""GitLab project, group and personal access tokens, and the CI/CD variables that hand them on, as Pulumi resources.

Importing this package must stay free of side effects: the dynamic provider
process imports it to unpickle the provider class by reference.

The resource classes, their ``...Args`` and the per-kind token lists are generated from the
declarations (``resources/_generated.py``, ``make faces``) and exported here by its ``__all__``.
"""

from . import _former_paths  # noqa: F401  (state pickled by earlier versions names these modules)
from .common.errors import GitLabTokenError
from .resources import _generated
from .resources._generated import *  # noqa: F403  (every resource class, its Args and every list function)
from .resources.token_lists import TokenRecord, list_tokens
from .resources.tokens import RotationConfigurationArgs

__version__ = "0.1.0"

__all__ = [
    "GitLabTokenError",
    "RotationConfigurationArgs",
    "TokenRecord",
    "UserImpersonationToken",
    "UserImpersonationTokenArgs",
    "__version__",
    "list_tokens",
    "list_user_impersonation_tokens",
]
__all__ += _generated.__all__
