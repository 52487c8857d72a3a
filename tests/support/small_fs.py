"""A real, tiny filesystem for a data dir: fill it up, make it read-only, give space back.

Root (as in CI containers) ignores file permissions, so ``chmod`` cannot make a
directory read-only for it, and only a real filesystem can really run out of
space. We therefore mount a size-limited tmpfs: the kernel then answers ENOSPC
when it is full, exactly what a full disk gives the server. Mounting needs root;
without it the disk-full case skips, saying why. For a read-only data dir see
:class:`ReadOnlySwitch`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

MB = 1024 * 1024
_FILLER_CHUNK = b"\0" * (256 * 1024)


def fill_up(directory: Path) -> None:
    """Write ``directory/filler`` until the filesystem refuses more (delete it to give the space back)."""
    with open(Path(directory) / "filler", "wb", buffering=0) as handle:
        for size in (len(_FILLER_CHUNK), 4096):  # big writes, then the last pages one by one
            try:
                while True:
                    handle.write(_FILLER_CHUNK[:size])
            except OSError:
                pass


def can_mount() -> bool:
    return os.geteuid() == 0


def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"mount {' '.join(args)} failed: {result.stderr.strip()}")


class SmallFilesystem:
    """A tmpfs of ``size_bytes`` mounted at ``path`` (root only)."""

    def __init__(self, path: Path, size_bytes: int):
        self.path = Path(path)
        self.size_bytes = size_bytes

    def mount(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        _mount("-t", "tmpfs", "-o", f"size={self.size_bytes},mode=0700", "tmpfs", str(self.path))

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


@contextlib.contextmanager
def small_filesystem(path: Path, size_bytes: int) -> Iterator[SmallFilesystem]:
    if not can_mount():
        pytest.skip("filling a disk needs a real small filesystem, and mounting one needs root")
    filesystem = SmallFilesystem(path, size_bytes)
    filesystem.mount()
    try:
        yield filesystem
    finally:
        filesystem.unmount()


class ReadOnlySwitch:
    """Makes a data dir and its files unwritable for the server, and writable again.

    As root, permissions do not stop writes, so the files get the immutable
    attribute (``chattr +i``): the kernel then refuses every write with EPERM,
    even through descriptors the server already holds, like a disk remounted
    read-only under it. (A real ``mount -o remount,ro`` is refused while the
    server has the database open for writing.) Without root, ``chmod`` does it.
    """

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self._modes: dict[Path, int] = {}
        self._immutable: list[Path] = []

    def set(self, read_only: bool) -> None:
        if os.geteuid() == 0:
            self._set_immutable(read_only)
        else:
            self._set_modes(read_only)

    def _set_immutable(self, read_only: bool) -> None:
        if read_only:
            self._immutable = [self.data_dir, *self.data_dir.iterdir()]
            result = subprocess.run(["chattr", "+i", *map(str, self._immutable)], capture_output=True, text=True)
            if result.returncode != 0:
                pytest.skip(f"as root, a read-only data dir needs chattr +i, which failed here: {result.stderr.strip()}")
        elif self._immutable:
            subprocess.run(["chattr", "-i", *map(str, self._immutable)], check=True)
            self._immutable = []

    def _set_modes(self, read_only: bool) -> None:
        if read_only:
            paths = [self.data_dir, *self.data_dir.iterdir()]
            self._modes = {p: stat.S_IMODE(p.stat().st_mode) for p in paths}
            for p in paths:
                p.chmod(self._modes[p] & ~0o222)
        else:
            for p, mode in self._modes.items():
                p.chmod(mode)
