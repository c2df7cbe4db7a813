import subprocess
import sys
from pathlib import Path

import pytest

from cti.cli import build_parser
from cti.config import ConfigError, Settings


@pytest.mark.parametrize(
    "argv",
    [[], ["pbx"], ["pbx", "up"], ["pbx", "down"], ["pbx", "status"], ["demo"], ["dialer"]],
)
def test_every_subcommand_has_help(argv: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cti", *argv, "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "usage: cti" in result.stdout


def test_parser_requires_a_command() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([])


def test_settings_refuse_a_bad_port() -> None:
    with pytest.raises(ConfigError, match="CTI_AMI_PORT"):
        Settings.from_env({"CTI_AMI_PORT": "50x"})
    assert Settings.from_env({"CTI_AMI_PORT": "15038"}).ami_port == 15038


def test_settings_come_from_a_toml_file_and_the_environment_wins(tmp_path: Path) -> None:
    path = tmp_path / "cti.toml"
    path.write_text(
        'ami_secret = "from-file"\nhttp_port = 9090\nblocklist = ["+905321112233"]\n'
        'reconcile_interval = 30\n'
    )
    settings = Settings.from_env({"CTI_CONFIG": str(path), "CTI_HTTP_PORT": "9191"})
    assert settings.ami_secret == "from-file"
    assert settings.http_port == 9191
    assert settings.blocklist == frozenset({"05321112233"})
    assert settings.reconcile_interval == 30.0


@pytest.mark.parametrize(
    ("text", "message"),
    [("nonsense = 1\n", "unknown setting"), ("ami_port = [\n", "cannot read"),
     ("reconcile_interval = -3\n", "positive number"), ('blocklist = ["abc"]\n', "not a phone")],
)
def test_a_bad_configuration_file_is_one_clear_error(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "cti.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({}, config_file=path)


def test_the_default_database_is_sqlite_in_the_data_dir() -> None:
    settings = Settings.from_env({"CTI_DATA_DIR": "/srv/alo153"})
    assert settings.database == "sqlite+aiosqlite:////srv/alo153/cti.sqlite3"
    assert Settings.from_env({"CTI_DATABASE_URL": "postgresql://x/y"}).database == "postgresql://x/y"


def test_cti_dialer_will_not_run_beside_the_dialer_of_cti_serve(tmp_path: Path) -> None:
    # Two dialers would count the same free operators: `cti serve` must be told first.
    env = {"PATH": "/usr/bin:/bin", "CTI_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "cti", "dialer"], capture_output=True,
                            text=True, check=False, env=env, timeout=60)
    assert result.returncode == 2
    assert "CTI_DIALER_IN_SERVE=false" in result.stderr
