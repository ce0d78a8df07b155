"""The package imports, shows its API, and says what to do when the engine is missing."""

import subprocess
import sys
import textwrap

import pytest

from conftest import child_env


def test_import_and_api(ps):
    assert ps.__version__
    for name in ps.__all__:
        assert getattr(ps, name) is not None, name
    assert issubclass(ps.ScenarioError, ps.InputError)
    assert issubclass(ps.InputError, ValueError)
    assert ps.ScenarioError.__module__ == "powershift"
    assert ps._core.hardware_threads() >= 1


def test_plot_is_imported_lazily(ps):
    code = "import sys, powershift; assert 'matplotlib' not in sys.modules; powershift.plot; assert 'matplotlib' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, env=child_env(), timeout=120)


@pytest.mark.no_powershift
def test_friendly_error_without_core(tmp_path):
    """A copy of the Python sources without _core fails with a message naming the fix."""
    import shutil

    from conftest import ANALYSIS_DIR

    shutil.copytree(ANALYSIS_DIR / "powershift", tmp_path / "powershift",
                    ignore=shutil.ignore_patterns("_core*.so", "__pycache__"))
    code = textwrap.dedent("""
        import sys
        sys.path = [p for p in sys.path if p not in ('', '.')]
        sys.path.insert(0, sys.argv[1])
        try:
            import powershift
        except ImportError as e:
            print(e)
        else:
            print('imported', powershift.__file__)
    """)
    env = {k: v for k, v in child_env().items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                         text=True, env=env, timeout=60, cwd=tmp_path)
    if out.stdout.startswith("imported"):
        pytest.skip("an installed powershift on sys.path provides _core")
    assert "powershift._core" in out.stdout and "pip install ." in out.stdout, out.stdout + out.stderr
