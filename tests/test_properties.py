"""Property-based tests (hypothesis): the parser, whole random vaults, the calendar feed and
the summary note never break, whatever the notes hold.

Seeded (``derandomize=True``) so CI runs the same examples every time; no example database.
Bugs once found are kept at the end as explicit regression examples.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from relnotes.default_plugins.ics import LEAP_DAY_YEARS, fold
from relnotes.files import write_outputs
from relnotes.model import Note
from relnotes.notes import parse_note
from relnotes.obsidian import VaultSettings
from relnotes.testing import scan_vault, write_vault

SETTINGS = {"deadline": None, "derandomize": True, "database": None,
                "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large]}
OVERDUE_KINDS = {"follow-up", "new-contact", "meeting-follow-up", "task"}
CELEBRATION_KINDS = {"birthday", "anniversary", "milestone"}
FIELDS = ["type", "role", "cadence", "last_contact", "met", "birthday", "started", "milestones", "status",
          "snooze_until", "attendees", "aliases", "date", "follow_up", "tags", "company", "follow_up_done"]
NAMES = ["Ann", "Bo Li", "Zoë Müller", "José Álvarez", "ann", "Cy; Dee, Inc.", "Ēva #1", "李雷"]

# --- strategies -------------------------------------------------------------------------------

# C0 controls but tab and newline, and DEL: what RFC 5545 forbids in a TEXT value


class Strategies:
    """The generators of notes and vaults, extremes included: control characters in strings,
    dates near year 1 and 9999, cadences of centuries."""

    def __init__(self) -> None:
        text = st.text

        names = st.one_of(st.sampled_from(NAMES),
                          st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\\0:*?\"<>|"),
                                  min_size=1, max_size=12).filter(lambda s: s.strip() and not s.startswith(".")))
        usual_dates = st.dates(dt.date(1950, 1, 1), dt.date(2060, 12, 31))
        extremes = st.dates()
        any_dates = st.one_of(usual_dates, usual_dates, extremes)  # now and then the extremes (year 1, 9999)
        wikilinks = st.builds(lambda n, suffix: f"[[{n}{suffix}]]", names,
                              st.sampled_from(["", "|shown", "#Heading", "#^block", ".md", "\\|x"]))
        date_strings = st.one_of(
            usual_dates.map(str), any_dates.map(lambda d: d.isoformat()),
            st.sampled_from(["2026-13-45", "2026-02-30", "02-29", "--02-29", "--12-24", "13-01", "2026/1/5",
                             "2026-1-5 10:00", "{{date}}", "<% tp.date.now() %>", "", " ", "0000-00-00",
                             "9999-12-31"]),
        )
        cadences = st.one_of(st.sampled_from(["14d", "2w", "3m", "1y", "weekly", "monthly", "none", "0d", "-3d", "45",
                                              "9999y", "daily", "fortnightly", "x",
                                              "99999999999d"]),
                             st.integers(-10, 10**12))
        scalars = st.one_of(
            st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
            text(max_size=20), any_dates, date_strings, wikilinks, names, cadences,
            st.sampled_from(["person", "meeting", "note", "mentor", "peer, mentor", "supervisor", "paused",
                             "limit-contact", "archived", "active", "Archived"]),
        )
        values = st.recursive(scalars, lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.one_of(text(max_size=10), names), inner, max_size=3),
        ), max_leaves=8)
        field_values = {
            "type": st.one_of(st.sampled_from(["person", "meeting", "note", "Person", " MEETING ", ""]), values),
            "role": st.one_of(st.sampled_from(["mentor", "sponsor", "peer", "manager", "client", "contact",
                                               "customer", "unknown"]),
                              st.sampled_from(["mentor", "sponsor", "peer", "manager", "client", "contact"]),
                              st.lists(st.sampled_from(["peer", "mentor", "boss", 3]), max_size=3), values),
            "cadence": st.one_of(cadences, values),
            "milestones": st.one_of(
                st.dictionaries(text(max_size=10), st.one_of(usual_dates, any_dates, date_strings), max_size=3),
                st.lists(st.dictionaries(text(max_size=5), any_dates, max_size=2), max_size=2), values),
            "attendees": st.one_of(st.lists(st.one_of(wikilinks, names, st.lists(names, max_size=2)), max_size=4),
                                   values),
            "aliases": st.one_of(st.lists(st.one_of(names, st.none(), st.integers()), max_size=3), names, values),
            "tags": st.one_of(st.lists(st.sampled_from(["person", "meeting", "#person", "x/y", None]), max_size=3),
                              st.sampled_from(["person", "meeting, x", "#meeting"]), values),
            "status": st.one_of(st.sampled_from(["active", "paused", "limit-contact", "archived", "limit contact",
                                                 "odd"]), values),
            "follow_up_done": st.one_of(st.booleans(), values),
        }
        for key in ("last_contact", "met", "birthday", "started", "snooze_until", "date", "follow_up"):
            field_values[key] = st.one_of(usual_dates, usual_dates, usual_dates, any_dates, date_strings, values)

        @st.composite
        def frontmatter_text(draw) -> str:
            keys = draw(st.lists(st.sampled_from(FIELDS), max_size=8, unique=True))
            if draw(st.booleans()):  # half the notes look like a person or a meeting
                keys = [*dict.fromkeys([*draw(st.sampled_from([
                    ["role", "last_contact", "birthday"], ["role", "met", "started", "milestones"],
                    ["date", "attendees", "follow_up"]])), *keys])]
            fields = {}
            for key in keys:
                shown = key if draw(st.integers(0, 5)) else key.upper()  # keys are case-insensitive
                fields[shown] = draw(field_values.get(key, values))
            dumped = yaml.safe_dump(fields, allow_unicode=draw(st.booleans()), sort_keys=False) if fields else ""
            # hand-written lines YAML turns into odd shapes: unquoted links, broken brackets, duplicates
            extra = draw(st.lists(st.one_of(
                st.builds(lambda n: f"attendees: [[{n}]]\n", names),
                st.builds(lambda n, m: f"attendees: [[{n}]], [[{m}]]\n", names, names),
                st.sampled_from(["role: [x\n", "met: 2026-02-30\n", "birthday: 02-29\n", "date: {{date}}\n",
                                 "? complex\n: key\n", "&a [1, *a]\n", "x: !!python/object:os.system ls\n",
                                 "cadence: 3m\n", "- a list\n", "\t tab: x\n", "key without value\n", "'q': 1\n",
                                 "last_contact: 2026-11-01T10:00:00Z\n", "birthday: 1992-02-29\n"]),
            ), max_size=2)) if draw(st.integers(0, 3)) == 0 else []
            return dumped + "".join(extra)

        body_lines = st.one_of(
            text(max_size=40),
            st.builds(lambda link: f"Talked to {link} today", wikilinks),
            st.builds(lambda box, words, link, due: f"- [{box}] {words} {link} 📅 {due}",
                      st.sampled_from([" ", "x", "X", "-", "/", "?", "📅"]), text(max_size=15), wikilinks,
                      st.one_of(usual_dates.map(str), date_strings, any_dates.map(str))),
            st.builds(lambda due: f"  > 1. [ ] nested 📅️ {due} ⏫ 🔁 every week ✅ 2026-01-01", date_strings),
            st.sampled_from(["```", "~~~", "---", "- [ ] x 📅 2026-13-45", "- [ ] \\[[x]] 📅 2026-12-01", "[[]]",
                             "[[|]]", "[[#h]]", "![[Ann]]", "[[Ann]][[Bo Li]]", "\r", "\ufeff",
                             "\x00"]),
        )

        @st.composite
        def note_text(draw) -> str:
            parts = []
            shape = draw(st.integers(0, 9))
            if shape:  # mostly notes with frontmatter, now and then unclosed
                parts.append("---\n" + draw(frontmatter_text()) + ("---\n" if shape > 1 else ""))
            parts.append("\n".join(draw(st.lists(body_lines, max_size=6))))
            note = "".join(parts)
            if draw(st.integers(0, 9)) == 0:
                note = note.replace("\n", "\r\n")
            return note

        @st.composite
        def note_bytes(draw) -> bytes:
            note = draw(note_text())
            how = draw(st.integers(0, 19))
            if how == 0:
                return note.encode("utf-16")
            if how == 1:
                return note.encode() + b"\xff\xfe\x80"
            if how == 2:
                return b"\xef\xbb\xbf" + note.encode()
            return note.encode()

        title = st.one_of(names, st.builds(lambda d, n: f"{d} {n}", date_strings.filter(lambda s: "/" not in s),
                                           names))
        note_paths = st.one_of(
            st.builds(lambda n: f"People/{n}.md", names),
            st.builds(lambda n: f"People/{n}.md", st.sampled_from(NAMES)),
            st.builds(lambda d, n: f"Meetings/{d} {n}.md", usual_dates, names),
            st.builds(lambda n: f"Meetings/{n}.md", title),
            st.builds(lambda d: f"Daily/{d}.md", st.one_of(usual_dates.map(str), st.just("2026-02-30"))),
            st.builds(lambda n: f"{n}.md", title),
        )

        @st.composite
        def vaults(draw) -> tuple[dict[str, bytes], dt.date, int]:
            paths = draw(st.lists(note_paths, min_size=1, max_size=15,
                                  unique_by=lambda p: p.casefold()))  # one file per name on any disk
            notes = {path: draw(note_bytes()) for path in paths}
            today = draw(st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)))
            horizon = draw(st.integers(0, 400))
            return notes, today, horizon

        self.note_paths, self.note_bytes, self.vaults = note_paths, note_bytes(), vaults()


VAULTS = Strategies()


def _check_parsed(path: str, data: bytes) -> None:
    note, problems = parse_note(path, data, VaultSettings())
    assert isinstance(note, Note)
    assert note.path == path
    assert note.title == path.rsplit("/", 1)[-1][:-3]
    assert isinstance(note.frontmatter, dict) and isinstance(note.body, str)
    assert isinstance(problems, list)


# --- 1. the parser ---------------------------------------------------------------------------

@settings(max_examples=300, **SETTINGS)
@given(path=VAULTS.note_paths, data=st.binary(max_size=400))
def test_parse_note_never_raises_on_arbitrary_bytes(path, data):
    _check_parsed(path, data)


@settings(max_examples=300, **SETTINGS)
@given(path=VAULTS.note_paths, text=st.text(max_size=300))
def test_parse_note_never_raises_on_arbitrary_text(path, text):
    _check_parsed(path, text.encode("utf-8", "surrogatepass"))
    _check_parsed(path, ("---\n" + text + "\n---\n").encode("utf-8", "surrogatepass"))


@settings(max_examples=400, **SETTINGS)
@given(path=VAULTS.note_paths, data=VAULTS.note_bytes)
def test_parse_note_never_raises_on_near_valid_notes(path, data):
    _check_parsed(path, data)


# --- 2. whole vaults -------------------------------------------------------------------------

def _scan(notes, today, horizon):
    with tempfile.TemporaryDirectory() as tmp:
        vault = write_vault(Path(tmp) / "vault", notes)
        return scan_vault(vault, today, horizon)


def check_reminders(result, today: dt.date, horizon: int) -> None:
    last = today + dt.timedelta(days=horizon)
    for reminder in result.all_reminders:
        assert type(reminder.date) is dt.date, reminder
        if reminder.kind in CELEBRATION_KINDS:
            assert reminder.date >= today, reminder
    for reminder in result.reminders:
        assert (today <= reminder.date <= last
                or (reminder.kind in OVERDUE_KINDS and reminder.date < today)), reminder
    uids = [r.uid for r in result.all_reminders]
    assert len(uids) == len(set(uids))


def _reminders(result, today):
    return [r.to_json(today) for r in result.reminders], [r.to_json(today) for r in result.all_reminders]


@settings(max_examples=200, **SETTINGS)
@given(vault=VAULTS.vaults)
def test_scanning_a_random_vault_never_raises_and_gives_sane_reminders(vault):
    notes, today, horizon = vault
    with tempfile.TemporaryDirectory() as tmp:
        root = write_vault(Path(tmp) / "vault", notes)
        first = scan_vault(root, today, horizon)
        check_reminders(first, today, horizon)
        second = scan_vault(root, today, horizon)
    assert _reminders(first, today) == _reminders(second, today)
    assert [(o.name, o.content) for o in first.outputs] == [(o.name, o.content) for o in second.outputs]


# --- 3. the calendar feed --------------------------------------------------------------------

def check_ics(data: bytes) -> None:
    text = data.decode("utf-8")  # strict: raises on anything but UTF-8
    assert text.endswith("\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\r" not in line and b"\n" not in line for line in lines), "bare CR or LF in the feed"
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    strict = IcsCalendarStream.calendar_from_ics(text)  # raises CalendarParseError on any violation
    calendar = Calendar.from_ical(data)
    assert not [c.errors for c in calendar.walk() if c.errors]
    uids = [str(e["UID"]) for e in calendar.walk("VEVENT")]
    assert len(uids) == len(set(uids)) == len(strict.events)


@settings(max_examples=150, **SETTINGS)
@given(vault=VAULTS.vaults)
def test_the_feed_of_a_random_vault_is_valid_icalendar(vault):
    notes, today, horizon = vault
    result = _scan(notes, today, horizon)
    (ics,) = [o for o in result.outputs if o.name == "ics"]
    check_ics(ics.content)
    # an event per reminder, but: a Feb 29 celebration is one per year, and the overdue items past
    # [ics] max_overdue (20) are one "N more overdue" event
    leap_days = sum(r.recurrence is not None and (r.recurrence.month, r.recurrence.day) == (2, 29)
                    for r in result.all_reminders)
    folded = max(0, sum(r.recurrence is None and r.date < today for r in result.all_reminders) - 20)
    assert ics.content.count(b"BEGIN:VEVENT") == (len(result.all_reminders) + (LEAP_DAY_YEARS - 1) * leap_days
                                                  - folded + (folded > 0))


@settings(max_examples=500, **SETTINGS)
@given(line=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=400),
       prefix=st.sampled_from(["", "SUMMARY:", "DESCRIPTION:", "X-"]))
def test_fold_keeps_the_line_and_the_limit(line, prefix):
    line = prefix + line
    folded = fold(line)
    physical = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert folded.replace("\r\n ", "") == line


# --- 4. the summary note ---------------------------------------------------------------------

@settings(max_examples=120, **SETTINGS)
@given(vault=VAULTS.vaults)
def test_the_summary_is_utf8_and_never_feeds_back(vault):
    notes, today, horizon = vault
    with tempfile.TemporaryDirectory() as tmp:
        root = write_vault(Path(tmp) / "vault", notes)
        first = scan_vault(root, today, horizon)
        (summary,) = [o for o in first.outputs if o.name == "summary"]
        summary.content.decode("utf-8")
        assert summary.content.startswith(b"---\ngenerated_by: relnotes\n")
        written, errors = write_outputs(first.outputs)
        assert not errors and "summary" in written
        again = scan_vault(root, today, horizon)
    assert _reminders(again, today) == _reminders(first, today)
    assert [(o.name, o.content) for o in again.outputs] == [(o.name, o.content) for o in first.outputs]


@settings(max_examples=150, **SETTINGS)
@given(vault=VAULTS.vaults)
def test_no_rule_or_output_fails_on_any_note(vault):
    """A bad note gives a warning about that note; no built-in plugin fails (which would drop
    its contribution for the whole vault)."""
    notes, today, horizon = vault
    result = _scan(notes, today, horizon)
    assert not plugin_failures(result)
    assert {o.name for o in result.outputs} == {"ics", "ics-celebrations", "ics-follow-ups", "ics-tasks", "summary"}


def plugin_failures(result) -> list[str]:
    return [p.message for p in result.problems if p.message.startswith("plugin ") and " raised " in p.message]


# --- bugs found: shrunk examples, kept until fixed ----------------------------------------------

TODAY = dt.date(2026, 11, 25)
BO = "---\ntype: person\nrole: manager\nlast_contact: 2026-11-01\nbirthday: 1990-12-01\n---\n"  # a healthy note


def _outputs(notes, today=TODAY, horizon=30):
    result = _scan(notes, today, horizon)
    return result, {o.name: o.content for o in result.outputs}


def test_regression_control_character_in_a_task_breaks_the_feed():
    _, outputs = _outputs({"Meetings/2026-11-20 Sync.md": "- [ ] a\x1bb 📅 2026-11-28\n"})
    check_ics(outputs["ics"])


def test_regression_lone_carriage_return_in_company_breaks_the_feed():
    _, outputs = _outputs({"People/Ann.md": '---\ntype: person\ncompany: "Acme\\rInc"\nstarted: 2020-12-01\n---\n'})
    check_ics(outputs["ics"])


@pytest.mark.parametrize("note", [
    "---\ntype: person\nbirthday: 9999-12-31\n---\n",
    "---\ntype: person\nmilestones: {x: 9999-12-31}\n---\n",
    "---\ntype: person\nstarted: 9998-12-31\n---\n",
])
def test_regression_an_event_on_9999_12_31_drops_the_whole_feed(note):
    result, outputs = _outputs({"People/Ann.md": note, "People/Bo.md": BO})
    assert "ics" in outputs, plugin_failures(result)


def test_regression_a_task_due_9999_12_31_drops_the_whole_feed():
    result, outputs = _outputs({"People/Bo.md": BO, "Daily/2026-11-20.md": "- [ ] far 📅 9999-12-31\n"})
    assert "ics" in outputs, plugin_failures(result)


def test_regression_started_9999_drops_every_celebration():
    result, _ = _outputs({"People/Ann.md": "---\ntype: person\nstarted: 9999-12-31\n---\n", "People/Bo.md": BO})
    assert [r.kind for r in result.all_reminders if r.person == "Bo"].count("birthday") == 1, plugin_failures(result)


@pytest.mark.parametrize("cadence", ["9999y", "1000000y", "99999999999d"])
def test_regression_huge_cadence_drops_every_follow_up(cadence):
    ann = f"---\ntype: person\ncadence: {cadence}\nlast_contact: 2020-01-01\n---\n"
    result, _ = _outputs({"People/Ann.md": ann, "People/Bo.md": BO})
    assert [r.kind for r in result.all_reminders if r.person == "Bo"].count("follow-up") == 1, plugin_failures(result)
