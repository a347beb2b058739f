"""The admin's web pages: users (make, disable, change roles), tokens (make, revoke) and the config.

The pages call :mod:`edusync.console.admin`, as the API does; every form carries the session's
CSRF token. A token just made is shown on the page that answers the form, once, with caching
forbidden; afterwards only its first characters are.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from edusync.config.loader import LoadedConfig
from edusync.console import admin
from edusync.console.auth import Principal
from edusync.console.problems import ApiProblem, status_of
from edusync.errors import EdusyncError
from edusync.services import config_view, tokens, users
from edusync.storage import Database

NO_STORE = {"Cache-Control": "no-store"}


def install(app: FastAPI, pages: Any, db: Database, loaded: LoadedConfig) -> None:
    """Add the admin pages to the web UI (``pages`` is the UI's :class:`edusync.console.web.Pages`)."""

    def users_page(request: Request, who: Principal, code: int = 200, **ctx: Any) -> Any:
        listed = [u.as_dict() for u in users.list_users(db)]
        return pages.render(request, "admin_users.html", who, code=code, users=listed, roles=users.ROLES, **ctx)

    def tokens_page(request: Request, who: Principal, code: int = 200, **ctx: Any) -> Any:
        listed = admin.list_tokens(db)
        page = pages.render(request, "admin_tokens.html", who, code=code, tokens=listed, scopes=tokens.SCOPES, **ctx)
        page.headers.update(NO_STORE)
        return page

    async def posted(request: Request, who: Principal) -> tuple[dict[str, Any], Any]:
        form = await pages.form(request, who)  # the CSRF check
        return form, await request.form()  # Starlette keeps the parsed form: the lists of checkboxes

    @app.get("/admin")
    def admin_home(request: Request) -> Any:
        pages.user(request, "admin")
        return RedirectResponse(f"{request.scope.get('root_path', '')}/admin/users", 303)

    @app.get("/admin/users")
    def list_users(request: Request) -> Any:
        return users_page(request, pages.user(request, "admin"))

    @app.post("/admin/users")
    async def create_user(request: Request) -> Any:
        who = pages.user(request, "admin")
        form, raw = await posted(request, who)
        try:
            body = admin.NewUser(
                username=form.get("username", ""),
                roles=raw.getlist("roles"),
                password=form.get("password") or None,
                display_name=form.get("display_name") or None,
            )
            made = admin.create_user(db, who, body)
        except ValidationError as exc:
            return users_page(request, who, 400, error=_invalid(exc))
        except (EdusyncError, ApiProblem) as exc:
            return users_page(request, who, _status(exc), error=_message(exc))
        return users_page(request, who, 201, done=("created", made["username"]))

    @app.post("/admin/users/{username}/disable")
    async def disable_user(request: Request, username: str) -> Any:
        who = pages.user(request, "admin")
        await posted(request, who)
        try:
            admin.disable_user(db, who, username)
        except (EdusyncError, ApiProblem) as exc:
            return users_page(request, who, _status(exc), error=_message(exc))
        return users_page(request, who, done=("disabled", username))

    @app.post("/admin/users/{username}/roles")
    async def change_roles(request: Request, username: str) -> Any:
        who = pages.user(request, "admin")
        _, raw = await posted(request, who)
        try:
            admin.set_roles(db, who, username, [str(r) for r in raw.getlist("roles")])
        except (EdusyncError, ApiProblem) as exc:
            return users_page(request, who, _status(exc), error=_message(exc))
        return users_page(request, who, done=("roles", username))

    @app.get("/admin/tokens")
    def list_tokens(request: Request) -> Any:
        return tokens_page(request, pages.user(request, "admin"))

    @app.post("/admin/tokens")
    async def create_token(request: Request) -> Any:
        who = pages.user(request, "admin")
        form, raw = await posted(request, who)
        try:
            body = admin.NewToken(
                scopes=[str(s) for s in raw.getlist("scopes")],
                name=form.get("name") or None,
                user=form.get("user") or None,
                expires_in=form.get("expires_in") or None,
            )
            made = admin.create_token(db, who, body)
        except ValidationError as exc:
            return tokens_page(request, who, 400, error=_invalid(exc))
        except (EdusyncError, ApiProblem) as exc:
            return tokens_page(request, who, _status(exc), error=_message(exc))
        return tokens_page(request, who, 201, made=made)

    @app.post("/admin/tokens/{token_id}/revoke")
    async def revoke_token(request: Request, token_id: int) -> Any:
        who = pages.user(request, "admin")
        await posted(request, who)
        try:
            admin.revoke_token(db, who, token_id)
        except (EdusyncError, ApiProblem) as exc:
            return tokens_page(request, who, _status(exc), error=_message(exc))
        return tokens_page(request, who, revoked=token_id)

    @app.get("/admin/config")
    def show_config(request: Request) -> Any:
        who = pages.user(request, "admin")
        view = config_view.read(loaded.path)
        return pages.render(request, "admin_config.html", who, path=view["path"], text=config_view.as_yaml(view))


def _status(exc: EdusyncError | ApiProblem) -> int:
    return exc.status if isinstance(exc, ApiProblem) else status_of(exc)


def _message(exc: EdusyncError | ApiProblem) -> str:
    return exc.detail if isinstance(exc, ApiProblem) else str(exc)


def _invalid(exc: ValidationError) -> str:
    # The field and what is wrong, never the value typed (it may be a password).
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
