"""Every public function and class of the package has a docstring."""

import inspect

import pytest

import ingot
import ingot.models  # noqa: F401  (not imported by `import ingot`)


def public_members():
    modules = [("ingot", ingot), ("ingot.array", ingot.array)]
    for sub in ("random", "linalg", "distributed", "nn", "utils", "nn.init", "nn.losses", "models", "models.llama",
                "models.cache", "models.base"):
        obj = ingot
        try:
            for part in sub.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            continue
        modules.append((f"ingot.{sub}", obj))
    seen = set()
    for modname, mod in modules:
        for name in dir(mod):
            if name.startswith("_"):
                continue
            obj = getattr(mod, name)
            if inspect.ismodule(obj) or not callable(obj) or isinstance(obj, ingot.Dtype):
                continue
            key = (modname, name)
            if key not in seen:
                seen.add(key)
                yield f"{modname}.{name}", obj


@pytest.mark.parametrize("name, obj", list(public_members()), ids=lambda v: v if isinstance(v, str) else "")
def test_has_docstring(name, obj):
    doc = inspect.getdoc(obj) or ""
    # nanobind puts the signature first; the description must follow it.
    lines = [line for line in doc.splitlines() if line.strip() and not line.startswith(name.split(".")[-1] + "(")]
    assert lines, f"{name} has no docstring"
