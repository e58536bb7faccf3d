"""Importing people: matching them to the vault's person notes, and reading a contacts export.

:class:`PeopleIndex` is the one matching every import shares (`relnotes import vcard`, the
LinkedIn plugin): a newcomer is the person already in the vault whose title or alias is their
name — case and accents ignored (``Tomás Ibáñez`` is ``Tomas Ibanez``) — or who has one of
their email addresses, phone numbers or their LinkedIn profile. :func:`vcards` reads vCard 3
and 4 (Apple Contacts, Google Contacts, a CardDAV folder) with vobject.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

from .config import Config
from .links import name_key
from .model import Vault, email_key, identity_kind, phone_key

__all__ = ["Card", "PeopleIndex", "decode_export", "import_folder", "match_key", "note_for", "safe_title", "vcards"]

_MATCHED_BY = {"email": "email", "phone": "phone", "linkedin": "LinkedIn URL"}  # (the LinkedIn import's words)
_UNSAFE = re.compile(r'[/\\:*?"<>|#^\[\]\x00-\x1f]')  # bad in file names or special in Obsidian links


def match_key(name: str) -> str:
    """The form names are matched in across imports: :func:`~relnotes.links.name_key` with the
    accents taken off (``Tomás Ibáñez`` → ``tomas ibanez``) and runs of spaces made one."""
    decomposed = unicodedata.normalize("NFKD", name)
    return " ".join(name_key("".join(c for c in decomposed if not unicodedata.combining(c))).split())


def safe_title(name: str) -> str:
    """A note title usable as a file name everywhere and in ``[[links]]``: unsafe characters become spaces."""
    text = " ".join(_UNSAFE.sub(" ", unicodedata.normalize("NFC", name)).split())
    return text.strip(". ")


def import_folder(config: Config, given: str | None) -> str:
    """Where an import puts the person notes it makes: ``given`` (its ``--folder``), else the people
    folder; vault-relative, with ``/``. :raises ValueError: when that leads out of the vault."""
    folder = (config.people_folder if given is None else given).replace("\\", "/").strip().strip("/")
    if ".." in PurePosixPath(folder).parts:
        raise ValueError(f"--folder must stay inside the vault, got {folder!r}")
    return folder


def decode_export(data: bytes) -> str:
    """An export's text: UTF-8 (with or without a byte order mark), else Windows-1252 — what Excel
    saves a CSV as on Windows — where every byte is a character."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


class PeopleIndex:
    """The vault's people by every key an import can match them by, and the paths taken: what
    each match says is why the newcomer is skipped ("already in the vault as People/X.md
    (matched by email)")."""

    def __init__(self, vault: Vault) -> None:
        self._keys: dict[tuple[str, str], tuple[str | None, str]] = {}  # key → (the person's path, why)
        for person in vault.people:
            self.claim(("name", match_key(person.name)), person.path, "name")
        for person in vault.people:
            for alias in person.aliases:
                self.claim(("name", match_key(alias)), person.path, "alias")
        for person in vault.people:
            for key in person.identity:
                self.claim(("key", key), person.path, _MATCHED_BY[identity_kind(key) or "email"])
        for note in vault.notes:  # another note where the new one would go, whatever the case of its name
            if note.kind != "person":
                self._keys.setdefault(("path", note.path.casefold()),
                                      (None, f"{note.path} exists already and is not a person note"))

    def claim(self, key: tuple[str, str], path: str, how: str) -> None:
        """Have ``key`` (``("name", match_key(…))`` or ``("key", an identity key)``) lead to the person at ``path``."""
        self._keys.setdefault(key, (path, f"already in the vault as {path} (matched by {how})"))

    def _found(self, name: str, keys: Iterable[str], path: str | None) -> tuple[str | None, str] | None:
        wanted = [("name", match_key(name)), *(("key", key) for key in keys)]
        wanted += [("path", path.casefold())] if path else []
        return next((self._keys[k] for k in wanted if k in self._keys), None)

    def match(self, name: str, keys: Iterable[str] = (), path: str | None = None) -> str | None:
        """Why the newcomer called ``name``, with identity ``keys`` (:attr:`Person.identity` forms)
        and going to ``path``, is in the vault already — or None."""
        found = self._found(name, keys, path)
        return found[1] if found else None

    def person(self, name: str, keys: Iterable[str] = ()) -> str | None:
        """The path of the person note ``name`` with identity ``keys`` matches (as :meth:`match`
        does), or None: none does, or it is someone imported in this run."""
        found = self._found(name, keys, None)
        return found[0] if found else None

    def add(self, name: str, keys: Iterable[str], path: str, why: str) -> None:
        """Count a newcomer as in the vault from now on (a second entry for them is then skipped, ``why``)."""
        for key in [("name", match_key(name)), *(("key", k) for k in keys), ("path", path.casefold())]:
            self._keys.setdefault(key, (None, why))


# --- vCard ------------------------------------------------------------------------------------

@dataclass
class Card:
    """One contact of a vCard file, as a person note would hold it."""

    name: str
    line: int  # where the card starts in its file
    nicknames: tuple[str, ...] = ()
    birthday: str | None = None  # YYYY-MM-DD, or --MM-DD without a year
    anniversary: dt.date | None = None
    company: str | None = None
    title: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)

    @property
    def keys(self) -> tuple[str, ...]:
        """The card's identity keys, as a person note's are indexed."""
        found = [email_key(e) for e in self.emails] + [phone_key(p) for p in self.phones]
        return tuple(k for k in found if k)


_DATE = re.compile(r"(?:(\d{4})|--)-?(\d{2})-?(\d{2})")


def _when(text: str, omit_year: str | None = None) -> str | None:
    """A vCard date — ``1984-12-03``, ``19841203``, ``--0315``, ``--03-15``, with a time after ``T``,
    Apple's ``1604-03-15`` with ``X-APPLE-OMIT-YEAR=1604`` — as YYYY-MM-DD or --MM-DD; None if none."""
    found = _DATE.match(text.strip().split("T", 1)[0])
    if not found:
        return None
    year, month, day = found.groups()
    try:
        dt.date(int(year) if year else 2000, int(month), int(day))  # a real day (Feb 29 in a leap year)
    except ValueError:
        return None
    if year is None or year == omit_year:
        return f"--{month}-{day}"
    return f"{year}-{month}-{day}"


def _values(component: object, name: str) -> list[object]:
    return list(getattr(component, "contents", {}).get(name, []))


def _text(prop: object) -> str:
    value = getattr(prop, "value", "")
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v)
    return " ".join(str(value).split())


def vcards(text: str) -> Iterator[Card]:
    """The contacts of a vCard file (3.0 or 4.0; folded lines, grouped properties, photos)."""
    import vobject

    starts = [m.start() for m in re.finditer(r"(?im)^BEGIN:VCARD\s*$", text)]
    for start in starts:
        end = re.search(r"(?im)^END:VCARD\s*$", text[start:])
        chunk = text[start:start + end.end()] if end else text[start:]
        line = text.count("\n", 0, start) + 1
        try:
            component = vobject.readOne(chunk, ignoreUnreadable=True)
        except Exception as exc:  # a card vobject cannot read: say so, read the others
            yield Card("", line, problems=[f"cannot read this card ({type(exc).__name__}: {exc})"])
            continue
        yield _card(component, line)


def _card(component: object, line: int) -> Card:
    names = [_text(p) for p in _values(component, "fn")]
    name = next((n for n in names if n), "")
    if not name:
        for prop in _values(component, "n"):
            value = getattr(prop, "value", None)
            parts = [getattr(value, attr, "") for attr in ("prefix", "given", "additional", "family", "suffix")]
            name = " ".join(" ".join(p) if isinstance(p, list) else str(p) for p in parts if p).strip()
    card = Card(" ".join(name.split()), line)
    card.nicknames = tuple(n for p in _values(component, "nickname") for n in _text(p).split(", ") if n)
    for prop in _values(component, "bday"):
        params = getattr(prop, "params", {})
        omit = (params.get("X-APPLE-OMIT-YEAR") or [None])[0]
        card.birthday = _when(_text(prop), omit)
        if card.birthday is None and _text(prop):
            card.problems.append(f"BDAY {_text(prop)!r} is not a date; left out")
    labels = {getattr(p, "group", None): _text(p).lower() for p in _values(component, "x-ablabel")}
    apple = [p for p in _values(component, "x-abdate") if "anniversary" in labels.get(getattr(p, "group", None), "")]
    for prop in [*_values(component, "anniversary"), *_values(component, "x-anniversary"), *apple]:
        day = _when(_text(prop))
        if day and not day.startswith("--"):
            card.anniversary = dt.date.fromisoformat(day)
    for prop in _values(component, "org"):
        card.company = _text(prop).split(", ")[0] or None
    for prop in _values(component, "title"):
        card.title = _text(prop) or None
    card.emails = tuple(dict.fromkeys(e for e in (_text(p) for p in _values(component, "email")) if email_key(e)))
    card.phones = tuple(dict.fromkeys(t for t in (_text(p) for p in _values(component, "tel")) if phone_key(t)))
    return card


def note_for(card: Card, source: str) -> bytes:
    """The person note for ``card``: frontmatter with what it has, and where it came from."""
    fields: dict[str, object] = {
        "type": "person",
        "aliases": list(card.nicknames) or None,
        "company": card.company,
        "position": card.title,
        "birthday": card.birthday,
        "milestones": {"anniversary": card.anniversary} if card.anniversary else None,
        "email": (list(card.emails) if len(card.emails) > 1 else card.emails[0]) if card.emails else None,
        "phone": (list(card.phones) if len(card.phones) > 1 else card.phones[0]) if card.phones else None,
        "tags": ["person"],
    }
    frontmatter = yaml.safe_dump({k: v for k, v in fields.items() if v}, allow_unicode=True, sort_keys=False)
    return f"---\n{frontmatter}---\n\nImported from {source}.\n".encode()

