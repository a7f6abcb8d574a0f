"""Who is acting: a user, an API key, or Vendordesk itself (the importer, the relay).

Every selector scopes by an Actor and every service records one on the ProjectEvent it writes. The API key's
Actor also stands in as ``request.user`` for key-authenticated requests, so it answers the few attributes
DRF and Django expect of a user.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import ROLE_RANK, Account, ApiKey, Role, User


class ActorKind:
    USER = "user"
    API_KEY = "api_key"
    IMPORT = "import"
    SYSTEM = "system"


@dataclass(frozen=True, eq=False)
class Actor:
    kind: str
    account: Account
    user: User | None = None
    api_key: ApiKey | None = None
    label: str = ""

    # What Django and DRF ask of request.user.
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls(ActorKind.USER, user.account, user=user, label=user.display_name)

    @classmethod
    def for_api_key(cls, key: ApiKey) -> Actor:
        return cls(ActorKind.API_KEY, key.account, api_key=key, label=f"API key {key.name}")

    @classmethod
    def importer(cls, account: Account, label: str) -> Actor:
        return cls(ActorKind.IMPORT, account, label=label)

    @classmethod
    def system(cls, account: Account, label: str = "Vendordesk") -> Actor:
        return cls(ActorKind.SYSTEM, account, label=label)

    @property
    def account_id(self) -> int:
        return self.account.pk

    @property
    def role(self) -> str:
        if self.user is not None:
            return self.user.role
        if self.api_key is not None:
            return self.api_key.role
        return Role.ADMIN  # the importer and the system act for the whole account

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def is_field(self) -> bool:
        return self.role == Role.FIELD


def as_actor(caller: User | ApiKey | Actor) -> Actor:
    """Accept what a view has in hand (request.user, an ApiKey, an Actor) and return the Actor."""
    if isinstance(caller, Actor):
        return caller
    if isinstance(caller, ApiKey):
        return Actor.for_api_key(caller)
    if isinstance(caller, User) and caller.is_authenticated and caller.account_id:
        return Actor.for_user(caller)
    raise PermissionError("This caller belongs to no account.")
