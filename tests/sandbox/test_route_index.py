"""The route index finds exactly the route (and parameters) a scan of the whole table would.

``urls.find_route`` only tries the routes of the request's method and segment
count; the table's order still decides between them (literal segments before
``:params``). Checked against a linear scan for paths built from every
template, with parameters filled by words that are also literal segments.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from gitlab_token_sandbox import urls

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

#: Segments that collide with the table's literals, plus encoded, empty and odd ones.
WORDS = sorted({part for route in urls.ROUTES for part in route.parts if not part.startswith(":")}
               | {"", "7", "0", "-1", "group%2Fproj", "a%2Fb%2Fc", "%20", "self", "all", "api", "v5", "x" * 40})


def _linear(method: str, path: str) -> tuple[urls.Route, dict[str, str]] | None:
    """The route the whole table, tried in order, gives."""
    segments = path.strip("/").split("/")
    lookup = "GET" if method == "HEAD" else method
    for route in urls.ROUTES:
        params = route.match(lookup, segments)
        if params is not None:
            return route, params
    return None


@st.composite
def paths(draw: st.DrawFn) -> str:
    """A template with its parameters filled in and maybe a segment changed, added or removed; or noise."""
    if draw(st.integers(0, 9)) == 0:
        return "/" + "/".join(draw(st.lists(st.sampled_from(WORDS), max_size=9)))
    route = draw(st.sampled_from(urls.ROUTES))
    segments = [draw(st.sampled_from(WORDS)) if part.startswith(":") else part for part in route.parts]
    edit = draw(st.sampled_from(("none", "change", "add", "drop")))
    spot = draw(st.integers(0, len(segments) - 1))
    if edit == "change":
        segments[spot] = draw(st.sampled_from(WORDS))
    elif edit == "add":
        segments.insert(spot, draw(st.sampled_from(WORDS)))
    elif edit == "drop":
        del segments[spot]
    trailing = draw(st.sampled_from(("", "/")))
    return "/" + "/".join(segments) + trailing


def test_every_template_finds_its_own_route() -> None:
    for route in urls.ROUTES:
        path = "/" + "/".join("42" if part.startswith(":") else part for part in route.parts)
        found = urls.find_route(route.method, path)
        assert found is not None and found == _linear(route.method, path)


@settings(max_examples=1500, deadline=None)
@given(method=st.sampled_from(METHODS), path=paths())
def test_the_index_agrees_with_a_scan_of_the_whole_table(method: str, path: str) -> None:
    assert urls.find_route(method, path) == _linear(method, path)
