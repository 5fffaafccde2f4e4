"""`vuoro export` and `vuoro import`: all data to a portable archive and back."""

from __future__ import annotations

import argparse
import sys
import time

from web.archive import ArchiveError, export_archive, import_archive
from web.db import make_engine


def register(commands: argparse._SubParsersAction) -> None:
    """Add the export and import subcommands."""
    export = commands.add_parser(
        "export", help="write all data to a portable archive (zip of JSON Lines per table)"
    )
    export.add_argument("archive", help="the .zip file to write")
    restore = commands.add_parser(
        "import", help="restore an archive into an empty database (all or nothing)"
    )
    restore.add_argument("archive", help="a .zip file written by vuoro export")


class TableProgress:
    """One line per table, redrawn while its rows stream."""

    def __init__(self) -> None:
        self.table: str | None = None

    def __call__(self, table: str, rows: int) -> None:
        """Show a table's rows so far."""
        if self.table not in (None, table):
            sys.stdout.write("\n")
        self.table = table
        sys.stdout.write(f"\r  {table:<24} {rows:>12,} rows")
        sys.stdout.flush()

    def end(self) -> None:
        """Finish the last line."""
        if self.table is not None:
            sys.stdout.write("\n")


def run(args: argparse.Namespace) -> int:
    """Run export or import; exit 2 with the reason when the archive or database is unfit."""
    engine = make_engine(args.database_url)
    started = time.perf_counter()
    progress = TableProgress()
    try:
        if args.command == "export":
            manifest = export_archive(engine, args.archive, progress=progress)
            verb = "Exported"
        else:
            manifest = import_archive(engine, args.archive, progress=progress)
            verb = "Imported"
    except ArchiveError as error:
        progress.end()
        print(f"vuoro {args.command}: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    progress.end()
    print(f"{verb} {manifest.rows:,} rows in {len(manifest.tables)} tables "
          f"(schema revision {manifest.schema_revision}) in "
          f"{time.perf_counter() - started:.1f} s: {args.archive}")
    return 0
