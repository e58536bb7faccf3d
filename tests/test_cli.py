"""The command line contract: `relnotes scan` JSON, exit statuses, `--version`, `init`."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from relnotes import __version__
from relnotes.cli import cli
from relnotes.config import CORE_TABLES, Config, ConfigError, config_template, parse_config
from relnotes.pipeline import Pipeline
from relnotes.plugins import get_plugin_manager

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "vault"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def small_vault(make_vault):
    return make_vault({
        "People/Jane Doe.md": "---\ntype: person\nrole: manager\naliases: [JD]\n---\n",
        "Meetings/2026-11-01 Sync.md": "---\nattendees: ['[[JD]]']\n---\n- [ ] send notes 📅 2026-11-20\n",
        "People/Broken.md": "---\nrole: [x\n---\n",
    })


def test_scan_json_contract(small_vault):
    result = run("scan", small_vault, "--today", "2026-11-25", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["vault", "today", "horizon", "counts", "reminders", "goal", "warnings", "outputs"]
    assert data["outputs"] == [
        {"name": "ics", "path": str(small_vault.resolve() / ".relnotes/relnotes.ics")},
        *({"name": f"ics-{kind}", "path": str(small_vault.resolve() / f".relnotes/relnotes-{kind}.ics")}
          for kind in ("celebrations", "follow-ups", "tasks")),
        {"name": "summary", "path": str(small_vault.resolve() / "relnotes.md")}]
    assert data["vault"] == str(small_vault.resolve())
    assert (data["today"], data["horizon"], data["goal"]) == ("2026-11-25", 30, None)
    assert data["counts"] == {"notes": 3, "people": 2, "meetings": 1}
    follow_up, task = data["reminders"]
    assert {k: follow_up[k] for k in ("kind", "person", "date", "overdue", "title", "source")} == {
        "kind": "follow-up", "person": "Jane Doe", "date": "2026-11-15", "overdue": True,
        "title": "Get in touch with Jane Doe", "source": "People/Jane Doe.md"}
    assert (task["kind"], task["person"], task["date"], task["source"]) == (
        "task", "Jane Doe", "2026-11-20", "Meetings/2026-11-01 Sync.md")
    for reminder in data["reminders"]:
        assert set(reminder) >= {"kind", "person", "date", "overdue", "title", "source", "uid"}
        assert reminder["uid"].endswith("@relnotes")
    reference, warning = data["warnings"]
    assert warning["path"] == "People/Broken.md" and warning["line"] == 2
    assert "not valid YAML" in warning["message"]
    # Broken has no relationship type and no contact: a reference, said in one line
    assert reference["path"] == "" and reference["message"].startswith(
        "1 person has no relationship type and no recorded contact, so no follow-ups (Broken)")


def test_horizon_limits_the_window(small_vault):
    def dates(horizon):
        data = json.loads(run("scan", small_vault, "--today", "2026-11-01", "--horizon", horizon, "--json").stdout)
        assert data["horizon"] == horizon
        return [r["date"] for r in data["reminders"]]

    assert dates(13) == []
    assert dates(14) == ["2026-11-15"]
    assert dates(19) == ["2026-11-15", "2026-11-20"]


def test_readable_report(small_vault):
    result = run("scan", small_vault, "--today", "2026-11-25")
    assert result.exit_code == 0, result.output
    assert "Overdue (2)" in result.output
    assert "2026-11-15  follow-up          Get in touch with Jane Doe  (10 days late)" in result.output
    assert "People/Broken.md:2: frontmatter is not valid YAML" in result.output
    assert not result.stderr


@pytest.mark.parametrize("notes, counts", [
    ({"People/Ann.md": "---\nrole: peer\n---\n"}, "1 note · 1 person · 0 meetings"),
    ({"People/Ann.md": "---\nrole: peer\n---\n", "Meetings/2026-11-20 Sync.md": "with [[Ann]]\n",
      "People/Bo.md": "---\nrole: peer\n---\n"}, "3 notes · 2 people · 1 meeting"),
])
def test_the_report_counts_in_words_that_fit_the_number(make_vault, notes, counts):
    result = run("scan", make_vault(notes), "--today", "2026-11-25")
    assert result.exit_code == 0 and result.output.splitlines()[1] == counts, result.output


def test_missing_vault_exits_1_with_one_line(tmp_path):
    result = run("scan", tmp_path / "nope", "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "vault not found" in result.stderr


def test_bad_config_exits_1_naming_the_key(make_vault):
    vault = make_vault({"A.md": "x"}, config="[cadence]\nmanager = 14\nmentor = 'often'\n")
    result = run("scan", vault)
    assert result.exit_code == 1
    assert "cadence.mentor" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("args", [["scan"], ["scan", ".", "--today", "2026-13-01"], ["scan", ".", "--horizon", "-1"],
                                  ["nonsense"]])
def test_usage_errors_exit_2(args):
    assert run(*args).exit_code == 2


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


@pytest.fixture
def example(tmp_path, monkeypatch):
    """A copy of the sample vault at ./examples/vault, so scanning it leaves the repository alone
    (without the outputs a scan of the quick start may have left in it: as in a fresh clone)."""
    shutil.copytree(EXAMPLE, tmp_path / "examples" / "vault", symlinks=True,
                    ignore=shutil.ignore_patterns("relnotes.md", "relnotes.ics"))
    monkeypatch.chdir(tmp_path)
    return Path("examples/vault")


def test_console_script_runs_the_example_vault(example):
    """The installed entry point, as a user runs it, on the sample vault."""
    out = subprocess.run([sys.executable, "-m", "relnotes", "scan", str(example), "--today", "2026-11-25", "--json"],
                         capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert data["counts"]["people"] >= 15
    assert {r["kind"] for r in data["reminders"]} == {
        "follow-up", "new-contact", "meeting-follow-up", "task", "birthday", "anniversary", "milestone"}
    assert data["warnings"] == []
    assert out.stderr == ""


@pytest.mark.parametrize("text, key", [
    ("colour = 1", "colour"),
    ("people_folder = 3", "people_folder"),
    ("dated_note_interactions = 'yes'", "dated_note_interactions"),
    ("[cadence]\nfriend = 'sometimes'", "cadence.friend"),
    ("[people]\nfolders = 'People'", "people.folders"),
    ("[meetings]\ntags = [1]", "meetings.tags[]"),
    ("[fields]\nlast_contact = 'prm-last-contacted'", "fields.last_contact"),
    ("[fields]\nlast_contacted = ['x']", "fields.last_contacted"),
    ("goal = { people = 'eight' }", "goal.people"),
    ("goal = { people = 8, per = 'day' }", "goal.per"),
    ("goal = { people = 8, every = 'week' }", "goal.every"),
    ("[new_contact]\nwindow_days = -1", "new_contact.window_days"),
    ("[new_contact]\ndelay = 2", "new_contact.delay"),
    ("[celebrations]\nfeb29 = 'mar2'", "celebrations.feb29"),
    ("[plugins]\ndisable = 'tasks'", "plugins.disable"),
    ("[ics]\nalarm = '25:00'", "ics.alarm"),
    ("[summary]\nsections = ['overdue', 'gossip']", "summary.sections"),
    ("people_folder = ", None),
])
def test_config_errors_name_the_key(make_vault, text, key):
    vault = make_vault({}, config=text)
    with pytest.raises(ConfigError) as err:
        Pipeline(vault, autoload=False).config
    assert str(vault / ".relnotes/config.toml") in str(err.value)
    if key:
        assert f": {key}:" in str(err.value)
    else:
        assert "not valid TOML" in str(err.value)


def test_config_values(make_vault):
    config = Pipeline(make_vault({}, config=(
        'people_folder = "/Contacts/"\ngoal = { people = 8, per = "week" }\n[cadence]\npeer = "none"\nclient = 10\n'
        '[new_contact]\nwindow_days = 14\n[celebrations]\nfeb29 = "mar1"\n')), autoload=False).config
    assert config.people_folder == "Contacts"
    assert config.cadence["peer"] is None and config.cadence["client"].amount == 10
    assert config.cadence["manager"].amount == 14  # untouched defaults stay
    assert dict(config.table("new_contact")) == {"window_days": 14, "delay_days": 2}
    assert config.table("celebrations").feb29 == "mar1"
    assert (config.goal.people, config.goal.per) == (8, "week")


def test_a_table_no_enabled_plugin_declares_is_a_warning(make_vault, run_scan):
    vault = make_vault({"People/A.md": "---\nrole: peer\n---\n"}, config='[plugins]\ndisable = ["celebrations"]\n[celebrations]\n'
                                                    'feb29 = "mar1"\n[plugins.reconect]\nper_week = 2\n')
    messages = [(p.path, p.message) for p in run_scan(vault, "2026-11-25").problems]
    assert messages == [
        (".relnotes/config.toml", "[celebrations] in the config: no enabled plugin has settings called "
                                  "'celebrations'; ignored (tables: people, meetings, fields, cadence, me, log, digest, plugins, calendar, ics, "
                                  "new_contact, summary)"),
        (".relnotes/config.toml", "[plugins.reconect] in the config: no enabled plugin called 'reconect'; ignored")]


def test_init_writes_every_default_and_never_overwrites(make_vault):
    vault = make_vault({"A.md": "x"}, obsidian={"templates.json": {"folder": "Tpl"}})
    result = run("init", vault, "--templates")
    assert result.exit_code == 0, result.output
    tables = [table for _, table in get_plugin_manager(autoload=False).hooks.settings()]
    template = config_template(tables)
    assert (vault / ".relnotes/config.toml").read_text() == template
    assert {p.name for p in (vault / "Tpl").iterdir()} == {"Person.md", "Meeting.md", "Incident.md"}
    # every commented setting, uncommented, parses and gives exactly the built-in defaults
    import tomllib
    every = [s for table in [*CORE_TABLES, *tables] for s in table.settings]
    keys = [s.key for s in every if s.default is not None]
    examples = {s.example for s in every if s.default is None}
    settings = [line[2:] for line in template.splitlines() if line.startswith("# [") or (
        line.startswith("# ") and line[2:].split(" = ")[0] in keys and line[2:] not in examples)]
    # each setting with a default, each table (but the top one)
    assert len(settings) == len(keys) + len(tables) + len([t for t in CORE_TABLES if t.name])
    assert parse_config(tomllib.loads("\n".join(settings)), tables) == parse_config({}, tables)
    assert parse_config({}) == Config()
    (vault / ".relnotes/config.toml").write_text("mine = 1\n")
    again = run("init", vault, "--templates")
    assert again.exit_code == 0 and again.output.count("kept existing") == 4
    assert (vault / ".relnotes/config.toml").read_text() == "mine = 1\n"


def test_readme_config_table_is_the_schema():
    from relnotes.config import config_reference

    tables = [table for _, table in get_plugin_manager(autoload=False).hooks.settings()]
    readme = (EXAMPLE.parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"<!-- config-reference -->\n{config_reference(tables)}<!-- /config-reference -->" in readme, (
        "run scripts/update_readme_examples.py")


def test_readme_shows_the_real_sample_output(example):
    result = CliRunner().invoke(cli, ["scan", "examples/vault", "--today", "2026-11-25"])
    readme = (EXAMPLE.parent.parent / "README.md").read_text(encoding="utf-8")
    assert result.exit_code == 0
    assert f"$ relnotes scan examples/vault --today 2026-11-25\n{result.output}```" in readme, "run scripts/update_readme_examples.py"


def _run_on_a_terminal(args, delay):
    """Run relnotes with stderr on a real pseudo-terminal; returns (stdout, what the terminal got)."""
    import pty

    master, slave = pty.openpty()
    env = {**os.environ, "RELNOTES_PROGRESS_DELAY": str(delay)}
    proc = subprocess.run([sys.executable, "-m", "relnotes", *map(str, args)], stdout=subprocess.PIPE,
                          stderr=slave, env=env, timeout=60)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 0
    return proc.stdout.decode(), seen.decode()


def test_progress_on_a_terminal_only_and_never_on_stdout(example):
    stdout, terminal = _run_on_a_terminal(["scan", example, "--today", "2026-11-25", "--no-cache"], delay=0.001)
    assert "Reading notes [" in terminal or "Working out reminders" in terminal
    last = terminal.rstrip(" \r").rsplit("\r", 1)[-1]
    assert last.strip() == "Working out reminders and outputs for 99 notes…"  # progress reached every note
    assert terminal.endswith("\r")  # the line is cleared at the end
    assert "\r" not in stdout and stdout.startswith("relnotes · examples/vault")
    stdout, terminal = _run_on_a_terminal(["scan", example, "--json", "--no-cache"], delay=0.001)
    assert terminal == "" and json.loads(stdout)
    _, terminal = _run_on_a_terminal(["scan", example, "--no-cache"], delay=30)
    assert terminal == ""  # a quick scan shows nothing


def test_progress_counts_every_note_of_a_big_vault(tmp_path):
    """Past the size where a forked child used to read half the notes: every note is counted."""
    sys.path.insert(0, str(EXAMPLE.parent.parent / "benchmarks"))
    import generate

    generate.generate(tmp_path / "big", 2500)
    _, terminal = _run_on_a_terminal(["scan", tmp_path / "big", "--today", "2026-11-25", "--no-cache", "--no-ics",
                                      "--no-summary"], delay=0.001)
    frames = [f.strip() for f in terminal.split("\r") if f.strip()]
    assert frames[-1] == "Working out reminders and outputs for 2,500 notes…"
    counts = [int(f.rsplit(" ", 1)[1].split("/")[0].replace(",", "")) for f in frames if f.startswith("Reading")]
    assert counts == sorted(counts) and all(c <= 2500 for c in counts)



# --- numbers and days out of range are refused, naming the option or the key ---------------------

@pytest.mark.parametrize("args, said", [
    (["--horizon", "1000000000"], "Invalid value for '--horizon'"),
    (["--today", "9999-12-31"], "'9999-12-31' is outside the years relnotes handles (1000–2999)"),
    (["--today", "0999-01-01"], "outside the years relnotes handles"),
])
def test_a_horizon_or_day_that_would_overflow_is_a_usage_error(small_vault, args, said):
    result = run("scan", small_vault, "--no-ics", "--no-summary", *args)
    assert result.exit_code == 2 and said in result.output


def test_the_last_day_and_the_longest_horizon_still_scan(small_vault):
    result = run("scan", small_vault, "--today", "2999-12-31", "--horizon", "36500", "--json")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("text, key", [
    ("[ics]\nrefresh_minutes = 100000000000000000000", "ics.refresh_minutes"),
    ("[summary]\nweek_days = 10000000", "summary.week_days"),
    ("[summary]\nwindow_days = 10000000", "summary.window_days"),
    ("[new_contact]\ndelay_days = 10000000", "new_contact.delay_days"),
    ("[new_contact]\nwindow_days = 10000000", "new_contact.window_days"),
])
def test_a_huge_number_in_the_config_is_refused_not_an_output_dropped(make_vault, text, key):
    vault = make_vault({"People/A.md": "---\nrole: peer\n---\n"}, config=text)
    result = run("scan", vault, "--today", "2026-11-25")
    assert result.exit_code == 1 and f"{key}: expected a whole number from " in result.output


@pytest.mark.parametrize("command", ["scan", "brief", "watch", "serve", "token", "init", "trust", "service",
                                     "plugins"])
def test_a_missing_vault_is_the_same_error_on_every_command(tmp_path, command):
    args = [command, str(tmp_path / "nowhere")] + (["Ann"] if command == "brief" else [])
    result = run(*args)
    assert result.exit_code == 1 and f"vault not found: {tmp_path / 'nowhere'} is not a folder" in result.output


def test_an_impossible_time_of_day_is_no_date(make_vault, run_scan):
    vault = make_vault({"People/A.md": "---\ntype: person\nrole: peer\nmet: 2026-11-24T25:61:00Z\n---\n"})
    result = run_scan(vault, "2026-11-25")
    assert [p.message for p in result.problems] == [
        "met: '2026-11-24T25:61:00Z' is not a real date and time; ignored"]
    assert result.vault.people[0].met is None
