"""The plugin core: built-ins as plugins, entry-point discovery, isolation of failing plugins."""

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap

import pytest

from relnotes import hookimpl
from relnotes.model import Interaction, Reminder, make_uid
from relnotes.plugins import DEFAULT_PLUGINS, PluginError, get_plugin_manager

TODAY = "2026-11-25"
PEOPLE = {"People/Ann.md": "---\ntype: person\nrole: manager\nlast_contact: 2026-11-20\n---\n"}


def install_plugin(site, name, source):
    """A real installed distribution: a module plus dist-info with a `relnotes` entry point."""
    (site / f"{name}.py").write_text(textwrap.dedent(source))
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[relnotes]\n{name} = {name}\n")


def scan_json(vault, site, **env):
    environ = {k: v for k, v in os.environ.items() if k != "RELNOTES_DISABLE_PLUGIN_AUTOLOAD"}
    environ.update(PYTHONPATH=str(site), **env)
    out = subprocess.run([sys.executable, "-m", "relnotes", "scan", str(vault), "--today", TODAY, "--json"],
                         capture_output=True, text=True, env=environ)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), out.stderr


PLUGIN = """
    import datetime as dt
    from relnotes import hookimpl
    from relnotes.model import Reminder, make_uid

    @hookimpl
    def relnotes_reminders(vault, today):
        for person in vault.people:
            yield Reminder("thank-you", person.name, today, f"Thank {person.name}", person.path,
                           make_uid("thank-you", person.name))
"""


def test_installed_plugins_are_discovered_through_entry_points(make_vault, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    install_plugin(site, "relnotes_thanks", PLUGIN)
    install_plugin(site, "relnotes_broken", "import does_not_exist\n")
    data, _ = scan_json(make_vault(PEOPLE), site)
    assert [r["title"] for r in data["reminders"] if r["kind"] == "thank-you"] == ["Thank Ann"]
    assert [w["message"] for w in data["warnings"]] == [
        "plugin 'relnotes_broken': cannot be loaded (ModuleNotFoundError: No module named 'does_not_exist'); skipped"]

    data, _ = scan_json(make_vault(PEOPLE), site, RELNOTES_DISABLE_PLUGIN_AUTOLOAD="1")
    assert {r["kind"] for r in data["reminders"]} == {"follow-up"} and data["warnings"] == []

    vault = make_vault(PEOPLE, config='[plugins]\ndisable = ["relnotes_thanks", "followups"]\n')
    data, _ = scan_json(vault, site)
    assert data["reminders"] == []

    data, stderr = scan_json(make_vault(PEOPLE), site, RELNOTES_TRACE_HOOKS="1")
    assert "hook relnotes_reminders -> relnotes_thanks" in stderr


class Raises:
    def __init__(self, hook):
        self.hook = hook

    @hookimpl
    def relnotes_classify_note(self, note):
        if self.hook == "classify":
            raise RuntimeError("classify boom")

    @hookimpl
    def relnotes_interactions(self, vault):
        if self.hook == "interactions":
            raise RuntimeError("interactions boom")
        return [Interaction("Ann", dt.date(2026, 11, 24), "", "call")]

    @hookimpl
    def relnotes_reminders(self, vault, today):
        if self.hook == "reminders":
            yield Reminder("x", None, today, "before the failure", "", "half")
            raise RuntimeError("reminders boom")
        if self.hook == "bad-items":
            yield from ["not a reminder", Reminder("x", None, today, "dup", "", "u1"),
                        Reminder("x", None, today, "dup", "", "u1")]

    @hookimpl
    def relnotes_goal(self, today):
        if self.hook == "goal":
            raise RuntimeError("goal boom")


@pytest.mark.parametrize("hook", ["classify", "interactions", "reminders", "goal"])
def test_a_plugin_that_raises_is_named_and_skipped(make_vault, run_scan, hook):
    vault = make_vault(PEOPLE, config='goal = { people = 2 }\n')
    result = run_scan(vault, TODAY, plugins=[Raises(hook)])
    messages = [p.message for p in result.problems]
    assert len(messages) >= 1 and all(m.startswith("plugin 'Raises") for m in messages), messages
    assert f"{hook} boom" in messages[0]
    follow_up = next(r for r in result.reminders if r.kind == "follow-up")  # the built-ins still ran
    # the plugin's own call on 11-24 counts unless its interactions hook is the one that failed
    assert follow_up.date.isoformat() == ("2026-12-04" if hook == "interactions" else "2026-12-08")
    assert result.goal is not None and result.goal.done == 1


def test_interactions_from_a_plugin_count_as_contact(make_vault, run_scan):
    result = run_scan(make_vault(PEOPLE), TODAY, plugins=[Raises(None)])
    assert result.vault.people[0].interactions[0].kind == "call"
    assert result.reminders[0].date.isoformat() == "2026-12-08"


def test_a_generator_failing_halfway_contributes_nothing(make_vault, run_scan):
    result = run_scan(make_vault(PEOPLE), TODAY, plugins=[Raises("reminders")])
    assert [r for r in result.reminders if r.uid == "half"] == []
    assert [p.message for p in result.problems] == [
        "plugin 'Raises': relnotes_reminders raised RuntimeError: reminders boom; its contribution was skipped"]


def test_bad_items_are_reported(make_vault, run_scan):
    result = run_scan(make_vault(PEOPLE), TODAY, plugins=[Raises("bad-items")])
    assert any("not Reminder" in p.message for p in result.problems)
    assert [r.uid for r in result.reminders if r.kind == "x"] == ["u1"]
    assert any("share the uid 'u1'" in p.message for p in result.problems)


@pytest.mark.parametrize("answer", [42, "text", b"bytes"])
def test_an_answer_that_is_not_a_list_is_reported(make_vault, run_scan, answer):
    class NotAList:
        @hookimpl
        def relnotes_reminders(self):
            return answer

    result = run_scan(make_vault(PEOPLE), TODAY, plugins=[NotAList()])
    assert [p.message for p in result.problems] == [
        f"plugin 'NotAList': relnotes_reminders returned {type(answer).__name__}, not a list; "
        "its contribution was skipped"]


def test_strict_mode_makes_a_failing_plugin_fatal(make_vault):
    from relnotes.pipeline import Pipeline

    pipeline = Pipeline(make_vault(PEOPLE), autoload=False, strict=True, plugins=[Raises("reminders")])
    with pytest.raises(PluginError, match="reminders boom"):
        pipeline.scan(dt.date(2026, 11, 25))


def test_a_build_cut_short_by_a_failure_leaves_nothing_half_kept(make_vault):
    """A strict daemon's build that a plugin stops halfway: the next one starts afresh and gives what a
    scan from scratch gives (the engine kept none of the half-made answers)."""
    from relnotes.pipeline import Pipeline

    class Flaky:
        broken = False

        @hookimpl
        def relnotes_note_interactions(self, note):
            if self.broken and note.title == "2026-11-22":
                raise RuntimeError("flaky boom")

    flaky = Flaky()
    vault = make_vault({**PEOPLE, "People/Bo.md": "---\ntype: person\nrole: peer\n---\n",
                        "Daily/2026-11-21.md": "Nothing.\n", "Daily/2026-11-22.md": "Nothing.\n"})
    pipeline = Pipeline(vault, autoload=False, strict=True, plugins=[flaky])
    today = dt.date(2026, 11, 25)
    pipeline.scan(today)
    for name in ("2026-11-21", "2026-11-22"):  # the first is asked before the one that fails
        (vault / f"Daily/{name}.md").write_text("Lunch with [[Bo]].\n")
    flaky.broken = True
    pipeline.refresh({"Daily/2026-11-21.md", "Daily/2026-11-22.md"})
    with pytest.raises(PluginError, match="flaky boom"):
        pipeline.evaluate(today)
    flaky.broken = False
    again = pipeline.evaluate(today)
    fresh = Pipeline(vault, autoload=False, use_cache=False, plugins=[flaky]).scan(today)
    assert [o.content for o in again.outputs] == [o.content for o in fresh.outputs]
    (bo,) = [p for p in again.vault.people if p.name == "Bo"]
    assert [i.source for i in bo.interactions] == ["Daily/2026-11-21.md", "Daily/2026-11-22.md"]


def test_every_built_in_is_a_plugin_and_can_be_switched_off(make_vault, run_scan):
    pm = get_plugin_manager(autoload=False)
    assert sorted(name for name, _ in pm.list_name_plugin()) == sorted(m.rsplit(".", 1)[1] for m in DEFAULT_PLUGINS)
    vault = make_vault({**PEOPLE, "People/Bo.md": "---\ntype: person\nbirthday: 1990-12-01\n---\n"})
    kinds = {r.kind for r in run_scan(vault, TODAY).reminders}
    assert kinds == {"follow-up", "birthday"}
    assert {r.kind for r in run_scan(vault, TODAY, disable=["celebrations"]).reminders} == {"follow-up"}
    classified = run_scan(vault, TODAY, disable=["classify"])
    assert classified.vault.people == []  # nothing says who is a person any more


def test_uids_hide_names():
    assert "Ann" not in make_uid("follow-up", "Ann", "2026-01-01")
    assert make_uid("follow-up", "ann", "x") == make_uid("follow-up", "ann", "x") != make_uid("follow-up", "ann", "y")
