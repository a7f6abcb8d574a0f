"""A thin HTTP client of the FAStrack API (DESIGN.md §6). It maps HTTP outcomes to the source errors and
knows nothing about projects. Reads are retried on connection trouble; writes never are here (the relay
retries them, by serial, with its own backoff)."""

from __future__ import annotations

import logging

import requests
from urllib3.util.retry import Retry

from config.netsafety import PublicOnlyAdapter, UnsafeUrl, check_url

from ..base import AuthError, RejectedError, SourceError, TransientError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
UPLOAD_READ_TIMEOUT = 60


class FAStrackClient:
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        read_timeout: float = READ_TIMEOUT,
        upload_timeout: float = UPLOAD_READ_TIMEOUT,
    ):
        self.base_url = base_url.rstrip("/")
        self.read_timeout = read_timeout
        self.upload_timeout = upload_timeout
        self.session = requests.Session()
        self.session.auth = (username, password)
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = "Vendordesk/1.0"
        # Only idempotent reads are retried by the adapter: a retried POST could store a photo twice.
        retry = Retry(
            total=2,
            connect=2,
            read=1,
            status=2,
            backoff_factor=0.3,
            status_forcelist=(502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
        )
        # Straight to FAStrack (no environment proxy), each connection checked where it landed.
        self.session.trust_env = False
        self.session.mount("http://", PublicOnlyAdapter(max_retries=retry, pool_maxsize=4))
        self.session.mount("https://", PublicOnlyAdapter(max_retries=retry, pool_maxsize=4))

    def close(self) -> None:
        self.session.close()

    # --- calls -------------------------------------------------------------------------------------------

    def ping(self) -> dict:
        return self._json("GET", "/api/v1/ping")

    def list_workorders(self, *, after: str | None, limit: int) -> dict:
        params = {"limit": limit}
        if after is not None:
            params["after"] = after
        return self._json("GET", "/api/v1/workorders", params=params)

    def get_workorder(self, number: str) -> dict | None:
        """The order, or None when FAStrack does not know it (404)."""
        return self._json("GET", f"/api/v1/workorders/{number}", not_found_ok=True)

    def get_form(self, form_id: str, version: int) -> dict:
        return self._json("GET", f"/api/v1/forms/{form_id}", params={"version": version})

    def post_photo(self, number: str, *, fields: dict, file_name: str, file_obj, content_type: str) -> dict:
        return self._json(
            "POST",
            f"/api/v1/workorders/{number}/photos",
            data=fields,
            files={"file": (file_name, file_obj, content_type)},
            read_timeout=self.upload_timeout,
        )

    def post_json(self, path: str, body: dict) -> dict:
        return self._json("POST", path, json=body)

    # --- plumbing ----------------------------------------------------------------------------------------

    def _json(
        self,
        method: str,
        path: str,
        *,
        not_found_ok: bool = False,
        read_timeout: float | None = None,
        **kwargs,
    ):
        url = self.base_url + path
        try:
            check_url(url)  # again before each request: DNS can change after the URL was saved
        except UnsafeUrl as exc:
            raise SourceError(f"FAStrack's address is not allowed: {exc}") from exc
        try:
            response = self.session.request(
                method,
                url,
                timeout=(CONNECT_TIMEOUT, read_timeout or self.read_timeout),
                # A redirect could lead anywhere, private addresses included, with our credentials.
                allow_redirects=False,
                **kwargs,
            )
        except UnsafeUrl as exc:  # the connection landed on a private address (DNS rebinding)
            raise SourceError(f"FAStrack's address is not allowed: {exc}") from exc
        except requests.Timeout as exc:
            raise TransientError(f"FAStrack did not answer in time ({method} {path}).") from exc
        except requests.ConnectionError as exc:
            # After its retries urllib3 reports a read timeout as a connection error.
            if "Read timed out" in str(exc):
                raise TransientError(f"FAStrack did not answer in time ({method} {path}).") from exc
            raise TransientError(f"FAStrack could not be reached: {exc.__class__.__name__}.") from exc
        except requests.RequestException as exc:
            raise TransientError(f"FAStrack could not be reached: {exc.__class__.__name__}.") from exc

        body = _body(response)
        if response.status_code == 401:
            raise AuthError()
        if response.status_code == 404 and not_found_ok:
            return None
        if response.status_code >= 500:
            if body.get("error") == "FILE_SAVE_FAILED":
                raise TransientError("File Save Failed", status=response.status_code, file_save_failed=True)
            raise TransientError(
                f"FAStrack answered {response.status_code}: {_message(body, response)}",
                status=response.status_code,
            )
        if 300 <= response.status_code < 400:
            raise SourceError(
                f"FAStrack answered {response.status_code}, a redirect to "
                f"{response.headers.get('Location', 'nowhere')!r}; redirects are not followed.",
                status=response.status_code,
            )
        if response.status_code >= 400:
            raise RejectedError(
                _message(body, response), status=response.status_code, code=body.get("error", "")
            )
        return body


def _body(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"value": body}


def _message(body: dict, response) -> str:
    return str(body.get("message") or body.get("error") or response.reason or response.status_code)
