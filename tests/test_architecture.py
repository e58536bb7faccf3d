"""The seams: pluggy's own semantics, every built-in switched off in turn, the public API, no import cycles."""

import ast
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import relnotes
from relnotes import Reminder, hookimpl, make_uid
from relnotes.cli import cli
from relnotes.pipeline import Pipeline
from relnotes.plugins import DEFAULT_PLUGINS, PluginRefused, get_plugin_manager
from relnotes.trust import code_digest, set_trust

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "relnotes"
TODAY = "2026-11-25"
NOTES = {
    "People/Ann.md": "---\ntype: person\nrole: manager\nlast_contact: 2026-11-20\nbirthday: 1990-12-01\n---\n",
    "Team/Bo.md": "---\nrole: peer\n---\nBo works with Ann.\n",
    "Meetings/2026-11-18 Sync.md": "---\nattendees: ['[[Ann]]']\nfollow_up: 2026-11-28\n---\n- [ ] send notes 📅 2026-11-27\n",
    "Daily/2026-11-21.md": "Lunch with [[Ann]].\n",
}


class Wrappers:
    """A plugin of new-style wrappers: Bo becomes a person, celebrations are dropped, one reminder added."""

    @hookimpl(wrapper=True)
    def relnotes_classify_note(self, note):
        kind = yield
        return "person" if note.title == "Bo" else kind

    @hookimpl(wrapper=True)
    def relnotes_person_reminders(self):
        contributions = yield  # one list per plugin, as pluggy documents for hooks without firstresult
        return [[r for r in contribution if not r.celebration] for contribution in contributions]

    @hookimpl(wrapper=True)
    def relnotes_reminders(self, today):
        contributions = yield  # no whole-vault rule is built in: an empty list
        return [*contributions, [Reminder("wrapped", None, today, "added by a wrapper", "", make_uid("wrapped"))]]


def test_a_wrapper_works_as_pluggy_documents(make_vault, run_scan):
    result = run_scan(make_vault(NOTES), TODAY, plugins=[Wrappers()])
    assert sorted(p.name for p in result.vault.people) == ["Ann", "Bo"]
    kinds = {r.kind for r in result.reminders}
    assert "birthday" not in kinds and {"follow-up", "wrapped"} <= kinds
    assert result.problems == []
    plain = run_scan(make_vault(NOTES), TODAY)
    assert [p.name for p in plain.vault.people] == ["Ann"] and "birthday" in {r.kind for r in plain.reminders}


def test_a_failing_wrapper_is_named_and_the_result_it_wraps_stands(make_vault, run_scan):
    class Broken:
        @hookimpl(wrapper=True)
        def relnotes_person_reminders(self, person):
            yield
            if person.name == "Ann":
                raise RuntimeError("wrapper boom")

    result = run_scan(make_vault(NOTES), TODAY, plugins=[Broken()])
    assert "follow-up" in {r.kind for r in result.reminders}
    assert [p.message for p in result.problems] == [
        "plugin 'Broken': relnotes_person_reminders (a wrapper) raised RuntimeError: wrapper boom; "
        "the result it wraps was kept"]


def test_an_old_style_hookwrapper_is_refused_at_registration_with_the_plugins_name(make_vault, run_scan):
    class Old:
        @hookimpl(hookwrapper=True)
        def relnotes_reminders(self):
            yield

    pm = get_plugin_manager(autoload=False)
    with pytest.raises(PluginRefused, match="plugin 'Old': relnotes_reminders is an old-style hookwrapper"):
        pm.register(Old(), name="Old")
    assert pm.get_plugin("Old") is None
    vault = make_vault({".relnotes/plugins/old.py": "from relnotes import hookimpl\n@hookimpl(hookwrapper=True)\n"
                                                    "def relnotes_reminders():\n    yield\n", **NOTES},
                       config='[plugins]\nlocal = ["old"]\n')
    set_trust(vault, {"old": code_digest((vault / ".relnotes/plugins/old.py").read_bytes())})
    result = run_scan(vault, TODAY)
    assert any(p.message.startswith("plugin 'old': refused: plugin 'old': relnotes_reminders is an old-style")
               for p in result.problems)
    assert "follow-up" in {r.kind for r in result.reminders}  # everything else ran


def test_hook_call_monitoring_sees_every_call(make_vault):
    pipeline = Pipeline(make_vault(NOTES), autoload=False, use_cache=False)
    calls = []
    pipeline.pm.add_hookcall_monitoring(lambda name, impls, kwargs: calls.append(name), lambda *_: None)
    pipeline.scan(dt.date(2026, 11, 25))
    assert calls.count("relnotes_classify_note") == len(NOTES)
    assert calls.count("relnotes_note_interactions") == calls.count("relnotes_note_reminders") == len(NOTES)
    assert calls.count("relnotes_person_reminders") == 1  # Ann
    assert {"relnotes_goal", "relnotes_outputs"} <= set(calls)
    # no built-in rule needs the whole vault at once; the one whole-vault hook asked is the calendar's,
    # which reads calendars, not notes (and none is configured here: it gives nothing)
    assert "relnotes_reminders" not in calls and calls.count("relnotes_interactions") == 1
    assert [name for name, plugin in pipeline.pm.list_name_plugin()
            if plugin is not None and hasattr(plugin, "relnotes_interactions")] == ["calendar"]


def test_calling_the_per_note_hooks_directly_gives_pluggys_answers(make_vault):
    """Without a wrapper or a monitor, the engine calls the per-note and per-person implementations
    itself (pluggy's call costs too much 100,000 times): the same order, so the same winners."""
    class First:
        @hookimpl(tryfirst=True)
        def relnotes_classify_note(self, note):
            return "person" if note.title == "Bo" else None

        @hookimpl
        def relnotes_person_reminders(self, person, today):
            yield Reminder("first", person.name, today, "from First", person.path, make_uid("same", person.path))

    class Second:
        @hookimpl
        def relnotes_classify_note(self, note):
            return "note" if note.title == "Bo" else None  # asked after First (tryfirst): never heard

        @hookimpl
        def relnotes_person_reminders(self, person, today):
            yield Reminder("second", person.name, today, "from Second", person.path, make_uid("same", person.path))

    vault = make_vault(NOTES)

    def scan(monitor):
        pipeline = Pipeline(vault, autoload=False, use_cache=False, plugins=[First(), Second()])
        if monitor:
            pipeline.pm.add_hookcall_monitoring(lambda *_: None, lambda *_: None)
        result = pipeline.scan(dt.date(2026, 11, 25))
        return ([p.name for p in result.vault.people], [(r.kind, r.person) for r in result.reminders],
                [p.message for p in result.problems], [o.content for o in result.outputs])

    direct, through_pluggy = scan(False), scan(True)
    assert direct == through_pluggy
    assert direct[0] == ["Ann", "Bo"] and ("second", "Ann") in direct[1]  # the last registered is asked first
    assert "plugin 'First': two reminders share the uid" in " ".join(direct[2])


def test_trace_logs_each_call(make_vault):
    env = {**os.environ, "RELNOTES_TRACE_HOOKS": "1"}
    out = subprocess.run([sys.executable, "-m", "relnotes", "scan", str(make_vault(NOTES)), "--today", TODAY,
                          "--no-cache"], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "relnotes: hook relnotes_person_reminders -> followups" in out.stderr.splitlines()


BUILT_INS = [m.rsplit(".", 1)[1] for m in DEFAULT_PLUGINS]


@pytest.mark.parametrize("name", BUILT_INS)
def test_each_built_in_can_be_disabled(make_vault, name):
    vault = make_vault(NOTES, config=f'goal = {{ people = 2 }}\n[plugins]\ndisable = ["{name}"]\n')
    scan = CliRunner().invoke(cli, ["scan", str(vault), "--today", TODAY, "--no-cache"])
    assert scan.exit_code == 0, scan.output
    if name == "classify":  # nothing says who is a person any more: the scan says so
        assert "Problems in your notes (1)\n  (vault): no people among 4 notes" in scan.output
    else:
        assert "Problems in your notes" not in scan.output
    brief = CliRunner().invoke(cli, ["brief", str(vault), "Ann", "--today", TODAY])
    if name == "classify":  # nothing says who is a person any more: a clear answer, not a crash
        assert brief.exit_code == 1 and "no person called 'Ann'" in brief.output
    else:
        assert brief.exit_code == 0, brief.output
        assert "send notes" in brief.output  # tasks are facts of the notes, whichever rules run
        follow_up = "none" if name == "followups" else "2026-12-04" if name == "interactions" else "2026-12-05"
        assert f"Next follow-up**: {follow_up}" in brief.output
        assert ("birthday" in brief.output) == (name != "celebrations")
    assert (vault / ".relnotes/relnotes.ics").exists() == (name != "ics")
    assert (vault / "relnotes.md").exists() == (name != "summary")


@pytest.mark.parametrize("name", BUILT_INS)
def test_serve_with_a_built_in_disabled(make_vault, relnotes_server, tmp_path, name):
    vault = make_vault(NOTES, config=f'[plugins]\ndisable = ["{name}"]\n')
    if name == "ics":
        out = subprocess.run([sys.executable, "-m", "relnotes", "serve", str(vault), "--port", "0"],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 1
        assert out.stderr.strip().splitlines()[-1] == (
            "Error: no calendar feed to serve: no enabled plugin makes one (is the ics plugin disabled, "
            "or [ics] enabled = false in the config?)")
        return
    server = relnotes_server(vault, dict(os.environ), tmp_path / "serve.log")
    try:
        status, _headers, body = server.request()
        assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")
        assert (b"CATEGORIES:task" in body) == (name != "tasks")
    finally:
        assert server.stop()[0] == 0


# --- the public API and the import graph ------------------------------------------------------------

def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every ``from X import names`` and ``import X`` in a file, relative ones resolved."""
    # the package a module is in: ["relnotes"] for relnotes/model.py, ["relnotes", "default_plugins"] below
    package = ["relnotes", *path.relative_to(SRC).with_suffix("").parts[:-1]] if SRC in path.parents else []
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package[: len(package) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            found.append((base, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
    return found


def test_plugins_import_nothing_but_the_public_api():
    files = [*(SRC / "default_plugins").glob("*.py"), *(ROOT / "plugins").glob("*/src/*/__init__.py")]
    assert len(files) >= 12
    for path in files:
        for module, names in _imports(path):
            if module.startswith("relnotes"):
                assert module == "relnotes", f"{path.relative_to(ROOT)} imports {module}"
                assert set(names) <= set(relnotes.__all__), f"{path.relative_to(ROOT)}: {names}"


def test_every_public_name_is_importable():
    for name in relnotes.__all__:
        assert getattr(relnotes, name) is not None, name


def test_no_import_cycles_not_even_type_only_ones():
    graph = {}
    for path in SRC.rglob("*.py"):
        name = "relnotes." + ".".join(path.relative_to(SRC).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        imported = set()
        for module, names in _imports(path):
            if module.startswith("relnotes"):
                imported.add(module)
                imported |= {f"{module}.{n}" for n in names}
        graph[name] = imported
    modules = set(graph)
    graph = {m: {i for i in deps if i in modules and i != m} for m, deps in graph.items()}
    graph["relnotes"] = set()  # the package's lazy exports load on first use, never at import

    def visit(node, path):
        assert node not in path, f"import cycle: {' -> '.join([*path, node])}"
        for dep in sorted(graph.get(node, ())):
            visit(dep, [*path, node])

    for module in sorted(graph):
        visit(module, [])


# --- findings of the review, each reproduced -------------------------------------------------------

class Promotion:
    """A third-party celebration: its category, not its kind, puts it among the celebrations."""

    @hookimpl
    def relnotes_reminders(self, vault, today):
        ann = vault.person("Ann")
        yield Reminder("promotion", ann.name, today + dt.timedelta(days=3), "Ann made partner", ann.path,
                       make_uid("promotion", "ann"), person_path=ann.path, category="celebration")


def test_a_third_party_celebration_is_listed_with_the_celebrations(make_vault, run_scan):
    from relnotes.brief import build_brief, to_markdown
    from relnotes.report import to_text

    vault = make_vault(NOTES)
    result = run_scan(vault, TODAY, plugins=[Promotion()])
    report = to_text(result, vault)
    celebrations = report.split("Celebrations (", 1)[1]
    assert "Ann made partner" in celebrations and "Ann made partner" not in report.split("Celebrations (", 1)[0]
    summary = next(o for o in result.outputs if o.name == "summary").content.decode()
    assert "made partner" in summary.split("## Celebrations", 1)[1].split("\n## ", 1)[0]
    brief = to_markdown(build_brief(result, Pipeline(vault, autoload=False).config, "Ann"))
    assert "2026-11-28 · Ann made partner" in brief.split("## Coming up", 1)[1]


def test_the_cache_is_written_once_per_scan(make_vault, monkeypatch):
    from relnotes import cache

    writes = []
    real = cache.sqlite3.connect
    monkeypatch.setattr(cache.sqlite3, "connect", lambda path, **kw: writes.append(Path(path)) or real(path, **kw))
    vault = make_vault(NOTES)
    notes_cache = Pipeline(vault).cache.path
    for command in (["--no-ics", "--no-summary"], ["--no-ics", "--no-summary", "--json"]):
        writes.clear()
        assert CliRunner().invoke(cli, ["scan", str(vault), "--today", TODAY, *command]).exit_code == 0
        # written once (a new database, renamed into place); then loaded, and nothing changed
        assert [p.name.startswith(f".{notes_cache.name}.") for p in writes] == (
            [True] if "--json" not in command else [False])
    stored = notes_cache.read_bytes()
    writes.clear()
    Pipeline(vault).scan(dt.date(2026, 11, 26))
    assert writes == [notes_cache] and notes_cache.read_bytes() == stored
