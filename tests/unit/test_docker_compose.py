"""The Docker deployment: docker-compose.yml, the two Dockerfiles and the Asterisk entrypoint.

No Docker engine is needed. Where the `docker compose` plugin exists, its own validator runs;
everywhere, the compose file is parsed with PyYAML (variables replaced by their defaults, as
`docker compose` does with an empty environment) and its structure is checked, the
Dockerfiles are read instruction by instruction, and the entrypoint's secret handling is run
for real against a scratch directory.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
CTI_DOCKERFILE = REPO / "Dockerfile"
ASTERISK_CONFIG = REPO / "asterisk-config"
ASTERISK_DOCKERFILE = ASTERISK_CONFIG / "Dockerfile"
ENTRYPOINT = ASTERISK_CONFIG / "docker-entrypoint.sh"
DOCKERIGNORE = REPO / ".dockerignore"
DEPLOYMENT_FILES = (COMPOSE, CTI_DOCKERFILE, ASTERISK_DOCKERFILE, ENTRYPOINT, DOCKERIGNORE)

SERVICES = {"asterisk", "redis", "postgres", "cti", "dialer"}
LOOPBACK = {"127.0.0.1", "::1", "[::1]", "localhost"}
PLACEHOLDERS = {"change-me", "changeme"}
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|PASS\b|TOKEN|API_?KEY|PRIVATE_?KEY", re.I)
SANDBOX_AMI_SECRET = "alo153-sandbox-secret"

# Package registries and mirrors: a deployment names packages and images, never where they
# come from (the build machine's own configuration decides that). The hosts this machine uses
# are read from its apt and pip configuration at run time, so no host name is written here.
def machine_registry_hosts() -> set[str]:
    texts = [p.read_text(errors="replace") for p in Path("/etc/apt").rglob("*")
             if p.is_file() and p.suffix in (".list", ".sources")]
    pip = subprocess.run([sys.executable, "-m", "pip", "config", "list"],
                         capture_output=True, text=True, check=False)
    texts.append(pip.stdout)
    hosts = {urlsplit(url).hostname or "" for text in texts
             for url in re.findall(r"\bhttps?://[^\s'\"]+", text)}
    return {host.lower() for host in hosts if "." in host}


REGISTRY_OPTIONS = ("index-url", "trusted-host", "--registry", "sources.list", "apt/sources")
# Anything shaped like a public DNS name (mirror.example.org, pkgs.internal.com, ...).
HOST_NAME = re.compile(
    r"\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
    r"\.(?:org|com|net|io|dev|edu|gov|cloud|info|tr|de|uk|fr|cn|ru|jp)\b",
    re.I,
)
URL = re.compile(r"\b[a-z][a-z0-9+.-]*://(?:[^/\s@'\"]*@)?(\[[^\]]*\]|[^/\s:'\"]+)", re.I)
VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?-)(?P<default>[^}]*))?\}")


# ---------------------------------------------------------------------------- helpers


def interpolate(text: str) -> str:
    """Replace ${NAME:-default}, ${NAME-default} and ${NAME} by their defaults ('' if none)."""
    text = text.replace("$$", "\0")
    text = VARIABLE.sub(lambda m: m.group("default") or "", text)
    return text.replace("\0", "$")


@functools.cache
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(interpolate(COMPOSE.read_text(encoding="utf-8")))
    assert isinstance(loaded, dict)
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found = compose().get("services") or {}
    assert isinstance(found, dict)
    return found


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    assert not pending, f"{path.name} ends inside a continued line"
    return instructions


def args_of(path: Path, keyword: str) -> list[str]:
    return [args for kw, args in dockerfile_instructions(path) if kw == keyword]


def copy_sources(path: Path) -> list[str]:
    """Source operands of every COPY and ADD (without --from stages' sources)."""
    sources: list[str] = []
    for kw, args in dockerfile_instructions(path):
        if kw not in {"COPY", "ADD"}:
            continue
        words = args.split()
        if any(word.startswith("--from=") for word in words):
            continue
        operands = [word for word in words if not word.startswith("--")]
        sources.extend(operands[:-1])
    return sources


def build_dockerfile(service: dict[str, Any]) -> Path:
    build = service["build"]
    if isinstance(build, str):
        return (REPO / build / "Dockerfile").resolve()
    context = str(build.get("context", "."))
    return (REPO / context / str(build.get("dockerfile", "Dockerfile"))).resolve()


def depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: {"condition": "service_started"} for name in deps}
    return {name: (spec or {}) for name, spec in deps.items()}


def volume_mounts(service: dict[str, Any]) -> list[tuple[str | None, str, bool]]:
    """(source or None for anonymous, target, read_only) of every volume entry."""
    mounts: list[tuple[str | None, str, bool]] = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            mounts.append((entry.get("source"), entry["target"], bool(entry.get("read_only"))))
            continue
        parts = entry.split(":")
        if len(parts) == 1:
            mounts.append((None, parts[0], False))
        else:
            modes = parts[2].split(",") if len(parts) > 2 else []
            mounts.append((parts[0], parts[1], "ro" in modes))
    return mounts


def is_named_volume(source: str | None) -> bool:
    if not source:
        return False
    return not source.startswith((".", "/", "~")) and "/" not in source


def published_host_ip(port: Any) -> str | None:
    """The host address a port entry binds to; None when it binds every address."""
    if isinstance(port, dict):
        return port.get("host_ip")
    spec = str(port).split("/")[0]
    if spec.startswith("["):
        return spec[: spec.index("]") + 1]
    parts = spec.split(":")
    return parts[0] if len(parts) == 3 else None


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def conf_value(path: Path, section: str, key: str) -> str:
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("["):
            current = line[1 : line.index("]")]
        elif current == section and "=" in line:
            name, _, value = line.partition("=")
            if name.strip() == key:
                return value.strip()
    raise AssertionError(f"{path.name} has no {key} in [{section}]")


def docker_compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


# ---------------------------------------------------------------------------- compose tool


@pytest.mark.skipif(not docker_compose_available(), reason="no `docker compose` plugin here")
def test_docker_compose_config_accepts_the_file() -> None:
    run = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "-q"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr


# ---------------------------------------------------------------------------- services


def test_the_compose_file_defines_the_five_services() -> None:
    assert set(services()) == SERVICES


def test_every_service_has_a_restart_policy() -> None:
    for name, service in services().items():
        assert service.get("restart") in {"always", "unless-stopped", "on-failure"}, name


def test_every_depends_on_names_a_defined_service() -> None:
    for name, service in services().items():
        for dependency, spec in depends_on(service).items():
            assert dependency in services(), f"{name} depends on unknown {dependency}"
            assert dependency != name
            assert spec.get("condition", "service_started") in {
                "service_started",
                "service_healthy",
                "service_completed_successfully",
            }


def test_every_service_awaited_as_healthy_has_a_healthcheck() -> None:
    for service in services().values():
        for dependency, spec in depends_on(service).items():
            if spec.get("condition") != "service_healthy":
                continue
            target = services()[dependency]
            has_check = "healthcheck" in target and not target["healthcheck"].get("disable")
            if not has_check and "build" in target:
                has_check = bool(args_of(build_dockerfile(target), "HEALTHCHECK"))
            assert has_check, f"{dependency} is awaited as healthy but has no healthcheck"


def test_cti_and_dialer_wait_for_a_healthy_pbx_redis_and_postgres() -> None:
    for name in ("cti", "dialer"):
        deps = depends_on(services()[name])
        for dependency in ("asterisk", "postgres", "redis"):
            assert deps.get(dependency, {}).get("condition") == "service_healthy", (
                name,
                dependency,
            )


def test_redis_and_postgres_are_the_official_images_with_durable_settings() -> None:
    redis, postgres = services()["redis"], services()["postgres"]
    assert re.fullmatch(r"redis:[\w.-]+", redis["image"])
    assert re.fullmatch(r"postgres:[\w.-]+", postgres["image"])
    command = redis["command"]
    command = command if isinstance(command, list) else command.split()
    assert command[command.index("--appendonly") + 1] == "yes"
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert "redis-cli" in redis["healthcheck"]["test"]


def test_every_named_volume_used_is_declared() -> None:
    declared = set(compose().get("volumes") or {})
    used = set()
    for name, service in services().items():
        for source, target, _ in volume_mounts(service):
            if is_named_volume(source):
                assert source in declared, f"{name} mounts undeclared volume {source} at {target}"
                used.add(source)
    assert used == declared, f"declared but unused: {declared - used}"


def test_the_data_that_must_survive_a_restart_lives_in_named_volumes() -> None:
    wanted = {
        "asterisk": {"/var/log/asterisk", "/var/lib/asterisk"},
        "postgres": {"/var/lib/postgresql/data"},
        "redis": {"/data"},
    }
    for name, targets in wanted.items():
        mounted = {t for s, t, _ in volume_mounts(services()[name]) if is_named_volume(s)}
        assert targets <= mounted, name


@pytest.mark.parametrize("name", ["cti", "dialer"])
def test_the_cti_and_the_dialer_read_the_asterisk_logs_through_a_read_only_mount(
    name: str,
) -> None:
    """The CTI reconciles against them; the dialer reads queue_log for the calls that ended
    while no dialer ran."""
    asterisk_logs = {
        source
        for source, target, _ in volume_mounts(services()["asterisk"])
        if target == "/var/log/asterisk"
    }
    logs = [
        (source, read_only)
        for source, target, read_only in volume_mounts(services()[name])
        if target == "/var/log/asterisk"
    ]
    assert len(asterisk_logs) == 1 and len(logs) == 1
    assert logs[0] == (asterisk_logs.pop(), True)


def test_every_config_used_is_declared_and_its_default_file_exists() -> None:
    declared = compose().get("configs") or {}
    for name, service in services().items():
        for entry in service.get("configs") or []:
            source = entry["source"] if isinstance(entry, dict) else entry
            assert source in declared, f"{name} uses undeclared config {source}"
    for name, spec in declared.items():
        assert (REPO / spec["file"]).is_file(), f"config {name}: {spec['file']} is missing"


def test_the_sip_transport_and_operator_accounts_can_be_replaced_per_site() -> None:
    raw = COMPOSE.read_text(encoding="utf-8")
    declared = compose()["configs"]
    targets = {
        entry["target"]: declared[entry["source"]]["file"]
        for entry in services()["asterisk"]["configs"]
    }
    assert targets["/etc/asterisk/pjsip_transport.conf"].endswith(
        "asterisk-config/pjsip_transport.conf"
    )
    assert "/etc/asterisk/pjsip_operators.conf" in targets
    # The path is a variable with the shipped file as its default.
    assert re.search(r"file: \$\{\w+:-\./asterisk-config/pjsip_transport\.conf\}", raw)


# ---------------------------------------------------------------------------- networking


def test_asterisk_cti_and_dialer_share_the_host_network() -> None:
    # AMI (manager.conf) and FastAGI (extensions.conf) are on 127.0.0.1 by design.
    assert conf_value(ASTERISK_CONFIG / "manager.conf", "general", "bindaddr") == "127.0.0.1"
    for name in ("asterisk", "cti", "dialer"):
        assert services()[name].get("network_mode") == "host", name


def test_redis_and_postgres_publish_ports_on_loopback_only() -> None:
    for name in ("redis", "postgres"):
        service = services()[name]
        if service.get("network_mode") == "host":
            continue
        for port in service.get("ports") or []:
            assert published_host_ip(port) in LOOPBACK, f"{name} publishes {port!r} off-host"
    for name, service in services().items():
        for port in service.get("ports") or []:
            assert published_host_ip(port) in LOOPBACK, f"{name} publishes {port!r} off-host"


def test_host_network_services_publish_no_ports() -> None:
    for name, service in services().items():
        if service.get("network_mode") == "host":
            assert not service.get("ports"), name


def test_the_cti_environment_matches_the_pbx_config_and_the_loopback_services() -> None:
    manager = ASTERISK_CONFIG / "manager.conf"
    agi = conf_value(ASTERISK_CONFIG / "extensions.conf", "globals", "ALO153_AGI")
    agi_url = urlsplit(agi)
    redis_port = str(services()["redis"]["ports"][0]).split(":")[1]
    postgres_port = str(services()["postgres"]["ports"][0]).split(":")[1]
    for name in ("cti", "dialer"):
        env = environment(services()[name])
        assert env["CTI_AMI_HOST"] == conf_value(manager, "general", "bindaddr")
        assert env["CTI_AMI_PORT"] == conf_value(manager, "general", "port")
        assert env["CTI_AMI_USER"] == "cti"
        assert env["CTI_AGI_HOST"] == agi_url.hostname
        assert env["CTI_AGI_PORT"] == str(agi_url.port)
        assert env["CTI_HTTP_PORT"] == "8080"
        db = urlsplit(env["CTI_DATABASE_URL"])
        assert db.scheme == "postgresql+asyncpg"
        assert (db.hostname, str(db.port), db.path) == ("127.0.0.1", postgres_port, "/alo153")
        redis = urlsplit(env["CTI_REDIS_URL"])
        assert (redis.scheme, redis.hostname, str(redis.port)) == ("redis", "127.0.0.1", redis_port)


def test_asterisk_and_the_cti_get_the_same_ami_secret() -> None:
    raw = COMPOSE.read_text(encoding="utf-8")
    assert "ALO153_AMI_SECRET: ${ALO153_AMI_SECRET:-" in raw
    assert "CTI_AMI_SECRET: ${ALO153_AMI_SECRET:-" in raw
    assert (
        environment(services()["asterisk"])["ALO153_AMI_SECRET"]
        == environment(services()["cti"])["CTI_AMI_SECRET"]
    )


# ---------------------------------------------------------------------------- images


def test_asterisk_builds_from_the_asterisk_config_dockerfile() -> None:
    assert build_dockerfile(services()["asterisk"]) == ASTERISK_DOCKERFILE.resolve()


def test_the_asterisk_image_starts_from_debian_sid_and_installs_the_asterisk_package() -> None:
    bases = args_of(ASTERISK_DOCKERFILE, "FROM")
    assert len(bases) == 1
    assert re.fullmatch(r"debian:(sid|unstable)(-slim)?", bases[0].split()[0])
    installs = [
        args
        for args in args_of(ASTERISK_DOCKERFILE, "RUN")
        if re.search(r"apt-get install\b.*\basterisk\b", args)
    ]
    assert installs and "--no-install-recommends" in installs[0]


def test_the_asterisk_image_copies_the_product_config_but_not_the_sandbox_overlay() -> None:
    # The build context is asterisk-config/, so `*.conf` means its top-level files only.
    build = services()["asterisk"]["build"]
    assert (REPO / build["context"]).resolve() == ASTERISK_CONFIG.resolve()
    copies = [
        args for kw, args in dockerfile_instructions(ASTERISK_DOCKERFILE) if kw in {"COPY", "ADD"}
    ]
    assert any(args.split()[-1].rstrip("/") == "/etc/asterisk" for args in copies)
    sources = copy_sources(ASTERISK_DOCKERFILE)
    assert "*.conf" in sources
    for source in sources:
        assert "sandbox" not in source, source
        assert source not in {".", "./", "*", "**"}, f"{source} would copy sandbox/ too"
    assert (ASTERISK_CONFIG / "sandbox").is_dir()
    # And the stock Debian samples are removed before the product's config goes in.
    runs = " ".join(args_of(ASTERISK_DOCKERFILE, "RUN"))
    assert re.search(r"rm -rf /etc/asterisk\b", runs)


def test_the_asterisk_image_creates_the_directories_the_config_writes_to() -> None:
    runs = " ".join(args_of(ASTERISK_DOCKERFILE, "RUN"))
    moh = conf_value(ASTERISK_CONFIG / "musiconhold.conf", "alo153", "directory")
    for directory in (
        "/var/log/asterisk/cel-custom",
        "/var/log/asterisk/cdr-custom",
        moh,
        "/var/run/asterisk",
    ):
        assert directory in runs, directory
    assert "-o asterisk -g asterisk" in runs or "chown" in runs


def test_the_asterisk_image_runs_asterisk_in_the_foreground_as_the_asterisk_user() -> None:
    (cmd,) = args_of(ASTERISK_DOCKERFILE, "CMD")
    assert json.loads(cmd) == ["asterisk", "-f", "-U", "asterisk", "-G", "asterisk"]
    (entrypoint,) = args_of(ASTERISK_DOCKERFILE, "ENTRYPOINT")
    assert json.loads(entrypoint) == ["alo153-asterisk-entrypoint"]
    assert ENTRYPOINT.name in " ".join(copy_sources(ASTERISK_DOCKERFILE))


def test_the_asterisk_healthcheck_waits_until_asterisk_is_fully_booted() -> None:
    (check,) = args_of(ASTERISK_DOCKERFILE, "HEALTHCHECK")
    assert 'asterisk -rx "core waitfullybooted"' in check
    test = services()["asterisk"]["healthcheck"]["test"]
    assert test == ["CMD", "asterisk", "-rx", "core waitfullybooted"]


def test_cti_and_dialer_build_from_the_top_level_dockerfile() -> None:
    for name in ("cti", "dialer"):
        assert build_dockerfile(services()[name]) == CTI_DOCKERFILE.resolve(), name


def test_cti_serves_and_the_dialer_dials() -> None:
    assert services()["cti"]["command"] == ["cti", "serve"]
    assert services()["dialer"]["command"] == ["cti", "dialer"]


def test_the_cti_image_installs_the_project_and_the_postgres_driver() -> None:
    bases = [args.split()[0] for args in args_of(CTI_DOCKERFILE, "FROM")]
    assert bases and all(re.fullmatch(r"python:3\.11-slim(-\w+)?", base) for base in bases)
    runs = " ".join(args_of(CTI_DOCKERFILE, "RUN"))
    assert re.search(r"pip (wheel|install)\b[^&]*\s\.(\s|$)", runs)
    assert "asyncpg" in runs
    assert args_of(CTI_DOCKERFILE, "USER"), "the CTI must not run as root"


def test_the_dockerignore_keeps_git_tests_and_env_files_out_of_the_cti_image() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".env", "tests", "asterisk-config"} <= patterns
    for needed in ("pyproject.toml", "README.md", "cti", "agi_scripts", "dialer"):
        assert needed not in patterns, f"{needed} is needed to build the wheel"


def test_images_are_named_without_a_registry_host() -> None:
    images = [service["image"] for service in services().values() if "image" in service]
    images += [
        args.split()[0]
        for path in (CTI_DOCKERFILE, ASTERISK_DOCKERFILE)
        for args in args_of(path, "FROM")
    ]
    for image in images:
        first = image.split("/")[0]
        if "/" in image:
            assert "." not in first and ":" not in first and first != "localhost", image


# ---------------------------------------------------------------------------- secrets and hosts


def test_no_secret_default_looks_like_a_real_password() -> None:
    raw = COMPOSE.read_text(encoding="utf-8")
    secret_variables = [m for m in VARIABLE.finditer(raw) if SECRET_NAME.search(m.group("name"))]
    assert secret_variables, "the compose file should take its secrets from variables"
    for match in secret_variables:
        default = (match.group("default") or "").lower()
        assert default in PLACEHOLDERS, f"{match.group(0)}: default is not a placeholder"
    # Literal values of secret-named settings are placeholders (i.e. came from a variable).
    for name, service in services().items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                assert value.lower() in PLACEHOLDERS, f"{name}.{key} has a literal secret"
            if "://" in value:
                password = urlsplit(value).password
                assert password is None or password.lower() in PLACEHOLDERS, f"{name}.{key}"
    # The entrypoint refuses the sandbox's published secret, so it cannot be the default.
    assert SANDBOX_AMI_SECRET not in raw


def test_the_dockerfiles_set_no_secret() -> None:
    for path in (CTI_DOCKERFILE, ASTERISK_DOCKERFILE):
        for kw, args in dockerfile_instructions(path):
            if kw in {"ENV", "ARG"}:
                assert not SECRET_NAME.search(args), f"{path.name}: {kw} {args}"


def test_the_deployment_files_name_no_package_registry_or_mirror_host() -> None:
    for path in DEPLOYMENT_FILES:
        text = path.read_text(encoding="utf-8")
        lowered = text.lower()
        for host in machine_registry_hosts():
            assert host not in lowered, f"{path.name} names a registry host of this machine"
        for option in REGISTRY_OPTIONS:
            assert option not in lowered, f"{path.name} configures a package source ({option})"
        names = HOST_NAME.findall(text)
        assert not names, f"{path.name} names hosts {names}"
        if path == COMPOSE:
            text = interpolate(text)
        for match in URL.finditer(text):
            assert match.group(1).lower() in LOOPBACK, f"{path.name}: {match.group(0)}"


# ---------------------------------------------------------------------------- entrypoint


def run_entrypoint(
    root: Path, env: dict[str, str], *command: str
) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ALO153_ROOT": str(root)}
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *(command or ("true",))],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
def pbx_root(tmp_path: Path) -> Path:
    etc = tmp_path / "etc/asterisk"
    etc.mkdir(parents=True)
    shipped = (ASTERISK_CONFIG / "manager.conf").read_text(encoding="utf-8")
    # A second manager user, whose secret the entrypoint must leave alone.
    other_user = "\n[monitoring]\nsecret = not-the-cti-secret\nread = system\n"
    (etc / "manager.conf").write_text(shipped + other_user, encoding="utf-8")
    return tmp_path


def test_the_entrypoint_writes_the_ami_secret_into_the_cti_user(pbx_root: Path) -> None:
    manager = pbx_root / "etc/asterisk/manager.conf"
    before = manager.read_text(encoding="utf-8").splitlines()
    secret = "S3cr&t/with|awk$chars'\"*"
    run = run_entrypoint(pbx_root, {"ALO153_AMI_SECRET": secret})
    assert run.returncode == 0, run.stderr
    assert conf_value(manager, "cti", "secret") == secret
    after = manager.read_text(encoding="utf-8").splitlines()
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [(f"secret = {SANDBOX_AMI_SECRET}", f"secret = {secret}")]
    assert stat.S_IMODE(manager.stat().st_mode) == 0o640
    # A restart with a new secret replaces the old one.
    run = run_entrypoint(pbx_root, {"ALO153_AMI_SECRET": "second-one"})
    assert run.returncode == 0, run.stderr
    assert conf_value(manager, "cti", "secret") == "second-one"


def test_the_entrypoint_reads_the_secret_from_a_file(pbx_root: Path) -> None:
    secret_file = pbx_root / "ami_secret"
    secret_file.write_text("from-a-docker-secret\n", encoding="utf-8")
    run = run_entrypoint(
        pbx_root,
        {"ALO153_AMI_SECRET_FILE": str(secret_file), "ALO153_AMI_SECRET": "ignored"},
    )
    assert run.returncode == 0, run.stderr
    assert conf_value(pbx_root / "etc/asterisk/manager.conf", "cti", "secret") == (
        "from-a-docker-secret"
    )


@pytest.mark.parametrize(
    "secret",
    ["", SANDBOX_AMI_SECRET, "semi;colon", "back\\slash", "two\nlines", " padded"],
    ids=["empty", "sandbox", "semicolon", "backslash", "newline", "space"],
)
def test_the_entrypoint_refuses_a_missing_published_or_unparsable_secret(
    pbx_root: Path, secret: str
) -> None:
    manager = pbx_root / "etc/asterisk/manager.conf"
    before = manager.read_bytes()
    run = run_entrypoint(pbx_root, {"ALO153_AMI_SECRET": secret}, "touch", str(pbx_root / "ran"))
    assert run.returncode != 0
    assert "ALO153_AMI_SECRET" in run.stderr
    assert manager.read_bytes() == before
    assert not (pbx_root / "ran").exists(), "Asterisk must not start"


def test_the_entrypoint_warns_about_the_placeholder_secret_but_starts(pbx_root: Path) -> None:
    run = run_entrypoint(pbx_root, {"ALO153_AMI_SECRET": "change-me"})
    assert run.returncode == 0, run.stderr
    assert "WARNING" in run.stderr


def test_the_entrypoint_creates_the_writable_directories_and_hides_the_secret(
    pbx_root: Path,
) -> None:
    leak = pbx_root / "env-seen-by-asterisk"
    run = run_entrypoint(
        pbx_root,
        {"ALO153_AMI_SECRET": "s3cret-value"},
        "sh",
        "-c",
        f'env > "{leak}"',
    )
    assert run.returncode == 0, run.stderr
    for directory in (
        "var/log/asterisk/cdr-custom",
        "var/log/asterisk/cel-custom",
        "var/lib/asterisk/moh/alo153",
        "var/run/asterisk",
    ):
        assert (pbx_root / directory).is_dir(), directory
    assert "s3cret-value" not in leak.read_text(encoding="utf-8")
