from typer.testing import CliRunner

import arrow_sus
from arrow_sus.cli import app

runner = CliRunner()


def test_version_command() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert arrow_sus.__version__ in result.output


def test_cache_info_and_clear_json(tmp_path, monkeypatch) -> None:
    import json

    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path))
    result = runner.invoke(app, ["cache", "info", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["directory"] == str(tmp_path) and data["entries"] == 0
    result = runner.invoke(app, ["cache", "clear", "--older-than", "30d", "--json"])
    assert result.exit_code == 0 and json.loads(result.output) == {"removed": 0}
    result = runner.invoke(app, ["cache", "clear", "--older-than", "soon"])
    assert result.exit_code == 2
    assert "not a duration" in result.output
