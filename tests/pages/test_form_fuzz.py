"""Every form of the back office, given hostile input (DESIGN.md: bad input gets a clear error and loses
nothing): each route that takes a POST, signed in as the owner of account A (who may do everything), gets
the form as a browser would send it with one field at a time replaced by malformed values, NUL bytes,
overlong text, lists, a row of account B, and (for the photo upload) files that are not images.

- Never a 5xx; the answer is the form again (200), a redirect, 400, 403 or 404.
- What is not done changes nothing: an answer that is not a success leaves A's rows as they were, and no
  file under MEDIA_ROOT; B's rows never change.
- A field of boxes, radios or a select takes only what it offers: a success with another value in it (a
  malformed id ticked next to a real one, say) acted on part of what was asked.
- A form that HTMX posts (hx-post) is fuzzed a second time as HTMX sends it (``HX-Request: true``): the same
  rules hold, the answer is a partial for the page to swap in (never a whole page, never a redirect), and a
  refused survey save shows the form with its errors.

Each request runs in a savepoint rolled back after it, so every variant meets the same rows.

The fields are read from the rendered pages (FORMS says which page holds each route's forms), so a new field
is fuzzed without editing this file; a new form fails ``test_every_form_is_fuzzed`` until FORMS names it.
"""

from __future__ import annotations

import io
import itertools
import os
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, resolve

from accounts import limits
from accounts.actors import Actor
from accounts.models import User
from integrations.models import Integration, RelayItem
from integrations.share.models import ShareLink
from integrations.share.services import project_hand_over, share_create
from photos.models import Photo
from projects.models import CheckIn, Project
from projects.services import project_create
from surveys.models import Survey
from surveys.validation import normalize_template
from tests.api.conftest import make_tenant
from tests.api.test_tenancy_walk import snapshot
from tests.factories import AccountFactory, photo_row
from tests.pages.test_page_walk import GET, PAGES, POST_ONLY, reset_link, site_routes
from tests.photos.imagefiles import make_jpeg

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # every factory user's (tests/factories.py)

# route: the pages whose rendered forms post to it (a query string may follow a page's name). Who posts:
# the owner of A, except to the sign-in page, which a signed-in user is sent on from.
FORMS: dict[str, tuple[str, ...]] = {
    "signup": ("signup",),
    "login": ("login",),
    "logout": ("dashboard",),
    "password_change": ("password_change",),
    "password_reset": ("password_reset",),
    "password_reset_confirm": ("password_reset_confirm",),
    "team": ("team",),
    "team-member": ("team-member",),
    "team-member-password": ("team-member",),
    "projects-bulk": ("projects", "project"),
    "project-complete": ("project",),
    "project-check-in": ("project",),
    "project-publish": ("project",),
    "project-survey": ("project",),
    "project-hand-over": ("project",),
    "api-project-photos": ("project",),
    "qa-bulk-approve": ("qa-queue",),
    "photo-approve": ("qa-photo",),
    "photo-reject": ("qa-photo",),
    "photo-move": ("qa-photo",),
    "photo-discard": ("project",),
    "relays-republish": ("relays", "project"),
    "integration-new": ("integration-new", "integration-new?kind=share"),
    "integration": ("integration",),
    "integration-validate": ("integration",),
    "integration-apply": ("integration",),
    "integration-refresh": ("integration",),
    "share-new": ("shares",),
    "share-settings": ("share",),
    "share-revoke": ("share",),
    "share-hand-over": ("share",),
    "share-take-back": ("share",),
    "addon-new": ("addons",),
    "addon-settings": ("addon",),
    "addon-delete": ("addon",),
    "delivery-redeliver": ("addon",),
    "api-key-new": ("addons",),
    "api-key-revoke": ("addons",),
}
ANONYMOUS = {"login"}
# Routes whose success is a page of its own rather than a redirect: the new share key is shown once.
DONE_WITH_200 = {"share-new", "addon-new", "api-key-new"}
DONE_WITH_201 = {"api-project-photos"}
# Routes with a form HTMX posts (hx-post), fuzzed again with HX-Request: true. An HTMX answer is a partial;
# a 200 one is a success unless it shows an error (role="alert"): a refused survey save is the form again.
HTMX = {"project-survey", "integration-refresh"}
ERROR_SHOWN = 'role="alert"'

TOO_LONG = "x" * 10_000
HOSTILE = [
    "",
    TOO_LONG,
    "\x00",
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "NaN",
    "not-a-number",
    "2026-13-45",
    "²",  # str.isdigit() says yes, int() says no
]
# The kind of row a field names, for the value "a row of account B"; "ids" depends on the route.
REFERENCES = {
    "assignee": "user",
    "default_assignee": "user",
    "task": "task",
    "share": "share",
    "projects": "project",
    "project": "project",
    "api_key": "api_key",
}
IDS_OF = {"projects-bulk": "project", "qa-bulk-approve": "photo", "relays-republish": "relay_item"}


def _image() -> io.BytesIO:
    handle = io.BytesIO(make_jpeg(64, 48))
    handle.name = "fuzz.jpg"
    return handle


def _not_an_image() -> io.BytesIO:
    handle = io.BytesIO(b"%PDF-1.4 not a photo at all\n" * 20)
    handle.name = "fuzz.jpg"
    return handle


def _truncated_jpeg() -> io.BytesIO:
    data = make_jpeg(64, 48)
    handle = io.BytesIO(data[: len(data) // 2])
    handle.name = "fuzz.jpg"
    return handle


BAD_FILES = {"not an image": _not_an_image, "truncated JPEG": _truncated_jpeg}


# Reading forms from a page


@dataclass
class Input:
    kind: str  # the input's type ("select", "textarea" for those)
    name: str
    value: str | None
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # a select's (value, selected)


@dataclass
class Form:
    action: str | None  # None: the page's own URL
    method: str
    htmx: bool = False  # posted by HTMX (hx-post)
    inputs: list[Input] = field(default_factory=list)


class FormParser(HTMLParser):
    """The page's forms with their named controls; the photo upload form (posted by script to its
    data-upload-url) counts as a POST form to that URL."""

    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Input | None = None
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            upload = a.get("data-upload-url")
            method = "post" if upload else (a.get("method") or "get").lower()
            self._form = Form(action=upload or a.get("action") or None, method=method, htmx="hx-post" in a)
            self.forms.append(self._form)
        elif self._form is None or (not a.get("name") and tag != "option"):
            return
        elif tag in ("input", "button"):
            kind = a.get("type") or ("text" if tag == "input" else "submit")
            self._form.inputs.append(Input(kind, a["name"], a.get("value"), "checked" in a))
        elif tag == "select":
            self._select = Input("select", a["name"], None)
            self._form.inputs.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select.options.append(self._option)
        elif tag == "textarea":
            self._form.inputs.append(Input("textarea", a["name"], ""))

    def handle_data(self, data):
        if self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            value, selected, text = self._option
            self._select.options[-1] = (text.strip() if value is None else value, selected)
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    return [form for form in parser.forms if form.method == "post"]


def route_name(url: str) -> str | None:
    try:
        return resolve(url.split("?", 1)[0]).url_name
    except Resolver404:
        return None


# The fuzz


@dataclass
class Site:
    a: object
    b: object
    foreign: dict[str, str]  # kind of row: one of B's, as a form names it
    routes: dict
    sandbox_url: str
    counter: itertools.count = field(default_factory=itertools.count)

    def reset_user(self) -> User:
        # A's coordinator resets a password: the owner's session stays signed in.
        return User.objects.get(pk=self.a.ids["user"])

    def page_url(self, page: str) -> str:
        name, _, query = page.partition("?")
        url = self.routes[name].url(self.a.ids, reset_link(self.reset_user()))
        return f"{url}?{query}" if query else url

    def fill(self, route: str, control: Input) -> str:
        """What a person types into an empty control: valid, and unique where the form wants it so."""
        n = next(self.counter)
        if route == "login" and control.name == "username":
            return self.a.owner.email
        if control.name == "share_key":
            return "shr_" + "k" * 40
        return {
            "email": f"fuzz-{n}@example.test",
            "password": PASSWORD,
            "url": self.sandbox_url,
            "number": "1",
            "date": "2030-01-02",
        }.get(control.kind, f"Fuzz {n}")

    def foreign_value(self, route: str, name: str) -> str:
        """A row of account B of the kind the field names (any of B's rows for a field naming none)."""
        if name.startswith("q:"):
            return self.foreign["photo_serial"]  # what a photo question names; mere text to the others
        kind = IDS_OF.get(route) if name == "ids" else REFERENCES.get(name)
        return self.foreign[kind or "project"]


@pytest.fixture
def site(sandbox, vendor) -> Site:
    """A and B from make_tenant, and on A what makes every form render: a survey with a question of every
    answer type, a second share key, the project handed to the first (the take-back forms), and an imported
    open project to hand over."""
    a = make_tenant(AccountFactory(), "ALPHA-FUZZ")
    b = make_tenant(AccountFactory(), "BRAVO-FUZZ")
    integration = Integration.objects.get(pk=a.ids["integration"])
    integration.base_url = sandbox.url
    integration.set_credentials({"username": vendor[0], "password": vendor[1]})
    integration.save()
    questions = [
        {"id": "note", "answerType": "text", "label": "Note"},
        {"id": "count", "answerType": "number", "label": "Count"},
        {"id": "when", "answerType": "date", "label": "When"},
        {"id": "secured", "answerType": "yesNo", "label": "Secured?"},
        {"id": "occupancy", "answerType": "choice", "label": "Occupancy", "choices": ["Vacant", "Occupied"]},
        {"id": "proof", "answerType": "photo", "label": "Proof"},
    ]
    Survey.objects.filter(pk=a.ids["survey"]).update(questions=normalize_template(questions))
    actor = Actor.for_user(a.owner)
    share_create(actor=actor, name="ALPHA-FUZZ second sub")
    project_hand_over(
        project=Project.objects.get(pk=a.ids["project"]),
        link=ShareLink.objects.get(pk=a.ids["share"]),
        actor=actor,
    )
    # The owner is the project's crew, with a photo held for them (QA in Field): the Delete form renders.
    project = Project.objects.get(pk=a.ids["project"])
    Project.objects.filter(pk=project.pk).update(assignee=a.owner, check_in_required=True)
    CheckIn.objects.filter(project=project).delete()  # not checked in yet: the Check In form renders
    photo_row(Photo.objects.get(pk=a.ids["photo"]).task, 7, status="held").save()
    imported = project_create(actor=actor, name="ALPHA-FUZZ imported", tasks=["Lock"], zip="78701")
    Project.objects.filter(pk=imported.pk).update(integration=integration, source_ref="FUZZ-1")
    for tenant in (a, b):
        tenant.ids["relay_item"] = RelayItem.objects.get(project_id=tenant.ids["project"]).pk
    foreign = {kind: str(pk) for kind, pk in b.ids.items()}
    foreign["photo_serial"] = str(Photo.objects.get(pk=b.ids["photo"]).serial)
    routes = {route.name: route for route in site_routes()}
    return Site(a, b, foreign, routes, sandbox.url)


Body = dict[str, list]  # name: values, each a string or a function making a fresh file


@dataclass
class Choices:
    """The values a checkbox, radio or select field offers: anything else (empty aside) is refused. A field
    of ticked boxes is read whole; another by its last value, as QueryDict.get and Django's forms do."""

    offered: set[str]
    many: bool

    def refuses(self, values: list) -> bool:
        read = values if self.many else values[-1:]
        return any(value not in self.offered and value != "" for value in read)


def baseline(site: Site, route: str, form: Form) -> tuple[Body, dict[str, Choices]]:
    """What a browser sends for the form as rendered, empty text filled in and every box ticked (a valid
    submission, so that each hostile value is the one thing wrong), and the choices each field offers."""
    body: Body = {}
    choices: dict[str, Choices] = {}
    for control in form.inputs:
        name, kind = control.name, control.kind
        if name == "csrfmiddlewaretoken":
            continue
        if kind == "checkbox" and control.value is not None:
            body.setdefault(name, []).append(control.value)
            choices.setdefault(name, Choices(set(), many=True)).offered.add(control.value)
        elif kind == "checkbox":
            if control.checked:
                body[name] = ["on"]
        elif kind == "radio":
            if control.checked or name not in body:
                body[name] = [control.value or ""]
            choices.setdefault(name, Choices(set(), many=False)).offered.add(control.value or "")
        elif kind == "select":
            chosen = [v for v, selected in control.options if selected]
            body[name] = (chosen or [v for v, _ in control.options if v] or [""])[:1]
            choices[name] = Choices({v for v, _ in control.options}, many=False)
        elif kind in ("submit", "button"):
            body.setdefault(name, [control.value or ""])  # the first button is the one clicked
        elif kind == "file":
            body[name] = [_image]
        elif kind == "hidden":
            body[name] = [control.value or ""]
        else:
            body[name] = [control.value or site.fill(route, control)]
    return body, choices


def variants(site: Site, route: str, body: Body):
    """(label, name, body): each field in turn made hostile, or left out."""
    if not body:  # an action without fields: still nothing breaks with some it does not expect
        for value in ("\x00", TOO_LONG, ["1", "2"]):
            label = f"unexpected={value!r:.20}"
            yield label, "unexpected", {"unexpected": value if isinstance(value, list) else [value]}
        return
    for name, values in body.items():
        if any(callable(v) for v in values):
            hostile = {label: [make] for label, make in BAD_FILES.items()}
            hostile["a good file and a truncated one"] = [_image, _truncated_jpeg]
            hostile["text for a file"] = ["not a file"]
        else:
            foreign = site.foreign_value(route, name)
            hostile = {repr(v)[:24]: [v] for v in HOSTILE}
            hostile["B's row"] = [foreign]
            hostile["[A's, B's]"] = [*values, foreign]
            hostile["[B's, A's]"] = [foreign, *values]
            hostile["[A's, junk]"] = [*values, "not-a-number"]  # refused whole, not acted on in part
        for label, value in hostile.items():
            yield f"{name}={label}", name, {**body, name: value}
        yield f"{name} left out", name, {k: v for k, v in body.items() if k != name}


def files() -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    )


@dataclass
class State:
    a: dict  # A's rows (tests/api/test_tenancy_walk.py snapshot)
    b: dict
    files: list[str]  # under MEDIA_ROOT

    @classmethod
    def of(cls, site: Site) -> State:
        return cls(snapshot(site.a.account), snapshot(site.b.account), files())


def tuples_written() -> int | None:
    """Rows this transaction has inserted, updated or deleted so far, sessions aside (PostgreSQL counts them
    as it goes, rolled-back ones included); None elsewhere. Equal counts around a request mean it wrote
    nothing, which spares comparing every row."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables"
            " WHERE relname <> 'django_session'"
        )
        return cursor.fetchone()[0]


@dataclass
class Answer:
    response: object
    done: bool  # a success: what it changed in A's rows is what was asked for
    problem: str  # what is wrong, whatever the outcome: a 500, an unexpected status, B's rows changed
    changed: str = ""  # of a refusal: what it changed in A's rows or files all the same


def post(site: Site, client: Client, route: str, url: str, body: Body, before: State, htmx: bool) -> Answer:
    """POST the body in a savepoint that is then rolled back, so that every variant meets the same rows (one
    that succeeds would otherwise spoil those after it: a revoked key, a project already closed). ``htmx``:
    as HTMX posts it."""
    data = {name: [v() if callable(v) else v for v in values] for name, values in body.items()}
    client.cookies.pop("messages", None)  # only this request's messages count
    limits.CACHE.clear()  # each variant is a first try, not the umpteenth sign-in the page now limits
    written = tuples_written()
    savepoint = transaction.savepoint()
    try:
        response = client.post(url, data, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
        answer = Answer(response, *(htmx_outcome if htmx else outcome)(route, response))
        if response.status_code >= 500:  # PostgreSQL may refuse to read on; the 500 says enough
            return answer
        wrote = written is None or tuples_written() != written
        if wrote and snapshot(site.b.account) != before.b:
            answer.problem = "changed account B's rows"
        if not answer.done:
            after = snapshot(site.a.account) if wrote else before.a
            changed = [kind for kind in before.a if before.a[kind] != after[kind]]
            changed += [f"file {name}" for name in sorted(set(files()) ^ set(before.files))]
            answer.changed = ", ".join(changed)
        return answer
    finally:
        transaction.savepoint_rollback(savepoint)
        # What a success stored stays on disk after the rollback; it is not what this walk looks for.
        for name in set(files()) - set(before.files):
            os.remove(os.path.join(settings.MEDIA_ROOT, name))


def outcome(route: str, response) -> tuple[bool, str]:
    """(done, what is wrong with the answer, if anything)."""
    status = response.status_code
    if status >= 500:
        exc = getattr(response, "exc_info", None)
        return False, f"{status} ({exc[0].__name__}: {str(exc[1])[:200]})" if exc else str(status)
    if status not in (200, 201, 302, 400, 403, 404):
        return False, f"answered {status}"
    if status == 302:
        errors = [m for m in get_messages(response.wsgi_request) if m.level >= message_levels.ERROR]
        return not errors, ""
    if status == 200:
        return route in DONE_WITH_200 or route in DONE_WITH_201, ""
    if status == 201:
        return True, "" if route in DONE_WITH_201 else "answered 201"
    return False, ""


def htmx_outcome(route: str, response) -> tuple[bool, str]:
    """``outcome`` of an answer to HTMX: a partial to swap in, a success unless it shows an error."""
    status = response.status_code
    if status >= 500 or status not in (200, 302):
        return outcome(route, response)
    content = response.content.decode()
    if status == 302:
        return False, f"redirected to {response['Location']} (HTMX would swap that whole page in)"
    if "<html" in content:
        return False, "answered a whole page, not a partial"
    done = ERROR_SHOWN not in content
    if route == "project-survey" and not done and 'class="msg error"' not in content:
        return False, "refused without showing the form's errors"
    return done, ""


def forms_to_fuzz(site: Site, client: Client, route: str, htmx: bool = False) -> list[tuple[str, Form]]:
    """The distinct forms that post to ``route`` on its pages, each with the URL it posts to; ``htmx``: only
    those HTMX posts."""
    found, seen = [], set()
    for page in FORMS[route]:
        response = client.get(site.page_url(page), follow=True)
        assert response.status_code == 200, f"{page}: {response.status_code}"
        here = response.wsgi_request.path
        for form in forms_of(response.content.decode()):
            url = form.action or here
            key = (url, frozenset(control.name for control in form.inputs))
            if route_name(url) == route and key not in seen and (form.htmx or not htmx):
                seen.add(key)
                found.append((url, form))
    return found


@pytest.fixture
def fresh_messages(settings):
    # Cookie-only messages: a message too big for the cookie never spills into the session, where it would
    # be read back as if the next request had said it.
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"


@pytest.mark.parametrize(
    "route, htmx",
    [pytest.param(route, False, id=route) for route in sorted(FORMS)]
    + [pytest.param(route, True, id=f"{route}-htmx") for route in sorted(HTMX)],
)
def test_form_refuses_bad_input(site, fresh_messages, route, htmx):
    anonymous = route in ANONYMOUS
    client = Client(raise_request_exception=False)

    def session_key():
        cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
        return cookie.value if cookie else None

    def sign_in():
        client.logout()
        if not anonymous:
            client.force_login(User.objects.get(pk=site.a.owner.pk))
        return State.of(site), session_key()

    before, signed_in = sign_in()
    forms = forms_to_fuzz(site, client, route, htmx)
    assert forms, f"no {'HTMX ' if htmx else ''}form on {FORMS[route]} posts to {route}"
    failures: list[str] = []
    for url, form in forms:
        body, choices = baseline(site, route, form)
        for label, name, variant in [("as rendered", "", body), *variants(site, route, body)]:
            if route == "password_reset_confirm":  # the token rides in the session: a fresh link each time
                url = client.get(site.page_url(route), follow=True).wsgi_request.path
            answer = post(site, client, route, url, variant, before, htmx)
            status = answer.response.status_code
            if answer.problem:
                failures.append(f"POST {url} {label}: {answer.problem}")
            elif answer.changed:
                failures.append(f"POST {url} {label}: refused ({status}) but changed {answer.changed}")
            elif answer.done and name in choices and choices[name].refuses(variant.get(name, [])):
                failures.append(f"POST {url} {label}: a value the form does not offer was taken ({status})")
            if session_key() != signed_in:  # signed up, in or out: the rollback left the cookie behind
                before, signed_in = sign_in()
    assert not failures, f"{route}:\n" + "\n".join(failures)


def test_every_form_is_fuzzed(site):
    """Every form a page renders posts to a route of FORMS (of HTMX too if HTMX posts it), and every action
    is in FORMS."""
    owner, anonymous = Client(), Client()
    owner.force_login(site.a.owner)
    unknown, htmx = set(), set()
    for name, (_, kind) in PAGES.items():
        if kind != GET:
            continue
        client = anonymous if name in ANONYMOUS else owner
        response = client.get(site.page_url(name), follow=True)
        for form in forms_of(response.content.decode()):
            route = route_name(form.action or response.wsgi_request.path)
            if route not in FORMS:
                unknown.add(f"{route} (on {name})")
            if form.htmx:
                htmx.add(route)
    assert not unknown, f"forms this walk does not fuzz: {sorted(unknown)}; add them to FORMS"
    assert htmx == HTMX, f"forms HTMX posts: {sorted(htmx)}; HTMX names {sorted(HTMX)}"
    actions = {name for name, (_, kind) in PAGES.items() if kind == POST_ONLY}
    assert not actions - set(FORMS), f"actions without a form in FORMS: {sorted(actions - set(FORMS))}"


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_candidate_search_refuses_bad_input(site, htmx):
    """The share page's search box (a GET form HTMX sends as one types): hostile terms are never a 5xx, with
    HTMX the answer is the list alone, and a term the database cannot compare (a NUL byte) is an error."""
    client = Client(raise_request_exception=False)
    client.force_login(site.a.owner)
    url = site.page_url("share")
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    failures = []
    for term in [*HOSTILE, site.foreign["project"]]:
        response = client.get(url, {"q": term}, **headers)
        content = response.content.decode()
        if response.status_code != 200:
            failures.append(f"q={term!r:.24}: {response.status_code}")
        elif htmx and "<html" in content:
            failures.append(f"q={term!r:.24}: a whole page, not the list")
        elif "\x00" in term and ERROR_SHOWN not in content:
            failures.append(f"q={term!r:.24}: no error shown")
    assert not failures, "\n".join(failures)
