"""Errors the server raises on purpose; one middleware turns each into one JSON shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ApiError(Exception):
    """A request that cannot be served, with the status and every problem found."""

    def __init__(
        self, status: int, message: str, errors: Sequence[Mapping[str, object]] = ()
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = [dict(e) for e in errors] or [{"message": message}]
        self.headers: dict[str, str] = {}

    def with_retry_after(self, seconds: int) -> ApiError:
        self.headers["Retry-After"] = str(seconds)
        return self


class Conflict(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(409, message)


class NotFound(ApiError):
    def __init__(self, message: str = "not found") -> None:
        super().__init__(404, message)
