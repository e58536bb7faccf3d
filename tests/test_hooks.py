"""Every hook: documented exactly as specified, and tested on its own with the example from the guide."""

import datetime as dt
import inspect
import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from relnotes import hookspecs
from relnotes.cli import cli

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
SPECS = {name: fn for name, fn in vars(hookspecs).items() if hasattr(fn, "relnotes_spec")}


def section(hook: str) -> str:
    start = GUIDE.index(f"### `{hook}(")
    end = GUIDE.find("\n### ", start + 1)
    return GUIDE[start:end]


def example(hook: str) -> types.ModuleType:
    """The guide's example for ``hook``, as a plugin module."""
    code = re.search(r"```python\n(.*?)```", section(hook), re.S).group(1)
    module = types.ModuleType(f"guide_{hook}")
    exec(compile(code, f"docs/plugins.md:{hook}", "exec"), module.__dict__)
    return module


def test_every_hook_is_documented_with_its_exact_signature():
    documented = re.findall(r"^### `(relnotes_\w+)\((.*?)\)`$", GUIDE, re.M)
    assert sorted(name for name, _ in documented) == sorted(SPECS), "docs/plugins.md and hookspecs.py disagree"
    for name, args in documented:
        spec_args = ", ".join(inspect.signature(SPECS[name]).parameters)
        assert args == spec_args, f"{name}: documented ({args}), specified ({spec_args})"
        text = section(name)
        firstresult = SPECS[name].relnotes_spec.get("firstresult", False)
        assert ("`firstresult`" in text) == firstresult, f"{name}: say whether the first answer wins"
        assert "**Returns**" in text and "**Arguments**" in text and "```python" in text
        diagram = re.search(r"```mermaid\n(.*?)```", GUIDE, re.S).group(1)
        assert f'"{name}({spec_args})' in diagram, f"{name} is missing from the order diagram"


def test_every_hook_has_a_test_of_its_own():
    tests = {name for name in globals() if name.startswith("test_hook_")}
    assert tests == {f"test_hook_{name}" for name in SPECS}


def test_hook_relnotes_settings(make_vault):
    from relnotes import ConfigError
    from relnotes.pipeline import Pipeline

    plugin = example("relnotes_settings")
    default = Pipeline(make_vault({"A.md": "x"}), autoload=False, plugins=[plugin]).config
    assert default.table("plugins.thanks").every_days == 90
    vault = make_vault({"A.md": "x"}, config="[plugins.thanks]\nevery_days = 30\n")
    assert Pipeline(vault, autoload=False, plugins=[plugin]).config.table("plugins.thanks")["every_days"] == 30
    bad = make_vault({"A.md": "x"}, config="[plugins.thanks]\nevery_days = 0\n")
    with pytest.raises(ConfigError, match=r"plugins\.thanks\.every_days: expected a whole number from 1 to 36,500, got 0"):
        Pipeline(bad, autoload=False, plugins=[plugin]).config
    result = CliRunner().invoke(cli, ["init", str(make_vault({}))])  # no plugin: its table is not in the template
    assert result.exit_code == 0 and "plugins.thanks" not in result.output


def test_hook_relnotes_classify_note(make_vault, run_scan):
    vault = make_vault({"Team/Ann.md": "---\ntags: [colleague]\nrole: peer\n---\n", "Team/Bo.md": "x"})
    result = run_scan(vault, "2026-11-25", plugins=[example("relnotes_classify_note")])
    assert [p.name for p in result.vault.people] == ["Ann"]


def test_hook_relnotes_note_interactions(make_vault, run_scan):
    vault = make_vault({"People/Ann.md": "---\ntype: person\nrole: manager\n---\n",
                        "Daily/2026-11-20.md": "---\ncalled: '[[Ann]]'\n---\nNo link in the text.\n",
                        "Notes/Undated.md": "---\ncalled: '[[Ann]]'\n---\n"},
                       config="dated_note_interactions = false\n")  # the link alone is no contact then
    result = run_scan(vault, "2026-11-25", plugins=[example("relnotes_note_interactions")])
    (ann,) = result.vault.people
    assert [(i.date.isoformat(), i.kind, i.source) for i in ann.interactions] == [
        ("2026-11-20", "call", "Daily/2026-11-20.md")]
    (follow_up,) = result.reminders
    assert follow_up.detail.startswith("last contact 2026-11-20 (call: Daily/2026-11-20.md)")


def test_hook_relnotes_interactions(make_vault, run_scan):
    vault = make_vault({"People/Ann.md": "---\ntype: person\nrole: manager\n---\n",
                        ".relnotes/calls.csv": "Ann,2026-11-20\nNobody,2026-11-21\n"})
    result = run_scan(vault, "2026-11-25", plugins=[example("relnotes_interactions")])
    (follow_up,) = result.reminders
    assert follow_up.date == dt.date(2026, 12, 4)  # 11-20 + 14 days
    assert follow_up.detail.startswith("last contact 2026-11-20 (call: .relnotes/calls.csv)")
    assert [p.message for p in result.problems] == [
        "interaction with unknown person 'Nobody' (from plugin 'guide_relnotes_interactions'); ignored"]


def test_hook_relnotes_note_reminders(make_vault, run_scan):
    vault = make_vault({"Projects/Plan.md": "---\nreview: 2026-12-01\n---\n",
                        "Projects/Odd.md": "---\nreview: soon\n---\n"})
    result = run_scan(vault, "2026-11-25", plugins=[example("relnotes_note_reminders")])
    assert [(r.title, r.date, r.source) for r in result.reminders] == [
        ("Review Plan", dt.date(2026, 12, 1), "Projects/Plan.md")]
    assert [(p.path, p.line, p.message) for p in result.problems if p.path] == [
        ("Projects/Odd.md", 2, "review: 'soon' is not a date; ignored")]


def test_hook_relnotes_person_reminders(make_vault, run_scan):
    vault = make_vault({"People/Ann.md": "---\ntype: person\nrole: sponsor\nlast_contact: 2026-11-20\n---\n",
                        "People/Bo.md": "---\ntype: person\nrole: peer\n---\n"})
    result = run_scan(vault, "2026-11-25", plugins=[example("relnotes_person_reminders")])
    thanks = [r for r in result.reminders if r.kind == "thank-you"]
    assert [(r.title, r.date) for r in thanks] == [("Thank Ann", dt.date(2026, 11, 25))]
    again = run_scan(vault, "2026-12-20", plugins=[example("relnotes_person_reminders")])
    assert [r.uid for r in again.reminders if r.kind == "thank-you"] == [thanks[0].uid]  # same quarter


def test_hook_relnotes_reminders(make_vault, run_scan):
    vault = make_vault({"People/Ann.md": "---\ntype: person\nrole: peer\nmet: 2026-09-01\n---\n"})
    (meet,) = [r for r in run_scan(vault, "2026-11-25", plugins=[example("relnotes_reminders")]).reminders
               if r.kind == "meet-someone"]
    assert (meet.title, meet.date) == ("Meet someone new", dt.date(2026, 11, 25))
    recent = make_vault({"People/Ann.md": "---\ntype: person\nrole: peer\nmet: 2026-11-10\n---\n"})
    assert not [r for r in run_scan(recent, "2026-11-25", plugins=[example("relnotes_reminders")]).reminders
                if r.kind == "meet-someone"]


def test_an_edit_asks_again_only_about_what_it_can_change(make_vault):
    """The contract of docs/plugins.md, "What a rule may depend on": counted with pluggy's hook-call
    monitoring over a pipeline kept between builds, as the daemon keeps it."""
    from relnotes.pipeline import Pipeline

    vault = make_vault({
        "People/Ann.md": "---\ntype: person\nrole: peer\n---\n",
        "People/Bo.md": "---\ntype: person\nrole: peer\naliases: [Bob]\n---\n",
        "People/Cy.md": "---\ntype: person\nrole: peer\n---\n",
        "Meetings/2026-11-20 Sync.md": "---\nattendees: ['[[Ann]]']\n---\n",
        "Daily/2026-11-21.md": "Lunch with [[Bob]].\n",
        "Daily/2026-11-22.md": "Nothing today.\n",
    })
    whole = example("relnotes_reminders")  # a whole-vault rule: asked on every build
    pipeline = Pipeline(vault, autoload=False, plugins=[whole])
    calls: list[tuple[str, str]] = []

    def seen(name, impls, kwargs):
        subject = kwargs.get("note") or kwargs.get("person")
        calls.append((name, getattr(subject, "path", "")))

    pipeline.pm.add_hookcall_monitoring(seen, lambda *_: None)
    today = dt.date(2026, 11, 25)
    first = pipeline.scan(today)
    assert len([c for c in calls if c[0] == "relnotes_note_reminders"]) == 6

    def edit(rel, text):
        (vault / rel).write_text(text, encoding="utf-8")
        calls.clear()
        pipeline.refresh({rel})
        return pipeline.evaluate(today)

    def asked(hook):
        return sorted(path for name, path in calls if name == hook)

    # a daily note's text: that note, and the person it now links
    after = edit("Daily/2026-11-22.md", "Coffee with [[Cy]].\n")
    assert asked("relnotes_classify_note") == ["Daily/2026-11-22.md"]
    assert asked("relnotes_note_interactions") == asked("relnotes_note_reminders") == ["Daily/2026-11-22.md"]
    assert asked("relnotes_person_reminders") == ["People/Cy.md"]
    assert [name for name, _ in calls if name in ("relnotes_reminders", "relnotes_goal")] == [
        "relnotes_reminders", "relnotes_goal"]
    assert next(p for p in after.vault.people if p.name == "Cy").interactions[0].source == "Daily/2026-11-22.md"
    # a person's text, no field changed: that person only
    edit("People/Ann.md", "---\ntype: person\nrole: peer\n---\nLikes tea.\n")
    assert asked("relnotes_note_interactions") == ["People/Ann.md"]
    assert asked("relnotes_person_reminders") == ["People/Ann.md"]
    # an alias dropped: the notes that linked by it are asked again, and the person who lost the contact
    after = edit("People/Bo.md", "---\ntype: person\nrole: peer\n---\n")
    assert asked("relnotes_note_interactions") == ["Daily/2026-11-21.md", "People/Bo.md"]
    assert asked("relnotes_person_reminders") == ["People/Bo.md"]
    assert next(p for p in after.vault.people if p.name == "Bo").interactions == []
    # a new day: every reminder hook again, but no note is read or asked about its contact again
    calls.clear()
    pipeline.refresh(set())
    pipeline.evaluate(today + dt.timedelta(days=1))
    assert asked("relnotes_note_interactions") == [] and len(asked("relnotes_note_reminders")) == 6
    assert len(asked("relnotes_person_reminders")) == 3
    # and the answers are those of a scan from scratch
    fresh = Pipeline(vault, autoload=False, plugins=[whole], use_cache=False).scan(today + dt.timedelta(days=1))
    assert [o.content for o in pipeline.evaluate(today + dt.timedelta(days=1)).outputs] == [
        o.content for o in fresh.outputs]
    assert first.outputs != fresh.outputs



def test_an_edit_that_changes_no_reminder_keeps_them_and_renders_only_what_is_new(make_vault, monkeypatch):
    """A person's reminders asked for again after an edit of their note, and found the same, stay
    the very objects the outputs remembered: the feed renders again only the run of events (about 60)
    the new one joins, once for the feed and its calendar of tasks — not every event of that person."""
    from relnotes.default_plugins import ics
    from relnotes.pipeline import Pipeline

    people = {f"People/P{i:04}.md": f"---\ntype: person\nrole: peer\nbirthday: 1990-{1 + i % 12:02}-15\n"
              f"last_contact: 2026-0{1 + i % 9}-01\n---\n" for i in range(1200)}
    vault = make_vault(people)
    pipeline = Pipeline(vault, autoload=False, use_cache=False)
    today = dt.date(2026, 11, 25)
    first = pipeline.scan(today)
    before = {r.uid: r for r in first.all_reminders}
    rendered: list[str] = []
    real = ics._event_text
    monkeypatch.setattr(ics, "_event_text", lambda reminder, *args: rendered.append(reminder.title) or real(
        reminder, *args))
    note = vault / "People/P0007.md"
    note.write_text(note.read_text(encoding="utf-8") + "Likes climbing.\n- [ ] Send the climbing guide 📅 2026-11-27\n",
                    encoding="utf-8")
    pipeline.refresh({"People/P0007.md"})
    after = pipeline.evaluate(today)
    kept = [r for r in after.all_reminders if r.uid in before]
    assert kept and all(r is before[r.uid] for r in kept)  # P0007's follow-up and birthday too
    assert "Send the climbing guide" in rendered and len(set(rendered)) == len(rendered)
    assert len(rendered) < 700 < len(after.all_reminders)  # one run (a run of 700 would be a 1-in-100,000 chance)
    fresh = Pipeline(vault, autoload=False, use_cache=False).scan(today)
    assert [o.content for o in after.outputs] == [o.content for o in fresh.outputs]
    # the calendars the new task is not in are the very bytes of the build before: not joined again
    was = {o.name: o.content for o in first.outputs}
    assert {o.name for o in after.outputs if o.content is was[o.name]} == {"ics-celebrations", "ics-follow-ups"}


def test_hook_relnotes_goal(make_vault, run_scan):
    vault = make_vault({"People/Ann.md": "---\ntype: person\nmet: 2026-11-02\n---\n",
                        "People/Bo.md": "---\ntype: person\nlast_contact: 2026-11-03\n---\n"},
                       config="goal = { people = 4 }\n")
    assert run_scan(vault, "2026-11-25").goal.people == ("Bo",)  # built in: met is no conversation
    goal = run_scan(vault, "2026-11-25", plugins=[example("relnotes_goal")]).goal
    assert (goal.done, goal.people) == (1, ("Ann",))


def test_hook_relnotes_outputs(make_vault, run_scan):
    vault = make_vault({"People/Ann.md": "---\ntype: person\nrole: manager\nlast_contact: 2026-11-01\n---\n"})
    result = run_scan(vault, "2026-11-25", plugins=[example("relnotes_outputs")])
    (csv_output,) = [o for o in result.outputs if o.name == "csv"]
    assert csv_output.content.decode().splitlines()[1:] == [
        "date,kind,person,title", "2026-11-15,follow-up,Ann,Get in touch with Ann"]
    assert [o.name for o in result.outputs] == ["csv", "ics", "ics-celebrations", "ics-follow-ups", "ics-tasks", "summary"]


@pytest.fixture
def installed(tmp_path):
    """Install a module as a plugin package on a fresh PYTHONPATH, as pip would (dist-info + entry point)."""
    site = tmp_path / "site"
    site.mkdir()

    def install(name: str, code: str) -> dict:
        (site / f"{name}.py").write_text(code, encoding="utf-8")
        info = site / f"{name}-1.2.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.2\n")
        (info / "entry_points.txt").write_text(f"[relnotes]\n{name} = {name}\n")
        env = {k: v for k, v in os.environ.items() if k != "RELNOTES_DISABLE_PLUGIN_AUTOLOAD"}
        return {**env, "PYTHONPATH": str(site)}

    return install


def relnotes(*args, env):
    return subprocess.run([sys.executable, "-m", "relnotes", *map(str, args)], capture_output=True, text=True,
                          env=env)


def test_hook_relnotes_commands(installed, tmp_path):
    code = re.search(r"```python\n(.*?)```", section("relnotes_commands"), re.S).group(1)
    env = installed("relnotes_hello", code)
    out = relnotes("hello", tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"hello {tmp_path}\n"
    assert "hello" in relnotes("--help", env=env).stdout
    listing = relnotes("plugins", env=env).stdout
    assert re.search(r"^relnotes_hello\s+installed \(relnotes_hello\)\s+1\.2\s+relnotes_commands$", listing, re.M)


def test_a_command_that_shadows_a_built_in_or_fails_is_reported(installed, tmp_path):
    env = installed("relnotes_clash", (
        "import click\nfrom relnotes import hookimpl\n"
        "@click.command('scan')\ndef scan():\n    click.echo('not the real scan')\n"
        "@hookimpl\ndef relnotes_commands():\n    return [scan, 'not a command']\n"))
    out = relnotes("--help", env=env)
    assert out.returncode == 0
    assert "plugin 'relnotes_clash': command 'scan' exists already; skipped" in out.stderr
    assert "plugin 'relnotes_clash': relnotes_commands returned str, not Command; skipped" in out.stderr
    broken = installed("relnotes_boom", "from relnotes import hookimpl\n@hookimpl\ndef relnotes_commands():\n"
                                        "    raise RuntimeError('boom')\n")
    out = relnotes("--help", env=broken)
    assert out.returncode == 0 and "relnotes_commands raised RuntimeError: boom" in out.stderr


def test_an_output_plugin_that_raises_is_skipped(make_vault, run_scan):
    class Boom:
        @staticmethod
        def relnotes_outputs(result):
            raise RuntimeError("no disk for you")

    from relnotes import hookimpl

    Boom.relnotes_outputs = hookimpl(Boom.relnotes_outputs)
    result = run_scan(make_vault({"A.md": "x"}), "2026-11-25", plugins=[Boom])
    assert [o.name for o in result.outputs] == [
        "ics", "ics-celebrations", "ics-follow-ups", "ics-tasks", "summary"]
    assert any("relnotes_outputs raised RuntimeError: no disk for you" in p.message for p in result.problems)


def test_a_calendar_served_under_a_name_taken_is_skipped(make_vault, run_scan):
    """`serve` offers each calendar output at /TOKEN/ and its name: a second one of a name is reported."""
    from relnotes import Output, hookimpl

    class Meetings:
        @staticmethod
        @hookimpl
        def relnotes_outputs(result):
            yield Output("meetings", result.root / ".relnotes" / "meetings.ics", b"BEGIN:VCALENDAR", b"",
                         "text/calendar")  # served as its file's name
            yield Output("clash", result.root / ".relnotes" / "clash.ics", b"", b"", "text/calendar; charset=utf-8",
                         served_as="tasks.ics")

    class Last:  # called after every other plugin: still no match for a built-in
        @staticmethod
        @hookimpl(trylast=True)
        def relnotes_outputs(result):
            yield Output("mine", result.root / "mine.ics", b"", b"", "text/calendar", served_as="relnotes.ics")

    result = run_scan(make_vault({"A.md": "x"}), "2026-11-25", plugins=[Meetings, Last])
    assert any("a second calendar served as 'relnotes.ics'; skipped" in p.message for p in result.problems)
    assert [o.served_name for o in result.outputs_of("text/calendar")] == [
        "relnotes.ics", "celebrations.ics", "follow-ups.ics", "tasks.ics", "meetings.ics"]
    assert "clash" not in [o.name for o in result.outputs]
    assert any("a second calendar served as 'tasks.ics'; skipped" in p.message for p in result.problems)


# --- vault-local plugins ---------------------------------------------------------------------

LOCAL = '''
from relnotes import hookimpl
from relnotes.model import Reminder, make_uid

@hookimpl
def relnotes_reminders(vault, today):
    yield Reminder("local", None, today, "from the vault's own plugin", "", make_uid("local"))
'''


def scan_json(vault, *args):
    import json

    result = CliRunner().invoke(cli, ["scan", str(vault), "--today", "2026-11-25", "--json", *args])
    return result, (json.loads(result.stdout) if result.stdout.startswith("{") else None)


def not_run(vault, name, again=" is not run"):
    return {"path": f".relnotes/plugins/{name}.py", "line": None, "message": (
        f"vault-local plugin {name!r}{again}: a vault cannot make relnotes run its code; if you trust this file, "
        f"run `relnotes trust {vault} {name}`")}


def trust(*args):
    result = CliRunner().invoke(cli, ["trust", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


PERSON = {"People/A.md": "---\ncadence: none\n---\n"}


def test_a_local_plugin_is_ignored_without_opt_in(make_vault):
    vault = make_vault({**PERSON, ".relnotes/plugins/mine.py": LOCAL + "\nopen('ran', 'w')\n"})
    _, data = scan_json(vault)
    assert [r["kind"] for r in data["reminders"]] == []
    assert data["warnings"] == [not_run(vault, "mine")]
    assert not Path("ran").exists()


def test_a_vault_cannot_opt_itself_in(make_vault):
    """Its own config listing a plugin (a synced, cloned or shared vault) decides nothing."""
    vault = make_vault({**PERSON, ".relnotes/plugins/mine.py": LOCAL + "\nopen('ran', 'w')\n"},
                       config='[plugins]\nlocal = ["mine"]\n')
    _, data = scan_json(vault)
    assert data["reminders"] == [] and data["warnings"] == [not_run(vault, "mine")]
    assert not Path("ran").exists()


def test_a_local_plugin_runs_once_trusted_and_until_it_changes(make_vault, tmp_path):
    vault = make_vault({**PERSON, ".relnotes/plugins/mine.py": LOCAL})
    assert trust(vault) == "mine  not trusted  (.relnotes/plugins/mine.py)\n"
    assert trust(vault, "mine").startswith("Trusted mine (.relnotes/plugins/mine.py, sha256 ")
    assert trust(vault) == "mine  trusted  (.relnotes/plugins/mine.py)\n"
    _, data = scan_json(vault)
    assert [r["title"] for r in data["reminders"]] == ["from the vault's own plugin"] and data["warnings"] == []
    listing = CliRunner().invoke(cli, ["plugins", str(vault)]).output
    assert re.search(r"^mine\s+vault-local\s+-\s+relnotes_reminders\*$", listing, re.M)  # * a whole-vault hook
    assert listing.splitlines()[-1].startswith("* a whole-vault hook: asked again on every change")
    rows = {row["name"]: row for row in json.loads(CliRunner().invoke(cli, ["plugins", str(vault), "--json"]).output)[
        "plugins"]}
    assert rows["mine"]["whole_vault"] == ["relnotes_reminders"] and rows["tasks"]["whole_vault"] == []
    # a sync changes the file: it does not run until trusted again
    (vault / ".relnotes/plugins/mine.py").write_text(LOCAL + "\nopen('ran', 'w')\n")
    _, data = scan_json(vault)
    assert data["reminders"] == [] and data["warnings"] == [not_run(vault, "mine", " changed since you trusted it")]
    assert not Path("ran").exists()
    trust(vault, "mine", "--revoke")
    assert trust(vault) == "mine  not trusted  (.relnotes/plugins/mine.py)\n"
    # the decision lives in the user's config folder, not in the vault
    assert not any(p.name == "trust.json" for p in vault.rglob("*"))


def test_a_local_plugin_that_fails_to_import_is_named(make_vault):
    vault = make_vault({**PERSON, ".relnotes/plugins/bad.py": "import nope\n"},
                       config='[plugins]\nlocal = ["bad", "missing"]\n')
    trust(vault, "bad")
    _result, data = scan_json(vault)
    messages = [w["message"] for w in data["warnings"]]
    assert any(m.startswith("plugin 'bad': vault-local plugin .relnotes/plugins/bad.py cannot be loaded "
                            "(ModuleNotFoundError") for m in messages)
    assert any(m.startswith("plugin 'missing': vault-local plugin .relnotes/plugins/missing.py cannot be loaded")
               for m in messages)
    strict, _ = scan_json(vault, "--strict")
    assert strict.exit_code == 1 and "plugin 'bad'" in strict.stderr


def test_a_disabled_local_plugin_does_not_run(make_vault):
    vault = make_vault({**PERSON, ".relnotes/plugins/mine.py": LOCAL},
                       config='[plugins]\nlocal = ["mine"]\ndisable = ["mine"]\n')
    trust(vault, "mine")
    _, data = scan_json(vault)
    assert data["reminders"] == []
    listing = CliRunner().invoke(cli, ["plugins", str(vault)]).output
    assert re.search(r"^mine\s+disabled in config", listing, re.M)


def test_hook_relnotes_fetch(make_vault, tmp_path):
    """Asked only with --fetch; the guide's example keeps what it fetched in the cache folder."""
    from relnotes import Setting, Table, cache_file, hookimpl, typed
    from relnotes.pipeline import Pipeline

    class TeamSettings:
        @hookimpl
        def relnotes_settings(self):
            return [Table("plugins.team", (Setting("url", "", typed(str), "Where the list is."),))]

    source = tmp_path / "birthdays.csv"
    source.write_text("Ann,03-15\n", encoding="utf-8")
    vault = make_vault({"A.md": "x"}, config=f'[plugins.team]\nurl = "{source.as_uri()}"\n')
    pipeline = Pipeline(vault, autoload=False, plugins=[example("relnotes_fetch"), TeamSettings()])
    pipeline.scan(dt.date(2026, 11, 25))
    assert not cache_file("team-birthdays.csv").exists()  # a scan never fetches
    assert pipeline.pm.hooks.fetch(vault, pipeline.config) == []
    assert cache_file("team-birthdays.csv").read_text(encoding="utf-8") == "Ann,03-15\n"
    source.unlink()
    [(_, problem)] = pipeline.pm.hooks.fetch(vault, pipeline.config)
    assert "team birthdays: cannot fetch" in problem.message


def test_hook_relnotes_notifiers(make_vault, monkeypatch):
    """The guide's chat notifier, configured in notify.toml, gets the digest; its URL comes from the environment."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from relnotes.notify import channels_of, send_digest
    from relnotes.pipeline import Pipeline
    from relnotes.userdirs import config_dir

    posts = []

    class Room(BaseHTTPRequestHandler):
        def do_POST(self):
            posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Room)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("CHAT_URL", f"http://127.0.0.1:{server.server_address[1]}/room")
    notify = config_dir() / "notify.toml"
    notify.parent.mkdir(parents=True, exist_ok=True)
    notify.write_text('[chat]\nurl_env = "CHAT_URL"\n', encoding="utf-8")
    notify.chmod(0o600)
    vault = make_vault({"People/Ann.md": "---\ntype: person\nrole: manager\nlast_contact: 2026-11-01\n---\n"})
    pipeline = Pipeline(vault, autoload=False, plugins=[example("relnotes_notifiers")])
    try:
        channels = channels_of(n for _, n in pipeline.pm.hooks.notifiers())
        assert [c.name for c in channels] == ["chat"]
        result = pipeline.scan(dt.date(2026, 12, 1))
        assert [o.status for o in send_digest(vault, result, pipeline.config, channels)] == ["sent"]
        assert [o.status for o in send_digest(vault, result, pipeline.config, channels)] == ["done"]
    finally:
        server.shutdown()
        server.server_close()
    [post] = posts
    assert post["text"].startswith("*relnotes for Tue 2026-12-01: 1 overdue*\n")
