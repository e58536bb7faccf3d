"""``relnotes init``: a commented config holding every default — set where the vault's own
conventions need it — and note templates (a person, a meeting, an incident)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from .config import CONFIG_PATH, Table, config_template
from .files import within, write_new
from .obsidian import DEFAULT_TEMPLATES_FOLDER, read_settings

__all__ = ["TEMPLATES", "init_vault"]

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
    # a dated record of one problematic interaction (relnotes brief NAME --incidents-only prints them all)
    "Incident.md": """\
---
type: incident
date: {{date}}
people: []
witnesses: []
---
# {{title}}

## What happened

## Where

## What was said

## Impact

## Evidence

## Raised with
""",
}


def init_vault(vault: Path, templates: bool, tables: Iterable[Table],
               values: Mapping[str, Mapping[str, object]] | None = None) -> list[tuple[Path, bool]]:
    """Write the config — every setting of relnotes and of the plugins' ``tables`` at its default,
    commented out, but for the ``values`` set (what :func:`~relnotes.detect.detect` found) — and
    templates; returns each path with whether it was created.

    :raises ValueError: when the templates folder the vault's settings name is outside the vault.
    """
    settings = read_settings(vault)[0]
    folder = vault / (settings.templates_folder or DEFAULT_TEMPLATES_FOLDER)
    if templates and not within(vault, folder):
        raise ValueError(f"the templates folder {settings.templates_folder!r} (from .obsidian/) is outside the "
                         "vault: templates are written only inside it")
    text = config_template(tables, values)
    written = [(vault / CONFIG_PATH, write_new(vault / CONFIG_PATH, text.encode()))]
    if templates:
        for name, template in TEMPLATES.items():
            text = (template.replace("{{date}}", '<% tp.date.now("YYYY-MM-DD") %>').replace(
                "{{title}}", "<% tp.file.title %>") if settings.templater else template)  # Templater's own syntax
            written.append((folder / name, write_new(folder / name, text.encode())))
    return written
