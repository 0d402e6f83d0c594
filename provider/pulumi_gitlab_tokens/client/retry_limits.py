"""The transport's retry limits, apart from it so settings and messages can name them.

:mod:`.transport` (built on ``requests``) loads at the first GitLab call; the
settings' default and the rate-limit hint need these numbers before that.
"""

from __future__ import annotations

#: Retries after the first attempt, unless ``gitlab:retries`` says otherwise.
DEFAULT_RETRIES = 6
#: No single wait is longer: a longer ``Retry-After`` fails the call at once.
MAX_RETRY_WAIT_SECONDS = 60.0
#: No retry starts later than this after the call's first attempt.
RETRY_BUDGET_SECONDS = 120.0
