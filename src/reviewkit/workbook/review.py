"""One call opens a review for a stage's notebook: the protocol, the records, the studies and the build folder."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from reviewkit.core.protocol import Protocol, load_protocol
from reviewkit.core.tables import read_table, table_path, write_table
from reviewkit.extraction.tables import included_record_ids, included_studies
from reviewkit.records.dedup.review import unique_records
from reviewkit.records.model import Record
from reviewkit.records.readers import ImportResult
from reviewkit.records.sources import load_sources
from reviewkit.records.studies import Study, load_studies


@dataclass
class Review:
    """A review as its notebooks see it. Every reviewer file it reads is checked as it is read: bad input stops
    the notebook with every problem named (file, line, field). Notebooks pass nothing to each other in memory,
    only the tables in ``out_dir/tables``."""

    review_dir: Path
    out_dir: Path
    protocol: Protocol
    records: list[Record]
    imports: list[ImportResult] = field(default_factory=list)

    @cached_property
    def by_id(self) -> dict[str, Record]:
        return {r.id: r for r in self.records}

    @cached_property
    def to_screen(self) -> list[Record]:
        """The records screened: all but the duplicates removed (``records.dedup``)."""
        return unique_records(self.review_dir, self.records)

    @cached_property
    def past_title_abstract(self) -> list[Record]:
        """The records screened but not excluded on title and abstract (``tables/screening.csv``): those that reached
        full text or are still to be screened; every record screened before screening ran."""
        if not self.has("screening"):
            return self.to_screen
        table = self.table("screening")
        excluded = set(table.loc[(table["stage"] == "title_abstract") & (table["decision"] == "exclude"), "record_id"])
        return [r for r in self.to_screen if r.id not in excluded]

    @cached_property
    def included_reports(self) -> list[Record]:
        """The reports of the included studies; every record screened before screening has run (a new corpus
        gets extraction suggestions for all of them)."""
        if not self.has("screening"):
            return self.to_screen
        return [self.by_id[r] for s in self.included for r in s.records]

    @cached_property
    def studies(self) -> list[Study]:
        """Every study of ``studies.yml`` (a record not listed there is a study of its own)."""
        return load_studies(self.review_dir, list(self.by_id))

    @cached_property
    def included(self) -> list[Study]:
        """The studies with a report included at full text (``tables/screening.csv``); none before screening ran."""
        return included_studies(self.studies, included_record_ids(self.out_dir))

    @cached_property
    def study_rounds(self) -> dict[str, str]:
        """Each included study and the search round that first found one of its reports (round ids; "" in a review
        without rounds)."""
        rounds = self.protocol.source_rounds()
        number = {r.id: rounds[r.source] for r in self.records}
        return {s.id: self.protocol.round_id(min(number[r] for r in s.records)) for s in self.included}

    def has(self, name: str) -> bool:
        """Whether an earlier stage wrote the table ``name``."""
        return table_path(self.out_dir, name).exists()

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name`` an earlier stage wrote (``out_dir/tables/<name>.csv``)."""
        return read_table(self.out_dir, name)

    def write(self, table: pd.DataFrame, name: str) -> pd.DataFrame:
        """Write ``table`` as ``out_dir/tables/<name>.csv`` for the later stages and the report; returns it to show."""
        write_table(table, self.out_dir, name)
        return table


def open_review(review_dir: str | Path, out_dir: str | Path) -> Review:
    """The review in ``review_dir`` with its build folder ``out_dir``: the protocol and every record read and checked."""
    review_dir = Path(review_dir)
    protocol = load_protocol(review_dir)
    records, imports = load_sources(review_dir, protocol)
    return Review(review_dir, Path(out_dir), protocol, records, imports)
