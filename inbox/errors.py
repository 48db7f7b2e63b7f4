"""Domain errors. Services raise them; the web layer turns them into JSON {"error": {...}}."""

from __future__ import annotations

import math
from typing import Any


class AppError(Exception):
    """An error a caller can act on, with the HTTP status it maps to."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: Any = None, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers: dict[str, str] = {}
        if code is not None:
            self.code = code

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class HttpError(AppError):
    """A plain HTTP error (404 for an unknown path, 405...) in the JSON error shape."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, code=message.lower().replace(" ", "_"))
        self.status = status
        self.headers = dict(headers or {})


class BadRequest(AppError):
    status, code = 400, "bad_request"


class Unauthorized(AppError):
    status, code = 401, "unauthorized"


class Forbidden(AppError):
    status, code = 403, "forbidden"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class PayloadTooLarge(AppError):
    status, code = 413, "payload_too_large"


class Invalid(AppError):
    status, code = 422, "invalid"


class TooManyRequests(AppError):
    """Always says when to come back (`Retry-After`, whole seconds)."""

    status, code = 429, "too_many_requests"

    def __init__(self, message: str, retry_after: float, *, code: str | None = None) -> None:
        super().__init__(message, {"retry_after": math.ceil(retry_after)}, code=code)
        self.retry_after = max(1, math.ceil(retry_after))
        self.headers["Retry-After"] = str(self.retry_after)


class Upstream(AppError):
    """A platform we depend on failed or could not be reached."""

    status, code = 502, "upstream_error"
