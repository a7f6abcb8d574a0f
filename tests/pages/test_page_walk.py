"""Every named page of the back office (every URL pattern outside api/, admin/ and static), as every kind of
caller: anonymous, a field user, a coordinator, an admin and the owner of account A, and the owner of
another account B. The pages' ids are real rows of A (tests/api/conftest.py ``make_tenant``).

- Never a 500.
- Roles are enforced on the server (accounts/decorators.py ``role_required``): a role below a page's
  minimum gets 403 for GET and POST alike; anonymous callers are sent to sign in.
- Another account's ids answer 404, and no page shows A's rows to B.
- A field user reaches only their own projects: another project of A answers 404 (or 403 when the page is
  above their role).
- Nothing a refused request sends changes A's rows.

A new named URL fails the walk until it is added to PAGES with its minimum role; a path parameter after an
unknown segment fails until it is added to RESOURCES.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.actors import Actor
from accounts.models import ROLE_RANK, Role, User
from integrations.models import Integration, RelayItem
from projects.services import project_create
from tests.api.conftest import make_tenant
from tests.api.test_tenancy_walk import snapshot
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed-in"  # any signed-in user (Django's password change)
GET, POST_ONLY = "get", "post-only"  # pages answer GET (forms also POST); actions answer POST only

# name: (who may open it, GET page or POST-only action). Keep in step with the views' decorators.
PAGES: dict[str, tuple[str, str]] = {
    "healthz": (PUBLIC, GET),
    "signup": (PUBLIC, GET),
    "login": (PUBLIC, GET),
    "logout": (PUBLIC, POST_ONLY),
    "password_change": (SIGNED_IN, GET),
    "password_change_done": (SIGNED_IN, GET),
    "password_reset": (PUBLIC, GET),
    "password_reset_done": (PUBLIC, GET),
    "password_reset_confirm": (PUBLIC, GET),
    "password_reset_complete": (PUBLIC, GET),
    "team": (Role.ADMIN, GET),
    "team-member": (Role.ADMIN, GET),
    "team-member-password": (Role.ADMIN, GET),
    "dashboard": (Role.FIELD, GET),
    "projects": (Role.FIELD, GET),
    "projects-bulk": (Role.COORDINATOR, POST_ONLY),
    "project": (Role.FIELD, GET),
    "project-complete": (Role.FIELD, POST_ONLY),
    "project-check-in": (Role.FIELD, POST_ONLY),
    "project-publish": (Role.COORDINATOR, POST_ONLY),
    "project-survey": (Role.FIELD, POST_ONLY),
    "project-portal": (Role.COORDINATOR, GET),
    "project-history": (Role.FIELD, GET),
    "qa-queue": (Role.COORDINATOR, GET),
    "qa-photo": (Role.COORDINATOR, GET),
    "qa-bulk-approve": (Role.COORDINATOR, POST_ONLY),
    "photo-approve": (Role.COORDINATOR, POST_ONLY),
    "photo-reject": (Role.COORDINATOR, POST_ONLY),
    "photo-move": (Role.COORDINATOR, POST_ONLY),
    "photo-discard": (Role.FIELD, POST_ONLY),
    "relays": (Role.COORDINATOR, GET),
    "relays-republish": (Role.COORDINATOR, POST_ONLY),
    "integrations": (Role.ADMIN, GET),
    "integration-new": (Role.ADMIN, GET),
    "integration": (Role.ADMIN, GET),
    "integration-validate": (Role.ADMIN, POST_ONLY),
    "integration-apply": (Role.ADMIN, POST_ONLY),
    "integration-refresh": (Role.ADMIN, POST_ONLY),
    "integration-log": (Role.ADMIN, GET),
    "refresh-run": (Role.ADMIN, GET),
    "shares": (Role.COORDINATOR, GET),
    "share-new": (Role.ADMIN, POST_ONLY),
    "share": (Role.COORDINATOR, GET),
    "share-settings": (Role.ADMIN, POST_ONLY),
    "share-revoke": (Role.ADMIN, POST_ONLY),
    "share-hand-over": (Role.COORDINATOR, POST_ONLY),
    "share-take-back": (Role.COORDINATOR, POST_ONLY),
    "project-hand-over": (Role.COORDINATOR, POST_ONLY),
    "addons": (Role.ADMIN, GET),
    "addon-new": (Role.ADMIN, POST_ONLY),
    "addon": (Role.ADMIN, GET),
    "addon-settings": (Role.ADMIN, POST_ONLY),
    "addon-delete": (Role.ADMIN, POST_ONLY),
    "delivery-redeliver": (Role.ADMIN, POST_ONLY),
    "api-key-new": (Role.ADMIN, POST_ONLY),
    "api-key-revoke": (Role.ADMIN, POST_ONLY),
}
# Pages that redirect where others render: a signed-in user is sent on from the sign-in page, and a reset
# link moves its token into the session before showing the form.
REDIRECTS = {"login": "/", "password_reset_confirm": r"/reset/[\w-]+/set-password/"}
# The literal segment before an id names the kind of row it is.
RESOURCES = {
    "projects": "project",
    "surveys": "survey",
    "qa": "photo",
    "photos": "photo",
    "team": "user",
    "integrations": "integration",
    "refresh-runs": "run",
    "shares": "share",
    "addons": "addon",
    "deliveries": "delivery",
    "api-keys": "api_key",
}
# What an action naming rows in its form is sent: A's rows, so that B's owner cannot reach them through a
# body either (posted to B's own rows where the path names one).
BODIES = {
    "projects-bulk": lambda ids: {"action": "close", "ids": [ids["project"]]},
    "qa-bulk-approve": lambda ids: {"ids": [ids["photo"]]},
    "relays-republish": lambda ids: {"ids": [ids["relay_item"]]},
    "photo-move": lambda ids: {"task": ids["task"], "evidence_type": "after"},
    "share-hand-over": lambda ids: {"projects": [ids["project"]]},
    "share-take-back": lambda ids: {"project": ids["project"]},
    "project-hand-over": lambda ids: {"share": ids["share"]},
}
EXCLUDED = re.compile(r"^(api/|admin/|static/)")
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    name: str
    route: str  # "projects/<int:pk>/surveys/<int:survey_id>"

    @property
    def resources(self) -> list[str]:
        """The kind of row of each id in the path, in order."""
        segments = self.route.strip("/").split("/")
        kinds = []
        for index, segment in enumerate(segments):
            if not PARAM.fullmatch(segment):
                continue
            owner = segments[index - 1] if index else ""
            if owner == "reset" or segments[index - 2 : index - 1] == ["reset"]:
                continue  # the reset link's uid and token: filled for the caller, not a row of A
            assert owner in RESOURCES, (
                f"{self.route}: no row for {segment} after {owner!r}; add it to RESOURCES"
            )
            kinds.append(RESOURCES[owner])
        return kinds

    def url(self, ids: dict, reset: tuple[str, str]) -> str:
        values = iter([ids[kind] for kind in self.resources])

        def fill(match):
            if match[1] == "uidb64":
                return reset[0]
            if match[1] == "token":
                return reset[1]
            return str(next(values))

        return "/" + PARAM.sub(fill, self.route)


def site_routes() -> list[Route]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield Route(pattern.name, prefix + str(pattern.pattern))

    routes = {}
    for route in walk(get_resolver().url_patterns):
        if not EXCLUDED.match(route.route):
            routes.setdefault(route.name, route)  # login is in accounts/urls.py and Django's auth urls
    return list(routes.values())


def reset_link(user) -> tuple[str, str]:
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


@dataclass
class Caller:
    label: str
    client: Client
    user: User | None
    account_id: int | None

    def may(self, minimum: str) -> bool:
        if minimum == PUBLIC:
            return True
        if self.user is None:
            return False
        return minimum == SIGNED_IN or ROLE_RANK[self.user.role] >= ROLE_RANK[minimum]


@pytest.fixture
def site(sandbox, vendor):
    """Account A with a row of every kind (its integration at the sandbox, so Validate answers at once), a
    second project of A not assigned to A's field user, and account B with rows of its own."""
    a = make_tenant(AccountFactory(), "ALPHA-WALK")
    b = make_tenant(AccountFactory(), "BRAVO-WALK")
    integration = Integration.objects.get(pk=a.ids["integration"])
    integration.base_url = sandbox.url
    integration.set_credentials({"username": vendor[0], "password": vendor[1]})
    integration.save()
    a.ids["relay_item"] = RelayItem.objects.get(project_id=a.ids["project"]).pk
    unassigned = project_create(
        actor=Actor.for_user(a.owner), name="ALPHA-WALK other", tasks=["Fence"], zip="78701"
    )
    a.unassigned_ids = {**a.ids, "project": unassigned.pk}
    return a, b


def caller_of(label: str, site) -> Caller:
    a, b = site
    users = {
        "anonymous": lambda: None,
        "owner": lambda: a.owner,
        "admin": lambda: UserFactory(account=a.account, role=Role.ADMIN, full_name="Walk admin"),
        "coordinator": lambda: User.objects.get(pk=a.ids["user"]),
        "field": lambda: a.field_user,
        "stranger": lambda: b.owner,
    }
    user = users[label]()
    client = Client()
    if user is not None:
        client.force_login(user)
    return Caller(label, client, user, user.account_id if user else None)


CALLERS = ["anonymous", "field", "coordinator", "admin", "owner", "stranger"]


def _expected_get(caller: Caller, route: Route, minimum: str, kind: str, foreign: bool) -> tuple[int, ...]:
    if kind == POST_ONLY:
        return (405,)
    if caller.user is None and not caller.may(minimum):
        return (302,)  # to sign in
    if not caller.may(minimum):
        return (403,)
    if foreign:
        return (404,)
    if route.name == "healthz":
        return (200, 503)  # 503 only says the broker is down: not the page's fault
    if route.name in REDIRECTS and (route.name != "login" or caller.user is not None):
        return (302,)
    return (200,)


def _goes_where_it_should(caller: Caller, route: Route, method: str, where: str) -> bool:
    """A redirect leads anonymous callers to sign in, and REDIRECTS where they say; others anywhere."""
    if caller.user is None and not caller.may(PAGES[route.name][0]):
        return where.startswith("/login/?next=")
    if method == "get" and route.name in REDIRECTS:
        return re.fullmatch(REDIRECTS[route.name], where) is not None
    return True


def _body(route: Route, ids: dict) -> dict:
    return BODIES[route.name](ids) if route.name in BODIES else {}


def _refused(caller: Caller, minimum: str, foreign: bool) -> tuple[int, ...] | None:
    """What a POST of a caller who may not act answers, or None when the caller may."""
    if caller.user is None and not caller.may(minimum):
        return (302,)
    if not caller.may(minimum):
        return (403,)
    if foreign:
        return (404,)
    return None


@pytest.mark.parametrize("label", CALLERS)
def test_every_page_as_every_caller(site, label):
    a, b = site
    caller = caller_of(label, site)
    routes = site_routes()
    unknown = sorted(r.name for r in routes if r.name not in PAGES)
    assert not unknown, f"pages the walk does not know: {unknown}; add them to PAGES with their minimum role"
    stranger = caller.account_id == b.account.pk
    reset = reset_link(caller.user or a.owner)
    failures: list[str] = []

    def check(method: str, route: Route, expected: tuple[int, ...], body: dict | None = None, ids=None):
        url = route.url(ids or a.ids, reset)
        response = getattr(caller.client, method)(url, body or {})
        status, where = response.status_code, response.get("Location", "")
        if status not in expected:
            failures.append(f"{method.upper()} {url} ({route.name}): {status}, wanted {expected}")
        elif status == 302 and not _goes_where_it_should(caller, route, method, where):
            failures.append(f"{method.upper()} {url} ({route.name}): sent to {where}")
        if stranger and a.marker.encode() in response.content:
            failures.append(f"{method.upper()} {url}: shows account A's rows to B")
        return response

    before = snapshot(a.account)
    # GET every page; then POST, with A's rows in the body, everything this caller may not do.
    for route in routes:
        minimum, kind = PAGES[route.name]
        foreign = stranger and bool(route.resources)
        check("get", route, _expected_get(caller, route, minimum, kind, foreign))
    for route in routes:
        minimum, kind = PAGES[route.name]
        foreign = stranger and bool(route.resources)
        refused = _refused(caller, minimum, foreign)
        if refused is not None:
            check("post", route, refused, _body(route, a.ids))
    if stranger:
        # B's owner may act on B's rows, but a form naming A's rows reaches nothing of A's nor B's.
        before_b = snapshot(b.account)
        for route in routes:
            if route.name in BODIES:
                check("post", route, (302, 400, 403, 404), BODIES[route.name](a.ids), ids=b.ids)
        assert snapshot(b.account) == before_b, "a form naming account A's rows changed account B's"
    if label == "field":
        # Another project of A, not assigned to this field user: as if it did not exist.
        for route in routes:
            if "project" not in route.resources:
                continue
            minimum, kind = PAGES[route.name]
            expected = (403,) if not caller.may(minimum) else (404,)
            if kind == GET:
                check("get", route, expected, ids=a.unassigned_ids)
            check(
                "post",
                route,
                expected,
                _body(route, a.unassigned_ids),
                ids=a.unassigned_ids,
            )
    assert not failures, f"{label}:\n" + "\n".join(failures)
    assert snapshot(a.account) == before, f"a refused request of {label} changed account A's rows"

    # The actions this caller may take, with an empty form: refused or done, never a 500 and never a 403/404
    # for a role and rows that allow them. What ends others goes last: closing the project, revoking the share
    # key (after handing the project to it and taking it back), deleting the add-on (after redelivering its
    # delivery), signing out.
    allowed = [
        r
        for r in routes
        if PAGES[r.name][1] == POST_ONLY
        and caller.may(PAGES[r.name][0])
        and not (stranger and (r.resources or r.name in BODIES))
    ]
    last = ["projects-bulk", "share-revoke", "addon-delete", "logout"]
    for route in sorted(allowed, key=lambda r: last.index(r.name) if r.name in last else -1):
        expected = (302,) if route.name == "logout" else (200, 302, 400)
        check("post", route, expected, _body(route, a.ids))
    assert not failures, f"{label}:\n" + "\n".join(failures)
