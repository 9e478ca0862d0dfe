"""Site policies: the owner's one TOML file, what it means, and every format rendered from it.

The public API of issue 3 sections 1-2, gathered from the modules that implement it:

* :mod:`policies.sitepolicy_model` — the validated shape (:class:`SitePolicy`; use values are
  :class:`policies.model.Permission`);
* :mod:`policies.sitepolicy_load` — :func:`load_site_policy` (every problem, with its line);
* :mod:`policies.sitepolicy_checks` — constructs no combination of formats can publish;
* :mod:`policies.sitepolicy_resolve` — :func:`intended`, the ground truth per path/agent/use;
* :mod:`policies.sitepolicy_render` — :func:`render_site` -> :class:`RenderedSite`.

``policy_to_toml`` is deliberately absent: the server keeps the owner's original TOML text
(comments included), which a re-serialisation would lose.
"""

from __future__ import annotations

from policies.errors import HeedfulError, PolicyFormatError, PolicyProblem
from policies.sitepolicy_load import MAX_POLICY_BYTES, load_site_policy
from policies.sitepolicy_model import (
    AgentRule,
    Defaults,
    LicenseTerms,
    MediaRule,
    PathRule,
    SiteInfo,
    SitePolicy,
)
from policies.sitepolicy_render import (
    CONTENT_SIGNALS_POLICY,
    LICENSE_PATH,
    VERSION_HEADER,
    RenderedSite,
    render_site,
)
from policies.sitepolicy_resolve import intended, may_fetch

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
