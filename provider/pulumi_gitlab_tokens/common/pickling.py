"""Undo what ``pulumi.dynamic`` leaves patched on Python's pickler after it serializes a provider.

To pickle dictionaries in a stable order, the SDK's ``serialize_provider``
replaces ``pickle._Pickler._batch_setitems`` with a sorting wrapper around
whatever is there, every time a dynamic resource is declared. pulumi 3.272
(the oldest SDK this package supports) never puts the original back, so each
resource adds one wrapper around the last: around the 960th dynamic resource
of one program the chain passes Python's recursion limit and declaring the
resource fails with ``RecursionError``. SDK 3.276 restores the methods itself;
:func:`pickler_restored` does the same around each of our declarations, for
the SDKs before it.
"""

from __future__ import annotations

import contextlib
import pickle
from typing import Iterator


@contextlib.contextmanager
def pickler_restored() -> Iterator[None]:
    """Put back, on leaving, the pure-Python pickler's methods ``serialize_provider`` replaces."""
    pickler = pickle._Pickler  # type: ignore[attr-defined]  # the class the SDK patches
    saved = pickler._batch_setitems, pickler.save_dict
    try:
        yield
    finally:
        pickler._batch_setitems, pickler.save_dict = saved
