"""Turning stored policy text into the live policy, and replacing it (validated first).

A replacement is parsed and rendered before it is stored: a policy that cannot be published is
refused with every problem (``PolicyFormatError``), and the old version stays live. A stored
version is never changed; a replacement is a new row (append-only history).
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from heedful.policies.sitepolicy import load_site_policy, render_site
from heedful.signalserver import store
from heedful.signalserver.errors import ApiError
from heedful.signalserver.keys import DATABASE, STATE
from heedful.signalserver.live import LivePolicy
from heedful.signalserver.models import PolicyVersion

MAX_POLICY_CHARS: Final = 60_000


def validate(text: str, *, filename: str) -> None:
    """Raise ``PolicyFormatError`` (every problem) unless ``text`` loads and renders."""
    if len(text) > MAX_POLICY_CHARS:
        raise ApiError(413, f"a policy may be at most {MAX_POLICY_CHARS} characters")
    policy = load_site_policy(text, filename=filename)
    render_site(policy, version="0-validation", base_url=None)


def to_live(row: PolicyVersion) -> LivePolicy:
    """A stored row as the live policy (stored rows were validated before they were stored)."""
    assert row.number is not None
    policy = load_site_policy(row.text, filename=f"policy version {row.number}")
    return LivePolicy(
        number=row.number,
        text=row.text,
        sha256=row.sha256,
        created_at=store.aware(row.created_at),
        policy=policy,
    )


async def replace_policy(app: web.Application, text: str, *, origin: str) -> LivePolicy:
    """Validate, append to the history, and serve ``text`` from the next request on."""
    validate(text, filename="policy.toml")
    row = await store.add_policy(app[DATABASE], text, origin=origin)
    live = to_live(row)
    app[STATE].replace(live)
    return live


async def refresh_removals(app: web.Application) -> None:
    """Re-read the approved removals into the published list."""
    removals = await store.approved_removals(app[DATABASE])
    state = app[STATE]
    modified = max(
        (store.aware_iso(r.approved_at) for r in removals),
        default=state.live.created_at,
    )
    state.set_removals(removals, modified)
