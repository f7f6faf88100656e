"""Server-side sessions in the database, and signed cookies for anonymous visitors.

The cookie holds a random id; the row is keyed by its SHA-256, so a copy of the table does
not give working cookies. Sessions end after an idle time and after an absolute time,
whatever the activity. ``rotate`` gives a new id at login so that an id planted before the
login is worthless after it. Any app server reads the same rows, so several can serve one
user.

A visitor who has not logged in gets no row: what an anonymous visit keeps (the CSRF token
of a public form, the language chosen, a message for the next page) travels in the same
cookie, signed with the secret key, so opening a public page writes nothing to the
database and a crowd of new visitors costs no writes. Anything else (a login under way,
a logged-in user) moves the session into a row at once; the signed cookie can only ever
carry ``ANONYMOUS_KEYS``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import timedelta

from flask import Flask, Request, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import CallbackDict

from core.clock import utcnow
from core.identity.models import BrowserSession

log = logging.getLogger("concerto.sessions")

# Writing last_seen_at on every request would turn every page view into a write.
TOUCH_EVERY = timedelta(seconds=60)

# What an anonymous session may hold in its signed cookie: Flask-WTF's CSRF secret, the
# language switch's choice and flashed messages. Nothing that identifies or authorises.
ANONYMOUS_KEYS = frozenset({"csrf_token", "language", "_flashes"})
# Browsers keep cookies up to 4 KB; a session that would not fit goes to a row instead.
COOKIE_LIMIT = 3000


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    def __init__(
        self, initial=None, session_id: str | None = None, row=None, signed: bool = False
    ) -> None:
        def on_update(_self):
            self.modified = True

        super().__init__(initial, on_update)
        self.session_id = session_id
        self.row = row
        # Read from a signed cookie (an anonymous session without a row).
        self.signed = signed
        self.modified = False
        self.rotate_requested = False
        self.ended = False

    def rotate(self) -> None:
        """Give this session a new id when the response is sent (at login)."""
        self.rotate_requested = True
        self.modified = True

    def restart(self, **keep) -> None:
        """Drop everything but ``keep`` and continue under a new id (login, logout)."""
        self.clear()
        self.update({key: value for key, value in keep.items() if value is not None})
        self.rotate()

    def end(self) -> None:
        """Forget this session entirely (logout)."""
        self.clear()
        self.ended = True
        self.modified = True


class DatabaseSessionInterface(SessionInterface):
    def __init__(self, idle: timedelta, absolute: timedelta) -> None:
        self.idle = idle
        self.absolute = absolute

    def _database(self, app: Flask):
        return app.extensions["concerto.db"]

    def _signer(self, app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            app.secret_key,
            salt="concerto-anonymous-session",
            serializer=TaggedJSONSerializer(),
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
        )

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        session_id = request.cookies.get(self.get_cookie_name(app))
        if not session_id:
            return ServerSession()
        if "." in session_id:  # a random id has none; a signed value has three parts
            return self._open_signed(app, session_id)
        if len(session_id) > 128:
            return ServerSession()
        now = utcnow()
        try:
            with self._database(app).session() as db:
                row = db.get(BrowserSession, _hash(session_id))
                if row is None:
                    return ServerSession()
                if now - row.last_seen_at > self.idle or now - row.created_at > self.absolute:
                    db.delete(row)
                    return ServerSession()
                data = json.loads(row.data)
                db.expunge(row)
        except SQLAlchemyError as error:
            # The page itself will meet the same database and answer 503; a session that
            # cannot be read is an anonymous one until then.
            log.warning("session not readable: %s", error)
            return ServerSession()
        return ServerSession(data, session_id=session_id, row=row)

    def _open_signed(self, app: Flask, value: str) -> ServerSession:
        try:
            data = self._signer(app).loads(value, max_age=self.absolute.total_seconds())
        except BadSignature:  # forged, made with another key, or older than the absolute time
            return ServerSession()
        if not isinstance(data, dict) or not set(data) <= ANONYMOUS_KEYS:
            return ServerSession()
        return ServerSession(data, signed=True)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        now = utcnow()
        database = self._database(app)
        if session.ended or (not session and session.modified):
            self._delete_row(database, session)
            if session.row is not None or session.signed:
                response.delete_cookie(name, domain=domain, path=path)
            return
        if not session:
            return
        response.vary.add("Cookie")
        signed = self._signed_value(app, session)
        if signed is not None:
            if not session.modified and session.row is None:
                return  # the cookie the browser holds already says this
            # A session that holds no more than an anonymous one (after logout, too) leaves
            # its row: nothing of it needs to stay on the server.
            self._delete_row(database, session)
            response.set_cookie(
                name,
                signed,
                expires=None,
                httponly=True,
                secure=self.get_cookie_secure(app),
                samesite=self.get_cookie_samesite(app),
                domain=domain,
                path=path,
            )
            return
        if session.row is None or session.rotate_requested:
            self._create(database, session, now)
        elif session.modified:
            with database.session() as db:
                db.execute(
                    update(BrowserSession)
                    .where(BrowserSession.id_hash == session.row.id_hash)
                    .values(
                        data=json.dumps(dict(session)),
                        user_id=session.get("user_id"),
                        last_seen_at=now,
                    )
                )
        elif now - session.row.last_seen_at > TOUCH_EVERY:
            with database.session() as db:
                db.execute(
                    update(BrowserSession)
                    .where(BrowserSession.id_hash == session.row.id_hash)
                    .values(last_seen_at=now)
                )
        else:
            return
        response.set_cookie(
            name,
            session.session_id,
            expires=None,  # a browser-session cookie; the server enforces the lifetimes
            httponly=True,
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            domain=domain,
            path=path,
        )

    def _signed_value(self, app: Flask, session: ServerSession) -> str | None:
        """The signed cookie that carries this session, or None when it needs a row."""
        if not set(session) <= ANONYMOUS_KEYS or not app.secret_key:
            return None
        value = self._signer(app).dumps(dict(session))
        return value if len(value) <= COOKIE_LIMIT else None

    def _delete_row(self, database, session: ServerSession) -> None:
        if session.row is not None:
            with database.session() as db:
                db.execute(
                    delete(BrowserSession).where(BrowserSession.id_hash == session.row.id_hash)
                )

    def _create(self, database, session: ServerSession, now) -> None:
        new_id = secrets.token_urlsafe(32)
        with database.session() as db:
            if session.row is not None:
                # Rotation: the old id stops working the moment the new one is issued.
                db.execute(
                    delete(BrowserSession).where(BrowserSession.id_hash == session.row.id_hash)
                )
            db.add(
                BrowserSession(
                    id_hash=_hash(new_id),
                    data=json.dumps(dict(session)),
                    user_id=session.get("user_id"),
                    created_at=now,
                    last_seen_at=now,
                )
            )
        session.session_id = new_id


def purge_expired(db, idle: timedelta, absolute: timedelta) -> int:
    now = utcnow()
    stale = select(BrowserSession.id_hash).where(
        (BrowserSession.last_seen_at < now - idle) | (BrowserSession.created_at < now - absolute)
    )
    result = db.execute(delete(BrowserSession).where(BrowserSession.id_hash.in_(stale)))
    return result.rowcount or 0


def init_sessions(app: Flask) -> None:
    settings = app.config["CONCERTO"]
    app.session_interface = DatabaseSessionInterface(
        idle=timedelta(minutes=settings["session_idle_minutes"]),
        absolute=timedelta(hours=settings["session_absolute_hours"]),
    )
