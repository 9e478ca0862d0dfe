"""The licensee's client credentials, and the one rule about where they may go.

RFC 6749 section 2.3.1: a confidential client authenticates to the token endpoint with HTTP
Basic. The secret is sent only to a licence server an RSL document names *and* the credentials
were given for: with ``--credentials FILE`` the file's keys are those servers; with
``--client-id/--client-secret`` the pair belongs to the first server that asks, and is refused
to any other. The secret is held in :class:`Secret`, whose ``repr`` and ``str`` hide it, so it
cannot reach a log line, an error message or a ledger row by accident.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

MASK: Final = "***"


class Secret:
    """A client secret or a token: readable only through :meth:`reveal`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    __str__ = __repr__


class CredentialsError(ValueError):
    """A credentials file or pair that cannot be used; the message never holds a secret."""


@dataclass(frozen=True, slots=True)
class Credential:
    client_id: str
    secret: Secret


def server_key(url: str) -> str:
    """A licence server URL as credentials are keyed by it: no trailing slash."""
    return url.strip().rstrip("/")


@dataclass(slots=True)
class Credentials:
    """Which credential goes to which licence server."""

    by_server: dict[str, Credential] = field(default_factory=dict)
    single: Credential | None = None
    """The ``--client-id/--client-secret`` pair, bound to :attr:`bound_to` once a server asks."""
    bound_to: str = ""

    def __bool__(self) -> bool:
        return bool(self.by_server) or self.single is not None

    def for_server(self, server: str) -> tuple[Credential | None, str]:
        """The credential for ``server``, or ``None`` and why none is sent."""
        key = server_key(server)
        if key in self.by_server:
            return self.by_server[key], ""
        if self.single is not None:
            if not self.bound_to:
                self.bound_to = key
            if self.bound_to == key:
                return self.single, ""
            return None, (
                f"the client credentials are for licence server {self.bound_to}; "
                f"they are not sent to {key}"
            )
        if self.by_server:
            return None, f"no credentials for licence server {key} (--credentials)"
        return None, "no licence client credentials (--client-id/--client-secret or --credentials)"


def load_credentials(client_id: str, client_secret: str, path: str) -> Credentials:
    """Credentials from the pair and/or the JSON file keyed by licence server URL."""
    found = Credentials()
    if client_id or client_secret:
        if not (client_id and client_secret):
            raise CredentialsError("--client-id and --client-secret go together")
        found.single = Credential(client_id, Secret(client_secret))
    if path:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CredentialsError(f"cannot read {path}: {exc.strerror or exc}") from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise CredentialsError(f"{path} is not a JSON document") from None
        if not isinstance(data, dict):
            raise CredentialsError(f"{path}: expected an object keyed by licence server URL")
        for server, entry in data.items():
            cid = entry.get("client_id") if isinstance(entry, dict) else None
            secret = entry.get("client_secret") if isinstance(entry, dict) else None
            if not isinstance(cid, str) or not isinstance(secret, str) or not cid or not secret:
                raise CredentialsError(
                    f"{path}: {server!r} needs string client_id and client_secret"
                )
            if not server_key(server).startswith(("http://", "https://")):
                raise CredentialsError(f"{path}: {server!r} is not an http(s) URL")
            found.by_server[server_key(server)] = Credential(cid, Secret(secret))
    return found
