"""Named random streams for common random numbers.

Every model component draws from its own generator, spawned from the replication's root `SeedSequence` by a stable
name ("targeting", "open", "response_delay", ...). Changing one rule in a variant therefore leaves the random numbers
of every other component untouched, which is what makes paired comparisons (A/B with common random numbers) tight.
Names are hashed with SHA-256, not Python's `hash`, so streams are the same in every process and on every machine.
"""
from __future__ import annotations

import functools
import hashlib

import numpy as np


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The root seed of replication `replication` of a run seeded with `seed`."""
    if seed < 0 or replication < 0:
        raise ValueError(f"seed and replication must be >= 0, got {seed}, {replication}")
    return np.random.SeedSequence(entropy=seed, spawn_key=(replication,))


@functools.lru_cache(maxsize=4096)  # wish streams ask for the same few names thousands of times a run
def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "little")


class Streams:
    """Hands out one `numpy.random.Generator` per component name, always the same for the same name and root."""

    def __init__(self, root: np.random.SeedSequence):
        self.root = root
        self._generators: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            child = np.random.SeedSequence(
                entropy=self.root.entropy, spawn_key=tuple(self.root.spawn_key) + (_name_key(name),)
            )
            gen = np.random.Generator(np.random.PCG64(child))
            self._generators[name] = gen
        return gen

    def keyed(self, name: str, *keys: int) -> np.random.Generator:
        """A fresh generator for `name` and integer `keys` (e.g. plan, block, window), not cached: for draws that
        must not depend on how many numbers were drawn before for other keys."""
        child = np.random.SeedSequence(
            entropy=self.root.entropy, spawn_key=tuple(self.root.spawn_key) + (_name_key(name),) + tuple(keys)
        )
        return np.random.Generator(np.random.PCG64(child))
