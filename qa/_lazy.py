"""Package exports that import their module only when first used.

Each subpackage's `__init__` names what it exports and where it lives. Importing the package stays cheap (`qa --help`
must not pay for chromadb or LlamaIndex), and a name is looked up in its module the first time it is used.
"""

from __future__ import annotations

import importlib
from typing import Callable


def exports(package: str, names: dict[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`: `names` maps an exported name to "module" or "module:attribute"."""

    def __getattr__(name: str) -> object:
        where = names.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = where.partition(":")
        loaded = importlib.import_module(f"{package}.{module}")
        return loaded if attribute == "*" else getattr(loaded, attribute or name)

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__
