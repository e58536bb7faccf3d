"""The built-in behaviour of relnotes, each module a plugin (see relnotes.plugins.DEFAULT_PLUGINS)."""
