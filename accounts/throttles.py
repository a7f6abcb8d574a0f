"""Rate limits of signing in for a token: per client address, and per e-mail tried (credential stuffing
spreads over addresses, guessing one password over many tries). A limited caller gets DRF's 429 with
``Retry-After``, rendered as ``{"detail", "code": "throttled"}``."""

import hashlib

from rest_framework.throttling import SimpleRateThrottle


class TokenObtainAddressThrottle(SimpleRateThrottle):
    scope = "token_obtain_address"
    rate = "20/min"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenObtainEmailThrottle(SimpleRateThrottle):
    scope = "token_obtain_email"
    rate = "10/min"

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        email = data.get("email") or data.get("username")
        if not isinstance(email, str) or not email.strip():
            return None  # nothing to count against: the input is refused anyway
        # A digest: any characters make a valid cache key, and no address is kept in the cache.
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


TOKEN_OBTAIN_THROTTLES = (TokenObtainAddressThrottle, TokenObtainEmailThrottle)
