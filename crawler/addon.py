"""``HeedfulAddon``: enable Heedful in any Scrapy project with one line.

```python
ADDONS = {"heedful.crawler.addon.HeedfulAddon": 0}
HEEDFUL_PRODUCT_TOKEN = "ExampleBot"
HEEDFUL_USE = "ai-train"
```

Settings are set at the ``addon`` priority (Scrapy's drop-in mechanism, style.md C), so a
project can still override any of them. Scrapy's ``RobotsTxtMiddleware`` is replaced: it lets
requests through while robots.txt is still downloading and allows everything when the download
fails, both of which Heedful must not do (RFC 9309 section 2.3.1.4).

With ``HEEDFUL_ENABLED = False`` the add-on changes nothing: the project's own
``ROBOTSTXT_OBEY``, middlewares, pipelines and User-Agent stay as they were, so turning Heedful
off never turns robots.txt off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured

from heedful.crawler.settings import DEFAULTS, default_user_agent

if TYPE_CHECKING:
    from scrapy.settings import Settings

ROBOTS_MIDDLEWARE = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"
MIDDLEWARE = "heedful.crawler.middlewares.PolicyDownloaderMiddleware"
MIDDLEWARE_ORDER = 100
"""The slot of Scrapy's RobotsTxtMiddleware."""
PIPELINES = {
    "heedful.crawler.pipelines.UsePolicyPipeline": 100,
    "heedful.crawler.pipelines.LedgerPipeline": 900,
}
PRIORITY = "addon"


class HeedfulAddon:
    """Scrapy add-on: Heedful's middleware in the robots slot (100), its pipelines, defaults."""

    def update_settings(self, settings: Settings) -> None:
        if not settings.getbool("HEEDFUL_ENABLED", DEFAULTS["HEEDFUL_ENABLED"]):
            # Scrapy's add-on manager leaves a NotConfigured add-on out and logs why.
            raise NotConfigured("HEEDFUL_ENABLED is off; Scrapy's own robots.txt handling applies")
        for name, value in DEFAULTS.items():
            settings.set(name, value, priority="default")
        # Component dicts are changed in place, whatever their setting priority (Scrapy
        # add-on guidance), so a project's own DOWNLOADER_MIDDLEWARES keeps its entries and
        # can still move or disable Heedful's components.
        from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

        from heedful.crawler.middlewares import PolicyDownloaderMiddleware
        from heedful.crawler.pipelines import LedgerPipeline, UsePolicyPipeline

        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", RobotsTxtMiddleware, None)
        if settings.get("HEEDFUL_SIGNING_KEY"):
            from heedful.crawler.signing import MIDDLEWARE_ORDER as SIGNING_ORDER
            from heedful.crawler.signing import WebBotAuthMiddleware

            settings.setdefault_in_component_priority_dict(
                "DOWNLOADER_MIDDLEWARES", WebBotAuthMiddleware, SIGNING_ORDER
            )
        settings.setdefault_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", PolicyDownloaderMiddleware, MIDDLEWARE_ORDER
        )
        settings.setdefault_in_component_priority_dict(
            "ITEM_PIPELINES",
            UsePolicyPipeline,
            PIPELINES["heedful.crawler.pipelines.UsePolicyPipeline"],
        )
        settings.setdefault_in_component_priority_dict(
            "ITEM_PIPELINES", LedgerPipeline, PIPELINES["heedful.crawler.pipelines.LedgerPipeline"]
        )
        # Heedful decides robots.txt itself; Scrapy's own check would fail open.
        settings.set("ROBOTSTXT_OBEY", False, priority=PRIORITY)
        token = settings.get("HEEDFUL_PRODUCT_TOKEN")
        user_agent = settings.get("HEEDFUL_USER_AGENT") or default_user_agent(
            token, settings.get("HEEDFUL_INFO_URL"), settings.get("HEEDFUL_USE")
        )
        settings.set("USER_AGENT", user_agent, priority=PRIORITY)
        # RFC 9309 2.3.1.2 asks for at least five redirects; pages get the same bound.
        settings.set("REDIRECT_MAX_TIMES", 5, priority=PRIORITY)
