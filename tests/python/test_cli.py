from typer.testing import CliRunner

import arrow_sus
from arrow_sus.cli import app

runner = CliRunner()


def test_version_command() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert arrow_sus.__version__ in result.output
