"""The ledger's database: where it is, its tables, its schema version and how it is opened.

One SQLAlchemy Core schema serves both backends: an embedded SQLite file (a path, or a
``sqlite:///`` URL) and a shared PostgreSQL server (a ``postgresql://`` URL, driven by psycopg).
Opening never writes to something that is not a ledger: a file of another kind, a database with
tables of its own, or a ledger of a newer schema is refused before anything is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from ..errors import LocalpayError

SCHEMA_VERSION = 1
BUSY_SECONDS = 30  # how long an issue waits for another one writing to the same ledger


class LedgerError(LocalpayError):
    """The ledger cannot be opened or written as asked; nothing was written."""


meta = sa.MetaData()

ledger_info = sa.Table(
    "ledger_info", meta,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

areas = sa.Table(
    "areas", meta,
    sa.Column("area", sa.String(200), primary_key=True),
    sa.Column("added_on", sa.String(10), nullable=False),
)

issues = sa.Table(
    "issues", meta,
    sa.Column("issue_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("area", sa.String(200), sa.ForeignKey("areas.area"), nullable=False),
    sa.Column("year_from", sa.String(10), nullable=False),  # the contract year's first day
    sa.Column("sequence", sa.Integer, nullable=False),  # 1, 2, ... within the area and year
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("submission", sa.String(6), nullable=False),  # flex | freeze
    sa.Column("issued_on", sa.String(10), nullable=False),
    sa.Column("final", sa.Boolean, nullable=False),
    sa.Column("ruleset_title", sa.Text, nullable=False),
    sa.Column("ruleset_version", sa.Text),
    sa.Column("ruleset_sha256", sa.String(64), nullable=False),
    sa.Column("engine_version", sa.String(40), nullable=False),
    sa.Column("inputs", sa.Text, nullable=False),  # JSON: each input file's name and SHA-256
    sa.Column("after_freeze", sa.String(6), nullable=False),
    sa.Column("supersedes", sa.Integer, sa.ForeignKey("issues.issue_id")),
    sa.Column("reason", sa.Text),  # why it supersedes the earlier issue
    # set once, when a later issue supersedes this one (the later issue's hashed content says so)
    sa.Column("superseded_by", sa.Integer, sa.ForeignKey("issues.issue_id")),
    sa.UniqueConstraint("area", "year_from", "sequence"),
)

statements = sa.Table(
    "statements", meta,
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.issue_id"), primary_key=True),
    sa.Column("statement_id", sa.String(200), primary_key=True),
    sa.Column("chain", sa.Integer, nullable=False),  # place in the area's hash chain, 1, 2, ...
    sa.Column("provider", sa.String(40), nullable=False),
    sa.Column("commissioner", sa.String(40), nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("lines", sa.BigInteger, nullable=False),
    sa.Column("payable", sa.BigInteger, nullable=False),  # pence
    sa.Column("held", sa.BigInteger, nullable=False),
    sa.Column("suspended", sa.BigInteger, nullable=False),
    sa.Column("shadow", sa.BigInteger, nullable=False),
    sa.Column("adjustments", sa.BigInteger, nullable=False),  # prior-period adjustments paid on it
    sa.Column("reported", sa.BigInteger, nullable=False),  # differences only reported (after freeze)
    sa.Column("net_payable", sa.BigInteger, nullable=False),
    sa.Column("content_sha256", sa.String(64), nullable=False),
    sa.Column("previous_sha256", sa.String(64), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),  # of the previous hash and the content
)

_LINE: list[tuple[str, Any]] = [
    ("statement_id", sa.String(200)), ("arrangement", sa.String(200)), ("option", sa.String(100)),
    ("provider", sa.String(40)), ("commissioner", sa.String(40)), ("period", sa.String(7)),
    ("episode_id", sa.Text), ("patient_id", sa.Text), ("cluster", sa.SmallInteger),
    ("from_date", sa.String(10)), ("to_date", sa.String(10)), ("quantity", sa.BigInteger), ("unit", sa.String(100)),
    ("unit_price", sa.BigInteger), ("price_from", sa.String(10)), ("status", sa.String(20)), ("rules", sa.Text),
    ("clause", sa.Text), ("reason", sa.Text), ("note", sa.Text), ("option_price", sa.BigInteger),
    ("share", sa.String(20)), ("value", sa.BigInteger), ("amount", sa.BigInteger),
]
lines = sa.Table(
    "lines", meta,
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.issue_id"), nullable=False),
    *(sa.Column(name, kind) for name, kind in _LINE),
    sa.Index("lines_by_issue", "issue_id", "period"),
    sa.Index("lines_by_episode", "episode_id"),
)

# a position is what one issue believes one key (provider, commissioner, arrangement, month,
# episode or contract item) comes to: written for every key of the month issued, and again for
# every earlier key whose money or workings now differ
_POSITION: list[tuple[str, Any]] = [
    ("provider", sa.String(40)), ("commissioner", sa.String(40)), ("arrangement", sa.String(200)),
    ("period", sa.String(7)), ("item", sa.Text), ("episode_id", sa.Text), ("patient_id", sa.Text),
    ("option", sa.String(100)), ("unit", sa.String(100)),
    ("paid", sa.BigInteger), ("held", sa.BigInteger), ("suspended", sa.BigInteger), ("quantity", sa.BigInteger),
    ("first_day", sa.String(10)), ("last_day", sa.String(10)), ("clusters", sa.Text), ("prices", sa.Text),
    ("rules", sa.Text),
]
positions = sa.Table(
    "positions", meta,
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.issue_id"), nullable=False),
    *(sa.Column(name, kind) for name, kind in _POSITION),
    sa.Index("positions_by_issue", "issue_id", "period"),
)

adjustments = sa.Table(
    "adjustments", meta,
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.issue_id"), nullable=False),
    sa.Column("statement_id", sa.String(200), nullable=False),
    sa.Column("adjusts_period", sa.String(7), nullable=False),
    sa.Column("arrangement", sa.String(200), nullable=False),
    sa.Column("provider", sa.String(40), nullable=False),
    sa.Column("commissioner", sa.String(40), nullable=False),
    sa.Column("episode_id", sa.Text),
    sa.Column("item", sa.Text, nullable=False),
    sa.Column("was", sa.BigInteger, nullable=False),
    sa.Column("now", sa.BigInteger, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("cause", sa.Text, nullable=False),
    sa.Column("treatment", sa.String(10), nullable=False),  # adjusted | reported
    sa.Index("adjustments_by_issue", "issue_id"),
    sa.Index("adjustments_by_episode", "episode_id"),
)

# the rows an issue could not price, by episode: a later issue that prices one says it was corrected
excepted = sa.Table(
    "excepted", meta,
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.issue_id"), nullable=False),
    sa.Column("episode_id", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Index("excepted_by_issue", "issue_id"),
)

OURS = {table.name for table in meta.sorted_tables}


def _create_v1(conn: Connection) -> None:
    # the tables, then their indexes by name: SQLAlchemy keeps a table's indexes in a set, and the
    # same ledger should be the same bytes whichever order that set iterates in
    for table in meta.sorted_tables:
        conn.execute(sa.schema.CreateTable(table))
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            conn.execute(sa.schema.CreateIndex(index))


# each step takes a ledger from the version before it to its own; a new schema adds a step
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _create_v1}


def engine_for(location: str, must_exist: bool = False) -> Engine:
    """An engine for a ledger given as a path (SQLite) or a database URL; ``must_exist``: a
    SQLite file that is not there is an error (reading never makes one)."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        url = "postgresql+psycopg://" + text.split("://", 1)[1]
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise LedgerError("a PostgreSQL ledger needs the psycopg driver: pip install 'localpay[postgres]'") from None
        return sa.create_engine(url, pool_pre_ping=True)
    if "://" in text and not text.startswith("sqlite:///"):
        raise LedgerError(f"the ledger {text!r} is neither a file path, a sqlite:/// URL nor a postgresql:// URL")
    path = Path(text.removeprefix("sqlite:///"))
    if path.is_dir():
        raise LedgerError(f"the ledger {str(path)!r} is a folder; give a file (a new one is made on the first issue)")
    if not path.parent.is_dir():
        raise LedgerError(f"the ledger's folder {str(path.parent)!r} does not exist")
    if must_exist and not path.is_file():
        raise LedgerError(f"there is no ledger at {str(path)!r}")
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_SECONDS})
    _sqlite_transactions(engine)
    return engine


def _sqlite_transactions(engine: Engine) -> None:
    """SQLite as a real transactional store: foreign keys on, and a write transaction that takes
    the write lock when it begins (BEGIN IMMEDIATE), so two issues never interleave: the second
    waits for the first, then finds the ledger changed and stops."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi, _record):  # pragma: no cover - exercised on every SQLite connection
        dbapi.isolation_level = None  # SQLAlchemy, not the driver, says when transactions begin
        dbapi.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")


def describe(location: str) -> str:
    text = str(location)
    if "://" in text and "@" in text:  # never print a password
        scheme, rest = text.split("://", 1)
        return f"{scheme}://{rest.rsplit('@', 1)[1]}"
    return text


class Store:
    """An open ledger database."""

    def __init__(self, location: str, must_exist: bool = False):
        self.location = str(location)
        self.name = describe(location)
        self.engine = engine_for(self.location, must_exist)
        self.postgres = self.engine.dialect.name == "postgresql"
        database = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        self.file = Path(database) if database else None  # a SQLite ledger's file, made by the first write

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only look; a SQLite ledger not made yet reads as an empty database, and no file
        is made for it (an issue that then fails leaves no empty ledger behind)."""
        engine = self.engine
        if self.file is not None and not self.file.exists():
            engine = sa.create_engine("sqlite://")
        with self._errors("read"), engine.connect() as conn:
            with conn.begin():
                yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One transaction: everything in it is written, or nothing is."""
        with self._errors("write"), self.engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                yield conn

    @contextmanager
    def _errors(self, doing: str):
        try:
            yield
        except sa.exc.OperationalError as error:
            cause = str(error.orig).strip() if error.orig is not None else str(error)
            if "locked" in cause or "busy" in cause:
                cause = (f"another issue held the ledger for more than {BUSY_SECONDS} s ({cause}); "
                         "try again when it has finished")
            raise LedgerError(f"the ledger {self.name} could not be {doing} ({cause}); nothing was written") from None
        except sa.exc.DatabaseError as error:
            cause = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
            raise LedgerError(f"{self.name} is not a localpay ledger, or cannot be {doing} ({cause}); "
                              "nothing was written") from None

    def version(self, conn: Connection) -> int | None:
        """The schema version, None for an empty database; refuses anything that is not a ledger."""
        names = set(sa.inspect(conn).get_table_names())
        if not names:
            return None
        if "ledger_info" not in names:
            raise LedgerError(f"{self.name} is not a localpay ledger: it holds other tables "
                              f"({', '.join(sorted(names)[:5])}); nothing was written")
        row = conn.execute(sa.select(ledger_info.c.value).where(ledger_info.c.key == "schema_version")).first()
        if row is None or not str(row[0]).isdigit():
            raise LedgerError(f"{self.name} is not a localpay ledger (it has no schema version); nothing was written")
        found = int(row[0])
        if found > SCHEMA_VERSION:
            raise LedgerError(f"the ledger {self.name} has schema version {found}, newer than this localpay reads "
                              f"(up to {SCHEMA_VERSION}): upgrade localpay; nothing was written")
        return found

    def ensure_schema(self, conn: Connection) -> None:
        """Create the ledger's tables in an empty database, or bring an older ledger up to date."""
        found = self.version(conn) or 0
        for step in range(found + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[step](conn)
        if found == 0:
            conn.execute(ledger_info.insert(), [{"key": "schema_version", "value": str(SCHEMA_VERSION)},
                                                {"key": "format", "value": "localpay-ledger"}])
        elif found < SCHEMA_VERSION:
            conn.execute(ledger_info.update().where(ledger_info.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))

    def existing(self, conn: Connection) -> int:
        """The schema version of a ledger that must already exist."""
        found = self.version(conn)
        if found is None:
            raise LedgerError(f"{self.name} holds no ledger yet: nothing has been issued into it")
        if found < SCHEMA_VERSION:
            raise LedgerError(f"the ledger {self.name} has schema version {found}; issue into it once with this "
                              f"localpay to bring it to version {SCHEMA_VERSION}")
        return found
