"""The ``feedaudit`` command line."""

from __future__ import annotations

import json
import logging
import sys

import click

from . import __version__, queries, storage
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
@data_dir_option
def serve(host, port, threads, data_dir):
    """Run the local server: the API the extension posts to and the report."""
    import waitress

    from .app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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
        waitress.serve(app, host=host, port=port, threads=threads, ident="feedaudit", _quiet=True)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); is Feed Audit already running? "
            "Choose another port with --port."
        ) from None


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


if __name__ == "__main__":
    main()
