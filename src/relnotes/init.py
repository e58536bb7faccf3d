"""``relnotes init``: a commented config holding every default, and note templates."""

from __future__ import annotations

from pathlib import Path

from .config import CONFIG_PATH, DEFAULT_CADENCES
from .files import write_new
from .vault import read_settings

__all__ = ["CONFIG_TEXT", "TEMPLATES", "init_vault"]

CONFIG_TEXT = f"""\
# relnotes configuration. Every setting below is the default: uncomment to change.
# Reference: the "Config file" section of relnotes' README.
# (TOML: plain keys must stay above the first [table].)

# Notes in these folders are people / meetings even without `type:` in their frontmatter.
# people_folder = "People"
# meetings_folder = "Meetings"

# A person linked from a dated note (a daily note, or a file named YYYY-MM-DD…)
# counts as an interaction on that date.
# dated_note_interactions = true

# A networking goal: distinct people contacted per "week", "month" or "quarter".
# No goal by default; for example:
# goal = {{ people = 8, per = "month" }}

# How often to be in touch, per relationship type, when a person note has no `cadence:`.
# Write 14d, 2w, 3m, 1y, weekly, biweekly, monthly, quarterly, yearly, a number of days, or "none".
# [cadence]
{"".join(f'# {role} = "{value}"{chr(10)}' for role, value in DEFAULT_CADENCES.items())}
# Someone met within `window_days` with no contact since gets a "send a follow-up"
# reminder `delay_days` after meeting.
# [new_contact]
# window_days = 30
# delay_days = 2

# Birthdays and anniversaries on Feb 29 are celebrated on "feb28" or "mar1" in common years.
# [celebrations]
# feb29 = "feb28"

# The calendar feed: where it is written (relative to the vault), its name in calendar
# apps, the time of the alert on each event's day ("none" for no alert), and how often
# subscribed apps are asked to refresh it.
# [ics]
# enabled = true
# path = ".relnotes/relnotes.ics"
# name = "relnotes"
# alarm = "09:00"
# refresh_minutes = 60

# The summary note: where it is written (relative to the vault), which sections in which
# order, and how many days "This week" covers. How far "Later" and "Celebrations" look
# ahead (window_days) follows the scan's horizon (30 days, or --horizon) unless you set it.
# [summary]
# enabled = true
# path = "relnotes.md"
# sections = ["overdue", "this_week", "later", "celebrations", "goal", "health", "problems"]
# week_days = 7

# Plugins to switch off, by name (see `relnotes plugins`), and the vault's own plugins
# (.relnotes/plugins/NAME.py) to run: code synced with a vault runs only when listed here.
# [plugins]
# disable = []
# local = []
"""


TEMPLATES = {
    "Person.md": """\
---
type: person
aliases: []
role: contact
company:
position:
cadence:
met: {{date}}
last_contact:
birthday:
started:
milestones:
status: active
email:
linkedin:
---
# {{title}}

## How we met

## Notes
""",
    "Meeting.md": """\
---
type: meeting
date: {{date}}
attendees: []
follow_up:
---
# {{title}}

## Notes

## Action items
- [ ] 
""",
}


def init_vault(vault: Path, templates: bool) -> list[tuple[Path, bool]]:
    """Write the config (and templates); returns each path with whether it was created."""
    written = [(vault / CONFIG_PATH, write_new(vault / CONFIG_PATH, CONFIG_TEXT.encode()))]
    if templates:
        folder = vault / (read_settings(vault)[0].templates_folder or "Templates")
        for name, text in TEMPLATES.items():
            written.append((folder / name, write_new(folder / name, text.encode())))
    return written
