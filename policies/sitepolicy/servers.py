"""Web-server configuration that publishes a rendered site policy without Heedful (``heedful export``).

For sites that keep their own web server (issue 3 section 2): the same per-path response headers
``heedful serve`` adds, and the site files (robots.txt, ai.txt, tdmrep.json, license.xml).

* nginx: an ``http``-level part (``map`` tables choosing the headers from the raw request URI
  and the response's ``Content-Type``, most specific scope first) and a ``server``-level part
  (``add_header`` lines plus a ``location =`` block serving each file from ``files_dir``).
  Matching the raw ``$request_uri`` (query included) reproduces robots.txt path matching exactly.
* apache: ``<LocationMatch>`` sections in general-to-specific order (later ones win) with
  ``Header set ... "expr=%{CONTENT_TYPE} ..."`` for media types; the files are written to a
  directory (``--files-dir``) and served with ``Alias``.
* caddy: a ``route`` block (directives run in written order, so more specific matchers come
  later and win) and ``respond`` for the files. Caddy cannot condition a ``header`` on the
  response's media type, so media-type rules apply through their extensions only (noted in the
  output).
"""

from __future__ import annotations

import re

from heedful.policies.sitepolicy import RenderedSite
from heedful.policies.sitepolicy.render import ScopedHeaders

FORMATS = ("nginx", "apache", "caddy")
HEADER_NAMES = ("Content-Usage", "Content-Signal", "tdm-reservation", "tdm-policy", "X-Robots-Tag")
"""Headers that vary by scope; ``Link`` and the version header are the same everywhere."""


def pcre(pattern: str) -> str:
    """A robots.txt pattern (``*`` any run, final ``$`` end) as an anchored PCRE."""
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    return (
        "^" + ".*".join(re.escape(piece) for piece in body.split("*")) + ("$" if anchored else "")
    )


def _nginx_str(text: str) -> str:
    """A double-quoted nginx string; ``$`` goes through a variable (nginx has no escape)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "${heedful_dollar}")
    return f'"{escaped}"'


def _nginx_key(text: str) -> str:
    """A quoted map key: keys are not interpolated, so ``$`` stays as it is."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _constant(rendered: RenderedSite) -> list[tuple[str, str]]:
    rows = rendered.scoped_headers()
    return [(n, v) for n, v in rows[-1].headers if n not in HEADER_NAMES] if rows else []


def nginx(rendered: RenderedSite, *, files_dir: str, part: str = "all") -> str:
    rows = rendered.scoped_headers()
    patterns = list(dict.fromkeys(row.pattern for row in rows))
    ids = {pattern: str(i) for i, pattern in enumerate(patterns)}
    http = [
        f"# Heedful policy version {rendered.version}: http {{ }} part (maps)",
        'geo $heedful_dollar { default "$"; }',
        "map $request_uri $heedful_scope {",
        f'    default "{ids["/"]}";',
    ]
    http += [f'    {_nginx_key("~" + pcre(p))} "{ids[p]}";' for p in patterns if p != "/"]
    http.append("}")
    for name in HEADER_NAMES:
        var = "$heedful_" + name.lower().replace("-", "_")
        http += [f'map "$heedful_scope|$sent_http_content_type" {var} {{', '    default "";']
        for row in rows:
            value = dict(row.headers).get(name, "")
            key = f"~^{ids[row.pattern]}\\|" + _type_regex(row.media_type)
            http.append(f"    {_nginx_key(key)} {_nginx_str(value)};")
        http.append("}")
    server = [f"# Heedful policy version {rendered.version}: server {{ }} part"]
    server += [
        f"add_header {name} $heedful_{name.lower().replace('-', '_')};" for name in HEADER_NAMES
    ]
    server += [f"add_header {name} {_nginx_str(value)};" for name, value in _constant(rendered)]
    # The files are served from --files-dir (an nginx string is limited to 4 KiB, too short
    # for a robots.txt naming every AI crawler); "types {}" makes default_type apply.
    for path, (content_type, _) in rendered.files().items():
        server += [
            f"location = {path} {{",
            f"    alias {_nginx_str(file_path(files_dir, path))};",
            "    types { }",
            f"    default_type {_nginx_str(content_type)};",
            f"    add_header Heedful-Policy-Version {_nginx_str(rendered.version)};",
            '    add_header Cache-Control "public, max-age=3600";',
            "}",
        ]
    parts = {"http": http, "server": server, "all": [*http, "", *server]}
    return "\n".join(parts[part]) + "\n"


def file_path(files_dir: str, path: str) -> str:
    return f"{files_dir.rstrip('/')}/{path.rsplit('/', 1)[-1]}"


def _type_regex(media_type: str | None) -> str:
    if media_type is None:
        return ""
    if media_type.endswith("/*"):
        return re.escape(media_type[:-1])
    return re.escape(media_type) + r"(;|\s|$)"


def apache(rendered: RenderedSite, *, files_dir: str) -> str:
    out = [
        (
            f"# Heedful policy version {rendered.version}: put inside <VirtualHost>; needs "
            "mod_headers, mod_alias; run with --write-files to create the files below"
        ),
    ]
    for path, (content_type, _) in rendered.files().items():
        target = file_path(files_dir, path)
        out += [
            f'Alias "{path}" "{target}"',
            f'<Location "{path}">',
            f'    ForceType "{content_type}"',
            f'    Header set Heedful-Policy-Version "{rendered.version}"',
            "</Location>",
        ]
    out += [f"Header set {n} {_apache_str(v)}" for n, v in _constant(rendered)]
    # Apache merges <LocationMatch> sections in order and a later "Header set" replaces an
    # earlier one: general first, specific last (the reverse of scoped_headers()).
    for row in reversed(rendered.scoped_headers()):
        out.append(f'<LocationMatch "{pcre(row.pattern)}">')
        condition = _apache_condition(row)
        for name in HEADER_NAMES:
            value = dict(row.headers).get(name)
            verb = f"set {name} {_apache_str(value)}" if value else f"unset {name}"
            out.append(f"    Header {verb}{condition}")
        out.append("</LocationMatch>")
    return "\n".join(out) + "\n"


def _apache_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _apache_condition(row: ScopedHeaders) -> str:
    if row.media_type is None:
        return ""
    regex = _type_regex(row.media_type)
    return f' "expr=%{{CONTENT_TYPE}} =~ m#^{regex}#"'


def caddy(rendered: RenderedSite) -> str:
    out = [
        f"# Heedful policy version {rendered.version}: put inside your site block",
        "# Caddy cannot match a header on the response's media type: media rules apply through",
        "# their file extensions only, and paths are matched without the query string.",
    ]
    for path, (content_type, body) in rendered.files().items():
        name = "heedful_file_" + re.sub(r"\W", "_", path).strip("_")
        out += [
            f"@{name} path {path}",
            f"header @{name} Content-Type {_caddy_str(content_type)}",
            f"respond @{name} {_caddy_str(body)} 200",
        ]
    out.append("route {")
    out += [f"    header {n} {_caddy_str(v)}" for n, v in _constant(rendered)]
    generic = [row for row in reversed(rendered.scoped_headers()) if row.media_type is None]
    for i, row in enumerate(generic):
        matcher = f"@heedful_scope_{i}"
        out.append(f"    {matcher} path_regexp {pcre(row.pattern)}")
        for name in HEADER_NAMES:
            value = dict(row.headers).get(name)
            out.append(
                f"    header {matcher} {name} {_caddy_str(value)}"
                if value
                else f"    header {matcher} -{name}"
            )
    out.append("}")
    return "\n".join(out) + "\n"


def _caddy_str(value: str) -> str:
    return "`" + value.replace("`", "'") + "`" if "\n" in value or '"' in value else f'"{value}"'
