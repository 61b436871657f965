"""An offline base layer for the map: country outlines drawn as SVG map tiles.

When no tile server is configured (`OBS_MAP_TILE_URL`), datasette-cluster-map's Leaflet map
asks `/-/obs-tiles/{z}/{x}/{y}.svg`: each tile is drawn here, in Web Mercator, from
`datasette_config/static/basemap/countries.geojson` (Italy and its neighbours from Natural
Earth, public domain; see the README beside it). `python -m publish.basemap TOPOJSON` rebuilds
that file from world-atlas's `countries-50m.json` (npm package world-atlas). Region and
province outlines (ISTAT, CC BY) are drawn over the tiles by the browser from `ITALY_BASEMAP`
(built by `scripts/build_basemap_italy.py`).
"""

from __future__ import annotations

import json
import math
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASEMAP = ROOT / "datasette_config" / "static" / "basemap" / "countries.geojson"
ITALY_BASEMAP = BASEMAP.with_name("italy.geojson")  # scripts/build_basemap_italy.py
COUNTRIES = ["Italy", "San Marino", "Vatican", "France", "Switzerland", "Austria", "Slovenia",
             "Croatia", "Malta", "Monaco", "Liechtenstein", "Germany", "Hungary",
             "Bosnia and Herz.", "Montenegro", "Albania", "Tunisia", "Algeria", "Greece",
             "Serbia", "Spain", "Czechia", "Slovakia"]
HOME = "Italy"
TILE = 256


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((round(x * sx + tx, 4), round(y * sy + ty, 4)))
        arcs.append(points)
    return arcs


def _ring(arcs: list, indexes: list[int]) -> list[tuple[float, float]]:
    ring: list[tuple[float, float]] = []
    for index in indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points if not ring else points[1:])
    return ring


def topojson_countries(topology: dict, names: list[str]) -> dict:
    """A GeoJSON FeatureCollection of the named countries of a world-atlas topology."""
    arcs = _decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name")
        if name not in names:
            continue
        polygons = ([geometry["arcs"]] if geometry["type"] == "Polygon"
                    else geometry["arcs"])
        features.append({"type": "Feature", "properties": {"name": name},
                         "geometry": {"type": "MultiPolygon", "coordinates": [
                             [_ring(arcs, ring) for ring in polygon] for polygon in polygons]}})
    return {"type": "FeatureCollection", "features": features}


def mercator(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Pixel coordinates of a point at a zoom level (Web Mercator, 256-pixel tiles)."""
    scale = TILE * 2 ** zoom
    lat = max(min(lat, 85.0511), -85.0511)
    x = (lon + 180) / 360 * scale
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat)))
         / math.pi) / 2 * scale
    return x, y


@lru_cache(maxsize=1)
def _features() -> list[tuple[str, list[list[list[tuple[float, float]]]], tuple]]:
    data = json.loads(BASEMAP.read_text(encoding="utf-8"))
    out = []
    for feature in data["features"]:
        polygons = feature["geometry"]["coordinates"]
        lons = [p[0] for poly in polygons for ring in poly for p in ring]
        lats = [p[1] for poly in polygons for ring in poly for p in ring]
        out.append((feature["properties"]["name"], polygons,
                    (min(lons), min(lats), max(lons), max(lats))))
    return out


def _tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    n = 2 ** z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


@lru_cache(maxsize=2048)
def tile_svg(z: int, x: int, y: int) -> str:
    """One 256×256 tile: sea, the neighbours' land in grey, Italy lighter, all outlined."""
    west, south, east, north = _tile_bounds(z, x, y)
    ox, oy = x * TILE, y * TILE
    paths = []
    for name, polygons, (x0, y0, x1, y1) in _features():
        if x1 < west or x0 > east or y1 < south or y0 > north:
            continue
        d = []
        for polygon in polygons:
            for ring in polygon:
                points = [mercator(lon, lat, z) for lon, lat in ring]
                d.append("M" + "L".join(f"{px - ox:.1f},{py - oy:.1f}" for px, py in points)
                         + "Z")
        fill = "#fbfaf5" if name == HOME else "#e4e2da"
        paths.append(f'<path fill="{fill}" stroke="#8a8a80" stroke-width="0.8" '
                     f'fill-rule="evenodd" d="{"".join(d)}"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{TILE}" height="{TILE}" '
            f'viewBox="0 0 {TILE} {TILE}"><rect width="{TILE}" height="{TILE}" '
            f'fill="#cfe0ea"/>{"".join(paths)}</svg>')


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m publish.basemap path/to/world-atlas/countries-50m.json")
        return 2
    topology = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    BASEMAP.parent.mkdir(parents=True, exist_ok=True)
    BASEMAP.write_text(json.dumps(topojson_countries(topology, COUNTRIES),
                                  separators=(",", ":")), encoding="utf-8")
    print(f"{BASEMAP}: {BASEMAP.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
