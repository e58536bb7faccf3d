import pytest


@pytest.fixture(autouse=True)
def isolated_from_the_user(monkeypatch, tmp_path_factory):
    """Tests see only the plugins they ask for, and never touch the user's config or cache folders."""
    monkeypatch.setenv("RELNOTES_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("RELNOTES_CONFIG_DIR", str(tmp_path_factory.mktemp("relnotes-config")))
    monkeypatch.setenv("RELNOTES_CACHE_DIR", str(tmp_path_factory.mktemp("relnotes-cache")))
    monkeypatch.delenv("RELNOTES_TRACE_HOOKS", raising=False)
