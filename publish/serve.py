"""Build and run the Datasette instance that publishes the observatory database.

The database is always published under the name `osservatorio` (the digest links to
`{base}/osservatorio/articles/<id>`), read-only, with the configuration directory
`datasette_config/`: metadata and canned queries, templates, static files and plugins.
Secrets come only from the environment (see `ENVIRONMENT`).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from pathlib import Path

import yaml
from datasette.app import Datasette
from datasette.database import Database
from rich.console import Console

from store.taxonomy import TAXONOMY

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "datasette_config"
DATABASE_NAME = "osservatorio"
REQUIRED_VIEWS = ("public_articles", "map_places", "org_links", "public_amounts")

# Environment variables read by the instance (documented in datasette_config/README.md).
ENVIRONMENT = {
    "OBS_STAFF_PASSWORD_HASH": "hash of the staff password (datasette-auth-passwords)",
    "DATASETTE_SECRET": "signs login cookies; set it so sessions survive a restart",
    "OBS_MAP_TILE_URL": "tile server URL template for the map (default OpenStreetMap)",
    "OBS_PUBLIC_URL": "public base URL used in feed links (default http://127.0.0.1:8001)",
}


# Label names that come from the one taxonomy (store/taxonomy.toml), not from metadata.yaml.
TAXONOMY_LABELS = ("practice_types", "policy_areas", "org_types", "source_kinds")


class PublishError(Exception):
    """A database or configuration Datasette cannot publish; the message names the file."""


def load_metadata(config_dir: Path) -> dict:
    """Metadata, canned queries and plugin configuration from `metadata.yaml`."""
    path = config_dir / "metadata.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PublishError(f"{path}: cannot read Datasette metadata ({exc})") from exc
    if not isinstance(data, dict):
        raise PublishError(f"{path}: metadata must be a mapping")
    labels = data.setdefault("plugins", {}).setdefault("observatory", {}).setdefault("labels", {})
    for section in TAXONOMY_LABELS:
        labels[section] = TAXONOMY.names(section)
    return data


def load_settings(config_dir: Path) -> dict:
    path = config_dir / "settings.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishError(f"{path}: cannot read Datasette settings ({exc})") from exc


def check_database(db_path: Path) -> None:
    """Refuse a file that is not an observatory database at the current schema."""
    if not db_path.is_file():
        raise PublishError(f"{db_path}: database not found")
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise PublishError(f"{db_path}: not a usable SQLite database ({exc})") from exc
    missing = [name for name in ("articles", *REQUIRED_VIEWS) if name not in names]
    if missing:
        raise PublishError(
            f"{db_path}: missing {', '.join(missing)}; open it once with the current version "
            "(e.g. `pipeline.py analyze`) so its migrations run"
        )


OFFLINE_TILES = "/-/obs-tiles/{z}/{x}/{y}.svg"
OFFLINE_ATTRIBUTION = "Confini nazionali: Natural Earth (pubblico dominio)"


def _map_settings(metadata: dict) -> None:
    """The map page's datasette-cluster-map settings: drawn at the top of the page, on the
    configured tile server or, without one, on the offline outlines (publish/basemap.py)."""
    tiles = os.environ.get("OBS_MAP_TILE_URL")
    base = {"tile_layer": tiles or OFFLINE_TILES}
    if not tiles:
        base["tile_layer_options"] = {"maxZoom": 12, "attribution": OFFLINE_ATTRIBUTION}
    metadata.setdefault("plugins", {})["datasette-cluster-map"] = base
    settings = {**base, "container": "#obs-map"}
    table = (metadata.setdefault("databases", {}).setdefault(DATABASE_NAME, {})
             .setdefault("tables", {}).setdefault("map_places", {}))
    table.setdefault("plugins", {})["datasette-cluster-map"] = settings


def make_datasette(db_path: Path, *, config_dir: Path = CONFIG_DIR,
                   public: bool = True) -> Datasette:
    """A Datasette instance serving `db_path` as `osservatorio`, read-only.

    `public=False` is for a trusted machine (e.g. the demo): every visitor is treated as staff.
    """
    db_path = Path(db_path).resolve()
    check_database(db_path)
    metadata = load_metadata(config_dir)
    metadata.setdefault("plugins", {}).setdefault("observatory", {})["public"] = public
    _map_settings(metadata)
    ds = Datasette(
        files=[],
        metadata=metadata,
        settings=load_settings(config_dir),
        template_dir=str(config_dir / "templates"),
        plugins_dir=str(config_dir / "plugins"),
        static_mounts=[("static", str(config_dir / "static"))],
        secret=os.environ.get("DATASETTE_SECRET") or None,
    )
    # Read-only connections (mode=ro), not immutable: the pipeline writes while Datasette reads.
    ds.add_database(Database(ds, path=str(db_path), is_mutable=True), name=DATABASE_NAME)
    return ds


def serve_database(db_path: Path, *, host: str = "127.0.0.1", port: int = 8001,
                   console: Console | None = None, public: bool = True) -> None:
    """Serve the database with uvicorn until interrupted, printing the URL first."""
    import uvicorn

    ds = make_datasette(Path(db_path), public=public)
    asyncio.run(ds.invoke_startup())
    url = f"http://{host}:{port}/{DATABASE_NAME}"
    (console or Console()).print(f"Datasette: [bold]{url}[/]  (Ctrl-C per uscire)")
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")
