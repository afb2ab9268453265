"""Import at parsing speed: `gmg-bot import` of a file of N terms against PyYAML's C loader reading the
same file alone (the floor), its peak memory, and the refusal of a file over the size limit.

`python -m bench.imports FILE DATABASE_URL` imports FILE the way `gmg-bot import` does, in a process
of its own, and prints its seconds and peak resident memory (MB) as JSON."""

import json
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml
from sqlmodel import Session

from bot.cli import LOCAL_OPERATOR, read_import
from storage.db import make_engine, upgrade
from storage.documents import iter_documents
from storage.transfer import import_documents

TERMS_PER_GROUP = 1_000
TEAM = "TIMPORT"


def write_terms(path: Path, terms: int) -> None:
    """`terms` terms of 30 days in flow style, a group (a document) per TERMS_PER_GROUP."""
    with path.open("w", encoding="utf-8") as out:
        for g in range(max(1, terms // TERMS_PER_GROUP)):
            out.write("---\n" if g else "")
            out.write(
                f"group: {{name: Imported group {g}, short_name: IMP{g}, timezone: UTC, term_months: 6}}\n"
            )
            out.write("members:\n  - {code: IOM, name: International Organization for Migration}\n")
            out.write("  - {code: ILO, name: International Labour Organization}\n")
            out.write("terms:\n")
            first = date(1901, 1, 1)
            for i in range(min(TERMS_PER_GROUP, terms)):
                last = first + timedelta(days=29)
                chair = "IOM" if i % 2 else "ILO"
                out.write(
                    f"  - {{first_day: {first}, last_day: {last}, chairs: [{chair}], theme: Theme {g}.{i}, "
                    f'description: "What term {i} of group {g} is about."}}\n'
                )
                first = last + timedelta(days=1)


def parse_floor(path: Path) -> float:
    """Seconds for PyYAML's C loader to read the file, and nothing else."""
    text = path.read_text(encoding="utf-8")
    started = time.perf_counter()
    for _ in yaml.load_all(text, Loader=yaml.CSafeLoader):
        pass
    return time.perf_counter() - started


def import_run(path: Path, database_url: str) -> tuple[float, float]:
    """`gmg-bot import` of `path` in a process of its own: (seconds, peak resident MB)."""
    output = subprocess.run(
        [sys.executable, "-m", "bench.imports", str(path), database_url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures = json.loads(output)
    return figures["seconds"], figures["peak_mb"]


def refusal_seconds(path: Path, database_url: str) -> float:
    """Seconds until `gmg-bot import` refuses `path`, a file over the limit (the whole command)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import", str(path)],
        env={"DATABASE_URL": database_url, "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "the most an import takes" in done.stderr, done.stderr
    return time.perf_counter() - started


def main() -> None:
    path, database_url = Path(sys.argv[1]), sys.argv[2]
    engine = make_engine(database_url, answer_within=60)
    upgrade(engine)

    started = time.perf_counter()
    with Session(engine) as session:
        import_documents(
            session=session,
            team_id=TEAM,
            docs=iter_documents(read_import(path)),
            replace=False,
            user_id=LOCAL_OPERATOR,
            now=datetime.now(UTC),
            action="bench import",
        )
        session.commit()
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


if __name__ == "__main__":
    main()
