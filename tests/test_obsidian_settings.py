"""The settings of Obsidian and its popular plugins, read from real `.obsidian/` folders:
template folders (core Templates, Templater, the default `Templates/`), daily notes (core,
Periodic Notes in both schemas), "Excluded files", the Tasks global filter, and which
community plugins are switched on."""

import datetime as dt
import json
import os
import pickle
import sys

import pytest
from click.testing import CliRunner

from relnotes.cli import cli
from relnotes.obsidian import SETTINGS_FILES, VaultSettings, read_settings
from relnotes.pipeline import Pipeline
from relnotes.walk import fingerprint, walk

TODAY = "2026-11-25"
SAM = {"People/Sam.md": "---\ntype: person\nrole: peer\n---\n"}
TEMPLATE = "---\ntype: person\nmet: {{date}}\n---\n# {{title}}\n"
TEMPLATER = "plugins/templater-obsidian/data.json"
PERIODIC = "plugins/periodic-notes/data.json"
TASKS = "plugins/obsidian-tasks-plugin/data.json"


def scan(vault, *args):
    result = CliRunner().invoke(cli, ["scan", str(vault), "--today", TODAY, "--json", *map(str, args)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def last_contact(vault):
    """The detail of Sam's follow-up (a peer: every 90 days, so a year's horizon shows it)."""
    (follow_up,) = [r for r in scan(vault, "--horizon", 400)["reminders"] if r["person"] == "Sam"]
    return follow_up["detail"]


def notes_found(root):
    settings, problems = read_settings(root)
    files, walk_problems = walk(root, settings)
    return [rel for rel, _ in files], problems + walk_problems


# --- template folders --------------------------------------------------------------------------

def test_templaters_folder_is_skipped(make_vault):
    vault = make_vault({**SAM, "Meta/Templater/Person.md": TEMPLATE, "Meta/Templater/Sub/Meeting.md": TEMPLATE},
                       obsidian={TEMPLATER: {"templates_folder": "Meta/Templater/", "trigger_on_file_creation": True}})
    data = scan(vault)
    assert data["counts"] == {"notes": 1, "people": 1, "meetings": 0}
    assert data["warnings"] == []


def test_the_core_and_templater_folders_are_both_skipped(make_vault):
    vault = make_vault({**SAM, "Core/Person.md": TEMPLATE, "Tp/Person.md": TEMPLATE, "Templates/Kept.md": "x"},
                       obsidian={"templates.json": {"folder": "Core"}, TEMPLATER: {"templates_folder": "Tp"}})
    settings, problems = read_settings(vault)
    assert (settings.template_folders, settings.templates_folder, problems) == (("Core", "Tp"), "Core", [])
    assert notes_found(vault) == (["People/Sam.md", "Templates/Kept.md"], [])  # a folder is set: no default


def test_templates_at_the_root_are_skipped_when_no_plugin_sets_a_folder(make_vault):
    vault = make_vault({**SAM, "Templates/Person.md": TEMPLATE, "Projects/Templates/Kept.md": "x"})
    assert notes_found(vault) == (["People/Sam.md", "Projects/Templates/Kept.md"], [])
    data = scan(vault)
    assert data["counts"] == {"notes": 2, "people": 1, "meetings": 0}
    assert data["warnings"] == []


@pytest.mark.parametrize(("obsidian", "folder"), [
    ({}, "Templates"),
    ({TEMPLATER: {"templates_folder": "Meta/Templater"}}, "Meta/Templater"),
    ({"templates.json": {"folder": "Tpl"}, TEMPLATER: {"templates_folder": "Meta/Templater"}}, "Tpl"),
])
def test_init_templates_then_scan_has_no_warnings(make_vault, obsidian, folder):
    vault = make_vault(SAM, obsidian=obsidian)
    result = CliRunner().invoke(cli, ["init", str(vault), "--templates"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in (vault / folder).iterdir()} == {"Person.md", "Meeting.md", "Incident.md"}
    data = scan(vault)
    assert data["counts"] == {"notes": 1, "people": 1, "meetings": 0}
    assert data["warnings"] == []


# --- daily notes ---------------------------------------------------------------------------------

LEGACY = {"showGettingStartedBanner": False, "hasMigratedDailyNoteSettings": True,
          "daily": {"enabled": True, "folder": "Journal/", "format": "YYYY/MM/DD", "template": "Templates/Daily"},
          "weekly": {"enabled": True, "folder": "Journal", "format": "gggg/[W]ww"}}
ONE_X = {"activeCalendarSet": "Work", "calendarSets": [
    {"id": "Default", "day": {"enabled": True, "folder": "Elsewhere", "format": "DD.MM.YYYY"}},
    {"id": "Work", "ctime": "2026-01-01", "day": {"enabled": True, "folder": "Journal", "format": "YYYY/MM/DD",
                                                 "openAtStartup": False, "templatePath": None},
     "week": {"enabled": False}}]}


@pytest.mark.parametrize("periodic", [LEGACY, ONE_X], ids=["legacy", "1.x"])
def test_periodic_notes_daily_folder_and_format_date_a_note(make_vault, periodic):
    notes = {**SAM, "Journal/2026/11/20.md": "Lunch with [[Sam]]\n"}
    assert "2026-11-20" not in last_contact(make_vault(notes))  # the file name alone dates nothing
    vault = make_vault(notes, obsidian={PERIODIC: periodic})
    assert last_contact(vault).startswith("last contact 2026-11-20 ")
    assert scan(vault)["warnings"] == []


def test_a_journal_note_named_by_its_date_is_dated(make_vault):
    vault = make_vault({**SAM, "Journal/2026/11/2026-11-20.md": "Lunch with [[Sam]]\n"},
                       obsidian={PERIODIC: {**LEGACY, "daily": {"enabled": True, "folder": "Journal",
                                                                "format": "YYYY/MM/YYYY-MM-DD"}}})
    assert last_contact(vault).startswith("last contact 2026-11-20 ")
    assert VaultSettings(periodic_daily=("Journal", "YYYY/MM/YYYY-MM-DD")).daily_date(
        "Journal/2026/11/2026-11-20.md") == dt.date(2026, 11, 20)


@pytest.mark.parametrize("periodic", [
    {"daily": {**LEGACY["daily"], "enabled": False}},
    {"daily": {"folder": "Journal", "format": "YYYY/MM/DD"}},  # never switched on
    {"calendarSets": [{"id": "Default", "day": {**ONE_X["calendarSets"][1]["day"], "enabled": False}}],
     "activeCalendarSet": "Default"},
    {"calendarSets": []},
], ids=["legacy-disabled", "legacy-no-enabled", "1.x-disabled", "1.x-no-sets"])
def test_periodic_notes_daily_notes_switched_off_date_nothing(make_vault, periodic):
    vault = make_vault({**SAM, "Journal/2026/11/20.md": "Lunch with [[Sam]]\n"}, obsidian={PERIODIC: periodic})
    assert read_settings(vault) == (VaultSettings(), [])
    assert "2026-11-20" not in last_contact(vault)


def test_periodic_notes_come_first_and_the_core_daily_notes_still_count(make_vault):
    vault = make_vault({**SAM, "People/Ada.md": "---\nrole: peer\n---\n",
                        "Journal/2026/11/20.md": "Lunch with [[Sam]]\n", "Daily/03.11.2026.md": "Call with [[Ada]]\n"},
                       obsidian={PERIODIC: LEGACY, "daily-notes.json": {"folder": "Daily", "format": "DD.MM.YYYY"}})
    settings, _ = read_settings(vault)
    assert settings.daily_notes == (("Journal", "YYYY/MM/DD"), ("Daily", "DD.MM.YYYY"))
    assert (settings.daily_folder, settings.daily_format) == ("Daily", "DD.MM.YYYY")
    details = {r["person"]: r["detail"] for r in scan(vault, "--horizon", 400)["reminders"]}
    assert details["Sam"].startswith("last contact 2026-11-20 ")
    assert details["Ada"].startswith("last contact 2026-11-03 ")


def test_an_empty_format_is_the_default_one(make_vault):
    vault = make_vault({}, obsidian={PERIODIC: {"daily": {"enabled": True, "folder": "Days", "format": ""}},
                                     "daily-notes.json": {"folder": "Core", "format": " "}})
    settings, _ = read_settings(vault)
    assert settings.daily_notes == (("Days", "YYYY-MM-DD"), ("Core", "YYYY-MM-DD"))
    assert settings.daily_date("Days/2026-11-20.md") == dt.date(2026, 11, 20)


# --- community plugins -------------------------------------------------------------------------

def test_a_plugin_switched_off_in_community_plugins_is_ignored(make_vault):
    notes = {**SAM, "Journal/2026/11/20.md": "Lunch with [[Sam]]\n", "Tp/Person.md": TEMPLATE}
    obsidian = {PERIODIC: LEGACY, TEMPLATER: {"templates_folder": "Tp"}, TASKS: {"globalFilter": "#task"}}
    on = make_vault(notes, obsidian={**obsidian, "community-plugins.json": ["templater-obsidian", "periodic-notes",
                                                                            "obsidian-tasks-plugin"]})
    assert last_contact(on).startswith("last contact 2026-11-20 ")
    assert scan(on)["warnings"] == []
    off = make_vault(notes, obsidian={**obsidian, "community-plugins.json": ["dataview", "templater-obsidian"]})
    assert "2026-11-20" not in last_contact(off)
    settings, _ = read_settings(off)
    assert (settings.template_folders, settings.periodic_daily, settings.task_filter) == (("Tp",), None, "")
    none = make_vault(notes, obsidian={**obsidian, "community-plugins.json": []})
    data = scan(none)  # Templater is off: its folder is a folder of notes, placeholders and all
    assert data["counts"]["notes"] == 3
    assert [w["path"] for w in data["warnings"]] == ["Tp/Person.md"]
    assert "placeholder" in data["warnings"][0]["message"]


def test_a_switched_off_plugins_broken_settings_are_not_read(make_vault):
    vault = make_vault({}, obsidian={PERIODIC: "{broken", "community-plugins.json": ["dataview"]})
    assert read_settings(vault) == (VaultSettings(), [])


# --- excluded files ----------------------------------------------------------------------------

def test_excluded_files_prefixes_and_regular_expressions(make_vault):
    vault = make_vault({
        **SAM, "Archive/Old Friend.md": "---\nrole: peer\n---\n", "archived/Later.md": "x",
        "Daily/old.md": "x", "Daily/new.md": "x", "Drawings/Plan.excalidraw.md": "x",
        "Drawings/Plan.md": "x", "Private/Deep/Secret.md": "x", "Privately.md": "x",
    }, obsidian={"app.json": {"userIgnoreFilters": ["archive", "Daily/old.md", "/\\.excalidraw\\.md$/",
                                                    "private/", " ", ""], "alwaysUpdateLinks": True}})
    (vault / "Archive" / "link.md").symlink_to("nowhere")  # a broken link: reported only if the folder is entered
    assert notes_found(vault) == (["Daily/new.md", "Drawings/Plan.md", "People/Sam.md", "Privately.md"], [])
    data = scan(vault)
    assert data["counts"] == {"notes": 4, "people": 1, "meetings": 0}
    assert data["warnings"] == []


def test_excludes():
    settings = VaultSettings(template_folders=("Meta/Templates",), ignore_filters=("Archive/", "/^Work\\/.*draft/"))
    assert settings.excludes("archive/x.md") and settings.excludes("Archive/") and settings.excludes("ARCHIVE/a/b.md")
    assert not settings.excludes("Archive.md") and not settings.excludes("Notes/Archive/x.md")
    assert settings.excludes("Meta/Templates/") and settings.excludes("meta/templates/Person.md")
    assert not settings.excludes("Meta/Templates.md") and not settings.excludes("Meta/")
    assert settings.excludes("Work/a draft.md") and not settings.excludes("Work/final.md")
    assert not settings.excludes("work/a draft.md")  # a regular expression minds case, as in Obsidian
    assert not settings.excludes("Work/")  # a regular expression says nothing of a folder
    keep = VaultSettings(ignore_filters=("/^(?!Keep)/",))
    assert keep.excludes("Other.md") and not keep.excludes("Keep/x.md") and not keep.excludes("Other/")
    assert not VaultSettings(template_folders=()).excludes("Templates/x.md")
    assert VaultSettings().excludes("Templates/x.md")


def test_a_broken_regular_expression_is_a_warning_and_the_rest_still_apply(make_vault):
    vault = make_vault({**SAM, "Archive/x.md": "x", "Notes/a(b.md": "x"},
                       obsidian={"app.json": {"userIgnoreFilters": ["/a(b/", "Archive/"]}})
    data = scan(vault)
    assert data["counts"] == {"notes": 2, "people": 1, "meetings": 0}
    (warning,) = data["warnings"]
    assert warning["path"] == ".obsidian/app.json"
    assert "'/a(b/'" in warning["message"] and "regular expression" in warning["message"]


def test_refresh_leaves_out_what_is_excluded(make_vault):
    vault = make_vault({**SAM, "Archive/Old.md": "x", "Tp/T.md": "x"},
                       obsidian={"app.json": {"userIgnoreFilters": ["Archive/"]}, "templates.json": {"folder": "Tp"}})
    pipeline = Pipeline(vault, autoload=False, use_cache=False)
    pipeline.scan(dt.date(2026, 11, 25))
    for rel in ("Archive/Old.md", "Archive/New.md", "Tp/T.md", "People/Sam.md"):
        (vault / rel).write_text("---\nrole: peer\n---\nchanged\n")
    assert pipeline.refresh({"Archive/Old.md", "Archive/New.md", "Tp/T.md"}) == 0
    assert pipeline.refresh({"People/Sam.md"}) == 1
    assert sorted(pipeline.cache.notes) == ["People/Sam.md"]


# --- the Tasks plugin ----------------------------------------------------------------------------

def test_the_tasks_global_filter_is_read(make_vault):
    vault = make_vault({}, obsidian={TASKS: {"globalFilter": "#task", "removeGlobalFilter": True,
                                             "setCreatedDate": False}})
    settings, problems = read_settings(vault)
    assert (settings.task_filter, settings.task_filter_removed, problems) == ("#task", True, [])
    vault = make_vault({}, obsidian={TASKS: {"globalFilter": "", "removeGlobalFilter": False}})
    assert read_settings(vault)[0].task_filter == ""


# --- untrusted settings files ------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "fragment"), [
    ("app.json", "{not json", "Expecting property name"),
    ("app.json", {"userIgnoreFilters": "Archive/"}, "'userIgnoreFilters' is not a list"),
    ("app.json", {"userIgnoreFilters": ["Archive/", 3]}, "not a list of text"),
    ("community-plugins.json", {"templater-obsidian": True}, "not a list of plugin ids"),
    ("daily-notes.json", {"folder": ["Daily"]}, "'folder' is not text"),
    ("templates.json", [], "not a JSON object"),
    ("templates.json", b"\xff\xfe\x00{", "utf-8"),
    (TEMPLATER, {"templates_folder": 3}, "'templates_folder' is not text"),
    (PERIODIC, {"daily": {"enabled": "yes", "folder": "Journal"}}, "'enabled' is not true or false"),
    (PERIODIC, {"daily": "Journal"}, "'daily' is not a JSON object"),
    (PERIODIC, {"calendarSets": {"id": "Default"}}, "'calendarSets' is not a list"),
    (PERIODIC, {"calendarSets": ["Default"]}, "an item of 'calendarSets' is not a JSON object"),
    (PERIODIC, {"calendarSets": [{"id": "D", "day": {"enabled": True, "format": 1}}]}, "'format' is not text"),
    (TASKS, {"globalFilter": ["#task"]}, "'globalFilter' is not text"),
    (TASKS, {"removeGlobalFilter": "yes"}, "'removeGlobalFilter' is not true or false"),
    (TASKS, "[" * 100_000, "nested too deeply"),
])
def test_a_broken_settings_file_is_a_warning_naming_it(make_vault, name, content, fragment):
    vault = make_vault({**SAM, "Templates/Person.md": TEMPLATE}, obsidian={name: content})
    data = scan(vault)
    (warning,) = data["warnings"]
    assert warning["path"] == f".obsidian/{name}"
    assert warning["message"].startswith("cannot read Obsidian settings (")
    assert warning["message"].endswith("); using defaults") and fragment in warning["message"]
    assert data["counts"]["people"] == 1
    assert read_settings(vault)[0] == VaultSettings()


def test_other_settings_stand_when_one_file_is_broken(make_vault):
    vault = make_vault({}, obsidian={TEMPLATER: "{", "templates.json": {"folder": "Tpl"}, PERIODIC: LEGACY})
    settings, problems = read_settings(vault)
    assert [p.path for p in problems] == [".obsidian/" + TEMPLATER]
    assert (settings.template_folders, settings.periodic_daily) == (("Tpl",), ("Journal", "YYYY/MM/DD"))


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes")
def test_a_settings_file_that_is_a_pipe_is_reported_not_waited_for(make_vault):
    vault = make_vault(SAM, obsidian={"templates.json": {}})
    os.mkfifo(vault / ".obsidian" / "app.json")
    (vault / ".obsidian" / "daily-notes.json").unlink(missing_ok=True)
    (vault / ".obsidian" / "daily-notes.json").mkdir()
    settings, problems = read_settings(vault)
    assert settings == VaultSettings()
    assert sorted((p.path, p.message) for p in problems) == [
        (".obsidian/app.json", "cannot read Obsidian settings (not a regular file); using defaults"),
        (".obsidian/daily-notes.json", "cannot read Obsidian settings (Is a directory); using defaults")]


def test_vault_settings_are_frozen_hashable_picklable_and_printed_the_same_way(make_vault):
    obsidian = {PERIODIC: ONE_X, TEMPLATER: {"templates_folder": "Tp"}, "templates.json": {"folder": "Tpl"},
                "app.json": {"userIgnoreFilters": ["Archive/", "/x$/"]}, TASKS: {"globalFilter": "#task"}}
    first, second = read_settings(make_vault({}, obsidian=obsidian))[0], read_settings(make_vault({}, obsidian=obsidian))[0]
    assert first == second and hash(first) == hash(second) and repr(first) == repr(second)
    assert pickle.loads(pickle.dumps(first)) == first
    assert first.excludes("Archive/x.md")  # the compiled patterns are no part of the value
    assert pickle.loads(pickle.dumps(first)).excludes("ax")
    assert first != VaultSettings()
    with pytest.raises(AttributeError):
        first.task_filter = ""  # type: ignore[misc]


def test_changing_any_settings_file_changes_the_fingerprint(make_vault):
    vault = make_vault(SAM)
    seen = {fingerprint(vault)}
    for rel in SETTINGS_FILES:
        path = vault / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")  # created
        seen.add(fingerprint(vault))
        path.write_text('{"x": 1}')  # changed (another size)
        seen.add(fingerprint(vault))
    assert len(seen) == 1 + 2 * len(SETTINGS_FILES)
    assert set(SETTINGS_FILES) >= {".obsidian/app.json", ".obsidian/community-plugins.json",
                                   ".obsidian/daily-notes.json", ".obsidian/templates.json", ".obsidian/" + TASKS,
                                   ".obsidian/" + PERIODIC, ".obsidian/" + TEMPLATER}


def test_a_changed_setting_is_seen_by_the_next_scan(make_vault):
    vault = make_vault({**SAM, "Journal/2026/11/20.md": "Lunch with [[Sam]]\n", "Archive/Ada.md": SAM["People/Sam.md"]})
    assert scan(vault)["counts"]["people"] == 2
    assert "2026-11-20" not in last_contact(vault)
    (vault / ".obsidian/plugins/periodic-notes").mkdir(parents=True)
    (vault / ".obsidian" / PERIODIC).write_text(json.dumps(LEGACY))
    (vault / ".obsidian/app.json").write_text('{"userIgnoreFilters": ["Archive/"]}')
    assert scan(vault)["counts"]["people"] == 1  # the remembered answer is not used
    assert last_contact(vault).startswith("last contact 2026-11-20 ")
