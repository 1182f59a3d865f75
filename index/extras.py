"""Optional dependencies: import one, or fail with a typed error naming what to install."""
from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependency


def require(module: str, install: str, purpose: str) -> ModuleType:
    """``importlib.import_module(module)``, or ``MissingDependency`` saying ``pip install <install>``.

    ``install`` is what to pip-install, e.g. ``'reportqa[milvus]'`` for an extra; ``purpose``
    names the feature that needs it (shown to the user).
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependency(f"{purpose} needs the Python package {module.split('.')[0]!r}, which is not "
                                f"installed: run `pip install {install}`") from exc
