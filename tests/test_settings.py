"""Where configs and data live: options beat the environment, which beats the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from metron import settings
from metron.errors import ConfigError


def test_option_beats_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("METRON_CONFIG_DIR", "/from/env")
    assert settings.config_dir(tmp_path) == tmp_path
    assert settings.config_dir() == Path("/from/env")


def test_defaults_follow_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METRON_CONFIG_DIR", raising=False)
    monkeypatch.delenv("METRON_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/xdg/config")
    monkeypatch.setenv("XDG_DATA_HOME", "/xdg/data")
    assert settings.config_dir() == Path("/xdg/config/metron")
    assert settings.data_dir() == Path("/xdg/data/metron")


def test_global_config(tmp_path: Path) -> None:
    assert settings.load_global_config(tmp_path) == {}
    (tmp_path / "global.json").write_text('{"threat.triage.score.field": "score"}')
    assert settings.load_global_config(tmp_path) == {"threat.triage.score.field": "score"}


@pytest.mark.parametrize("content", ["{broken", "[1, 2]"])
def test_bad_global_config_names_the_file(tmp_path: Path, content: str) -> None:
    (tmp_path / "global.json").write_text(content)
    with pytest.raises(ConfigError, match=r"global\.json"):
        settings.load_global_config(tmp_path)
