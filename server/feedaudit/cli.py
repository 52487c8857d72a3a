"""The ``feedaudit`` command line."""

from __future__ import annotations

import json
import logging
import sys

import click

from . import __version__, jobs, processing, queries, settings, storage
from .config import DEFAULT_HOST, DEFAULT_PORT, db_path, is_loopback, load_or_create_token, resolve_data_dir

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    envvar="FEEDAUDIT_DATA_DIR",
    help="Where the database and token live (default: the user data dir; env FEEDAUDIT_DATA_DIR).",
)


@click.group()
@click.version_option(__version__, prog_name="feedaudit")
def main():
    """Feed Audit: see what your recommender feeds show you, privately, on your own machine."""


@main.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on (keep it loopback).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option("--model", default=None, help="Sentence-transformers model name or local path (default: the embedding_model setting, else the bundled all-MiniLM-L6-v2).")
@data_dir_option
def serve(host, port, threads, model, data_dir):
    """Run the local server: the API the extension posts to and the report."""
    import waitress

    from .app import create_app
    from .routes.common import get_db

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # One line per job run, or per run skipped while a long one finishes, is noise.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    config = {"DATA_DIR": data_dir, "PORT": port}
    if not is_loopback(host):
        click.secho(
            f"Warning: listening on {host} exposes your browsing history to the network; 127.0.0.1 is the safe default.",
            fg="red", err=True,
        )
        config["ALLOWED_HOSTS"] = ("127.0.0.1", "localhost", "::1", host)
    app = create_app(config)
    url_host = f"[{host}]" if ":" in host else host
    click.echo(f"Feed Audit {__version__} is running: report at http://{url_host}:{port}/")
    click.echo(f"Data: {app.config['DATA_DIR']}")
    click.echo(
        "Pair the extension: run 'feedaudit token' and paste the token into the extension's options page "
        f"(server URL http://{url_host}:{port})."
    )
    sys.stdout.flush()
    try:
        server = waitress.create_server(app, host=host, port=port, threads=threads, ident="feedaudit")
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); is Feed Audit already running? "
            "Choose another port with --port."
        ) from None
    with app.app_context():
        model_name = model or settings.get(get_db(), "embedding_model")
    scheduler = jobs.start(app.config["DATABASE"], model_name)
    try:
        server.run()
    finally:
        scheduler.shutdown(wait=False)


@main.command()
@data_dir_option
def token(data_dir):
    """Print the token that pairs the extension with this server (created on first use)."""
    click.echo(load_or_create_token(resolve_data_dir(data_dir)))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@data_dir_option
def status(as_json, data_dir):
    """Show what has been recorded: today, in total, and what is waiting to be processed."""
    directory = resolve_data_dir(data_dir)
    db = storage.connect(db_path(directory))
    try:
        info = queries.status(db)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    today, totals = info["today"], info["totals"]
    click.echo(f"Data dir: {directory}")
    click.echo(f"Today:    {today['impressions']} items seen, {today['clicks']} clicks, {today['views']} pages read/watched")
    click.echo(f"In total: {totals['impressions']} impressions of {totals['items']} items, {totals['clicks']} clicks")
    click.echo(f"Waiting to be processed: {info['queue']['unparsed']}")


@main.command()
@click.argument("page", type=click.File("r", encoding="utf-8", errors="replace"))
@click.option("--url", required=True, help="The page's address: it tells the platform and the surface.")
@click.option("--captured-at", type=int, default=None, help="Capture time, ms since the epoch (dates like '3 days ago' count back from it).")
def parse(page, url, captured_at):
    """Parse a saved feed page and print one JSON object per feed item (rank, surface, fields).

    Use it to check or report a broken parser: save the page from the browser
    (the rendered DOM), then run e.g. feedaudit parse home.html --url https://www.youtube.com/
    """
    from .parsing import parse_page

    items = parse_page(page.read(), url, captured_at)
    if not items:
        click.echo(f"no feed items found for {url}: is the URL right, and is the page the rendered DOM?", err=True)
    for item in items:
        click.echo(json.dumps(item, ensure_ascii=False))


@main.command()
@click.option("--platform", default=None, help="Only this platform (youtube, reddit, x, hackernews, googlenews, news).")
@click.option("--since", "since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), default=None,
              help="Only impressions captured on or after this local date.")
@data_dir_option
def reprocess(platform, since, data_dir):
    """Re-run the parsers over the stored raw HTML, updating items in place.

    Safe to interrupt and run again. Impressions whose raw HTML has expired
    (see the html_retention_days setting) keep their parsed fields.
    """
    db = storage.connect(db_path(resolve_data_dir(data_dir)))
    since_ms = int(since.astimezone().timestamp() * 1000) if since else None
    try:
        total = processing.reprocess_count(db, platform, since_ms)
        with click.progressbar(length=total, label=f"Reparsing {total} impressions", show_eta=True) as bar:
            done = processing.reprocess(db, platform, since_ms, progress=bar.update)
    finally:
        db.close()
    click.echo(f"Reparsed {done} impressions.")


def configured_embedder(db, model_option):
    from .understanding.embedder import Embedder

    return Embedder(model_option or settings.get(db, "embedding_model"))


@main.command()
@click.option("--model", default=None, help="Sentence-transformers model name or local path (default: the embedding_model setting, else the bundled all-MiniLM-L6-v2).")
@data_dir_option
def process(model, data_dir):
    """Parse, embed, score and categorize everything pending, with progress and ETA.

    The server does the same in the background; use this after an import, a
    model change or a long time offline.
    """
    from . import enrichment
    from .categorizing import categorize_pending

    db = storage.connect(db_path(resolve_data_dir(data_dir)))
    try:
        pending = processing.pending_count(db)
        with click.progressbar(length=pending, label=f"Parsing {pending} impressions", show_eta=True) as bar:
            while (done := processing.parse_pending(db)) > 0:
                bar.update(done)
        embedder = configured_embedder(db, model)
        click.echo(f"Loading the embedding model {embedder.model_id} ...")
        embedder.load()
        stages = [
            ("embed", "Embedding", enrichment.embed_pending),
            ("clickbait", "Scoring clickbait", enrichment.score_clickbait_pending),
            ("categorize", "Categorizing", categorize_pending),
        ]
        for stage, label, function in stages:
            total = enrichment.pending_counts(db, embedder.model_id)[stage]
            with click.progressbar(length=total, label=f"{label} {total} items", show_eta=True) as bar:
                while (done := function(db, embedder)) > 0:
                    bar.update(done)
    finally:
        db.close()
    click.echo("Everything is processed.")


class _StageProgress:
    """One click progress bar per pipeline stage."""

    LABELS = {"ingest": "Ingesting events", "parse": "Parsing", "embed": "Embedding", "clickbait": "Scoring clickbait",
              "categorize": "Categorizing"}

    def __init__(self):
        self.stage, self.bar, self.done = None, None, 0

    def __call__(self, stage: str, done: int, total: int):
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(length=max(total, 1), label=self.LABELS.get(stage, stage), show_eta=True)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _simulate_into(data_dir, days, seed, lift, narrowing, ending_today_in=None) -> None:
    from .demo import DemoError, ending_today, fill
    from .simulator import SimulationConfig

    progress = _StageProgress()
    config = SimulationConfig(seed=seed, days=days, lift=lift, narrowing=narrowing)
    if ending_today_in:  # the demo: simulated days end today, so "this week" has data
        config = ending_today(config, ending_today_in)
    try:
        counts = fill(resolve_data_dir(data_dir), config, progress=progress)
    except (DemoError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        progress.close()
    click.echo(f"Simulated {counts['impressions']} impressions of {counts['items']} items ({counts['events']} events).")


simulation_options = [
    click.option("--days", default=28, show_default=True, type=click.IntRange(1, 366), help="Days of simulated browsing."),
    click.option("--seed", default=1, show_default=True, type=int, help="Random seed (same seed, same data)."),
    click.option("--lift", default=0.2, show_default=True, type=click.FloatRange(0, 1),
                 help="How much the simulated recommender raises a category's share after engagement."),
    click.option("--narrowing", default=0.05, show_default=True, type=click.FloatRange(0, 5),
                 help="How fast the simulated feed narrows toward the person's interests, per week."),
]


def _with_simulation_options(function):
    for option in reversed(simulation_options):
        function = option(function)
    return function


@main.command()
@_with_simulation_options
@click.option("--data-dir", type=click.Path(file_okay=False), required=True,
              help="A fresh data dir for the simulated data (never your real one).")
def simulate(days, seed, lift, narrowing, data_dir):
    """Simulate a person and a known recommender, through the real ingest API, into DATA_DIR.

    The data are marked as simulated in every view. Use it to see what the
    audit finds when the truth is known (the planted lift).
    """
    _simulate_into(data_dir, days, seed, lift, narrowing)


@main.command()
@_with_simulation_options
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def demo(ctx, days, seed, lift, narrowing, port):
    """Fill a separate demo data dir with simulated feeds ending today and serve its report.

    Your real data are untouched: the demo lives in its own data dir. It is
    simulated once and again only when it no longer reaches the current week.
    """
    import platformdirs

    from .demo import DemoError, demo_state, discard

    demo_dir = platformdirs.user_data_path("feedaudit", appauthor=False).parent / "feedaudit-demo"
    db = storage.connect(db_path(resolve_data_dir(demo_dir)))
    try:
        tz = settings.timezone(db)
        state = demo_state(db, tz)
    finally:
        db.close()
    if state == "stale":
        try:
            discard(demo_dir)
        except DemoError as exc:
            raise click.ClickException(str(exc)) from None
    if state != "current":
        _simulate_into(demo_dir, days, seed, lift, narrowing, ending_today_in=tz)
    click.echo("This is SIMULATED data, not your browsing.")
    ctx.invoke(serve, port=port, data_dir=str(demo_dir))


@main.command(name="settings")
@click.argument("key", required=False)
@click.argument("value", required=False)
@data_dir_option
def settings_command(key, value, data_dir):
    """Show all settings, show one (KEY), or change one (KEY VALUE, VALUE as JSON, e.g. 30 or null)."""
    db = storage.connect(db_path(resolve_data_dir(data_dir)))
    try:
        if key is None:
            for name, current in settings.all_settings(db).items():
                click.echo(f"{name} = {json.dumps(current)}    # {settings.SETTINGS[name].help}")
            return
        if value is None:
            click.echo(json.dumps(settings.get(db, key)))
            return
        try:
            parsed = json.loads(value)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not JSON (use 30, null, true, \"text\")", param_hint="VALUE") from None
        settings.put(db, key, parsed)
        click.echo(f"{key} = {json.dumps(parsed)}")
    except settings.SettingError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        db.close()


def _open_db(data_dir):
    directory = resolve_data_dir(data_dir)
    return directory, storage.connect(db_path(directory))


@main.command(name="export")
@click.option("--week", default=None, help="ISO week such as 2026-W48 (default: the last complete week).")
@click.option("--format", "fmt", type=click.Choice(["html", "md", "json"]), default="html", show_default=True,
              help="html: a self-contained page (opens offline, prints); md: Markdown; json: the summary object.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write (default: the exports folder in the data dir).")
@data_dir_option
def export_command(week, fmt, out, data_dir):
    """Write one week's summary (figures, changes from the week before, top and regretted items, plain sentences)."""
    from pathlib import Path

    from . import audit, exporting, weekly

    directory, db = _open_db(data_dir)
    try:
        tz = settings.timezone(db)
        try:
            week = exporting.validate_week(week) if week else weekly.last_complete_week(tz)
        except audit.AuditError as exc:
            raise click.BadParameter(f"{exc} (ISO year, 'W', two-digit week)", param_hint="--week") from None
        click.echo(f"Computing the summary of {week} ({tz}) ...", err=True)
        summary = weekly.weekly_summary(db, week, tz)
        target = Path(out) if out else exporting.exports_dir(directory) / exporting.file_name(week, fmt)
        exporting.write_atomically(target, exporting.render(summary, fmt))
    finally:
        db.close()
    if not summary["has_data"]:
        click.echo(f"No feed activity was recorded in {week}; the summary says so.", err=True)
    click.echo(str(target))


@main.command(name="export-all")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="A new or empty folder to write into.")
@data_dir_option
def export_all_command(out, data_dir):
    """Write every table as CSV and JSON Lines, with a README of the columns (your data, in open formats)."""
    from . import datatransfer

    _, db = _open_db(data_dir)
    try:
        total = datatransfer.total_rows(db)
        with click.progressbar(length=total, label=f"Exporting {total:,} rows", show_eta=True) as bar:
            manifest = datatransfer.export_all(db, out, progress=bar.update)
    except datatransfer.TransferError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(f"Wrote {len(manifest['tables'])} tables to {out} (see README.md there).")


@main.command(name="import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@data_dir_option
def import_command(folder, data_dir):
    """Load a 'feedaudit export-all' FOLDER into the data dir's database, which must hold no data yet."""
    import json as json_module
    from pathlib import Path

    from . import datatransfer

    _, db = _open_db(data_dir)
    try:
        manifest = datatransfer.read_manifest(folder)
        total = sum(info["rows"] for info in manifest["tables"].values())
        with click.progressbar(length=total, label=f"Importing {total:,} rows", show_eta=True) as bar:
            counts = datatransfer.import_all(db, Path(folder), progress=bar.update)
    except datatransfer.TransferError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(json_module.dumps(counts))
    click.echo("Imported. Run 'feedaudit process' if the export was taken before everything was processed.")


@main.command(name="delete")
@click.option("--from", "from_", default=None, help="First day (2026-01-05) or ms since the epoch.")
@click.option("--to", default=None, help="Last day, included (2026-01-11), or ms since the epoch (excluded).")
@click.option("--platform", default=None, help="Only this platform (youtube, reddit, x, hackernews, googlenews, news).")
@click.option("--all", "everything", is_flag=True, help="Delete every recorded row (keeps settings and the taxonomy).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--no-vacuum", is_flag=True, help="Skip VACUUM (the file keeps its size; the space is reused).")
@data_dir_option
def delete_command(from_, to, platform, everything, yes, no_vacuum, data_dir):
    """Delete recorded data for good: a date range (optionally one platform), or --all.

    Shows what would be removed and asks first. Deleted text is overwritten in
    the file, and VACUUM then gives the space back to the disk.
    """
    from . import deletion

    directory, db = _open_db(data_dir)
    try:
        if everything:
            if from_ or to or platform:
                raise click.UsageError("--all deletes everything; leave out --from, --to and --platform")
            counts = deletion.count_all(db)
            click.echo(json.dumps(counts))
            if not yes:
                click.confirm("Delete ALL recorded data and the weekly summary files?", abort=True)
            counts = deletion.delete_all(db)
            _remove_export_files(directory)
        else:
            counts = _delete_range(db, from_, to, platform, yes)
        if not no_vacuum:
            click.echo("Compacting the database file (VACUUM) ...", err=True)
            deletion.vacuum(db)
    finally:
        db.close()
    click.echo(f"Deleted: {json.dumps(counts)}")


def _delete_range(db, from_, to, platform, yes) -> dict:
    from . import deletion

    if not from_ or not to:
        raise click.UsageError("give --from and --to (e.g. --from 2026-01-05 --to 2026-01-11), or --all")
    tz = settings.timezone(db)
    try:
        from_ms = deletion.parse_bound("from", int(from_) if from_.isdecimal() else from_, tz)
        to_ms = deletion.parse_bound("to", int(to) if to.isdecimal() else to, tz, end=True)
        counts = deletion.delete_range(db, from_ms, to_ms, platform, dry_run=True)
    except deletion.DeletionError as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{exc.field}") from None
    click.echo(f"To delete: {json.dumps(counts)}")
    if not yes:
        click.confirm("Delete these rows for good?", abort=True)
    return deletion.delete_range(db, from_ms, to_ms, platform)


def _remove_export_files(directory) -> None:
    from . import exporting

    folder = exporting.exports_dir(directory)
    for entry in exporting.list_exports(folder):
        (folder / entry["name"]).unlink(missing_ok=True)
    (folder / exporting.STATE_FILENAME).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
