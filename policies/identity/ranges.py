"""Vendors' published IP ranges: dated snapshots, validated, prepared once for fast lookups.

Operators publish the addresses their crawlers use as JSON files of one shape (Google's
``googlebot.json``, OpenAI's ``gptbot.json``, Bing's ``bingbot.json``...)::

    {"creationTime": "2026-11-30T23:00:00.000000", "prefixes": [{"ipv4Prefix": "192.0.2.0/28"},
                                                                {"ipv6Prefix": "2001:db8::/64"}]}

Heedful ships one *snapshot* per published file in ``policies/data/ranges/NAME.json``: the
vendor's object under ``ranges`` plus where it came from (``source``), the day it was taken
(``retrieved``), the catalogue tokens it covers (``agents``) and ``placeholder``. A placeholder
holds documentation ranges (RFC 5737, RFC 3849) standing in for a file that could not be
fetched: it matches no real client, and it never makes a request ``spoofed``, because a claim
checked against made-up ranges proves nothing. ``heedful ranges refresh`` replaces one with the
vendor's real file. Nothing is downloaded at run time.

:class:`IpRanges` is the one prepared object: per agent, the prefixes collapsed into disjoint,
sorted integer intervals, searched with :mod:`bisect`. It is built once and passed to whoever
identifies requests; there is no module-level cache of it.
"""

from __future__ import annotations

import ipaddress
import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Final

RANGES_DIR: Final = "data/ranges"
PREFIX_KEYS: Final = ("ipv4Prefix", "ipv6Prefix")
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAME: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
MAX_PREFIXES: Final = 100_000
"""More than any vendor publishes (Google's largest file has a few thousand): a bound on input."""

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class RangeFileError(ValueError):
    """A ranges file that is not in the vendors' published shape."""


@dataclass(frozen=True, kw_only=True, slots=True)
class RangeSnapshot:
    """One vendor file as shipped: its prefixes and where and when they were taken."""

    name: str
    """The snapshot's file name without ``.json`` (``openai-gptbot``): ``--vendor`` names it."""
    vendor: str
    agents: tuple[str, ...]
    """Catalogue tokens (``policies/data/agents.json``) that crawl from these addresses."""
    source: str
    """The vendor's URL of the file, to refresh from."""
    retrieved: str
    """``YYYY-MM-DD``: the day the snapshot was taken (or the placeholder written)."""
    creation_time: str
    """The vendor's own ``creationTime``, ``""`` when the file has none."""
    placeholder: bool
    prefixes: tuple[IPNetwork, ...]
    note: str = ""


def parse_prefixes(data: object) -> tuple[str, tuple[IPNetwork, ...]]:
    """``(creationTime, prefixes)`` of one vendor file's decoded JSON; raises :class:`RangeFileError`.

    Every entry must be an object with exactly one of ``ipv4Prefix``/``ipv6Prefix`` whose value
    is a network of that family with no host bits set (what the vendors publish).
    """
    if not isinstance(data, dict):
        raise RangeFileError("expected a JSON object with a 'prefixes' array")
    raw = data.get("prefixes")
    if not isinstance(raw, list) or not raw:
        raise RangeFileError("'prefixes' must be a non-empty array")
    if len(raw) > MAX_PREFIXES:
        raise RangeFileError(f"more than {MAX_PREFIXES} prefixes")
    created = data.get("creationTime", "")
    if not isinstance(created, str):
        raise RangeFileError("'creationTime' must be a string")
    out: list[IPNetwork] = []
    for i, entry in enumerate(raw):
        keys = [k for k in PREFIX_KEYS if isinstance(entry, dict) and k in entry]
        if len(keys) != 1:
            raise RangeFileError(f"prefixes[{i}]: expected one of {' or '.join(PREFIX_KEYS)}")
        value = entry[keys[0]]
        try:
            network = ipaddress.ip_network(value, strict=True) if isinstance(value, str) else None
        except ValueError as exc:
            raise RangeFileError(f"prefixes[{i}]: {exc}") from None
        if network is None or network.version != (4 if keys[0] == "ipv4Prefix" else 6):
            raise RangeFileError(f"prefixes[{i}]: {value!r} is not an {keys[0]}")
        out.append(network)
    return created, tuple(out)


def parse_snapshot(name: str, text: str) -> RangeSnapshot:
    """One shipped snapshot file; raises :class:`RangeFileError` on any missing field."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise RangeFileError(f"{name}: not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RangeFileError(f"{name}: expected an object")
    try:
        vendor, source, retrieved = data["vendor"], data["source"], data["retrieved"]
        agents, placeholder, ranges = data["agents"], data["placeholder"], data["ranges"]
    except KeyError as exc:
        raise RangeFileError(f"{name}: missing field {exc}") from None
    strings = (vendor, source, retrieved)
    if not all(isinstance(v, str) for v in strings) or not isinstance(placeholder, bool):
        raise RangeFileError(f"{name}: vendor, source, retrieved must be strings, placeholder bool")
    if not _DATE.fullmatch(retrieved):
        raise RangeFileError(f"{name}: retrieved {retrieved!r} is not YYYY-MM-DD")
    if not source.startswith("https://"):
        raise RangeFileError(f"{name}: source must be the vendor's https URL")
    if not isinstance(agents, list) or not agents or not all(isinstance(a, str) for a in agents):
        raise RangeFileError(f"{name}: agents must be a non-empty list of tokens")
    try:
        created, prefixes = parse_prefixes(ranges)
    except RangeFileError as exc:
        raise RangeFileError(f"{name}: {exc}") from None
    return RangeSnapshot(
        name=name,
        vendor=vendor,
        agents=tuple(agents),
        source=source,
        retrieved=retrieved,
        creation_time=created,
        placeholder=placeholder,
        prefixes=prefixes,
        note=str(data.get("note", "")),
    )


def refreshed(old_text: str, vendor_file: bytes, *, retrieved: str) -> str:
    """The snapshot file ``old_text`` with the prefixes of ``vendor_file`` taken on ``retrieved``.

    The vendor's object is kept as published (its ``creationTime`` included), the snapshot's
    metadata is kept, and ``placeholder`` becomes false. Raises :class:`RangeFileError` when the
    vendor file is not in the published shape, so a bad download never replaces good data.
    """
    if not _DATE.fullmatch(retrieved):
        raise RangeFileError(f"retrieved {retrieved!r} is not YYYY-MM-DD")
    try:
        vendor = json.loads(vendor_file.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RangeFileError(f"not a JSON file: {exc}") from None
    parse_prefixes(vendor)
    data = json.loads(old_text)
    data["retrieved"] = retrieved
    data["placeholder"] = False
    data["note"] = f"imported from a local copy of {data['source']}"
    data["ranges"] = {k: vendor[k] for k in ("creationTime", "prefixes") if k in vendor}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def is_snapshot_name(name: str) -> bool:
    """Lower-case letters, digits and ``-``: a snapshot's name is also its file name."""
    return _NAME.fullmatch(name) is not None


def bundled_snapshots() -> tuple[RangeSnapshot, ...]:
    """Every snapshot shipped in ``policies/data/ranges``, by name."""
    folder = resources.files("heedful.policies").joinpath(RANGES_DIR)
    files = sorted((p for p in folder.iterdir() if p.name.endswith(".json")), key=lambda p: p.name)
    return tuple(parse_snapshot(p.name[:-5], p.read_text(encoding="utf-8")) for p in files)


@dataclass(frozen=True, slots=True)
class _Intervals:
    """Disjoint, sorted ``[start, end]`` integer intervals of one address family."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def of(cls, networks: Iterable[IPNetwork]) -> _Intervals:
        collapsed = sorted(ipaddress.collapse_addresses(networks))  # type: ignore[type-var]
        return cls(
            tuple(int(n.network_address) for n in collapsed),
            tuple(int(n.broadcast_address) for n in collapsed),
            tuple(collapsed),
        )

    def find(self, address: int) -> IPNetwork | None:
        i = bisect_right(self.starts, address) - 1
        if i >= 0 and address <= self.ends[i]:
            return self.networks[i]
        return None


@dataclass(frozen=True, kw_only=True, slots=True)
class RangeMatch:
    """The outcome of one lookup: whether the address is in the agent's published ranges."""

    agent: str
    snapshot: RangeSnapshot
    network: IPNetwork | None
    """The (collapsed) published network holding the address; ``None`` when outside."""


@dataclass(frozen=True, slots=True)
class IpRanges:
    """Snapshots prepared for lookups by agent token (case-insensitive)."""

    snapshots: tuple[RangeSnapshot, ...]
    _index: Mapping[str, tuple[RangeSnapshot, _Intervals, _Intervals]] = field(repr=False)

    @classmethod
    def prepare(cls, snapshots: Sequence[RangeSnapshot]) -> IpRanges:
        """Index snapshots by each agent they cover; two snapshots for one agent are an error."""
        index: dict[str, tuple[RangeSnapshot, _Intervals, _Intervals]] = {}
        for snap in snapshots:
            v4 = _Intervals.of(n for n in snap.prefixes if n.version == 4)
            v6 = _Intervals.of(n for n in snap.prefixes if n.version == 6)
            for agent in snap.agents:
                if agent.lower() in index:
                    raise ValueError(f"agent {agent!r} is in two range snapshots")
                index[agent.lower()] = (snap, v4, v6)
        return cls(tuple(snapshots), index)

    @classmethod
    def bundled(cls) -> IpRanges:
        """The snapshots shipped with Heedful (read from package data each call)."""
        return cls.prepare(bundled_snapshots())

    def snapshot_for(self, agent: str) -> RangeSnapshot | None:
        """The snapshot covering ``agent``, ``None`` when Heedful ships no ranges for it."""
        found = self._index.get(agent.lower())
        return found[0] if found else None

    def lookup(self, agent: str, address: str) -> RangeMatch | None:
        """Is ``address`` in ``agent``'s published ranges? ``None`` when none are shipped.

        An address that does not parse is outside every range. An IPv4-mapped IPv6 address
        (``::ffff:192.0.2.1``, as dual-stack servers log IPv4 clients) is read as its IPv4 address.
        """
        found = self._index.get(agent.lower())
        if found is None:
            return None
        snap, v4, v6 = found
        ip = parse_address(address)
        network = None
        if ip is not None:
            network = (v4 if ip.version == 4 else v6).find(int(ip))
        return RangeMatch(agent=agent, snapshot=snap, network=network)


def parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """A client address as a log or a socket gives it; ``None`` when it is not one.

    Brackets (``[2001:db8::1]``) and a zone (``fe80::1%eth0``) are removed; IPv4-mapped IPv6
    becomes IPv4.
    """
    text = text.strip().removeprefix("[").removesuffix("]").split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip
