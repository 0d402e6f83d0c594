"""GitLab's offset pagination: ``page``/``per_page`` and the headers it sends.

Mirrors ``Gitlab::Pagination::OffsetHeaderBuilder``: ``X-Page``,
``X-Per-Page``, ``X-Next-Page``/``X-Prev-Page`` (empty when none),
``X-Total``, ``X-Total-Pages`` (at least 1), and a ``Link`` header with
``prev``, ``next``, ``first``, ``last`` whose URLs keep every query parameter.
"""

from __future__ import annotations

import math
from typing import Sequence, TypeVar
from urllib.parse import urlencode

from .web import Request

T = TypeVar("T")

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


def _int(value: object, default: int) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def paginate(items: Sequence[T], request: Request, base_url: str) -> tuple[list[T], dict[str, str]]:
    """The requested page of ``items`` and the headers GitLab sends with it."""
    page = _int(request.query.get("page"), 1)
    per_page = min(_int(request.query.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE)
    total = len(items)
    total_pages = max(math.ceil(total / per_page), 1)
    chunk = list(items[(page - 1) * per_page: page * per_page])
    next_page = page + 1 if page < total_pages else None
    # Kaminari: no previous page once past the last one (its prev_page is nil when out of range).
    prev_page = page - 1 if 1 < page <= total_pages else None

    def link(number: int) -> str:
        query = {k: v for k, v in request.query.items() if k not in ("page", "per_page")}
        query.update({"page": number, "per_page": per_page})
        return f"{base_url}{request.path}?{urlencode(query, doseq=True)}"

    links = []
    if prev_page:
        links.append(f'<{link(prev_page)}>; rel="prev"')
    if next_page:
        links.append(f'<{link(next_page)}>; rel="next"')
    links.append(f'<{link(1)}>; rel="first"')
    links.append(f'<{link(total_pages)}>; rel="last"')
    headers = {
        "X-Page": str(page),
        "X-Per-Page": str(per_page),
        "X-Next-Page": str(next_page or ""),
        "X-Prev-Page": str(prev_page or ""),
        "X-Total": str(total),
        "X-Total-Pages": str(total_pages),
        "Link": ", ".join(links),
    }
    return chunk, headers
