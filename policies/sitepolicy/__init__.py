"""Site policies: the owner's one TOML file, what it means, and every format rendered from it.

The public API of issue 3 sections 1-2, gathered from the modules that implement it:

* :mod:`heedful.policies.sitepolicy.model` — the validated shape (:class:`SitePolicy`; use values are
  :class:`heedful.policies.model.Permission`);
* :mod:`heedful.policies.sitepolicy.load` — :func:`load_site_policy` (every problem, with its line);
* :mod:`heedful.policies.sitepolicy.checks` — constructs no combination of formats can publish;
* :mod:`heedful.policies.sitepolicy.resolve` — :func:`intended`, the ground truth per path/agent/use;
* :mod:`heedful.policies.sitepolicy.render` — :func:`render_site` -> :class:`RenderedSite`.

``policy_to_toml`` is deliberately absent: the server keeps the owner's original TOML text
(comments included), which a re-serialisation would lose.
"""

from __future__ import annotations

from heedful.policies.errors import HeedfulError, PolicyFormatError, PolicyProblem
from heedful.policies.sitepolicy.load import MAX_POLICY_BYTES, load_site_policy
from heedful.policies.sitepolicy.model import (
    AgentRule,
    Defaults,
    LicenseTerms,
    MediaRule,
    OfferTerms,
    PathRule,
    SiteInfo,
    SitePolicy,
)
from heedful.policies.sitepolicy.render import (
    CONTENT_SIGNALS_POLICY,
    LICENSE_PATH,
    VERSION_HEADER,
    RenderedSite,
    render_site,
)
from heedful.policies.sitepolicy.resolve import intended, may_fetch

__all__ = [
    "CONTENT_SIGNALS_POLICY",
    "LICENSE_PATH",
    "MAX_POLICY_BYTES",
    "VERSION_HEADER",
    "AgentRule",
    "Defaults",
    "HeedfulError",
    "LicenseTerms",
    "MediaRule",
    "OfferTerms",
    "PathRule",
    "PolicyFormatError",
    "PolicyProblem",
    "RenderedSite",
    "SiteInfo",
    "SitePolicy",
    "intended",
    "load_site_policy",
    "may_fetch",
    "render_site",
]
