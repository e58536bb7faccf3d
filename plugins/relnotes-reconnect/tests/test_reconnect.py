"""relnotes-reconnect against real vaults: who is dormant, the reminders, the rotation, the settings."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter

import pytest
import relnotes_reconnect

from relnotes import ConfigError, make_uid

TODAY = dt.date(2026, 4, 15)  # a Wednesday; its week starts Monday 2026-04-13
MONDAY = dt.date(2026, 4, 13)


def person(**fields: str) -> str:
    lines = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"---\ntype: person\nrole: peer\n{lines}---\n"


def meeting(date: str, name: str) -> dict[str, str]:
    return {f"Meetings/{date} Lunch with {name}.md": f"---\nattendees: ['[[{name}]]']\n---\n"}


def close_once(name: str, last_contact: str, **fields: str) -> dict[str, str]:
    """A person with three contacts: met, a meeting, and ``last_contact``."""
    return {f"People/{name}.md": person(met="2019-05-01", last_contact=last_contact, **fields),
            **meeting("2021-03-01", name)}


def reconnects(result) -> list:
    return [r for r in result.reminders if r.kind == "reconnect"]


def picked(result) -> list[str]:
    return [r.person for r in reconnects(result)]


def test_who_counts_as_dormant(make_vault, run_scan):
    # 2025-10-16 is 181 days before TODAY, 2025-10-17 is 180, 2025-10-18 is 179
    vault = make_vault({
        **close_once("Ann", "2025-10-16"),
        **close_once("Ben", "2025-10-18"),  # 179 days: not yet
        **close_once("Dan", "2025-10-17"),  # exactly 180 days: not *more* than 180
        "People/Cat.md": person(met="2019-05-01", last_contact="2025-10-16"),  # only 2 contacts
        **close_once("Eve", "2025-10-16", status="archived"),
        **close_once("Fay", "2025-10-16", status="limit-contact"),
        **close_once("Gil", "2025-10-16", status="paused"),
        **close_once("Hal", "2025-10-16", snooze_until="2026-04-16"),  # snoozed past today
        **close_once("Ivy", "2025-10-16", snooze_until="2026-04-15"),  # the snooze ends today
        # meetings count as contacts too: met, a meeting, and the last contact a meeting 181 days ago
        "People/Jo.md": person(met="2019-05-01"), **meeting("2020-01-01", "Jo"), **meeting("2025-10-16", "Jo"),
    }, config="[plugins.reconnect]\nper_week = 20\n")
    result = run_scan(vault, TODAY, plugins=[relnotes_reconnect])
    assert sorted(picked(result)) == ["Ann", "Ivy", "Jo"]
    assert result.problems == []


def test_the_reminder_fields(make_vault, run_scan):
    vault = make_vault({"People/Zoe.md": person(met="2019-05-01", last_contact="2025-03-02"),
                        **{k: v for year in range(2020, 2025) for k, v in meeting(f"{year}-06-01", "Zoe").items()}})
    result = run_scan(vault, TODAY, plugins=[relnotes_reconnect])
    [reminder] = reconnects(result)
    assert reminder.person == "Zoe"
    assert reminder.date == TODAY and not reminder.overdue(TODAY)  # mid-week: dated today, not Monday
    assert reminder.title == "Reconnect with Zoe"
    assert reminder.detail == "last contact 2025-03-02 (409 days ago) · 7 contacts before"
    assert reminder.source == reminder.person_path == "People/Zoe.md"
    assert reminder.uid == make_uid("reconnect", "zoe", "2026-04-13")

    on_monday = reconnects(run_scan(vault, MONDAY, plugins=[relnotes_reconnect]))[0]
    on_sunday = reconnects(run_scan(vault, dt.date(2026, 4, 19), plugins=[relnotes_reconnect]))[0]
    next_week = reconnects(run_scan(vault, dt.date(2026, 4, 20), plugins=[relnotes_reconnect]))[0]
    assert on_monday.date == MONDAY and on_sunday.date == dt.date(2026, 4, 19)
    assert on_monday.uid == on_sunday.uid == reminder.uid  # stable during the week
    assert next_week.uid == make_uid("reconnect", "zoe", "2026-04-20") != reminder.uid
    assert next_week.detail == "last contact 2025-03-02 (414 days ago) · 7 contacts before"


def test_fair_rotation_over_consecutive_weeks(make_vault, run_scan):
    names = ["Gus", "Ava", "Flo", "Bo", "Ed", "Cy", "Di"]  # ordered by name for the rotation
    vault = make_vault({k: v for name in names for k, v in close_once(name, "2018-01-01").items()})
    weeks = [set(picked(run_scan(vault, TODAY + dt.timedelta(weeks=n), plugins=[relnotes_reconnect])))
             for n in range(7)]
    # hand-checked: 2026-04-13 is week 1319 after 2001-01-01, 1319 * 3 % 7 = 2: the window starts at "Cy"
    assert weeks[:3] == [{"Cy", "Di", "Ed"}, {"Flo", "Gus", "Ava"}, {"Bo", "Cy", "Di"}]
    seen = Counter()
    for week in weeks:
        assert len(week) == 3
        seen.update(week)
        counts = [seen[name] for name in names]
        assert max(counts) - min(counts) <= 1  # nobody comes up twice before everyone came up once
    assert seen == dict.fromkeys(names, 3)
    assert set(picked(run_scan(vault, TODAY, plugins=[relnotes_reconnect]))) == weeks[0]  # deterministic


def test_fewer_candidates_than_per_week_are_all_suggested(make_vault, run_scan):
    vault = make_vault({**close_once("Ann", "2018-01-01"), **close_once("Ben", "2018-01-01")})
    for n in range(3):
        assert sorted(picked(run_scan(vault, TODAY + dt.timedelta(weeks=n), plugins=[relnotes_reconnect]))) == [
            "Ann", "Ben"]


def test_no_candidates_no_reminders(make_vault, run_scan):
    vault = make_vault({**close_once("Ann", "2026-04-01")})
    result = run_scan(vault, TODAY, plugins=[relnotes_reconnect])
    assert reconnects(result) == [] and result.problems == []


def test_settings_from_the_config_file(make_vault, run_scan):
    notes = {
        "People/Ann.md": person(met="2019-05-01", last_contact="2026-03-15"),  # 2 contacts, 31 days ago
        "People/Ben.md": person(met="2019-05-01", last_contact="2026-03-16"),  # 30 days ago: not more than 30
        "People/Cat.md": person(met="2019-05-01", last_contact="2019-06-01"),
    }
    settings = "[plugins.reconnect]\ndormant_days = 30\nmin_interactions = 2\nper_week = {}\n"
    assert picked(run_scan(make_vault(notes), TODAY, plugins=[relnotes_reconnect])) == []  # defaults: 180 days, 3
    assert sorted(picked(run_scan(make_vault(notes, settings.format(5)), TODAY, plugins=[relnotes_reconnect]))) == [
        "Ann", "Cat"]
    one = run_scan(make_vault(notes, settings.format(1)), TODAY, plugins=[relnotes_reconnect])
    assert len(picked(one)) == 1 and one.problems == []


@pytest.mark.parametrize(("setting", "key"), [
    ("per_week = 0", "per_week"),
    ("per_week = 2.5", "per_week"),
    ('dormant_days = "180"', "dormant_days"),
    ("min_interactions = true", "min_interactions"),
    ("per_weak = 3", "per_weak"),
])
def test_a_bad_setting_is_an_error_naming_the_key(make_vault, run_scan, setting, key):
    vault = make_vault(close_once("Ann", "2018-01-01"), config=f"[plugins.reconnect]\n{setting}\n")
    with pytest.raises(ConfigError, match=rf"config\.toml: plugins\.reconnect\.{key}: "):
        run_scan(vault, TODAY, plugins=[relnotes_reconnect])


def test_end_to_end_through_the_installed_entry_point(make_vault, tmp_path):
    vault = make_vault(close_once("Ann", "2018-01-01"))
    env = {k: v for k, v in os.environ.items() if k not in ("RELNOTES_DISABLE_PLUGIN_AUTOLOAD", "RELNOTES_TRACE_HOOKS")}
    env["RELNOTES_CONFIG_DIR"] = str(tmp_path / "config")

    def relnotes(*args: str) -> dict:
        done = subprocess.run([sys.executable, "-m", "relnotes", *args], env=env, capture_output=True, text=True,
                              check=True)
        return json.loads(done.stdout)

    scan = relnotes("scan", str(vault), "--today", TODAY.isoformat(), "--json", "--no-ics", "--no-summary")
    [reminder] = [r for r in scan["reminders"] if r["kind"] == "reconnect"]
    assert reminder["title"] == "Reconnect with Ann" and reminder["date"] == "2026-04-15"
    assert not [w for w in scan["warnings"] if "reconnect" in w["message"]]

    rows = {row["name"]: row for row in relnotes("plugins", "--json")["plugins"]}
    assert rows["reconnect"]["origin"] == "installed"
    assert rows["reconnect"]["distribution"] == "relnotes-reconnect"
    assert rows["reconnect"]["hooks"] == ["relnotes_reminders", "relnotes_settings"]
