"""Every route the app serves, read from its url_map, so tests cover routes added later.

Also the query parameter and JSON body names the route modules read, scanned from
their source, so generated requests use the names the code actually looks at.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path

from werkzeug.routing import IntegerConverter, PathConverter

import feedaudit
from feedaudit.app import create_app

ROUTES_DIR = Path(feedaudit.__file__).parent / "routes"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
NAME_READ = re.compile(r"""(?:args\.get|_param|\.get)\(\s*["']([A-Za-z_]+)["']|\[["']([A-Za-z_]+)["']\]""")


@dataclasses.dataclass(frozen=True)
class Route:
    rule: str
    method: str
    converters: tuple[tuple[str, str], ...]  # (argument, "int" | "path" | "string")

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}"

    def path(self, values: dict[str, object]) -> str:
        path = self.rule
        for name, _ in self.converters:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(values[name]), path)
        return path

    def example_path(self) -> str:
        """The route with harmless argument values (1, 'x')."""
        return self.path({name: 1 if kind == "int" else "report.css" if kind == "path" else "x"
                          for name, kind in self.converters})


def _kind(converter) -> str:
    if isinstance(converter, IntegerConverter):
        return "int"
    if isinstance(converter, PathConverter):
        return "path"
    return "string"


def app_routes(app) -> list[Route]:
    routes = []
    for rule in app.url_map.iter_rules():
        converters = tuple((name, _kind(conv)) for name, conv in sorted(rule._converters.items()))
        for method in sorted(rule.methods - IGNORED_METHODS):
            routes.append(Route(rule.rule, method, converters))
    return sorted(routes, key=lambda r: r.id)


def all_routes() -> list[Route]:
    """The routes of a freshly built app (for parametrizing at collection time)."""
    with tempfile.TemporaryDirectory() as data_dir:
        return app_routes(create_app({"DATA_DIR": data_dir, "TESTING": True}))


def names_read_by_routes() -> list[str]:
    """Query parameter and body field names the blueprints read."""
    names = set()
    for source in ROUTES_DIR.glob("*.py"):
        for match in NAME_READ.finditer(source.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return sorted(names)
