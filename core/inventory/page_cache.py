"""The public inventory's pages served from a response cache, with conditional requests.

An anonymous reader of ``/services``, a service's page, ``/coverage``, their API and
``/hsds/services`` gets a page that changes only when the inventory does. Rebuilding it for
every reader cost most of the time of a busy public page, so each process keeps the bodies
it rendered for anonymous readers, and the browser gets a weak ETag it can send back
(``If-None-Match``) for a ``304 Not Modified``. Every rule below is there for a reason:

- **Keyed by the change counter** (core.inventory.generation). Every flush that touches a
  service or its places bumps it in the same transaction, so a change committed by any
  worker makes every worker's stored pages and every ETag unreachable at once; a cached
  request costs the one statement that reads the counter, and nothing is served stale.
- **What else the pages read bumps the counter too** (``generation.COUNTED``): the names of
  prisons, domains, target groups and authorities, organisations and a service's last
  confirmation are shown on these pages but are not services; a change to any of them
  counts as a change of the inventory's pages. A bulk ``update()``/``delete()`` run through
  a session (no flush) is counted as well; SQL written by hand calls ``generation.bump``.
- **Everything else a page depends on is in the key**: the database, the path, the query
  string (its parameters in a stable order, each parameter's values in the order sent,
  because a page reads the first), the reader's language as Flask-Babel resolved it (an
  anonymous reader's choice, their browser's, or ``?lang``), the host, today's Brussels
  date (which prisons are open, the year a page shows, "confirmed this year") and the
  build: the code, templates and translations of the platform and of the enabled plugins,
  whose vocabulary and labels change without a write.
- **Anonymous readers only.** A logged-in reader (page session or API token) sees their own
  links, drafts and buttons: they never read or fill the cache and never get a 304 from an
  anonymous ETag (their answers carry none). A request with an ``Authorization`` header is
  not anonymous even when its token is refused.
- **Only what any reader could be given is stored**: a 200, not streamed, with no cookie
  set and no change to the session (a flashed message, a language chosen); a reader with a
  flashed message waiting is served fresh, so it is shown once and to them only.
- **A public form's CSRF token is the reader's own.** A page is rendered with a placeholder
  in place of the token and each reader's token is put in when it is served; a new visitor
  gets it in the signed cookie as before (no session row).
- **A transaction that changed services and may still roll back neither reads nor fills**
  the cache: what it sees is its own (the rule of ``generation.cached``).
- **Bounded**: least recently used first out, at most ``page_cache_megabytes`` of bodies
  per process (0 turns the cache off; ETags and 304s still work) and ``MAX_ENTRIES``.
- **A logged-in reader gets the shared part of a page from the same store** (``shared_part``):
  the results and facets of a search are the same for every reader who may see the same
  services (a coordinator sees the published ones, as the public does; the committee sees
  every state), so the part is kept under the page's key and that scope, while the rest of
  the page (their name, their links, their buttons, their form tokens) is made for them.
- Answers say ``Cache-Control: no-cache`` (a browser may keep them but asks each time) and
  ``Vary: Cookie, Accept-Language``, so no shared cache hands one reader's page to another.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy.orm import Session

from core.clock import today
from core.db import db_session
from core.inventory import generation
from core.permissions import ANONYMOUS, current

MAX_ENTRIES = 4096
VARY = ("Cookie", "Accept-Language")
# Random per process, so no text typed into a service can stand for it.
_CSRF_PLACEHOLDER = f"concerto-csrf-{secrets.token_hex(16)}"
_BUILD_SUFFIXES = (".py", ".html", ".mo", ".toml", ".json", ".js", ".css")

_pages: OrderedDict[tuple, tuple[bytes, str]] = OrderedDict()
_bytes = 0
_lock = threading.Lock()
_digests: dict[str, str] = {}


def anonymous_page(view):
    """Serve ``view`` from the cache to anonymous readers, with an ETag and 304s."""

    @functools.wraps(view)
    def serve(*args, **kwargs):
        if not _anonymous():
            response = make_response(view(*args, **kwargs))
            response.headers["Cache-Control"] = "private, no-cache"
            response.vary.update(VARY)
            return response
        database = db_session()
        if _changing(database):
            return make_response(view(*args, **kwargs))
        key = _key(database)
        tag = hashlib.sha256(repr(key).encode()).hexdigest()[:40]
        if request.if_none_match.contains_weak(tag):
            return _headed(current_app.response_class(status=304), tag)
        stored = _get(key)
        if stored is None:
            response, stored = _render(view, args, kwargs)
            if stored is None:
                return response
            if generation.changed_here(database):  # the view changed what it showed
                response.set_data(_with_token(stored[0]))
                return response
            _put(key, stored)
        body, content_type = stored
        return _headed(
            current_app.response_class(_with_token(body), content_type=content_type), tag
        )

    return serve


def shared_part(name: str, render: Callable[[], str], *, scope: Hashable = ()) -> Markup:
    """The HTML ``render`` makes, kept for every reader of this page (path, query, language,
    date, build, counter: the key of whole pages) who has the same ``scope``, the part of
    what they may see that the HTML depends on. ``render`` must read nothing of the reader
    beyond ``scope``; a form token in it is each reader's own, as on whole pages."""
    database = db_session()
    if _changing(database) or _limit() == 0:
        return Markup(render())
    key = ("part", name, scope, *_key(database))
    stored = _get(key)
    if stored is None:
        own = g.pop("csrf_token", None)
        g.csrf_token = _CSRF_PLACEHOLDER
        try:
            text = render()
        finally:
            g.pop("csrf_token")
            if own is not None:
                g.csrf_token = own
        stored = (text.encode(), "text/html")
        if not generation.changed_here(database):  # rendering changed nothing: keep it
            _put(key, stored)
    return Markup(_with_token(stored[0]).decode())


def clear() -> None:
    """Forget every stored page (tests; a process never needs it: keys move on)."""
    global _bytes
    with _lock:
        _pages.clear()
        _bytes = 0


def _with_token(body: bytes) -> bytes:
    """``body`` with the reader's own form token in place of the placeholder."""
    if _CSRF_PLACEHOLDER.encode() in body:
        return body.replace(_CSRF_PLACEHOLDER.encode(), generate_csrf().encode())
    return body


def _changing(database: Session) -> bool:
    """Whether this transaction changed the inventory, flushed or not (what it would see is
    its own, and may still roll back)."""
    if database.new or database.dirty or database.deleted:
        database.flush()  # a change not yet flushed counts (and bumps the counter)
    return generation.changed_here(database)


def _anonymous() -> bool:
    return (
        request.method in ("GET", "HEAD")
        and current() == ANONYMOUS
        and g.get("user") is None
        and "Authorization" not in request.headers
        and "_flashes" not in session
    )


def _key(database: Session) -> tuple:
    args = request.args
    query = tuple((name, tuple(args.getlist(name))) for name in sorted(args))
    return (
        str(database.get_bind().url),
        generation.current(database),
        request.host_url,
        request.path,
        query,
        str(get_locale()),
        today().isoformat(),
        _build(),
    )


def _render(view, args, kwargs):
    """The view's response, and what to store of it (None when it may not be stored)."""
    g.csrf_token = _CSRF_PLACEHOLDER  # Flask-WTF's generate_csrf returns it as it stands
    try:
        response = make_response(view(*args, **kwargs))
    finally:
        g.pop("csrf_token", None)
    if (
        response.status_code != 200
        or response.is_streamed
        or "Set-Cookie" in response.headers
        or session.modified
    ):
        if not response.is_streamed and _CSRF_PLACEHOLDER.encode() in response.get_data():
            response.set_data(
                response.get_data().replace(_CSRF_PLACEHOLDER.encode(), generate_csrf().encode())
            )
        return response, None
    return response, (response.get_data(), response.headers["Content-Type"])


def _headed(response, tag: str):
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    response.vary.update(VARY)
    return response


def _limit() -> int:
    return current_app.config["CONCERTO"]["page_cache_megabytes"] * 1024 * 1024


def _get(key: tuple) -> tuple[bytes, str] | None:
    with _lock:
        stored = _pages.get(key)
        if stored is not None:
            _pages.move_to_end(key)
        return stored


def _put(key: tuple, stored: tuple[bytes, str]) -> None:
    global _bytes
    limit = _limit()
    size = len(stored[0])
    if size * 16 > limit:  # one huge answer must not push out every other page
        return
    with _lock:
        if key in _pages:
            return
        _pages[key] = stored
        _bytes += size
        while _bytes > limit or len(_pages) > MAX_ENTRIES:
            _, (body, _type) = _pages.popitem(last=False)
            _bytes -= len(body)


def _build() -> str:
    """The code, templates and translations that render the pages, with the enabled plugins:
    a new release changes the pages (and their ETags) without a write."""
    app = current_app
    if "concerto.page_build" not in app.extensions:
        registry = app.extensions["concerto.registry"]
        parts = [_version("concerto"), _digest(Path(__file__).resolve().parent.parent)]
        for plugin in sorted(registry.enabled(), key=lambda p: p.name):
            spec = importlib.util.find_spec(plugin.module.partition(":")[0].split(".")[0])
            folders = list(spec.submodule_search_locations or []) if spec else []
            parts += [plugin.name, plugin.version or "", *(_digest(Path(f)) for f in folders)]
        app.extensions["concerto.page_build"] = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return app.extensions["concerto.page_build"]


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _digest(folder: Path) -> str:
    """The contents of a package's files that make pages, hashed once per process."""
    if str(folder) not in _digests:
        digest = hashlib.sha256()
        for path in sorted(folder.rglob("*")):
            if path.suffix in _BUILD_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
        _digests[str(folder)] = digest.hexdigest()
    return _digests[str(folder)]
