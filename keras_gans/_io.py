"""Atomic writes: a file or folder appears whole or not at all.

Every writer goes to a temporary path in the target's own folder (so the final
`os.replace` is a rename on one file system), and only a complete result
replaces the target. A failure, or a kill, during the write leaves the
previous file (a checkpoint, an export) as it was, and no partial file behind.
"""

import os
import shutil


def temporary_path(path):
    """A hidden sibling of `path` with the same extension (Keras checks `.keras`)."""
    directory, name = os.path.split(os.path.abspath(os.fspath(path)))
    stem, ext = os.path.splitext(name)
    return os.path.join(directory, f".{stem}.partial-{os.getpid()}{ext}")


def atomic_write(path, write):
    """Call `write(tmp)` to write a temporary sibling of `path`, then move it onto `path`.

    Args:
        path: the final file or folder.
        write: `fn(tmp_path)` that writes the whole result at `tmp_path`.

    Returns:
        `path`. On any error the temporary path is removed and `path` is untouched.
    """
    path = os.path.abspath(os.fspath(path))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = temporary_path(path)
    _remove(tmp)
    try:
        write(tmp)
        if os.path.isdir(tmp) and os.path.isdir(path):
            # os.replace cannot replace a non-empty folder: move the old one aside first.
            old = f"{tmp}.old"
            _remove(old)
            os.replace(path, old)
            os.replace(tmp, path)
            _remove(old)
        else:
            os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
    return path


def write_bytes(path, data):
    """Write `data` to `path` atomically."""

    def write(tmp):
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    return atomic_write(path, write)


def write_text(path, text):
    """Write the string `text` to `path` atomically."""
    return write_bytes(path, text.encode("utf-8"))


def save_model(model, path):
    """`model.save(path)` atomically: the previous file at `path` stays loadable until the new one is whole."""
    return atomic_write(path, model.save)


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.remove(path)
