"""The phone pages: a reminder and the agenda, with buttons to act on them, as plain HTML.

Pure: a scan result in, bytes out. No script and no outside resource (the server sends a
Content-Security-Policy that allows neither); the buttons are forms that POST to ``act``,
each with the device's form token. Links are relative, so the pages work behind a proxy
that serves them under a path.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from .act import why_not_done
from .model import Reminder, ScanResult
from .text import one_line


def page_url(pages: str, uid: str) -> str:
    """The address of a reminder's phone page, under the pages' address ``pages``."""
    return f"{pages}/r/{quote(uid, safe='@')}"

__all__ = ["ACTIONS", "MESSAGES", "agenda_page", "message_page", "page_url", "pair_page", "reminder_page"]

# the buttons: action -> its label
ACTIONS = {"talked": "Talked today", "snooze-week": "Snooze a week", "snooze-month": "Snooze a month",
           "done": "Done"}
# what a page says after an action (?did=…)
MESSAGES = {"talked": "Logged: you talked today.", "snooze-week": "Snoozed for a week.",
            "snooze-month": "Snoozed for a month.", "done": "Marked done.", "paired": "This phone is paired."}
LISTED = 100  # reminders an agenda section lists at most

_STYLE = """\
:root { color-scheme: light dark; }
body { font: 17px/1.45 system-ui, -apple-system, sans-serif; max-width: 40em; margin: 0 auto; padding: .5em 1em 2em; }
h1 { font-size: 1.35em; margin: .6em 0 .3em; }
h2 { font-size: 1.1em; margin: 1.4em 0 .3em; border-bottom: 1px solid #8886; }
.card { border: 1px solid #8886; border-radius: 12px; padding: .7em .9em; margin: .7em 0; }
.card h3 { font-size: 1.05em; margin: 0 0 .2em; }
.card h3 a { color: inherit; text-decoration: none; }
.meta, .why, .note { margin: .15em 0; color: #666; }
@media (prefers-color-scheme: dark) { .meta, .why, .note { color: #aaa; } }
.late { color: #c0392b; font-weight: 600; }
.flash { background: #2e7d3222; border: 1px solid #2e7d32; border-radius: 10px; padding: .5em .8em; }
.error { background: #c0392b22; border-color: #c0392b; }
form.buttons { display: flex; flex-wrap: wrap; gap: .45em; margin: .6em 0 0; }
button { font: inherit; padding: .55em .9em; border-radius: 10px; border: 1px solid #8888; background: #8881;
         min-height: 44px; }
button.primary { background: #2e6fd9; border-color: #2e6fd9; color: #fff; }
input[type=text] { font: inherit; padding: .5em; border-radius: 8px; border: 1px solid #8888; width: 12em; }
nav { margin: .8em 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }
dt { font-weight: 600; }
dd { margin: 0; }"""


def _page(title: str, body: Sequence[str], message: str | None = None, error: bool = False) -> bytes:
    flash = [f'<p class="flash{" error" if error else ""}" role="status">{html.escape(message)}</p>'] if message else []
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<meta name="robots" content="noindex">', f"<title>{html.escape(title)} · relnotes</title>",
           f"<style>\n{_STYLE}\n</style>", "</head>", "<body>", *flash, *body, "</body>", "</html>"]
    return ("\n".join(out) + "\n").encode("utf-8")


def _text(value: str) -> str:
    return html.escape(one_line(value))


def _when(reminder: Reminder, today: dt.date) -> str:
    if reminder.date < today:
        return f'<span class="late">due {reminder.date.isoformat()} · {reminder.late_by(today)}</span>'
    if reminder.date == today:
        return "due today"
    days = (reminder.date - today).days
    return f"{reminder.date.isoformat()} · in {days} day{'s' if days != 1 else ''}"


def _buttons(reminder: Reminder, form: str, back: str) -> str:
    """The reminder's buttons: those that apply to it (no "Talked" without a person; no "Done"
    where relnotes cannot close it: a task, a stay-in-touch follow-up; no snooze for a yearly
    celebration, which the calendar shows as a series)."""
    shown = [name for name in ACTIONS
             if not (name == "talked" and not reminder.person_path)
             and not (name == "done" and why_not_done(reminder))
             and not (name.startswith("snooze") and reminder.recurrence is not None)]
    fields = (f'<input type="hidden" name="uid" value="{html.escape(reminder.uid)}">'
              f'<input type="hidden" name="form" value="{html.escape(form)}">'
              f'<input type="hidden" name="back" value="{html.escape(back)}">')
    primary = ' class="primary"'
    buttons = "".join(f'<button type="submit" name="action" value="{name}"{primary if i == 0 else ""}>'
                      f"{ACTIONS[name]}</button>" for i, name in enumerate(shown))
    target = "../act" if back.startswith("r/") else "act"  # relative to the page it is on
    return f'<form class="buttons" method="post" action="{target}">{fields}{buttons}</form>'


def _task_note(reminder: Reminder) -> list[str]:
    """For a task, where to tick it (relnotes does not close tasks)."""
    why = why_not_done(reminder) if reminder.kind == "task" else None
    return [f'<p class="note">{_text(why)}</p>'] if why else []


def _card(result: ScanResult, reminder: Reminder, form: str) -> list[str]:
    today = result.today
    who = f" · {_text(reminder.person)}" if reminder.person else ""
    out = ['<div class="card">', f'<h3><a href="r/{quote(reminder.uid, safe="@")}">{_text(reminder.title)}</a></h3>',
           f'<p class="meta">{_when(reminder, today)}{who} · {_text(reminder.kind.replace("-", " "))}</p>']
    if reminder.detail:
        out.append(f'<p class="why">{_text(reminder.detail)}</p>')
    out += [*_task_note(reminder), _buttons(reminder, form, "agenda"), "</div>"]
    return out


def _section(result: ScanResult, title: str, reminders: list[Reminder], form: str) -> list[str]:
    out = [f"<h2>{html.escape(title)} ({len(reminders)})</h2>"]
    if not reminders:
        out.append('<p class="meta">Nothing.</p>')
    for reminder in reminders[:LISTED]:
        out += _card(result, reminder, form)
    if len(reminders) > LISTED:
        out.append(f'<p class="meta">… and {len(reminders) - LISTED} more (see the summary note).</p>')
    return out


def agenda_page(result: ScanResult, form: str, message: str | None = None) -> bytes:
    """Today's reminders (overdue ones first) and the rest of this week's, each with its buttons."""
    today, week = result.today, result.today + dt.timedelta(days=7)
    todo = [r for r in result.all_reminders if r.date <= today]
    soon = [r for r in result.all_reminders if today < r.date <= week]
    body = ["<h1>Agenda</h1>", f'<p class="meta">{today.strftime("%A")} {today.isoformat()}</p>',
            *_section(result, "Today", todo, form), *_section(result, "This week", soon, form)]
    return _page("Agenda", body, message)


def reminder_page(result: ScanResult, reminder: Reminder, form: str, message: str | None = None) -> bytes:
    """One reminder: who, why, when, the person's last contact, and its buttons."""
    today = result.today
    person = result.vault.person_at(reminder.person_path) if reminder.person_path else None
    facts = [("When", _when(reminder, today)), ("What", _text(reminder.kind.replace("-", " ")))]
    if reminder.person:
        facts.append(("Who", _text(reminder.person)))
    if reminder.detail:
        facts.append(("Why", _text(reminder.detail)))
    if person is not None:
        last = person.last_contact_on(today)
        facts.append(("Last contact", _text(f"{last[0].isoformat()} ({last[1]})") if last else "none recorded"))
    facts.append(("From", _text(reminder.source)))
    body = ['<nav><a href="../agenda">← Agenda</a></nav>', f"<h1>{_text(reminder.title)}</h1>", "<dl>",
            *(f"<dt>{key}</dt><dd>{value}</dd>" for key, value in facts), "</dl>"]
    body += [*_task_note(reminder), _buttons(reminder, form, f"r/{quote(reminder.uid, safe='@')}")]
    return _page(reminder.title, body, message)


def pair_page(code: str = "", message: str | None = None, action: str = "pair") -> bytes:
    """The page that pairs this browser: a GET shows it, only its button (a POST) pairs."""
    body = ["<h1>Pair this phone with relnotes</h1>",
            "<p>Once paired, this browser can log contact, snooze and close reminders. Pair only a "
            "device of your own.</p>",
            f'<form class="buttons" method="post" action="{html.escape(action)}">',
            f'<input type="text" name="code" value="{html.escape(code)}" placeholder="code" autocomplete="off" '
            'autocapitalize="none" spellcheck="false" aria-label="Pairing code">',
            '<button type="submit" class="primary">Pair</button></form>',
            '<p class="meta">`relnotes token VAULT --pair` on your computer prints a code (valid 10 minutes, '
            "once).</p>"]
    return _page("Pair", body, message, error=bool(message))


def message_page(title: str, lines: Iterable[str], links: Iterable[tuple[str, str]] = ()) -> bytes:
    """A page that only says something (not paired, not found …), with links onward."""
    body = [f"<h1>{html.escape(title)}</h1>", *(f"<p>{html.escape(line)}</p>" for line in lines),
            *(f'<nav><a href="{html.escape(href)}">{html.escape(text)}</a></nav>' for href, text in links)]
    return _page(title, body)
