"""Write a synthetic Obsidian vault for benchmarking relnotes.

    python benchmarks/generate.py OUT_DIR --notes N [--seed 1]

About 20 % person notes (``People/``), 60 % meeting notes (``Meetings/``) and
20 % daily notes (``Daily/``; beyond ~50 years of days, the rest become dated
``Journal/`` notes), with realistic frontmatter and bodies of about 1–2 KB.
The output depends only on the arguments: the same arguments give the same
bytes (everything comes from ``random.Random(seed)``; nothing reads the clock).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import unicodedata
from pathlib import Path

TODAY = dt.date(2026, 11, 25)  # the day the vault is "written as of"
LAST_DAILY = TODAY - dt.timedelta(days=1)
MAX_DAILY_DAYS = 50 * 365  # daily notes go back at most ~50 years; the rest become Journal/ notes

FIRST = ["Aisha", "Alejandro", "Amara", "Anders", "Anna", "Arjun", "Beatriz", "Benjamin", "Camille", "Carlos", "Chen", "Chiara", "Chloe", "Daniel", "Dmitri", "Elena", "Elif", "Emily", "Emma", "Fatima", "Felix", "Freya", "Gabriel", "Grace", "Hannah", "Hiroshi", "Ines", "Ingrid", "Isaac", "Jakub", "Javier", "Jin", "José", "Julia", "Kai", "Kamala", "Keiko", "Kwame", "Lars", "Laura", "Lena", "Liam", "Lucas", "Maya", "Margaret", "Mateo", "Mei", "Miguel", "Mohammed", "Nadia", "Naomi", "Nikolai", "Noah", "Nora", "Olga", "Olumide", "Omar", "Oscar", "Pablo", "Priya", "Rafael", "Ravi", "Rosa", "Ryan", "Sakura", "Samuel", "Sara", "Sebastian", "Sofia", "Soren", "Tariq", "Thomas", "Tom", "Valentina", "Victor", "Wei", "Xavier", "Yara", "Yusuf", "Zara", "Zoë", "Amir", "Bianca", "Chidi", "Diego", "Esther", "Farah", "Giulia", "Hugo", "Ivan", "Jonas", "Leila", "Malik", "Marta"]
LAST = ["Adeyemi", "Álvarez", "Andersson", "Bauer", "Becker", "Bianchi", "Brown", "Chen", "Coleman", "Costa", "Dubois", "Dvořák", "Eriksen", "Fischer", "Garcia", "Goldberg", "Gonzalez", "Haddad", "Hansen", "Hoffmann", "Ibrahim", "Ito", "Jansen", "Jensen", "Johnson", "Kaur", "Khan", "Kim", "Kowalski", "Kumar", "Larsen", "Laurent", "Lee", "Lindqvist", "Lopez", "Martin", "Mensah", "Menon", "Moreau", "Müller", "Nakamura", "Nguyen", "Nielsen", "Novak", "Nowak", "O'Brien", "Okafor", "Olsen", "Park", "Patel", "Petrov", "Popescu", "Raman", "Reyes", "Ricci", "Rossi", "Russo", "Santos", "Sato", "Schmidt", "Silva", "Singh", "Smith", "Suzuki", "Tanaka", "Taylor", "Tran", "Van", "Dijk", "Vogel", "Wagner", "Walsh", "Wang", "Weber", "Whitfield", "Wilson", "Wong", "Yamamoto", "Yilmaz", "Zhang", "Zimmermann", "Abebe", "Banerjee", "Carvalho", "Demir", "Eze", "Ferreira", "Gupta", "Horvat", "Ivanova", "Joshi", "Keller", "Lindgren", "Mwangi", "Nkosi", "Ortiz"]
# "Van Dijk" was split by the whitespace above; glue it back.
LAST = [n for n in LAST if n not in ("Van", "Dijk")] + ["Van Dijk"]

COMPANIES = """Helix Data|Northwind Labs|Acme Corp|Solara Energy|Fjordline|Contoso|Globex|Initech|Umbrella Health|
Stark Analytics|Wayne Logistics|Tyrell Systems|Cyberdyne|Hooli|Pied Piper|Vandelay Industries|Wonka Foods|
Soylent Bio|Massive Dynamic|Oscorp|Aperture Science|Black Mesa|Blue Sun|Gringotts Bank|Monarch Travel|
Duff Brewing|Nakatomi Trading|Ollivander Tools|Prestige Worldwide|Sirius Cybernetics""".replace("\n", "").split("|")
POSITIONS = """Software Engineer|Senior Software Engineer|Staff Engineer|Principal Engineer|Engineering Manager|
Director of Engineering|VP Engineering|CTO|Product Manager|Senior Product Manager|Head of Product|Data Scientist|
SRE Lead|Solutions Architect|Account Executive|Recruiter|Designer|Head of Platform|COO|Founder""".replace(
    "\n", "").split("|")
ROLES = ["peer", "contact", "client", "mentor", "manager", "sponsor"]
ROLE_WEIGHTS = [35, 30, 12, 10, 6, 7]
CADENCES = ["14d", "2w", "3m", "monthly", "quarterly", "45"]
SUBFOLDERS = ["People/Work", "People/Clients", "People/Network", "People/Network/Conferences", "People/Family"]
MILESTONES = ["promoted to director", "promoted to staff", "founded the platform team", "joined the board",
              "published the book", "became a manager", "finished the PhD", "moved to Berlin"]
TOPICS = """the platform migration|the Q1 roadmap|on-call load|the staff promo|hiring for the data team|
the observability rollout|the pricing change|the reorg|the security audit|cost savings|the API redesign|
the conference talk|the mentoring programme|the budget for next year|the cutover runbook|the incident review|
the design system|the vendor evaluation|the team offsite|career goals|the architecture council|the SOW renewal|
the self-service portal|the schema registry|the Kubernetes upgrade|the interview loop""".replace(
    "\n", "").split("|")
MEETING_TITLES = ["1on1 with {first}", "Coffee with {first}", "{company} check-in", "Mentor session with {first}",
                  "Lunch with {first}", "Intro call with {first}", "Design review - {topic}",
                  "Skip-level with {first}", "Quarterly planning", "Incident retro", "{company} status review",
                  "Career chat with {first}", "Catch-up with {first}", "Workshop - {topic}"]
EVENTS = ["KubeCon", "a meetup", "a friend's wedding", "LeadDev", "the offsite", "a hackathon", "a dinner party",
          "QCon", "a customer visit", "university"]
JOURNAL_TOPICS = ["Reflection", "Reading notes", "Weekly review", "Ideas", "Networking", "Retro", "Planning"]

SENTENCES = [
    "{p} thinks {topic} needs another month before it is ready.",
    "Talked through {topic}; {p} will loop in the rest of {company}.",
    "{p} asked for a written proposal on {topic} by the end of {month}.",
    "Agreed with {p} to revisit {topic} after the holidays.",
    "{p} shared how {company} handled {topic} last year — worth copying.",
    "Concern: {topic} is blocked on two teams, {p} will escalate.",
    "{p} is hiring {num} engineers in {month} and asked for referrals.",
    "Good energy overall; {p} seems happier since the move to {company}.",
    "Open question from {p}: who owns {topic} after the reorg?",
    "{p} recommended a book on negotiation, and a talk about {topic}.",
    "We compared notes on {topic}; our numbers are about {num}% apart.",
    "{p} mentioned a conference in {month} where {company} is presenting.",
    "Next time: bring the metrics on {topic} and the draft for {p}.",
    "Decision: pause {topic} until {month}, then reassess with {p}.",
    "{p} will intro me to someone at {company} who worked on {topic}.",
]
PLAIN = [
    "Slow morning; cleared the inbox and reviewed {num} pull requests.",
    "Spent the afternoon on {topic}, finally some progress.",
    "Read two chapters of the book on systems thinking.",
    "Gym before work, then a long planning session about {topic}.",
    "Wrote up the notes from yesterday and sent them around.",
    "Need to think more about {topic} before the next review.",
    "Quiet day. Fixed the flaky test that has bothered us for weeks.",
    "Idea: a short internal talk on {topic} in {month}.",
]
PERSON_LINES = [
    "Met at {event} in {year}; we bonded over {topic}.",
    "Works at {company} as {position}; previously at {company2}.",
    "Cares a lot about {topic} and likes concrete, written proposals.",
    "Introduced by [[{other}]]; they worked together on {topic}.",
    "Prefers short calls, mornings, and an agenda sent the day before.",
    "Kids: two; the family spends most weekends hiking.",
    "Good person to ask about {topic} and about hiring at {company}.",
    "Owes me feedback on the write-up about {topic}; no rush.",
    "Runs a reading group every other Thursday — open invitation.",
    "Visibly impatient with slides; bring a one-pager instead.",
    "Moved to {company} in {year} after {num} years elsewhere.",
    "Standing topics: {topic}, promo timeline, headcount.",
]
TASKS = ["Send the deck to {p}", "Share the notes on {topic} with {p}", "Book a follow-up with {p}",
         "Ask {p} for feedback on {topic}", "Draft the proposal on {topic}", "Intro {p} to the data team",
         "Review the doc on {topic} before sending it to {p}", "Send {p} the article about {topic}"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_name.lower().replace(" ", ".") if c.isalnum() or c == ".")


def q(text: str) -> str:
    """A double-quoted YAML string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Person:
    __slots__ = ("aliases", "company", "first", "folder", "name")

    def __init__(self, name: str, first: str, folder: str, company: str, aliases: list[str]):
        self.name, self.first, self.folder, self.company, self.aliases = name, first, folder, company, aliases


class Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.people: list[Person] = []
        self.cum_weights: list[float] = []

    # --- small helpers ---------------------------------------------------------------------
    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def pick_people(self, k: int) -> list[Person]:
        chosen = self.rng.choices(self.people, cum_weights=self.cum_weights, k=k)
        seen, out = set(), []
        for p in chosen:
            if p.name not in seen:
                seen.add(p.name)
                out.append(p)
        return out

    def link(self, p: Person) -> str:
        r = self.rng.random()
        if r < 0.08:
            return f"[[{p.name}|{p.first}]]"
        if r < 0.14 and p.aliases:
            return f"[[{p.aliases[0]}]]"
        return f"[[{p.name}]]"

    def sentence(self, templates: list[str], people: list[Person]) -> str:
        rng = self.rng
        p = rng.choice(people) if people else None
        return rng.choice(templates).format(
            p=self.link(p) if p else "the team", topic=rng.choice(TOPICS),
            company=p.company if p else rng.choice(COMPANIES), month=rng.choice(MONTHS), num=rng.randint(2, 40))

    def task(self, people: list[Person], day: dt.date) -> str:
        rng = self.rng
        p = rng.choice(people) if people else None
        text = rng.choice(TASKS).format(p=self.link(p) if p else "the team", topic=rng.choice(TOPICS))
        due = day + dt.timedelta(days=rng.randint(2, 30))
        r = rng.random()
        if due < TODAY:
            box = "x" if r < 0.8 else "-" if r < 0.9 else " "
        else:
            box = " " if r < 0.85 else "x"
        return f"- [{box}] {text} 📅 {due.isoformat()}"

    # --- people -----------------------------------------------------------------------------
    def make_people(self, count: int) -> None:
        rng = self.rng
        used: dict[str, int] = {}
        taken_aliases: set[str] = set()
        for _ in range(count):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            base = f"{first} {last}"
            n = used.get(base, 0) + 1
            used[base] = n
            name = base if n == 1 else f"{base} {n}"
            folder = "People" if rng.random() < 0.7 else rng.choice(SUBFOLDERS)
            aliases = []
            if rng.random() < 0.3:
                candidates = [f"{first} {last[0]}.", first[:3] if len(first) > 3 else first + "y"]
                if n > 1:
                    candidates = [f"{c} {n}" for c in candidates]
                for alias in candidates[:rng.randint(1, 2)]:
                    if alias not in taken_aliases:
                        taken_aliases.add(alias)
                        aliases.append(alias)
            self.people.append(Person(name, first, folder, rng.choice(COMPANIES), aliases))
        weights = [rng.paretovariate(1.2) for _ in self.people]
        total = 0.0
        for w in weights:
            total += w
            self.cum_weights.append(total)

    def person_note(self, p: Person) -> str:
        rng = self.rng
        fm = ["---", "type: person"]
        if p.aliases:
            fm.append(f"aliases: [{', '.join(q(a) for a in p.aliases)}]")
        roles = rng.choices(ROLES, ROLE_WEIGHTS, k=2 if rng.random() < 0.12 else 1)
        fm.append(f"role: [{', '.join(dict.fromkeys(roles))}]" if len(roles) > 1 else f"role: {roles[0]}")
        fm.append(f"company: {p.company}")
        position = rng.choice(POSITIONS)
        fm.append(f"position: {position}")
        if rng.random() < 0.4:
            fm.append(f"cadence: {rng.choice(CADENCES)}")
        recent = rng.random() < 0.03
        met = self.date_between(TODAY - dt.timedelta(days=29), TODAY - dt.timedelta(days=1)) if recent else \
            self.date_between(dt.date(2012, 1, 1), TODAY - dt.timedelta(days=30))
        fm.append(f"met: {met.isoformat()}")
        if rng.random() < 0.3 and not recent:
            fm.append(f"last_contact: {self.date_between(met, TODAY - dt.timedelta(days=1)).isoformat()}")
        r = rng.random()
        if r < 0.35:
            fm.append(f"birthday: {self.date_between(dt.date(1960, 1, 1), dt.date(2000, 12, 31)).isoformat()}")
        elif r < 0.5:
            b = self.date_between(dt.date(2000, 1, 1), dt.date(2000, 12, 31))  # a leap year: Feb 29 happens
            fm.append(f'birthday: "{b.month:02d}-{b.day:02d}"')
        if rng.random() < 0.6:
            fm.append(f"started: {self.date_between(dt.date(2005, 1, 1), TODAY).isoformat()}")
        if rng.random() < 0.15:
            fm.append("milestones:")
            for label in rng.sample(MILESTONES, rng.randint(1, 2)):
                fm.append(f"  {label}: {self.date_between(dt.date(2010, 1, 1), TODAY).isoformat()}")
        r = rng.random()
        status = "active" if r < 0.9 else "paused" if r < 0.95 else "limit-contact" if r < 0.98 else "archived"
        if status != "active" or rng.random() < 0.5:
            fm.append(f"status: {status}")
        fm.append(f"email: {slug(p.name)}@{slug(p.company).replace('.', '')}.example")
        if rng.random() < 0.5:
            fm.append("tags: [person" + rng.choice(["]", ", work]", ", network]", ", client]"]))
        fm.append("---")
        body = []
        for _ in range(rng.randint(5, 20)):
            if rng.random() < 0.1:
                body.append(rng.choice(["", "## Notes", "## Topics to raise", "## Family", "## Background"]))
                continue
            body.append("- " + rng.choice(PERSON_LINES).format(
                event=rng.choice(EVENTS), year=rng.randint(2008, 2026), topic=rng.choice(TOPICS),
                company=p.company, company2=rng.choice(COMPANIES), position=position,
                other=rng.choice(self.people).name, num=rng.randint(2, 12)))
        return "\n".join(fm + body) + "\n"

    # --- meetings ---------------------------------------------------------------------------
    def meeting_note(self) -> tuple[dt.date, str, str]:
        rng = self.rng
        day = self.date_between(TODAY - dt.timedelta(days=730), TODAY - dt.timedelta(days=1))
        people = self.pick_people(rng.choices([1, 2, 3, 4], [55, 25, 12, 8])[0])
        title = rng.choice(MEETING_TITLES).format(first=people[0].first, company=people[0].company,
                                                  topic=rng.choice(TOPICS))
        attendees = [f'"[[{p.aliases[0] if p.aliases and rng.random() < 0.2 else p.name}]]"' for p in people]
        fm = ["---", "type: meeting", f"date: {day.isoformat()}", f"attendees: [{', '.join(attendees)}]"]
        if rng.random() < 0.25:
            fm.append(f"follow_up: {(day + dt.timedelta(days=rng.randint(5, 21))).isoformat()}")
            if rng.random() < 0.5:
                fm.append("follow_up_done: true")
        if rng.random() < 0.4:
            fm.append("tags: [meeting" + rng.choice(["]", ", 1on1]", ", client]", ", mentoring]"]))
        fm.append("---")
        body = ["## Notes"]
        body += ["- " + self.sentence(SENTENCES, people) for _ in range(rng.randint(5, 30))]
        tasks = rng.choices([0, 1, 2, 3, 4], [25, 30, 25, 12, 8])[0]
        if tasks:
            body += ["", "## Action items"] + [self.task(people, day) for _ in range(tasks)]
        return day, title, "\n".join(fm + body) + "\n"

    # --- daily and journal notes ------------------------------------------------------------
    def dated_note(self, day: dt.date) -> str:
        rng = self.rng
        people = self.pick_people(rng.randint(0, 3)) if self.people else []
        lines = []
        if rng.random() < 0.6:
            lines += ["---", f"date: {day.isoformat()}", "tags: [daily]", "---"]
        lines.append("## Log")
        n = rng.randint(3, 15)
        for i in range(n):
            if i < len(people):
                lines.append("- " + self.sentence(SENTENCES, [people[i]]))
            else:
                lines.append("- " + self.sentence(PLAIN, []))
        if rng.random() < 0.15:
            lines += ["", "## Tasks", self.task(people, day)]
        return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def counts(notes: int) -> tuple[int, int, int]:
    """(people, meetings, dated notes) for a vault of ``notes`` notes."""
    people = round(notes * 0.2)
    dated = round(notes * 0.2)
    return people, notes - people - dated, dated


def generate(out: Path, notes: int, seed: int = 1) -> dict[str, int]:
    """Write the vault into ``out`` (which must not hold anything yet); returns the counts."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    n_people, n_meetings, n_dated = counts(notes)
    g = Generator(seed)
    g.make_people(n_people)

    for folder in ("People", *SUBFOLDERS, "Meetings", "Daily", "Templates", ".obsidian", ".relnotes"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    write(out / ".obsidian/daily-notes.json", '{"folder": "Daily", "format": "YYYY-MM-DD"}\n')
    write(out / ".obsidian/templates.json", '{"folder": "Templates"}\n')
    write(out / ".relnotes/config.toml", 'goal = { people = 8, per = "month" }\n')
    write(out / "Templates/Person.md", "---\ntype: person\naliases: []\nrole: contact\ncompany:\nmet: {{date}}\n"
          "status: active\n---\n# {{title}}\n\n## How we met\n- Met on {{date}} at …\n")
    write(out / "Templates/Meeting.md", "---\ntype: meeting\ndate: {{date}}\nattendees: []\nfollow_up:\n---\n"
          "# {{title}}\n\n## Notes\n- \n\n## Action items\n- [ ] \n")

    for p in g.people:
        write(out / p.folder / f"{p.name}.md", g.person_note(p))
    for i in range(1, n_meetings + 1):
        day, title, text = g.meeting_note()
        write(out / "Meetings" / f"{day.isoformat()} {title} {i}.md", text)
    for i in range(n_dated):
        if i < MAX_DAILY_DAYS:
            day = LAST_DAILY - dt.timedelta(days=i)
            write(out / "Daily" / f"{day.isoformat()}.md", g.dated_note(day))
        else:
            (out / "Journal").mkdir(exist_ok=True)
            day = g.date_between(TODAY - dt.timedelta(days=730), TODAY - dt.timedelta(days=1))
            write(out / "Journal" / f"{day.isoformat()} {g.rng.choice(JOURNAL_TOPICS)} {i}.md", g.dated_note(day))
    return {"notes": notes, "people": n_people, "meetings": n_meetings, "daily": n_dated}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the vault folder to create (must be empty or absent)")
    parser.add_argument("--notes", type=int, required=True, help="how many notes")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    if args.notes < 1:
        parser.error("--notes must be at least 1")
    try:
        c = generate(args.out, args.notes, args.seed)
    except FileExistsError as exc:
        print(f"generate.py: {exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: {c['notes']} notes ({c['people']} people, {c['meetings']} meetings, {c['daily']} daily)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
