"""The hand-written stub analysis/powershift/_core.pyi matches the compiled powershift._core.

mypy.stubtest imports the module and compares its names, classes, properties and metaclasses
with the stub. It runs in a subprocess with the tests' PYTHONPATH (conftest.child_env: analysis/
and the build's python/ under ctest), so it checks the very _core the other tests import against
the stub next to the package's sources. Without _core (the asan preset) conftest skips this test
with the reason. pybind11 artefacts a stub cannot state are in stubtest-allowlist.txt; an entry
that no longer matches anything is an error too, so the list stays minimal.

stubtest cannot read a pybind11 function's signature (pybind11 gives no __text_signature__), so
it checks no parameters: the second test compares the stub's parameter names and defaults with
the signature line pybind11 writes at the top of each docstring.
"""

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import UNDER_CTEST, child_env

ALLOWLIST = Path(__file__).resolve().parent / "stubtest-allowlist.txt"


def require_mypy() -> None:
    if importlib.util.find_spec("mypy") is None:
        message = "mypy is not installed (scripts/install-deps.sh, or pip install '.[test]')"
        if UNDER_CTEST:
            pytest.fail(message)
        pytest.skip(message)


def test_core_stub_matches_the_module(ps, tmp_path):
    require_mypy()
    # An empty configuration, and tmp_path as working directory (mypy's cache goes there): no
    # mypy.ini or pyproject.toml of wherever the tests run from changes what is checked.
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n")
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "--mypy-config-file", str(config),
         "--allowlist", str(ALLOWLIST), "powershift._core"],
        cwd=tmp_path, env=child_env(), capture_output=True, text=True, timeout=600)
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        pytest.fail(f"stubtest finds the stub inconsistent with {ps._core.__file__}:\n{output}",
                    pytrace=False)


def stub_functions(tree: ast.Module):
    """(qualified name, [(parameter, has a default)]) of each def in the stub but properties."""
    def params(f: ast.FunctionDef) -> list[tuple[str, bool]]:
        positional = f.args.posonlyargs + f.args.args
        first_default = len(positional) - len(f.args.defaults)
        out = [(a.arg, i >= first_default) for i, a in enumerate(positional)]
        if f.args.vararg:
            out.append(("*" + f.args.vararg.arg, False))
        out += [(a.arg, d is not None) for a, d in zip(f.args.kwonlyargs, f.args.kw_defaults)]
        if f.args.kwarg:
            out.append(("**" + f.args.kwarg.arg, False))
        return out

    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield node.name, params(node)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if not isinstance(item, ast.FunctionDef):
                    continue
                decorators = {d.id for d in item.decorator_list if isinstance(d, ast.Name)}
                if "property" not in decorators:
                    yield f"{node.name}.{item.name}", params(item)


def test_core_stub_parameters_match_the_docstrings(ps):
    require_mypy()
    from mypy.stubdoc import infer_sig_from_docstring

    stub = Path(ps.__file__).resolve().parent / "_core.pyi"
    problems = []
    for qualname, stub_params in stub_functions(ast.parse(stub.read_text(), str(stub))):
        runtime = ps._core
        for part in qualname.split("."):
            runtime = getattr(runtime, part, None)
        if runtime is None:
            continue  # a name missing from the module: stubtest reports it
        name = qualname.rsplit(".", 1)[-1]
        sigs = infer_sig_from_docstring(runtime.__doc__ or "", name)
        assert sigs, f"{qualname}: no pybind11 signature line in its docstring"
        overloads = [[(a.name, a.default) for a in sig.args] for sig in sigs]
        if stub_params not in overloads:
            runtime_params = " or ".join(map(str, overloads))
            problems.append(f"{qualname}: stub {stub_params}, module {runtime_params}")
    if problems:
        pytest.fail(f"parameters of {stub} differ from {ps._core.__file__}:\n"
                    + "\n".join(problems), pytrace=False)
