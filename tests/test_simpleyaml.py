"""The fast frontmatter reader agrees with the YAML loader wherever it answers at all.

Compared on every frontmatter block in the repository (the example vault, the hostile
files, the templates), on a generated benchmark vault, on hand-picked tricky lines, and
on seeded random documents built from the pieces YAML treats specially.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relnotes import simpleyaml
from relnotes.notes import _YAML, _construct, _Loader

from .test_properties import SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def by_yaml(text: str):
    """What the YAML loader makes of ``text``: (value, duplicate keys), or the error type."""
    loader = _Loader(text)
    try:
        value = loader.get_single_data()
    except Exception as exc:
        return type(exc).__name__
    finally:
        loader.dispose()
    return value, loader.duplicates


def typed(value):
    """The value with every scalar's type spelled out (``1 == True`` must not pass)."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}, list(value)
    if isinstance(value, list):
        return [typed(v) for v in value]
    return type(value).__name__, value


def check(text: str) -> bool:
    """Assert agreement on ``text``; True when the fast path answered."""
    fast = simpleyaml.load(text, _construct)
    if fast is None:
        return False
    assert by_yaml(text) == fast, text
    assert typed(fast[0]) == typed(by_yaml(text)[0]), text
    return True


def frontmatter_blocks(paths):
    for path in paths:
        text = path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
        if _YAML.detect(text):
            try:
                yield path, _YAML.split(text)[0]
            except ValueError:
                continue


def test_every_note_in_the_repository():
    paths = [p for p in ROOT.rglob("*.md") if ".venv" not in p.parts and ".git" not in p.parts]
    answered = [path for path, block in frontmatter_blocks(paths) if check(block)]
    assert len(answered) > 60  # the example vault's notes are simple: the fast path reads them


def test_a_generated_benchmark_vault(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(tmp_path), "--notes", "1000"],
                   check=True, capture_output=True)
    blocks = list(frontmatter_blocks(tmp_path.rglob("*.md")))
    answered = sum(check(block) for _, block in blocks)
    assert answered >= 0.95 * len(blocks)


@pytest.mark.parametrize("text, answers", [
    ("type: person\nrole: [mentor, peer]\nbirthday: 1990-02-28\ncadence: 3 months", True),
    ('attendees:\n  - "[[Ann Lee]]"\n  - "[[Bo|Bo Li]]"\nfollow_up: 2026-12-01', True),
    ("aliases:\n- Ann\n- 'Annie L'\n", True),
    ("on: yes\n", False),  # a key YAML reads as True
    ("done: no\nn: ~\nx: null\ny: Null\nz: 0x1F\nw: 1_000\nv: 1:30\nu: .5\nt: .inf\ns: 1e3\nr: 3.0", True),
    ("date: 2026-02-30\nwhen: 2026-11-25 10:30\nat: 2026-11-25T10:30:00Z", True),
    ("a: b\na: c\nb:\n", True),  # a duplicate key, and a null
    ("title: C# and [brackets] and {braces}, commas", True),
    ("url: https://example.com/a?b=c", True),
    ("tags: [a, 'b c', \"d\", 4, yes]\nempty: []", True),
    ("tags: [a, [b]]", False),
    ("tags: [a,]", False),
    ("note: a: b", False),
    ("note: value # a comment", False),
    ('quote: "with \\" escape"', False),
    ("quote: 'it''s'", False),
    ("text: |\n  block", False),
    ("text: first\n  continued", False),
    ("nested:\n  key: value", False),
    ("list:\n  - a\n    - b", False),
    ("list:\n  - a\n - b", False),
    ("list:\n  -\n", False),
    ("anchor: &a x\nref: *a", False),
    ("tab:\tvalue", False),
    ("key : value", False),
    ("- a\n- b", False),
    ("# only a comment", False),
    ("", False),
    ("date: {{date}}", False),
    ("name: Zoë Müller\ncity: 東京", True),
    ("odd: \u2028", False),
    ("a: b\n\u00a0\nc: d", False),  # not a blank line for YAML: only spaces are spaces
    ("tags: [a, \u00a0b]", True),
    ("list:\n  - \u3000x\n  - y", True),
    ("a: b\n \n  \nc: d", True),
    ("k: 0x_", False),  # YAML resolves it as a number that no constructor can make
    ("k: [1, 0b_]", False),
    ("k: " + "9" * 5000, False),  # more digits than Python turns into an int
    ("k" * 1024 + ": v", True),
    ("k" * 1025 + ": v", False),  # longer than a YAML key may be
    ("merge: <<", False),
    ("m: =", False),
])
def test_tricky_blocks(text, answers):
    assert check(text) is answers
    if not answers:
        assert simpleyaml.load(text, _construct) is None


_PLAIN = st.sampled_from([
    "x", "yes", "No", "on", "OFF", "true", "null", "~", "Null", "0", "12", "-3", "+4", "0o17", "0x1f", "1_000",
    "3.5", ".5", "1e3", "1.0e+3", ".inf", "-.Inf", ".NaN", "1:30", "2026-11-25", "2026-02-30", "2026-11-25 10:30",
    "2026-11-25T10:30:00Z", "20261125", "a b", "C#", "a #b", "a: b", "a:b", "http://x.y/z", "[[Ann]]", "Ann, Bo",
    "{x}", "-", "- a", "?", "!tag", "&a", "*a", "|", ">", "%", "@x", "`x`", "'q'", '"q"', "'it''s'", '"a\\"b"',
    "'", '"', "a'", 'a"', "=", "<<", "<x", "Zoë", "\u00a0x", "x\u00a0",
    "\u00a0", "\u3000", "", " ", "#", "a,b", "[a]", "[a, b]",
    "[]", "[ ]", "[a,]", "[[a]]", "['a', \"b\"]", "[a: b]", "[a, 'b, c']", "[yes, 1, 2026-01-01]",
])
_SAFE = st.sampled_from(["x", "Ann Lee", "2026-11-25", "3", "4.5", "yes", "~", "'[[Ann]]'", '"[[Bo|B]]"', "[a, b]",
                         "[]", "['x', \"y\", 3]", "C#", "a:b", "Zoë"])
_KEYS = st.sampled_from(["type", "role", "a", "A", "date", "yes", "no", "on", "null", "x1", "a-b", "a_b",
                         "1", "_", "key with space", "a.b", "é"])
_SAFE_KEYS = st.sampled_from(["type", "role", "attendees", "date", "Role", "a-b", "a_b", "x1"])


@st.composite
def documents(draw):
    """Mostly documents the fast path reads (so both answers get compared), with every
    piece YAML treats specially mixed in."""
    values, keys = st.one_of(_SAFE, _SAFE, _PLAIN), st.one_of(_SAFE_KEYS, _SAFE_KEYS, _KEYS)
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        key = draw(keys)
        if draw(st.booleans()):
            glue = ":" if draw(st.integers(0, 9)) == 0 else ": "
            lines.append(f"{key}{glue}{draw(values)}".rstrip())
        else:
            lines.append(f"{key}:")
            indent = draw(st.sampled_from(["", "  ", "    "]))
            for _ in range(draw(st.integers(0, 3))):
                lines.append(f"{indent if draw(st.integers(0, 9)) else ' '}- {draw(values)}")
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", " ", "# c", "  # c", "  x", "- y", "\u00a0", "\u3000# c"])))
    return "\n".join(lines)


@settings(max_examples=3000, **SETTINGS)
@given(documents())
def test_random_documents(text):
    check(text)


def test_dates_are_dates_and_impossible_ones_stay_text():
    mapping, _ = simpleyaml.load("a: 2026-11-25\nb: 2026-02-30", _construct)
    assert mapping == {"a": dt.date(2026, 11, 25), "b": "2026-02-30"}
