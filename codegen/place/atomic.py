"""Atomic, change-only writes that only ever replace a regular file, and keep it the user's.

A write goes to a temp file in the same directory (`.NAME.mirrorgen-PID.tmp`,
recognisable, so a later run can remove what a killed one left behind), gets
the old file's mode, owner, group and extended attributes, is synced, then
renamed over the target. Devices, FIFOs, sockets and directories are refused
before anything is read from them, as is a path that is one of the command's
own inputs. Any failure leaves the target as it was, removes the temp file and
ends as one InputError line naming the target.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from codegen.errors import InputError

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"))


def temp_name(name: str, pid: int | None = None) -> str:
    return f".{name}.mirrorgen-{os.getpid() if pid is None else pid}.tmp"


_TEMP = re.compile(r"\.(?P<name>.+)\.mirrorgen-(?P<pid>\d+)\.tmp\Z")


def check_output(path: Path, inputs: Iterable[Path] = (), shown: str | None = None) -> os.stat_result | None:
    """The target's stat if it is a regular file, None for a new path; else exit 2 naming it."""
    where = shown or path.as_posix()
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(where, 1, 1, f"cannot use as an output: {_reason(exc)}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = next((what for test, what in _KINDS if test(st.st_mode)), "not a regular file")
        raise InputError(where, 1, 1, f"is {kind}, not a regular file; refusing to write it")
    if st is not None:
        for source in inputs:
            try:
                other = os.stat(source)
            except OSError:
                continue
            if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
                raise InputError(where, 1, 1, f"is one of this command's inputs ({source.as_posix()}); "
                                 "refusing to overwrite it")
    return st


def tool_inputs() -> list[Path]:
    """The files every command reads besides its specs: the templates and the bundled style."""
    from codegen.resources import clang_format_style, templates_dir

    return [*sorted(templates_dir().glob("*.j2")), clang_format_style()]


def write_if_changed(path: Path, data: bytes, *, inputs: Iterable[Path] = (),
                     shown: str | None = None) -> bool:
    """Write `data` to `path` unless it already holds exactly that; True if written."""
    where = shown or path.as_posix()
    st = check_output(path, inputs, shown)
    if st is not None and path.is_symlink():  # write through the link: it stays a link
        try:
            path = path.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise InputError(where, 1, 1, f"cannot resolve the output: {exc}") from None
    created: list[Path] = []  # directories made for this write, removed again if it fails
    try:
        remove_stale_temps(path.parent, path.name)  # also when nothing is written
        if st is not None and st.st_size == len(data) and path.read_bytes() == data:
            return False
        created = [d for d in (path.parent, *path.parent.parents) if not d.exists()]
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace(path, data, st)
    except OSError as exc:
        for directory in created:  # deepest first
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise InputError(where, 1, 1, f"cannot write: {_reason(exc)}") from None
    return True


def remove_stale_temps(directory: Path, name: str) -> list[Path]:
    """Remove `.NAME.mirrorgen-PID.tmp` files whose process is gone (a kill -9 leaves them)."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        found = _TEMP.match(entry.name)
        if found is None or found.group("name") != name or _alive(int(found.group("pid"))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours, from an earlier write in this process: not in use now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _replace(path: Path, data: bytes, old: os.stat_result | None) -> None:
    tmp = path.parent / temp_name(path.name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            _keep_metadata(fd, path, old)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:  # includes KeyboardInterrupt and the CLI's SIGTERM: leave no temp file
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # the rename itself survives a crash
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _keep_metadata(fd: int, path: Path, old: os.stat_result | None) -> None:
    """The old file's mode, owner, group and xattrs on the new one (a new file: 0644)."""
    if old is None:
        os.fchmod(fd, 0o644)
        return
    if (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
        with contextlib.suppress(PermissionError):  # only root may give a file away
            os.fchown(fd, old.st_uid, old.st_gid)
    os.fchmod(fd, stat.S_IMODE(old.st_mode))
    try:
        names = os.listxattr(path)
    except OSError:
        return  # a file system without xattrs
    for name in names:
        try:
            os.setxattr(fd, name, os.getxattr(path, name))
        except OSError as exc:
            if name.startswith("user.") and exc.errno not in (errno.ENOTSUP, errno.EOPNOTSUPP):
                raise


def _reason(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EFBIG:
        reason += " (a file size limit, ulimit -f?)"
    return reason
