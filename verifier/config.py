"""Configuration files: find, read, validate and merge them into :class:`Settings`.

Where settings come from, lowest precedence first:

1. defaults;
2. the configuration file closest to the draft (``.verifier.toml``, ``verifier.toml``,
   or ``pyproject.toml`` with a ``[tool.verifier]`` table, searched from the draft's
   directory upwards), after the files it ``extend``\\ s, base first; or, instead of the
   search, the file given with ``--config FILE``;
3. ``--config 'key = value'`` overrides;
4. command-line options (``--select``, ``--ignore``...).

A key set in a later layer replaces the same key from an earlier one, except the
``severity`` and ``per-file-ignores`` tables, which merge entry by entry, and the
command line's ``--ignore``/``--extend-select``, which add to the configured lists.
Relative paths and globs are read relative to the file that declares them.

Every problem is a :class:`ConfigError` naming the file, the key and what is allowed.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from verifier.model import Severity
from verifier.settings import ATTACHMENT_SCOPES, Settings, matches

CONFIG_NAMES = (".verifier.toml", "verifier.toml", "pyproject.toml")
LEVELS = tuple(s.value for s in Severity)
DEFAULT_ORIGIN = "default"
COMMAND_LINE = "command line"


class ConfigError(Exception):
    """A configuration problem; the message is one line naming file, key and what is allowed."""


# -- validation -------------------------------------------------------------------

_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _expect_str(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string, not {_describe(value)}")
    return value


def _expect_list(where: str, key: str, value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: {key} must be a list of {what}, not {_describe(value)}")
    return value


def _selectors(where: str, key: str, value: Any) -> list[str]:
    items = _expect_list(where, key, value, "rule names, codes or code prefixes")
    for item in items:
        _check_selector(where, key, item)
    return [item.strip() for item in items]


def _check_selector(where: str, key: str, selector: str) -> None:
    from verifier.registry import all_rules

    known = all_rules()
    if any(matches(rule, [selector]) for rule in known) and selector.strip():
        return
    names = [rule.name for rule in known]
    close = difflib.get_close_matches(selector.strip().lower(), names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(f"{where}: {key}: {selector!r} is not a rule name, code or code prefix{hint}; "
                      f"`verifier rules` lists them")


def _level(where: str, key: str, value: Any) -> Severity:
    if value not in LEVELS:
        raise ConfigError(f"{where}: {key} must be one of {', '.join(LEVELS)}, not {_show(value)}")
    return Severity(value)


def _anchor(pattern: str, base: Path) -> str:
    """A glob relative to ``base``, made absolute.

    As in ``.gitignore``, a pattern without ``/`` (``*.txt``, ``archive``) matches at any
    depth below ``base``; one with ``/`` is relative to ``base``.
    """
    pattern = pattern.strip().replace("\\", "/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.rstrip("/")
    root = base.as_posix().rstrip("/")
    if "/" not in pattern:
        return f"{root}/**/{pattern}"
    return f"{root}/{pattern.lstrip('/')}"


def _validate(where: str, table: dict, base: Path) -> dict:
    """Check every key and value; return them normalised (paths and globs anchored to ``base``)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _VALIDATORS:
            close = difflib.get_close_matches(key, list(_VALIDATORS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{where}: unknown key {key!r}{hint}; allowed keys: {', '.join(_VALIDATORS)}")
        out[key] = _VALIDATORS[key](where, key, value, base)
    return out


def _v_selectors(where, key, value, base):
    return _selectors(where, key, value)


def _v_per_file_ignores(where, key, value, base):
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key} must be a table of glob = [rules], not {_describe(value)}")
    return {_anchor(glob, base): _selectors(where, f"{key}.{glob!r}", rules) for glob, rules in value.items()}


def _v_severity(where, key, value, base):
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key} must be a table of rule = level ({', '.join(LEVELS)}), "
                          f"not {_describe(value)}")
    levels = {}
    for selector, level in value.items():
        _check_selector(where, key, selector)
        levels[selector] = _level(where, f"{key}.{selector}", level)
    return levels


def _v_level(where, key, value, base):
    return _level(where, key, value)


def _v_exclude(where, key, value, base):
    return [_anchor(item, base) for item in _expect_list(where, key, value, "globs")]


def _v_attachment(where, key, value, base):
    if value not in ATTACHMENT_SCOPES:
        raise ConfigError(f"{where}: {key} must be one of {', '.join(ATTACHMENT_SCOPES)}, not {_show(value)}")
    return value


def _v_domains(where, key, value, base):
    domains = []
    for item in _expect_list(where, key, value, "domain names"):
        domain = item.strip().lower()
        if domain.startswith("www."):
            domain = domain[4:]
        if not _DOMAIN.fullmatch(domain):
            raise ConfigError(f"{where}: {key}: {item!r} is not a domain name (like \"nejm.org\")")
        domains.append(domain)
    return domains


def _v_path(where, key, value, base):
    text = _expect_str(where, key, value)
    return str((base / os.path.expanduser(text)).resolve()) if text else None


def _v_email(where, key, value, base):
    text = _expect_str(where, key, value).strip()
    if not _EMAIL.fullmatch(text):
        raise ConfigError(f"{where}: {key} must be an email address (the source APIs ask for one), not {value!r}")
    return text


def _v_bool(where, key, value, base):
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false, not {_show(value)}")
    return value


def _v_extend(where, key, value, base):
    return _expect_str(where, key, value)


_VALIDATORS: dict[str, Callable] = {
    "extend": _v_extend,
    "select": _v_selectors,
    "extend-select": _v_selectors,
    "ignore": _v_selectors,
    "per-file-ignores": _v_per_file_ignores,
    "severity": _v_severity,
    "fail-on": _v_level,
    "exclude": _v_exclude,
    "attachment": _v_attachment,
    "trusted-domains": _v_domains,
    "weak-domains": _v_domains,
    "cache-dir": _v_path,
    "contact-email": _v_email,
    "online": _v_bool,
}
SETTING_KEYS = tuple(k for k in _VALIDATORS if k != "extend")
_TABLES = {"per-file-ignores", "severity"}
_FIELDS = {key: key.replace("-", "_") for key in SETTING_KEYS}


def _describe(value: Any) -> str:
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "a table"}
    return f"{kinds.get(type(value), type(value).__name__)} ({_show(value)})"


def _show(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


# -- files ------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """One source of settings: a file (after validation) or the command line."""

    source: str
    values: dict
    adds: frozenset[str] = frozenset()   # keys whose lists add to earlier layers' lists


def _display(path: Path | str) -> str:
    path = Path(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{_display(path)}: no such configuration file") from None
    except IsADirectoryError:
        raise ConfigError(f"{_display(path)}: is a directory, not a configuration file") from None
    except OSError as error:
        raise ConfigError(f"{_display(path)}: cannot read ({error.strerror or error})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{_display(path)}: invalid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{_display(path)}: invalid TOML: not UTF-8") from None


def _table_of(path: Path, document: dict) -> tuple[dict | None, str]:
    """The verifier table of a parsed file and how to name it in messages."""
    if path.name == "pyproject.toml":
        tool = document.get("tool", {})
        table = tool.get("verifier") if isinstance(tool, dict) else None
        if table is not None and not isinstance(table, dict):
            raise ConfigError(f"{_display(path)}: [tool.verifier] must be a table")
        return table, f"{_display(path)} [tool.verifier]"
    return document, _display(path)


def read_layers(path: Path, chain: tuple[Path, ...] = ()) -> list[Layer]:
    """A file's layer after the layers of the files it extends (base first)."""
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(_display(p) for p in (*chain, path))
        raise ConfigError(f"{_display(chain[-1])}: extend: circular ({cycle})")
    table, where = _table_of(path, _read_toml(path))
    if table is None:
        raise ConfigError(f"{where}: no [tool.verifier] table")
    values = _validate(where, table, path.parent)
    layers: list[Layer] = []
    if "extend" in values:
        target = (path.parent / os.path.expanduser(values.pop("extend"))).resolve()
        if not target.is_file():
            raise ConfigError(f"{where}: extend: {_display(target)} does not exist")
        layers.extend(read_layers(target, (*chain, path)))
    layers.append(Layer(where, values))
    return layers


def has_verifier_table(path: Path) -> bool:
    """Whether a candidate file configures verifier (a pyproject.toml may not)."""
    if path.name != "pyproject.toml":
        return True
    table, _ = _table_of(path, _read_toml(path))
    return table is not None


def inline_layer(text: str) -> Layer:
    """``--config 'key = value'``: TOML read as if from a file in the current directory."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"--config {text!r}: not a file, and not valid TOML ({error})") from None
    where = f"--config {text!r}"
    values = _validate(where, table, Path.cwd())
    if "extend" in values:
        raise ConfigError(f"{where}: extend is only allowed in configuration files")
    return Layer(COMMAND_LINE + f" (--config {text.strip()})", values)


# -- resolution -------------------------------------------------------------------


@dataclass
class Resolved:
    """Settings for the drafts one configuration file governs, and where each value came from."""

    settings: Settings
    origins: dict[str, str]
    files: list[str] = field(default_factory=list)   # contributing files, base first


def merge(layers: list[Layer]) -> Resolved:
    values: dict[str, Any] = {}
    origins: dict[str, str] = {key: DEFAULT_ORIGIN for key in SETTING_KEYS}
    for layer in layers:
        for key, value in layer.values.items():
            if key in _TABLES:
                values[key] = {**values.get(key, {}), **value}
                for entry in value:
                    origins[f"{key}.{entry}"] = layer.source
                origins[key] = layer.source if origins[key] in (DEFAULT_ORIGIN, layer.source) else "merged"
            elif key in layer.adds and key in values:
                values[key] = values[key] + [v for v in value if v not in values[key]]
                origins[key] = f"{origins[key]} + {layer.source}"
            else:
                values[key] = value
                origins[key] = layer.source
    settings = Settings(**{_FIELDS[key]: value for key, value in values.items()})
    settings.options = settings.rule_options()
    files = [layer.source for layer in layers if not layer.source.startswith(COMMAND_LINE)]
    return Resolved(settings, origins, files)


class Configuration:
    """Settings per draft: the closest configuration file wins, unless ``--config FILE`` is given.

    ``config`` is a file path, or TOML text (``"ignore = ['VS101']"``) applied on top of
    whatever file applies. ``cli`` holds command-line values by key (``{"select": [...]}``);
    ``cli_adds`` names the keys whose lists add to the configured ones.
    """

    def __init__(self, config: list[str] | str | None = None, cli: dict | None = None,
                 cli_adds: tuple[str, ...] = ("ignore", "extend-select")):
        configs = [config] if isinstance(config, str) else list(config or [])
        self.file: Path | None = None
        overrides: list[Layer] = []
        for item in configs:
            if os.path.exists(item) or not _looks_like_toml(item):
                if self.file is not None:
                    raise ConfigError(f"--config {item}: only one configuration file may be given "
                                      f"(already {_display(self.file)})")
                self.file = Path(item)
                if not self.file.is_file():
                    raise ConfigError(f"--config {item}: no such configuration file")
            else:
                overrides.append(inline_layer(item))
        cli_values = {}
        for key, value in (cli or {}).items():
            if value is None or value == []:
                continue
            cli_values[key] = _validate(f"{COMMAND_LINE} ({_option(key)})", {key: value}, Path.cwd())[key]
        if cli_values:
            overrides.append(Layer(COMMAND_LINE, cli_values, frozenset(cli_adds)))
        self._overrides = overrides
        self._by_file: dict[Path | None, Resolved] = {}
        self._nearest: dict[str, Path | None] = {}
        self._by_draft: dict[str, Resolved] = {}
        if self.file is not None:
            self._resolve_file(self.file.resolve())   # report a bad --config file before reading drafts

    def for_path(self, draft: str) -> Resolved:
        # Asked several times per draft (exclusion, settings, the result cache's key).
        found = self._by_draft.get(draft)
        if found is None:
            file = self.file.resolve() if self.file else self.find(draft)
            found = self._by_draft[draft] = self._resolve_file(file)
        return found

    def settings_for(self, draft: str) -> Settings:
        return self.for_path(draft).settings

    def excluded(self, draft: str) -> bool:
        return draft != "-" and self.settings_for(draft).excluded(draft)

    def find(self, draft: str) -> Path | None:
        """The configuration file closest to a draft (stdin: the current directory)."""
        # Directories as strings: a library's thousands of drafts each ask, and pathlib's
        # objects cost more than the answer once their folder is known.
        directory = os.getcwd() if draft == "-" else os.path.dirname(os.path.abspath(draft))
        visited = []
        found = None
        while True:
            if directory in self._nearest:
                found = self._nearest[directory]
                break
            visited.append(directory)
            candidate = next((Path(directory, name) for name in CONFIG_NAMES
                              if os.path.isfile(os.path.join(directory, name))
                              and has_verifier_table(Path(directory, name))), None)
            if candidate is not None:
                found = candidate
                break
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        for seen in visited:
            self._nearest[seen] = found
        return found

    def _resolve_file(self, path: Path | None) -> Resolved:
        if path not in self._by_file:
            layers = read_layers(path) if path is not None else []
            self._by_file[path] = merge(layers + self._overrides)
        return self._by_file[path]


def _looks_like_toml(text: str) -> bool:
    return "=" in text


def _option(key: str) -> str:
    return f"--{key}"


# -- `verifier config` ------------------------------------------------------------


def describe(resolved: Resolved, draft: str, as_json: bool = False) -> str:
    """The resolved settings for a draft, each with where it came from."""
    from verifier.registry import all_rules

    settings = resolved.settings
    rows = []
    for key in SETTING_KEYS:
        value = getattr(settings, _FIELDS[key])
        rows.append((key, _plain(value), resolved.origins.get(key, DEFAULT_ORIGIN)))
    rules = all_rules()
    enabled = [rule for rule in rules if settings.enabled(rule)]
    if as_json:
        payload = {
            "draft": draft,
            "files": resolved.files,
            "settings": {key: {"value": value, "from": origin} for key, value, origin in rows},
            "rules": [{"code": r.code, "name": r.name, "enabled": settings.enabled(r),
                       "severity": settings.severity_of(r).value} for r in rules],
        }
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    lines = [f"# Settings for {draft}",
             f"# Configuration: {' <- '.join(reversed(resolved.files)) if resolved.files else 'none found (defaults)'}"]
    shown = [(key, _toml(value)) for key, value, _ in rows]
    width = max(len(f"{key} = {value}") for key, value in shown)
    for (key, value), (_, _, origin) in zip(shown, rows):
        lines.append(f"{key} = {value}".ljust(width) + f"  # {origin}")
        if key in _TABLES:
            for entry in getattr(settings, _FIELDS[key]):
                entry_origin = resolved.origins.get(f"{key}.{entry}")
                if entry_origin and entry_origin != origin:
                    lines.append(f"#   {entry}: {entry_origin}")
    disabled = [r.name for r in rules if r not in enabled]
    lines.append(f"# Rules enabled: {len(enabled)} of {len(rules)}"
                 + (f" (off: {', '.join(disabled)})" if disabled else ""))
    changed = [f"{r.name}={settings.severity_of(r).value}" for r in enabled if settings.severity_of(r) != r.severity]
    if changed:
        lines.append(f"# Severity changed: {', '.join(changed)}")
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, Severity):
        return value.value
    if isinstance(value, dict):
        return {_display_glob(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_display_glob(v) if isinstance(v, str) else v for v in value]
    return value


def _display_glob(text: str) -> str:
    if text.startswith("/"):
        cwd = Path.cwd().as_posix().rstrip("/") + "/"
        if text.startswith(cwd):
            return text[len(cwd):]
    return text


def _toml(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False)
