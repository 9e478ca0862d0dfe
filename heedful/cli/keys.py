"""``heedful keys generate`` and ``heedful keys directory``: a crawler's Web Bot Auth key pair
and the key directory to publish (docs/crawler.md, Signing requests)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from heedful.cli.common import Failure


@click.group("keys")
def keys() -> None:
    """Make and publish the Ed25519 keys a crawler signs its requests with."""


@keys.command("generate")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the private key (PEM); refused if it exists.",
)
def generate(out: Path) -> None:
    """Write a new Ed25519 private key, readable by its owner only, and print its keyid."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from heedful.policies.identity.signing import key_id, private_pem

    key = Ed25519PrivateKey.generate()
    try:
        # O_EXCL: never overwrite a key someone may already publish; 0600: a private key.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Failure(f"{out} exists; a new key would orphan the one published for it") from None
    except OSError as exc:
        raise Failure(f"cannot write {out}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem(key))
    click.echo(key_id(key.public_key()))


@keys.command("directory")
@click.argument(
    "key_files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
def directory(key_files: tuple[Path, ...]) -> None:
    """Print the key directory (JWKS) of KEY_FILES' public keys, to publish at
    /.well-known/http-message-signatures-directory with the media type
    application/http-message-signatures-directory+json."""
    from heedful.policies.identity.signing import SigningKeyError, key_directory, load_private_key

    public = []
    for path in key_files:
        try:
            public.append(load_private_key(path.read_bytes()).public_key())
        except OSError as exc:
            raise Failure(f"cannot read {path}: {exc.strerror or exc}") from None
        except SigningKeyError as exc:
            raise Failure(f"{path}: {exc}") from None
    click.echo(key_directory(public).decode("utf-8"), nl=False)
