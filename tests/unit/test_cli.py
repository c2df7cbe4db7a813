import subprocess
import sys

import pytest

from cti.cli import build_parser
from cti.config import ConfigError, Settings


@pytest.mark.parametrize(
    "argv", [[], ["pbx"], ["pbx", "up"], ["pbx", "down"], ["pbx", "status"], ["demo"]]
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
