#!/usr/bin/env python3
"""The TypeScript, Go and Python SDKs of the gitlab-tokens package, generated from its schema.

``toolchain/sdkgen`` (a small Go program, its ``go.mod`` and ``go.sum`` pinning the Go module
the CLI is built from) calls Pulumi's code generators as a library; this module builds it once
into the project's cache and runs it. docs/sdks.md says what is generated and how it is checked.

    .venv/bin/python toolchain/sdks.py build/sdk                   # build/sdk/nodejs, build/sdk/go, build/sdk/python
    .venv/bin/python toolchain/sdks.py --schema schema.json build/sdk
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
GENERATOR_SOURCES = REPO / "toolchain" / "sdkgen"



class SdkGenerationError(RuntimeError):
    """The generator could not be built, or refused the schema (the message says which and why)."""


def cache_root() -> Path:
    """The project's cache, as toolchain/install-pulumi.sh names it."""
    root = os.environ.get("PULUMI_GITLAB_TOKENS_CACHE")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pulumi-gitlab-tokens"


def package_schema(into: Path) -> Path:
    """The package schema the SDKs are generated from, written into the directory ``into``.

    It is the native provider's ``GetSchema`` (derived from the kind declarations), asked of
    the package in this interpreter's environment, as ``pulumi package get-schema`` would.
    """
    into.mkdir(parents=True, exist_ok=True)
    answer = subprocess.run([sys.executable, "-m", "pulumi_gitlab_tokens.native", "schema"],
                            capture_output=True, text=True, check=False)
    if answer.returncode != 0:
        raise SdkGenerationError(f"the native provider did not give its schema: {answer.stderr.strip()}")
    path = into / "schema.json"
    path.write_text(answer.stdout)
    return path


def cached(product: Path, make: Callable[[Path], object], *, replaces: str = "") -> Path:
    """``product``, made by ``make(partial)`` unless it exists; then the siblings matching ``replaces``
    (earlier products of other sources, as a glob) are removed.

    ``make`` builds into the path it is given, which is then renamed into place. A lock beside
    the product makes test workers running side by side wait for the first one's build instead
    of each building it and replacing a finished product under another's running test.
    """
    product.parent.mkdir(parents=True, exist_ok=True)
    with open(product.with_name(f"{product.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not product.exists():
            partial = product.with_name(f"{product.name}.partial")
            shutil.rmtree(partial, ignore_errors=True)
            make(partial)
            partial.replace(product)
            for stale in product.parent.glob(replaces) if replaces else ():
                if not stale.name.startswith(product.name):
                    shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    return product


def sources_digest(paths: list[Path]) -> str:
    """A short digest of the files' contents, naming what was built from them in the cache."""
    return hashlib.sha256(b"".join(path.read_bytes() for path in paths)).hexdigest()[:16]


def generator() -> Path:
    """The built generator, named by the digest of its sources: built once, reused until they change.

    ``-trimpath`` as in the CLI's build, so the Go build cache the CLI's build left holds the
    codegen packages' dependencies already and only the generator's own packages compile.
    """
    go = shutil.which("go")
    if go is None:
        raise SdkGenerationError("the Go toolchain (`go`, 1.26.6 or newer) is needed to build the SDK generator "
                                 "(toolchain/sdkgen); install Go, as `make setup` needs it to build the CLI")
    sources = [GENERATOR_SOURCES / name for name in ("go.mod", "go.sum", "main.go")]
    program = cache_root() / "sdkgen" / f"sdkgen-{sources_digest(sources)}"

    def build(into: Path) -> None:
        built = subprocess.run([go, "build", "-trimpath", "-o", str(into), "."], cwd=GENERATOR_SOURCES,
                               capture_output=True, text=True, timeout=1800,
                               env={**os.environ, "GOFLAGS": "-mod=readonly -buildvcs=false"})
        if built.returncode != 0:
            raise SdkGenerationError(f"could not build the SDK generator (go build in toolchain/sdkgen):\n{built.stderr}")

    return cached(program, build, replaces="sdkgen-*")


def generate(schema: Path, out: Path) -> None:
    """Write ``out/nodejs``, ``out/go`` and ``out/python`` (replacing them) from the schema file."""
    ran = subprocess.run([str(generator()), str(schema), str(out)], capture_output=True, text=True, timeout=300)
    if ran.returncode != 0:
        raise SdkGenerationError(ran.stderr.strip() or f"the SDK generator exited with {ran.returncode}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory to write nodejs/, go/ and python/ into")
    parser.add_argument("--schema", type=Path, help="the package schema (JSON); default: the package's own")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    schema = args.schema or package_schema(args.out)
    if not schema.is_file():
        parser.error(f"--schema: no such file {schema}; pass the package schema as JSON")
    try:
        generate(schema, args.out)
    except SdkGenerationError as error:
        print(f"sdks: {error}", file=sys.stderr)
        return 1
    print(f"sdks: wrote {', '.join(str(args.out / d) for d in ('nodejs', 'go', 'python'))} from {schema}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
