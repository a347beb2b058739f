"""The web UI: server-rendered Jinja2 pages with htmx for the parts that update by themselves.

Every page needs a signed-in user; every form carries the session's CSRF token, and a POST
without it is refused (403). What a page may offer follows the user's roles, and the routes
check them again. Fødselsnumre are masked by the services before a template sees them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from edusync.config.loader import LoadedConfig
from edusync.console import auth, charts, i18n
from edusync.console.problems import ApiProblem, status_of
from edusync.console.runner import RunWorker
from edusync.errors import EdusyncError, NotFound
from edusync.model.fnr import mask
from edusync.services import browse, explain, forecast, national_ids, people, review, targets, trash, users
from edusync.services.changes import csv_rows
from edusync.services.paging import BadQuery
from edusync.storage import Database

HERE = Path(__file__).parent
env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


class SignInNeeded(Exception):
    pass


class Pages:
    def __init__(self, loaded: LoadedConfig, db: Database, worker: RunWorker) -> None:
        self.loaded, self.db, self.worker = loaded, db, worker
        self.config = loaded.config.console

    def user(self, request: Request, permission: str = "read") -> auth.Principal:
        who = auth.from_session(request)
        if who is None:
            raise SignInNeeded()
        if not who.may(permission):
            raise ApiProblem(403, f"{who.name} may not {permission}")
        return who

    def language(self, request: Request, who: auth.Principal | None) -> str:
        return i18n.choose(who.language if who else None, request.session.get("lang"), self.config.language)

    def render(self, request: Request, name: str, who: auth.Principal | None, code: int = 200, **ctx: Any) -> Any:
        lang = self.language(request, who)
        tr = i18n.translations(lang)
        html = env.get_template(name).render(
            request=request,
            base=request.scope.get("root_path", ""),
            who=who,
            lang=lang,
            languages=i18n.LANGUAGES,
            _=tr.gettext,
            ngettext=tr.ngettext,
            csrf=(who.csrf if who else request.session.get("login_csrf")),
            oidc=self.config.oidc,
            **ctx,
        )
        return HTMLResponse(html, status_code=code)

    async def form(self, request: Request, who: auth.Principal) -> dict[str, Any]:
        """The posted form, after its CSRF token is checked against the session's."""
        form = await request.form()
        auth.check_csrf(request, who, str(form.get("csrf") or ""))
        out: dict[str, Any] = {k: form.getlist(k) if k == "ids" else str(form.get(k) or "") for k in form}
        return out


def _day(text: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` from a form; anything else is no day (the page's defaults apply)."""
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def install(app: FastAPI, loaded: LoadedConfig, db: Database, worker: RunWorker) -> None:
    pages = Pages(loaded, db, worker)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    config = loaded.config

    @app.exception_handler(SignInNeeded)
    def _sign_in(request: Request, exc: SignInNeeded) -> RedirectResponse:
        base = request.scope.get("root_path", "")
        return RedirectResponse(f"{base}/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(ApiProblem)
    def _problem(request: Request, exc: ApiProblem) -> Any:
        who = auth.from_session(request)
        return pages.render(request, "error.html", who, code=exc.status, message=exc.detail)

    @app.exception_handler(EdusyncError)
    def _error(request: Request, exc: EdusyncError) -> Any:
        who = auth.from_session(request)
        return pages.render(request, "error.html", who, code=status_of(exc), message=str(exc))

    if loaded.config.console.oidc is not None:
        from edusync.console import oidc

        oidc.install(app, loaded.config.console.oidc, db, pages, loaded.config.console.public_url)

    from edusync.console import admin_web

    admin_web.install(app, pages, db, loaded)

    @app.get("/login")
    def login_page(request: Request, next: str = "/") -> Any:
        import secrets

        request.session.setdefault("login_csrf", secrets.token_urlsafe(24))
        return pages.render(request, "login.html", None, next=next)

    @app.post("/login")
    async def login(request: Request) -> Any:
        form = await request.form()
        expected = request.session.get("login_csrf")
        if not expected or str(form.get("csrf") or "") != expected:
            raise ApiProblem(403, "the CSRF token is missing or wrong; reload the page and try again")
        try:
            user = users.authenticate(db, str(form.get("username") or ""), str(form.get("password") or ""))
        except users.SignInRefused as exc:
            return pages.render(request, "login.html", None, code=401, error=str(exc), next=form.get("next"))
        auth.sign_in(request, user)
        target = str(form.get("next") or "/")
        base = request.scope.get("root_path", "")
        return RedirectResponse(base + (target if target.startswith("/") and not target.startswith("//") else "/"), 303)

    @app.post("/logout")
    async def logout(request: Request) -> Any:
        who = pages.user(request)
        await pages.form(request, who)
        users.audit_logout(db, who.name)
        auth.sign_out(request)
        return RedirectResponse(request.scope.get("root_path", "") + "/login", 303)

    @app.post("/language")
    async def language(request: Request) -> Any:
        who = pages.user(request)
        form = await pages.form(request, who)
        users.set_language(db, who.name, form.get("lang", ""))
        return RedirectResponse(request.headers.get("referer") or request.scope.get("root_path", "") + "/", 303)

    @app.get("/")
    def dashboard(request: Request) -> Any:
        who = pages.user(request)
        overview = targets.overview(db, config)
        for t in overview:
            nights = targets.nights(db, t["name"])
            t["chart"] = charts.totals_chart(nights, f"{t['name']}: objects per night", targets.CHARTED)
            t["ops_chart"] = charts.ops_chart(nights, f"{t['name']}: changes per night")
            t["nights"] = nights[-5:]
        waiting = browse.list_runs(db, status="blocked", limit=20).items
        waiting = [r for r in waiting if r["waits_for_decision"]]
        recent = browse.list_runs(db, limit=10).items
        return pages.render(request, "dashboard.html", who, targets=overview, waiting=waiting, recent=recent)

    @app.get("/runs")
    def run_history(request: Request, status: str | None = None, cursor: str | None = None) -> Any:
        who = pages.user(request)
        page = browse.list_runs(db, status=status or None, limit=pages.config.page_size, cursor=cursor)
        return pages.render(request, "runs.html", who, page=page, status=status or "")

    @app.get("/runs/{run_id}")
    def run_page(request: Request, run_id: int) -> Any:
        who = pages.user(request)
        run = browse.get_run(db, run_id)
        return pages.render(request, "run.html", who, run=run, steps=browse.steps(db, run_id))

    @app.get("/runs/{run_id}/status")
    def run_status(request: Request, run_id: int) -> Any:
        who = pages.user(request)
        return pages.render(request, "_status.html", who, run=browse.get_run(db, run_id))

    @app.get("/runs/{run_id}/review")
    def review_page(request: Request, run_id: int) -> Any:
        who = pages.user(request)
        return pages.render(request, "review.html", who, r=review.review(db, run_id))

    @app.post("/runs/{run_id}/approve")
    async def approve(request: Request, run_id: int) -> Any:
        who = pages.user(request, "approve")
        form = await pages.form(request, who)
        try:
            review.approve(
                db, run_id, who.name, form.get("hash"), form.get("reason", ""), four_eyes=pages.config.four_eyes
            )
        except EdusyncError as exc:
            r = review.review(db, run_id)
            return pages.render(request, "review.html", who, code=status_of(exc), r=r, error=str(exc))
        if worker.can_run:
            worker.resume(run_id, who.name)
        return RedirectResponse(f"{request.scope.get('root_path', '')}/runs/{run_id}", 303)

    @app.post("/runs/{run_id}/reject")
    async def reject(request: Request, run_id: int) -> Any:
        who = pages.user(request, "approve")
        form = await pages.form(request, who)
        try:
            review.reject(db, run_id, who.name, form.get("reason", ""))
        except EdusyncError as exc:
            r = review.review(db, run_id)
            return pages.render(request, "review.html", who, code=status_of(exc), r=r, error=str(exc))
        return RedirectResponse(f"{request.scope.get('root_path', '')}/runs/{run_id}", 303)

    @app.get("/runs/{run_id}/change-sets/{cs_id}.csv")
    def change_set_csv(request: Request, run_id: int, cs_id: int) -> Response:
        pages.user(request)
        browse.list_changes(db, run_id, cs_id, limit=1)
        return StreamingResponse(
            csv_rows(browse.iter_changes(db, run_id, cs_id)),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="run-{run_id}-change-set-{cs_id}.csv"'},
        )

    @app.get("/search")
    def search(request: Request, q: str = "", type: str = "", cursor: str | None = None) -> Any:
        who = pages.user(request)
        may = who.has_role(pages.config.national_id_search_roles)
        if national_ids.national_id_in(q):
            # Typed into the ordinary search (now in the address bar): refused or pointed to the form that posts it.
            auth.may_search_national_ids(request, who, q)
            ctx = {"q": "", "type": type, "page": None, "may_nin": may, "error": "national-id-field"}
            return pages.render(request, "search.html", who, code=400, **ctx)
        page = None
        if q.strip():
            size = pages.config.page_size
            page = people.search(db, q, object_type=type or None, limit=size, cursor=cursor, config=config)
        return pages.render(request, "search.html", who, q=q, type=type, page=page, may_nin=may)

    @app.post("/search/national-id")
    async def search_national_id(request: Request) -> Any:
        who = pages.user(request)
        form = await pages.form(request, who)
        number = form.get("national_id", "")
        auth.may_search_national_ids(request, who, number)
        page = national_ids.search(db, config, number, who.name, limit=pages.config.page_size)
        shown = mask(national_ids.national_id_in(number))
        return pages.render(request, "search.html", who, q="", type="", page=page, may_nin=True, nin_shown=shown)

    @app.get("/objects/{object_type}/{key}")
    def object_page(request: Request, object_type: str, key: str) -> Any:
        who = pages.user(request)
        obj = people.person_page(db, config, object_type, key)
        ex = explained(object_type, obj["id"], False) if object_type in explain.TYPES else None
        return pages.render(request, "object.html", who, obj=obj, ex=ex, key=obj["id"], may_ask_source=True)

    def explained(object_type: str, key: str, source: bool) -> dict[str, Any]:
        return explain.explain(db, loaded, object_type, key, read_source=source, actor="console")

    @app.get("/explain/{object_type}/{key:path}")  # a FINT anchor is a path
    def explain_page(request: Request, object_type: str, key: str, source: bool = False) -> Any:
        """Why an object is (not) in each target; also for one the metaverse lacks (the connector space)."""
        who = pages.user(request)
        if object_type not in explain.TYPES:
            raise NotFound(f"explain takes {', '.join(explain.TYPES)}")
        if national_ids.national_id_in(key):
            raise BadQuery("a national id does not belong in an address: find the person by it, then explain")
        ex = explained(object_type, key, source)
        return pages.render(request, "explain.html", who, ex=ex, key=key, may_ask_source=True)

    @app.get("/forecast")
    def forecast_page(request: Request, date: str = "", start: str = "", end: str = "") -> Any:
        who = pages.user(request)
        first, last = forecast.default_range(_day(start), _day(end))
        cal = forecast.calendar_nights(loaded, db, first, last, actor=who.name)
        day = forecast.forecast_day(loaded, db, d, actor=who.name) if (d := _day(date)) else None
        return pages.render(request, "forecast.html", who, cal=cal, day=day, start=first, end=last)

    @app.get("/trash")
    def trash_page(request: Request, type: str = "", state: str = "", q: str = "", cursor: str | None = None) -> Any:
        who = pages.user(request)
        where = trash.TrashFilter(object_type=type or None, state=state or None, text=q or None)
        page = trash.list_trash(db, where, limit=pages.config.page_size, cursor=cursor)
        return pages.render(request, "trash.html", who, page=page, type=type, state=state, q=q, done=None)

    @app.post("/trash/restore")
    async def restore(request: Request) -> Any:
        who = pages.user(request, "operate")
        form = await pages.form(request, who)
        ids = form.get("ids") or []
        done = trash.restore_many(db, list(ids), who.name)
        page = trash.list_trash(db, limit=pages.config.page_size)
        return pages.render(request, "trash.html", who, page=page, type="", state="", q="", done=done)
