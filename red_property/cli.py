"""The ``red-property`` console script: Flask's CLI plus our commands.

    red-property demo                 build (once) and serve the demo city on :5000
    red-property init --bureau NAME --admin EMAIL   start a real city: bureau and platform tenants, one invitation
    red-property tenants apply DIR    provision tenants from declarative files
    red-property worker               run an RQ worker (needs REDIS_URL)
    red-property cron                 run RQ's cron scheduler for the periodic jobs (needs REDIS_URL)
    red-property schedule             enqueue every periodic job for every tenant, now
    red-property generate --scale city|province   fill a database for benchmarks
    red-property doctor               what this installation runs on, and what would make it faster
    red-property db upgrade           Alembic migrations (Flask-Migrate)
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

REPO = Path(__file__).resolve().parent.parent
DEFAULT_TENANTS = REPO / "tenants"


def _create_app():
    from red_property import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def cli():
    """red-property: 红色物业 management service."""


def main() -> None:
    cli(prog_name="red-property")


@click.group("tenants")
def tenants_group():
    """Provision tenants from declarative files."""


@tenants_group.command("apply")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path),
                default=DEFAULT_TENANTS)
@with_appcontext
def tenants_apply(directory: Path):
    """Apply every DIRECTORY/<slug>/tenant.toml (idempotent)."""
    from red_property.tenants.provisioning import SpecError, apply_specs, load_specs

    from sqlalchemy.exc import DBAPIError

    from red_property.core.owner import owner_session

    try:
        specs = load_specs(directory)
        with owner_session() as session:  # bureaus and renames are the schema owner's (tenants.changes)
            report = apply_specs(session, specs)
    except SpecError as exc:
        raise click.ClickException(str(exc)) from exc
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        raise click.ClickException(f"{str(exc.orig).strip()}: set MIGRATE_DATABASE_URL to the schema owner "
                                   "(the app role may not create a bureau or rename a tenant)") from exc
    click.echo(f"created: {len(report.created)}  updated: {len(report.updated)}  "
               f"unchanged: {len(report.unchanged)}")
    for email, url in report.invitations:
        click.echo(f"  new admin {email}  invitation link (shown once): {url}")


@click.command("init")
@click.option("--bureau", "bureau_name", required=True, help="The housing bureau's name, e.g. 锦城市住房和城乡建设局.")
@click.option("--admin", "admin_email", required=True, help="Email of the bureau's first admin (gets an invitation).")
@click.option("--admin-name", default="管理员", show_default=True, help="That admin's name.")
@click.option("--bureau-slug", default="bureau", show_default=True, help="The bureau's address: /<slug>/…")
@click.option("--platform", "platform_name", default="红色物业平台运营方", show_default=True,
              help="The platform operator's name.")
@click.option("--platform-admin", default=None, help="Email of the operator's first admin (optional).")
@with_appcontext
def init(bureau_name: str, admin_email: str, admin_name: str, bureau_slug: str, platform_name: str,
         platform_admin: str | None):
    """Start a real city on an empty database: migrate, create the bureau and platform
    tenants, and print the bureau admin's invitation link (shown once)."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from red_property.core import clock
    from red_property.core.errors import InputError
    from red_property.extensions import db
    from red_property.onboarding.provisioning import provision_tenant
    from red_property.tenants.models import Tenant, TenantKind

    upgrade(revision="heads")
    if db.session.scalar(select(Tenant.id).limit(1)) is not None:
        raise click.ClickException("the database already has tenants: `init` only starts an empty one "
                                   "(use `tenants apply` or the bureau's pages to add more)")
    db.session.remove()
    try:
        # As the schema owner (MIGRATE_DATABASE_URL): the app role may not create these kinds.
        bureau_id, bureau = provision_tenant(kind=TenantKind.BUREAU, slug=bureau_slug, name=bureau_name,
                                             admin_email=admin_email, admin_name=admin_name, as_owner=True)
        if platform_admin:
            _, platform = provision_tenant(kind=TenantKind.PLATFORM, slug="platform", name=platform_name,
                                           admin_email=platform_admin, admin_name="平台管理员", as_owner=True)
        else:
            from red_property.core.owner import owner_session
            from red_property.onboarding.provisioning import create_tenant

            with owner_session() as session:
                create_tenant(session, kind=TenantKind.PLATFORM, slug="platform", name=platform_name)
                session.commit()
            platform = None
        from red_property.core.tenancy import tenant_scope
        from red_property.rating.versions import ensure_model

        with tenant_scope(db.session, bureau_id) as session:
            # the first rating needs a model: the default one, until the bureau edits it
            model = ensure_model(session)
            model = (model.name, model.version) if model is not None else None
    except InputError as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from exc
    finally:
        db.session.remove()
    click.echo(f"created the bureau /{bureau_slug}/ ({bureau_name}) and the platform operator /platform/")
    if model is not None:
        click.echo(f"the bureau's rating model: {model[0]} (version {model[1]}; edit it on the rating pages)")
    for issued in filter(None, (bureau, platform)):
        sent = {True: "emailed", False: f"NOT emailed ({issued.mail_error})", None: "not emailed"}[issued.emailed]
        click.echo(f"invitation for {issued.email} ({issued.tenant_name}), valid until "
                   f"{clock.local(issued.expires_at):%Y-%m-%d %H:%M} ({clock.local_zone()}), {sent}; shown once:\n  {issued.url}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
@click.option("--with-scheduler/--no-scheduler", default=True, help="Also run RQ's scheduler (retries).")
@with_appcontext
def worker(burst: bool, with_scheduler: bool):
    """Run an RQ worker for this app's queue."""
    from rq import Worker

    from red_property.core.jobs import get_queue

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in-process.")
    queue = get_queue(worker=True)
    Worker([queue], connection=queue.connection).work(burst=burst, with_scheduler=with_scheduler)


@click.command("cron")
@with_appcontext
def cron():
    """Run RQ's cron scheduler: each periodic job (core.schedule) for every tenant, on its schedule."""
    from red_property.core.schedule import PERIODIC, cron_scheduler

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: the cron scheduler enqueues into Redis.")
    for job in PERIODIC.values():
        click.echo(f"{job.name}: {job.cron} (UTC) for {', '.join(k.value for k in job.kinds)} tenants")
    cron_scheduler(current_app).start()


@click.command("schedule")
@click.option("--job", "names", multiple=True, help="Only this periodic job (repeatable).")
@with_appcontext
def schedule(names: tuple[str, ...]):
    """Enqueue every periodic job (or --job NAME) once for every tenant it is for, now."""
    click.echo(f"queued {_run_periodic(list(names) or None)} jobs")


def _run_periodic(names: list[str] | None) -> int:
    """Without Redis the jobs run here, one after another (SQLite allows one writer)."""
    from red_property.core.schedule import enqueue_for_tenants
    from red_property.extensions import db

    inline = current_app.config.get("JOBS_INLINE")
    if not current_app.config.get("REDIS_URL"):
        current_app.config["JOBS_INLINE"] = True
    try:
        return enqueue_for_tenants(db.session, names)
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from exc
    finally:
        current_app.config["JOBS_INLINE"] = inline
        db.session.remove()


@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete the demo database and build it again.")
@click.option("--port", default=5000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Build the demo data and exit.")
@with_appcontext
def demo(reset: bool, port: int, no_serve: bool):
    """Build the demo city (first run, or --reset) and serve it on http://127.0.0.1:PORT.

    The city is built whole or not at all (``red_property.demo.build``): an
    interrupted build is never served, and the next run says so and builds again.
    """
    from flask_migrate import upgrade

    from red_property.demo import build as demo_build
    from red_property.demo.city import DEMO_PASSWORD, demo_logins
    from red_property.extensions import db

    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    database = demo_build.sqlite_path(uri)
    if reset and database is None:
        raise click.ClickException("--reset only deletes the embedded SQLite database.")
    click.echo(f"红色物业演示 · red-property demo: http://127.0.0.1:{port}"
               + ("" if no_serve else "  (opens once the city is built)"))
    click.echo(f"logins (password: {DEMO_PASSWORD}):")
    for email, role, tenant in demo_logins(DEFAULT_TENANTS):
        click.echo(f"  {email:<24} {role:<9} {tenant}")
    click.echo(f"database: {uri}\n")
    if database is not None:
        where = demo_build.DemoFiles(database, Path(current_app.config["FILE_DIR"]))
        db.engine.dispose()
        if demo_build.prepare(where, reset=reset, say=click.echo):
            click.echo("演示城市已生成 (the demo city is built; --reset builds it again)")
        else:
            demo_build.build_sqlite(where, _build_demo)
    else:
        upgrade(revision="heads")
        state = demo_build.server_database_state(db.session)
        db.session.remove()
        if state == "incomplete":
            raise click.ClickException("此数据库中的演示数据没有生成完整：请删除并重新创建该数据库后再运行。"
                                       " (An unfinished demo build is in this database: drop and create it again.)")
        if state == "empty":
            _build_demo({})
    upgrade(revision="heads")   # a demo built by an earlier version gets the newer migrations
    click.echo(f"periodic jobs (overdue demands, ...): {_run_periodic(None)} run")
    if no_serve:
        return
    click.echo(f"\nserving on http://127.0.0.1:{port}  (Ctrl+C to stop)")
    # Flask refuses app.run() inside its own CLI; serve with Werkzeug directly.
    from werkzeug.serving import run_simple

    run_simple("127.0.0.1", port, current_app._get_current_object(), threaded=True, use_reloader=False)


def _build_demo(overrides: dict) -> None:
    """Build the demo city in the database ``overrides`` names (or the app's own), saying each step.

    Demo passwords are public (README), so their hashes use the cheap Argon2
    parameters: two seconds less to wait, nothing to protect.
    """
    import time

    from flask_migrate import upgrade

    from red_property import create_app
    from red_property.demo.city import STEPS, build_demo_city
    from red_property.extensions import db

    started = time.monotonic()

    def progress(step: int, label: str) -> None:
        click.echo(f"  [{step:>2}/{STEPS}] {label}  ({time.monotonic() - started:.1f} s)")

    click.echo("生成演示城市 · building the demo city ...")
    app = create_app({**overrides, "PASSWORD_HASH_FAST": True}) if overrides else current_app
    with app.app_context():
        upgrade(revision="heads")
        fast, app.config["PASSWORD_HASH_FAST"] = app.config.get("PASSWORD_HASH_FAST"), True
        try:
            summary = build_demo_city(db.session, DEFAULT_TENANTS, progress=progress)
        finally:
            app.config["PASSWORD_HASH_FAST"] = fast
            db.session.remove()
        if overrides:
            db.engine.dispose()
    click.echo(f"done: {summary.tenants} tenants, {summary.communities} communities, "
               f"{summary.households} households in {time.monotonic() - started:.1f} s")


@click.command("generate")
@click.option("--scale", type=click.Choice(["city", "province"]), default="city", show_default=True)
@click.option("--households", default=40, show_default=True, help="Households per community.")
@click.option("--seed", default=7, show_default=True)
@with_appcontext
def generate(scale: str, households: int, seed: int):
    """Fill the database at city (249 companies, 513 communities) or province (x40) scale."""
    from red_property.demo.scale import SCALES, generate_scale
    from red_property.extensions import db

    companies, communities = SCALES[scale]
    result = generate_scale(db.session, companies=companies, communities=communities,
                            households_per_community=households, seed=seed,
                            progress=lambda msg: click.echo(msg, err=True))
    click.echo(result)


@click.command("doctor")
@with_appcontext
def doctor():
    """Say what this installation runs on: database, jobs, PDF fonts and font subsetting; exit 1 if a part is down."""
    from red_property.core.health import health_state

    state = health_state()
    database, jobs, pdf = state["database"], state["jobs"], state["pdf"]
    click.echo(f"database  {database['backend']}: {'ok' if database['ok'] else database.get('error')}")
    click.echo(f"jobs      {jobs['mode']}: {'ok' if jobs['ok'] else jobs.get('error')}"
               + (f", {jobs['workers']} worker(s), {jobs['queued']} queued" if jobs.get("mode") == "rq" and jobs["ok"] else ""))
    if not pdf["ok"]:
        click.echo(f"pdf       {pdf['error']}")
    else:
        fonts = "bundled Noto Sans SC" if pdf["fonts"] == "bundled" else f"installed {pdf['fonts']}"
        click.echo(f"pdf       fonts: {fonts}; subsetting: {pdf['subsetter']}")
        if pdf["subsetter"] == "fonttools":
            click.echo("          libharfbuzz-subset0 is not installed: PDFs are subset with fontTools (slower). "
                       "Debian: apt-get install libharfbuzz-subset0")
    click.echo(f"status    {state['status']}")
    if state["status"] != "ok":
        sys.exit(1)


def register_commands(app) -> None:
    for command in (tenants_group, init, worker, cron, schedule, demo, generate, doctor):
        app.cli.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
