"""Web Bot Auth verification: RFC 9421 vectors, the profile's rules, hostile headers."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.identity.webbotauth import (
    DIRECTORY_PATH,
    _ClockFreeVerifier,
    _HeaderView,
    _Keys,
    _Message,
    directory_keys,
    jwk_thumbprint,
    signature_agent,
    verify_web_bot_auth,
)

# RFC 9421 appendix B.1.4, test-key-ed25519 (as a JWK: RFC 8037 section 2).
RFC_D = "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU"
RFC_X = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"
RFC_KEYID = "poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U"
"""The RFC 7638 thumbprint of the key above: the keyid in the Web Bot Auth draft's examples."""
NOW = 1_767_225_630


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(RFC_D + "="))


def _directory(*jwks: dict[str, object]) -> bytes:
    return json.dumps(
        {"keys": list(jwks) or [{"kty": "OKP", "crv": "Ed25519", "x": RFC_X}]}
    ).encode()


def test_jwk_thumbprint_rfc8037_appendix_a3() -> None:
    # RFC 8037 appendix A.3: the thumbprint of the appendix A.2 public key.
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert jwk_thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert jwk_thumbprint({"kty": "OKP", "crv": "Ed25519", "x": RFC_X}) == RFC_KEYID


def test_rfc9421_b26_signature_base_and_signature() -> None:
    """RFC 9421 appendix B.2.6 (ed25519) verifies through the same base construction we use."""
    headers = [
        ("Host", "example.com"),
        ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
        ("Content-Type", "application/json"),
        (
            "Content-Digest",
            (
                "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwE"
                "mTHWXvJwew==:"
            ),
        ),
        ("Content-Length", "18"),
        (
            "Signature-Input",
            (
                'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
                ';created=1618884473;keyid="test-key-ed25519"'
            ),
        ),
        (
            "Signature",
            (
                "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp"
                "5WPpBKRCw==:"
            ),
        ),
    ]
    expected_base = (
        '"date": Tue, 20 Apr 2021 02:07:55 GMT\n"@method": POST\n"@path": /foo\n'
        '"@authority": example.com\n"content-type": application/json\n"content-length": 18\n'
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" '
        '"content-length");created=1618884473;keyid="test-key-ed25519"'
    )
    public = _key().public_key()
    verifier = _ClockFreeVerifier(
        signature_algorithm=__import__("http_message_signatures").algorithms.ED25519,
        key_resolver=_Keys({"test-key-ed25519": public}),
    )
    message = _Message("POST", "https://example.com/foo?param=Value&Pet=dog", _HeaderView(headers))
    [result] = verifier.verify(message, max_age=None)
    base = "\n".join(f"{k}: {v}" for k, v in result.covered_components.items())
    assert base == expected_base
    # Ed25519 is deterministic: signing the RFC's base with the RFC's key gives the RFC's bytes.
    assert base64.b64encode(_key().sign(expected_base.encode())).decode() in headers[-1][1]


def _signed(
    *,
    authority: str = "news.example",
    agent: str = "https://bot.example",
    legacy: bool = False,
    created: int = NOW - 30,
    expires: int = NOW + 30,
    tag: str = "web-bot-auth",
    keyid: str = RFC_KEYID,
    cover_agent: bool = True,
    agent_param: str = "",
) -> list[tuple[str, str]]:
    """A request signed by hand, the base written out as RFC 9421 section 2.5 says."""
    agent_id = '"signature-agent"' if legacy else '"signature-agent";key="sig1"'
    components = '("@authority" ' + agent_id + ")" if cover_agent else '("@authority")'
    params = f'{components};created={created};expires={expires};keyid="{keyid}";alg="ed25519";tag="{tag}"'
    agent_field = f'"{agent}"' if legacy else f'sig1="{agent}"{agent_param}'
    lines = [f'"@authority": {authority}']
    if cover_agent:
        lines.append(f"{agent_id}: {agent_field.split('=', 1)[1] if not legacy else agent_field}")
    lines.append(f'"@signature-params": {params}')
    signature = base64.b64encode(_key().sign("\n".join(lines).encode())).decode()
    return [
        ("Host", authority),
        ("Signature-Agent", agent_field),
        ("Signature-Input", f"sig1={params}"),
        ("Signature", f"sig1=:{signature}:"),
    ]


def _verify(headers: list[tuple[str, str]], *, url: str = "https://news.example/a", **kw: object):
    return verify_web_bot_auth(
        method="GET",
        url=url,
        headers=headers,
        directory=kw.pop("directory", _directory()),
        now=NOW,  # type: ignore[arg-type]
    )


def test_dictionary_form_verifies() -> None:
    headers = _signed()
    agent = signature_agent(headers)
    assert agent is not None
    assert agent.directory_url == "https://bot.example" + DIRECTORY_PATH
    assert not agent.legacy
    result = _verify(headers)
    assert result.valid, result.reason
    assert result.keyid == RFC_KEYID
    assert result.agent == agent


def test_legacy_string_form_verifies() -> None:
    headers = _signed(legacy=True)
    agent = signature_agent(headers)
    assert agent is not None
    assert agent.legacy
    assert _verify(headers).valid


def test_jwks_uri_type_names_the_jwks_itself() -> None:
    headers = _signed(agent="https://bot.example/keys.json", agent_param=";type=jwks_uri")
    agent = signature_agent(headers)
    assert agent is not None
    assert agent.directory_url == "https://bot.example/keys.json"
    assert _verify(headers).valid


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"created": NOW + 60, "expires": NOW + 90}, "created is in the future"),
        ({"created": NOW - 90, "expires": NOW - 60}, "expired"),
        ({"created": NOW - 10, "expires": NOW + 2 * 86400}, "validity window"),
        ({"keyid": "not-the-thumbprint"}, "unknown key"),
        ({"tag": "something-else"}, "no signature tagged web-bot-auth"),
        ({"cover_agent": False}, "components must cover"),
        ({"agent": "http://bot.example"}, "Signature-Agent"),
    ],
)
def test_profile_rules_refuse(kwargs: dict[str, object], reason: str) -> None:
    result = _verify(_signed(**kwargs))  # type: ignore[arg-type]
    assert not result.valid
    assert reason in result.reason


def test_a_signature_for_another_authority_does_not_verify() -> None:
    result = _verify(_signed(authority="other.example"), url="https://news.example/a")
    assert not result.valid
    assert result.reason == "signature does not verify"


def test_a_tampered_signature_agent_does_not_verify() -> None:
    headers = [
        (n, 'sig1="https://evil.example"') if n == "Signature-Agent" else (n, v)
        for n, v in _signed()
    ]
    result = verify_web_bot_auth(
        method="GET", url="https://news.example/a", headers=headers, directory=_directory(), now=NOW
    )
    assert not result.valid


def test_directory_keys_refuses_bad_entries() -> None:
    good = {"kty": "OKP", "crv": "Ed25519", "x": RFC_X}
    assert set(directory_keys(_directory(good), now=NOW)) == {RFC_KEYID}
    assert directory_keys(_directory({**good, "kid": "wrong"}), now=NOW) == {}
    assert directory_keys(_directory({**good, "d": RFC_D}), now=NOW) == {}
    assert directory_keys(_directory({**good, "exp": NOW}), now=NOW) == {}
    assert directory_keys(_directory({**good, "nbf": NOW + 1}), now=NOW) == {}
    assert directory_keys(_directory({**good, "crv": "X25519"}), now=NOW) == {}
    assert directory_keys(b"\xff not json", now=NOW) == {}
    assert directory_keys(b'{"keys": 3}', now=NOW) == {}


def test_empty_directory_means_unknown_key() -> None:
    result = _verify(_signed(), directory=b"")
    assert result.reason == "unknown key"


def test_unsigned_request() -> None:
    result = _verify([("User-Agent", "GPTBot/1.1")])
    assert not result.valid
    assert signature_agent([("User-Agent", "GPTBot/1.1")]) is None


def test_misuse_raises_type_error() -> None:
    with pytest.raises(TypeError):
        verify_web_bot_auth(method="GET", url="https://a/", headers={}, directory="x", now=NOW)  # type: ignore[arg-type]


@given(
    st.dictionaries(
        st.sampled_from(["Signature", "Signature-Input", "Signature-Agent", "Host"]),
        st.text(max_size=300),
    )
)
def test_hostile_headers_never_raise(headers: dict[str, str]) -> None:
    result = verify_web_bot_auth(
        method="GET", url="https://news.example/", headers=headers, directory=_directory(), now=NOW
    )
    assert not result.valid
    signature_agent(headers)
