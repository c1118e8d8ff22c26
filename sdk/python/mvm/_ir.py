"""The Workload IR shape (schema 0.1), mirrored by hand from packages/ir/src/schema.ts.

Only constants and type descriptions live here; the lowering in ``_declaration`` builds these values and
fixtures/ir proves the bytes equal the TypeScript SDK's.
"""
from __future__ import annotations

import re
from typing import Literal, NotRequired, TypedDict

SCHEMA_VERSION = "0.1"

# fullmatch, never `$`: Python's `$` also matches before a trailing newline, JavaScript's does not.
APP_NAME_PATTERN = re.compile("[a-z][a-z0-9-]{0,62}")
ENV_KEY_PATTERN = re.compile("[A-Za-z_][A-Za-z0-9_]*")
SECRET_NAME_PATTERN = re.compile("[a-z0-9][a-z0-9._-]{0,62}")
ORIGIN_PATTERN = re.compile(
    r"https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::[1-9][0-9]{0,4})?")

HOOK_PHASES = ("before_build", "before_start", "after_start", "before_stop")


class ShellHook(TypedDict):
    kind: Literal["shell"]
    line: str


class ArgvHook(TypedDict):
    kind: Literal["argv"]
    argv: list[str]


HookCmd = ShellHook | ArgvHook
Hooks = dict[str, list[HookCmd]]  # keys from HOOK_PHASES; a phase with no commands is absent


class Source(TypedDict):
    kind: Literal["local_path"]
    path: str
    include: list[str]
    exclude: list[str]


class Image(TypedDict):
    kind: Literal["nix_packages"]
    packages: list[str]


class Resources(TypedDict):
    cpu_cores: int
    memory_mb: int
    rootfs_size_mb: int


class Port(TypedDict):
    guest: int
    host: int
    proto: Literal["tcp", "udp"]


class Network(TypedDict):
    mode: Literal["none", "bridge", "host"]
    ports: list[Port]


class SecretMount(TypedDict):
    kind: Literal["env"]
    var: str


class SecretRef(TypedDict):
    name: str
    mount: SecretMount
    hosts: NotRequired[list[str]]


class LiteralValue(TypedDict):
    kind: Literal["literal"]
    value: str


class SecretValue(TypedDict):
    kind: Literal["secret_ref"]
    ref: SecretRef


EnvValue = LiteralValue | SecretValue


class FunctionEntrypoint(TypedDict):
    kind: Literal["function"]
    language: Literal["python", "node"]
    module: str
    function: str
    format: Literal["json"]
    working_dir: str
    env: dict[str, str]
    primary: bool


class Addon(TypedDict):
    name: str
    hooks: NotRequired[Hooks]


class App(TypedDict):
    name: str
    source: Source
    image: Image
    entrypoints: list[FunctionEntrypoint]
    env: dict[str, EnvValue]
    mounts: list[None]
    network: Network | None
    resources: Resources
    dependencies: dict[str, str]
    hooks: NotRequired[Hooks]
    addons: NotRequired[list[Addon]]


class Workload(TypedDict):
    schema_version: str
    id: str
    apps: list[App]
    volumes: list[None]
    extensions: dict[str, None]
