"""The project's cache: a product is built once however many test workers ask for it at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sdks


def test_workers_asking_at_once_wait_for_one_build_and_earlier_builds_go(tmp_path: Path) -> None:
    earlier = tmp_path / "tool-0000"
    earlier.write_text("from older sources")
    (tmp_path / "tool-0001.partial").write_text("a killed run's leftover")
    product = tmp_path / "tool-0001"
    builds: list[Path] = []

    def build(into: Path) -> None:
        builds.append(into)
        time.sleep(0.3)  # long enough for every other asker to arrive while this build runs
        into.write_text("built")

    got: list[Path] = []
    def ask() -> None:
        got.append(sdks.cached(product, build, replaces="tool-*"))

    askers = [threading.Thread(target=ask) for _ in range(4)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()

    assert builds == [tmp_path / "tool-0001.partial"], "built more than once, or not beside the product"
    assert got == [product] * 4
    assert product.read_text() == "built"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tool-0001", "tool-0001.lock"]


def test_a_failed_build_leaves_no_product_and_the_next_asker_builds_again(tmp_path: Path) -> None:
    product = tmp_path / "tool-0001"

    def fail(into: Path) -> None:
        into.write_text("half")
        raise RuntimeError("compiler crashed")

    with pytest.raises(RuntimeError, match="^compiler crashed$"):
        sdks.cached(product, fail)
    assert not product.exists()
    assert sdks.cached(product, lambda into: into.write_text("built")).read_text() == "built"
