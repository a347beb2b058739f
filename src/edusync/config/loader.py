"""Load the YAML configuration, substitute ``${ENV}`` references, validate everything at once.

A reference is looked up in the environment, then in a ``.env`` file beside the config.

Errors name the file, the line and the field. Secrets (fields typed ``SecretStr``
in a connector's settings) must come from ``${ENV_VAR}`` references: a secret
written into the YAML itself is an error, because config files get copied,
committed and mailed.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, SecretStr, ValidationError

from edusync import vault
from edusync.config import dotenv
from edusync.config.models import Config, ConnectorConfig, Flow
from edusync.errors import ConfigError

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

Path_ = tuple[str | int, ...]
#: ``scheme://user:password@`` in any value: a password inside a URL is a secret too.
_URL_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*:([^/@\s]+)@")


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config, the folder relative paths start from, and each connector's settings."""

    config: Config
    path: Path
    settings: dict[str, BaseModel]

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def vault(self) -> vault.Vault:
        """The keys this config names (the environment first), for the process to seal and open values with."""
        storage = self.config.storage
        key_file = None if storage.key_file is None else self.base_dir / storage.key_file
        return vault.load(key_file, [*storage.sensitive, *self.config.safety.national_id_attributes])


def _compose(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML safely and remember the line of every key and value."""
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError([_yaml_problem(exc, source)], file=source) from exc
    lines: dict[Path_, int] = {}

    def walk(n: yaml.Node | None, path: Path_) -> None:
        if n is None:
            return
        lines.setdefault(path, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                lines[(*path, str(key.value))] = key.start_mark.line + 1
                walk(value, (*path, str(key.value)))
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*path, i))

    walk(node, ())
    return data, lines


def _yaml_problem(exc: yaml.YAMLError, source: str) -> str:
    """``FILE:LINE:COLUMN: not valid YAML: what`` (PyYAML's own text names a ``<unicode string>``)."""
    mark = getattr(exc, "problem_mark", None)
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
    what = " ".join(str(p) for p in (getattr(exc, "context", None), getattr(exc, "problem", None)) if p) or str(exc)
    return f"{where}: not valid YAML: {what}"


def _substitute(
    value: Any, path: Path_, refs: set[Path_], missing: list[tuple[str, Path_]], environ: Mapping[str, str]
) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, (*path, k), refs, missing, environ) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, (*path, i), refs, missing, environ) for i, v in enumerate(value)]
    if isinstance(value, str) and _REF.search(value):
        refs.add(path)

        def env(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in environ:
                missing.append((name, path))
                return ""
            return environ[name]

        return _REF.sub(env, value)
    return value


def _where(source: str, lines: dict[Path_, int], loc: Path_) -> str:
    probe = loc
    while probe and probe not in lines:
        probe = probe[:-1]
    line = lines.get(probe)
    field = ".".join(str(p) for p in loc) or "(top)"
    return f"{source}:{line}: {field}" if line else f"{source}: {field}"


def _errors(
    exc: ValidationError,
    source: str,
    lines: dict[Path_, int],
    prefix: Path_ = (),
    unset: frozenset[Path_] = frozenset(),
) -> list[str]:
    """Each validation error at its file, line and field; none for a value whose variable is unset.

    That value is empty only because its ``${VAR}`` is not set, which is reported (or, for a command
    that opens no connector, does not matter): saying also that it is too short says it twice.
    """
    out = []
    for err in exc.errors():
        loc = (*prefix, *(str(p) if not isinstance(p, int) else p for p in err["loc"]))
        if loc in unset:
            continue
        out.append(f"{_where(source, lines, loc)}: {err['msg']}")
    return out


def load_config(path: str | Path, *, require_env: bool = True) -> LoadedConfig:
    """Read, substitute and validate ``path``; raise :class:`ConfigError` listing every problem.

    ``${VAR}`` comes from the environment, else from a ``.env`` beside the file (:mod:`.dotenv`).

    ``require_env=False`` is for commands that only read edusync's own database (run history,
    trash, reject): an unset variable, such as a source's password, is then left empty.
    """
    file = Path(path)
    source = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{source}: no such configuration file"]) from None
    except OSError as exc:
        raise ConfigError([f"{source}: cannot read: {exc.strerror}"]) from exc
    raw, lines = _compose(text, source)
    if not isinstance(raw, dict):
        raise ConfigError([f"{source}: the configuration must be a mapping"])
    refs: set[Path_] = set()
    missing: list[tuple[str, Path_]] = []
    url_secrets = [f"{_where(source, lines, path)}: {problem}" for path, problem in _url_passwords(raw, ())]
    # The environment wins over the folder's .env (a unit's or a CI job's value is the one meant).
    environ = {**dotenv.read(file.parent), **os.environ}
    data = _substitute(raw, (), refs, missing, environ)
    unset = frozenset(path for _, path in missing)
    problems = [f"{_where(source, lines, path)}: environment variable {name} is not set" for name, path in missing]
    if not require_env:
        problems = []
    config: Config | None = None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems += _errors(exc, source, lines, unset=unset)
    # Connector settings are checked even when the rest is wrong, so every problem shows at once.
    connectors = {}
    raw_connectors = data.get("connectors")
    for name, raw_conn in (raw_connectors if isinstance(raw_connectors, dict) else {}).items():
        with contextlib.suppress(ValidationError):
            connectors[name] = ConnectorConfig.model_validate(raw_conn)
    settings, more = _connector_settings(connectors, source, lines, refs, unset)
    problems += more
    if config is not None:
        problems += [f"{source}: {p}" for p in cross_check(config)]
        problems += _literal_secrets(config, source, lines, refs)
    problems += url_secrets
    if problems or config is None:
        raise ConfigError(problems)
    loaded = LoadedConfig(config, file.resolve(), settings)
    vault.install(loaded.vault())
    return loaded


def _connector_settings(
    connectors: dict[str, ConnectorConfig],
    source: str,
    lines: dict[Path_, int],
    refs: set[Path_],
    unset: frozenset[Path_] = frozenset(),
) -> tuple[dict[str, BaseModel], list[str]]:
    from edusync.connectors.registry import connector_class

    settings: dict[str, BaseModel] = {}
    problems: list[str] = []
    for name, conn in connectors.items():
        prefix: Path_ = ("connectors", name, "settings")
        try:  # only the plugins this config uses are imported: the others may be slow to load, or broken
            model = connector_class(conn.type).settings_model
        except ConfigError as exc:
            where = _where(source, lines, ("connectors", name, "type"))
            problems += [f"{where}: {problem}" for problem in exc.problems]
            continue
        try:
            settings[name] = model.model_validate(conn.settings)
        except ValidationError as exc:
            found = _errors(exc, source, lines, prefix, unset)
            if not found:  # wrong only for want of unset variables: a command that opens no connector goes on
                settings[name] = model.model_construct(**conn.settings)
            problems += found
            continue
        for field_name, info in model.model_fields.items():
            secret = info.annotation in (SecretStr, SecretStr | None) and conn.settings.get(field_name)
            if secret and (*prefix, field_name) not in refs:
                where = _where(source, lines, (*prefix, field_name))
                problems.append(f"{where}: a secret must be an ${{ENV_VAR}} reference, not a literal")
    return settings, problems


def _literal_secrets(config: Config, source: str, lines: dict[Path_, int], refs: set[Path_]) -> list[str]:
    """Secrets outside the connectors' settings (the SMTP password) must be ``${ENV}`` references too."""
    out = []
    if config.mail is not None and config.mail.password is not None and ("mail", "password") not in refs:
        out.append(f"{_where(source, lines, ('mail', 'password'))}: a secret must be an ${{ENV_VAR}} reference")
    return out


def _url_passwords(value: Any, path: Path_) -> list[tuple[Path_, str]]:
    """Every URL in the raw config whose password is written out (``postgresql://u:S3cret@db/x``)."""
    if isinstance(value, dict):
        return [hit for k, v in value.items() for hit in _url_passwords(v, (*path, str(k)))]
    if isinstance(value, list):
        return [hit for i, v in enumerate(value) for hit in _url_passwords(v, (*path, i))]
    if isinstance(value, str) and (m := _URL_PASSWORD.match(value)) and not _REF.fullmatch(m.group(1)):
        return [(path, "a password in a URL must be an ${ENV_VAR} reference (user:${DB_PASSWORD}@host), not a literal")]
    return []


def _check_flows(flows: list[Flow], where: str, rules: set[str]) -> list[str]:
    return [f"{where}: unknown rule {f.rule!r}" for f in flows if f.rule and f.rule not in rules]


def cross_check(config: Config) -> list[str]:
    """Problems no single model can see: names that refer to nothing."""
    from edusync.rules import rule_names

    rules = set(rule_names())
    problems: list[str] = []
    for i, sr in enumerate(config.sync):
        where = f"sync.{i}"
        if sr.connector not in config.connectors:
            problems.append(f"{where}.connector: no connector named {sr.connector!r}")
        problems += _check_flows(sr.flows, f"{where}.flows", rules)
        problems += [
            f"{where}.criteria: unknown rule {c.rule!r}" for c in sr.criteria if c.rule and c.rule not in rules
        ]
    for name, target in config.targets.items():
        if name not in config.connectors:
            problems.append(f"targets.{name}: no connector named {name!r}")
        for j, pr in enumerate(target.objects):
            problems += _check_flows(pr.flows, f"targets.{name}.objects.{j}.flows", rules)
    for pname, steps in config.profiles.items():
        for k, step in enumerate(steps):
            problems += _check_step(config, f"profiles.{pname}.{k}", step)
    if config.default_profile and config.default_profile not in config.profiles:
        problems.append(f"default_profile: no profile named {config.default_profile!r}")
    return problems


STEP_ACTIONS = {"import", "import-delta", "export"}
BARE_STEPS = {"sync", "lifecycle"}


def _check_step(config: Config, where: str, step: str) -> list[str]:
    if step in BARE_STEPS:
        return []
    connector, _, action = step.partition(":")
    if action not in STEP_ACTIONS:
        return [f"{where}: unknown step {step!r} (use sync, lifecycle, NAME:import, NAME:import-delta, NAME:export)"]
    if connector not in config.connectors:
        return [f"{where}: no connector named {connector!r}"]
    if action == "export" and connector not in config.targets:
        return [f"{where}: {connector!r} has no entry under 'targets'"]
    return []
