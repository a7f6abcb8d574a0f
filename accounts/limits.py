"""Rate limits of the pages anyone can post to: signing in (failed tries per e-mail and per address), the
password-reset e-mail (per e-mail and per address) and sign-up (per address). Counts live in the cache for a
window that starts with the first try; a page over its limit answers 429 without looking at the password.

The API's token sign-in has its own DRF throttles (accounts/throttles.py). Addresses are REMOTE_ADDR (or one
proxy hop when BEHIND_PROXY, as DRF's ``NUM_PROXIES``), never a header a client chooses."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache as default_cache
from rest_framework.throttling import BaseThrottle

# Tests swap this for a cache of their own (the root conftest.py).
CACHE = default_cache


def client_address(request) -> str:
    """The address the API's throttles count by (DRF's ``get_ident``, ruled by ``NUM_PROXIES``): one rule."""
    return BaseThrottle().get_ident(request)


@dataclass(frozen=True)
class Limit:
    """At most ``tries`` counted events per ``window`` seconds for one key (an e-mail or an address)."""

    name: str
    tries: int
    window: int

    def _key(self, ident: str) -> str:
        # A digest: any input makes a valid key, and no address or e-mail is kept in the cache.
        return f"limit:{self.name}:{hashlib.sha256(ident.strip().lower().encode()).hexdigest()}"

    def reached(self, ident: str) -> bool:
        return bool(ident) and (CACHE.get(self._key(ident)) or 0) >= self.tries

    def count(self, ident: str) -> None:
        if not ident:
            return
        key = self._key(ident)
        if not CACHE.add(key, 1, self.window):
            try:
                CACHE.incr(key)
            except ValueError:  # expired between add and incr: start again
                CACHE.add(key, 1, self.window)

    def forget(self, ident: str) -> None:
        if ident:
            CACHE.delete(self._key(ident))


SIGN_IN_PER_EMAIL = Limit("sign-in-email", tries=10, window=15 * 60)
SIGN_IN_PER_ADDRESS = Limit("sign-in-address", tries=50, window=15 * 60)
RESET_PER_EMAIL = Limit("reset-email", tries=3, window=60 * 60)
RESET_PER_ADDRESS = Limit("reset-address", tries=20, window=60 * 60)
SIGN_UP_PER_ADDRESS = Limit("sign-up-address", tries=10, window=60 * 60)
