"""Scenarios: loaded and validated by the engine's loader, from a file, YAML text or a dict."""

from __future__ import annotations

import math
import os
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

from . import _core

__all__ = ["PathLike", "Scenario", "ScenarioNotFoundError", "ScenarioWarning", "as_scenario", "scenario_dir",
           "to_yaml_value"]

PathLike = Union[str, "os.PathLike[str]"]

DEFAULT_SCENARIO = "syria-2024-12.yaml"


def scenario_dir() -> Path:
    """The directory of the bundled scenarios.

    In order: ``$POWERSHIFT_SCENARIO_DIR``; the source tree's ``scenarios/`` the engine was
    built from, if it still exists; ``<prefix>/share/powershift/scenarios`` of the installed
    package (``pip install`` puts them there, next to the ``powershift`` command).
    """
    env = os.environ.get("POWERSHIFT_SCENARIO_DIR")
    if env:
        return Path(env)
    candidates = [Path(_core.scenario_dir())]
    for prefix in (sysconfig.get_path("data"), sys.prefix, sys.base_prefix):
        if prefix:
            candidates.append(Path(prefix) / "share" / "powershift" / "scenarios")
    for c in candidates:
        if (c / DEFAULT_SCENARIO).is_file():
            return c
    raise FileNotFoundError(
        "the bundled scenarios were not found (looked in: "
        + ", ".join(str(c) for c in candidates)
        + "); set POWERSHIFT_SCENARIO_DIR"
    )


def to_yaml_value(value: Any) -> str:
    """A Python value as YAML flow text, for overrides (None removes the key)."""
    if value is None:
        return ""
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict, str)):
        value = value.item()  # NumPy scalars
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, (str, os.PathLike)):
        text = os.fspath(value)
        # JSON's double-quoted strings are YAML's: a string stays a string ("0" is not 0).
        import json

        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = ", ".join(f"{to_yaml_value(str(k))}: {to_yaml_value(v) or '~'}"
                          for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and hasattr(value, "ndim")):
        seq = value.tolist() if hasattr(value, "tolist") else value
        return "[" + ", ".join(to_yaml_value(v) or "~" for v in seq) + "]"
    raise TypeError(f"cannot express {type(value).__name__} {value!r} as a scenario value")


class Scenario:
    """A validated scenario (DESIGN.md §4).

    Make one with :meth:`from_yaml`, :meth:`from_dict`, :meth:`from_string` or
    :meth:`default`; :meth:`override` returns a changed copy using the paths of
    ``powershift run --set``. Scenarios are immutable; errors raise :class:`ScenarioError`
    with the file, line, column and field path of the first error and every diagnostic.
    """

    __slots__ = ("_core",)

    def __init__(self, source: PathLike | Mapping[str, Any] | None = None) -> None:
        if source is None:
            core = Scenario.default()._core
        elif isinstance(source, Mapping):
            core = Scenario.from_dict(source)._core
        elif isinstance(source, (str, os.PathLike)):
            core = Scenario.from_yaml(source)._core
        else:
            raise TypeError(
                f"Scenario(source): a path, a dict or None (the bundled scenario), "
                f"got {type(source).__name__}")
        self._core: _core.Scenario = core

    @classmethod
    def _wrap(cls, core: _core.Scenario) -> Scenario:
        obj = cls.__new__(cls)
        obj._core = core
        _warn(obj)
        return obj

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_yaml(cls, path: PathLike, overrides: Mapping[str, Any] | None = None) -> Scenario:
        """Load a scenario file (``extends`` resolved relative to it)."""
        try:
            core = _core.Scenario.from_file(os.fspath(path), _override_list(overrides))
        except _core.ScenarioError as e:
            raise _not_found(e) or e
        return cls._wrap(core)

    @classmethod
    def from_string(cls, text: str, *, label: str = "<string>",
                    base_dir: PathLike | None = None) -> Scenario:
        """Load YAML text. ``base_dir`` is where ``extends`` paths start (without it,
        ``extends`` is refused: a string has no directory)."""
        return cls._wrap(_core.Scenario.from_string(
            text, label, os.fspath(base_dir) if base_dir is not None else ""))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, label: str = "<dict>",
                  base_dir: PathLike | None = None) -> Scenario:
        """A scenario from a dict with the YAML's structure (e.g. ``yaml.safe_load`` of a file,
        changed). It is written out as YAML text and loaded as :meth:`from_string`; error
        locations refer to that text (``Scenario.text`` of a valid one)."""
        import yaml

        if not isinstance(data, Mapping):
            raise TypeError(f"from_dict: a mapping, got {type(data).__name__}")
        text = yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True, width=100)
        return cls.from_string(text, label=label, base_dir=base_dir)

    @classmethod
    def default(cls) -> Scenario:
        """The bundled Syria drawdown scenario (what ``powershift run`` runs)."""
        return cls.from_yaml(scenario_dir() / DEFAULT_SCENARIO)

    def override(self, changes: Mapping[str, Any]) -> Scenario:
        """A copy with values changed, as ``powershift run --set PATH=VALUE``.

        Keys are scenario paths (``actors.russia.budget``, ``events[0].leave``,
        ``model.control.theta``; docs/scenarios.md, "Paths into a scenario"); values are
        Python values (numbers, strings, lists, dicts; None removes the key so the default
        applies). Applied in order, after ``extends`` and any earlier overrides; the result is
        validated again. A bad path or value raises :class:`ScenarioError` naming it.
        """
        if not isinstance(changes, Mapping):
            raise TypeError(f"override: a mapping of path to value, got {type(changes).__name__}")
        return Scenario._wrap(self._core.with_overrides(_override_list(changes)))

    # -- what it is ----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._core.name

    @property
    def description(self) -> str:
        return self._core.description

    @property
    def text(self) -> str:
        """The YAML as it runs (with ``extends`` and overrides merged in), as stored in outputs."""
        return self._core.text

    @property
    def path(self) -> str | None:
        """The file it was loaded from, or None."""
        return self._core.file or None

    @property
    def overrides(self) -> list[tuple[str, str]]:
        """(path, YAML value) of every override applied, in order."""
        return [(p, v) for p, v, _ in self._core.overrides]

    @property
    def hash(self) -> str:
        """``fnv1a64:...`` of :attr:`text`, as the output's ``scenario_hash``."""
        return self._core.hash

    @property
    def regions(self) -> list[str]:
        return self._core.regions

    @property
    def actors(self) -> list[str]:
        return self._core.actors

    @property
    def unit_types(self) -> list[str]:
        return self._core.unit_types

    @property
    def steps(self) -> int:
        return self._core.steps

    @property
    def dt(self) -> float:
        return self._core.dt

    @property
    def start_date(self) -> str:
        return self._core.start_date

    @property
    def seed(self) -> int:
        return self._core.seed

    @property
    def replicates(self) -> int:
        return self._core.replicates

    @property
    def interval(self) -> int:
        return self._core.interval

    @property
    def has_drawdown(self) -> bool:
        return self._core.has_drawdown

    @property
    def withdrawing_actor(self) -> str | None:
        return self._core.withdrawing_actor

    @property
    def warnings(self) -> list[_core.Diagnostic]:
        """The loader's warnings (valid, but probably not meant)."""
        return self._core.warnings

    @property
    def engine_warnings(self) -> list[tuple[str, str]]:
        """(path, message) the engine sees: initial control far from its day-0 target, units
        of a withdrawing actor that cannot reach an exit."""
        return self._core.engine_warnings

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data (PyYAML's reading of :attr:`text`)."""
        import yaml

        data: dict[str, Any] = yaml.safe_load(self.text)
        return data

    def __repr__(self) -> str:
        where = f" from {self.path}" if self.path else ""
        extra = f", {len(self.overrides)} overrides" if self.overrides else ""
        return (f"<powershift.Scenario {self.name!r}{where}: {len(self.regions)} regions, "
                f"{len(self.actors)} actors, {self.steps} steps{extra}>")


class ScenarioWarning(UserWarning):
    """A scenario that is valid but probably not what was meant: the loader's warnings and the
    engine's (e.g. initial control far from what the forces support), issued with
    :func:`warnings.warn` when the scenario is loaded; the CLI prints the same ones."""


class ScenarioNotFoundError(FileNotFoundError, _core.ScenarioError):
    """A scenario file (or a file it extends) that does not exist: a :class:`FileNotFoundError`
    (``errno``, ``filename``) and a :class:`powershift.ScenarioError` (``diagnostics``,
    ``file``, ``message``) at once."""

    located: str = ""

    def __str__(self) -> str:
        return self.located or super().__str__()


def _not_found(e: _core.ScenarioError) -> ScenarioNotFoundError | None:
    """The error as a ScenarioNotFoundError when it is about a file that does not exist."""
    import errno

    file = getattr(e, "file", None)
    if not file or os.path.exists(file) or not str(getattr(e, "message", "")).startswith("cannot open"):
        return None
    out = ScenarioNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), file)
    for attr in ("diagnostics", "file", "line", "column", "path", "message"):
        setattr(out, attr, getattr(e, attr, None))
    out.located = str(e)
    return out


def _warn(sc: Scenario) -> None:
    import warnings

    for d in sc.warnings:
        warnings.warn(str(d), ScenarioWarning, stacklevel=4)
    for path, message in sc.engine_warnings:
        warnings.warn(f"{sc.name}: {path}: warning: {message}", ScenarioWarning, stacklevel=4)


ScenarioWarning.__module__ = ScenarioNotFoundError.__module__ = "powershift"


def _override_list(changes: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    out = []
    for path, value in (changes or {}).items():
        if not isinstance(path, str):
            raise TypeError(f"override paths are strings, got {path!r}")
        text = to_yaml_value(value)
        out.append((path, text, f"override {path}={text}"))
    return out


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays, tuples and paths as plain YAML-able data."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    return value


def as_scenario(scenario: Scenario | PathLike | Mapping[str, Any] | None) -> Scenario:
    """Accepts a Scenario, a path, a dict, or None (the bundled scenario)."""
    if isinstance(scenario, Scenario):
        return scenario
    return Scenario(scenario)
