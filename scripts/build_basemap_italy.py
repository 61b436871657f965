"""Build the map's offline region and province outlines of Italy (ISTAT boundaries, CC BY).

Input: the TopoJSON files `limits_IT_regions.topo.json` and `limits_IT_provinces.topo.json` of
openpolis/geojson-italy (ISTAT's generalised administrative boundaries, June 2023, already
simplified to 20% by their authors with mapshaper; CC BY 4.0, data © ISTAT CC BY 3.0 IT).
Output: `datasette_config/static/basemap/italy.geojson`, one Feature per region and province
(`livello`, `nome`, `istat`), longitude/latitude rounded to 3 decimals (~100 m).

The arcs shared by neighbouring areas are simplified once each (Douglas-Peucker, tolerance in
degrees) before the rings are assembled, so neighbours keep one common border and no slivers.

Run: .venv/bin/python scripts/build_basemap_italy.py REGIONS.topo.json PROVINCES.topo.json
     [--tolerance 0.006]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publish.basemap import ITALY_BASEMAP, _decode_arcs  # noqa: E402

Point = tuple[float, float]


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker on a polyline; the two ends are always kept."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x0, y0), (x1, y1) = points[first], points[last]
        dx, dy = x1 - x0, y1 - y0
        norm = (dx * dx + dy * dy) ** 0.5
        worst, index = 0.0, 0
        for k in range(first + 1, last):
            px, py = points[k]
            distance = (abs(dy * px - dx * py + x1 * y0 - y1 * x0) / norm if norm
                        else ((px - x0) ** 2 + (py - y0) ** 2) ** 0.5)
            if distance > worst:
                worst, index = distance, k
        if worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _ring(arcs: list[list[Point]], indexes: list[int]) -> list[list[float]]:
    ring: list[Point] = []
    for index in indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points if not ring else points[1:])
    out: list[list[float]] = []
    for x, y in ring:
        point = [round(x, 3), round(y, 3)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def features(topology: dict, level: str, tolerance: float) -> list[dict]:
    """One Feature per area of the topology's only object, its shared arcs simplified once."""
    arcs = [simplify(arc, tolerance) for arc in _decode_arcs(topology)]
    (layer,) = topology["objects"].values()
    out = []
    for geometry in layer["geometries"]:
        props = geometry["properties"]
        name = props["prov_name"] if level == "provincia" else props["reg_name"]
        code = props["prov_istat_code"] if level == "provincia" else props["reg_istat_code"]
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        rings = [[_ring(arcs, ring) for ring in polygon] for polygon in polygons]
        rings = [[r for r in polygon if len(r) >= 4] for polygon in rings]
        out.append({"type": "Feature",
                    "properties": {"livello": level, "nome": name, "istat": code},
                    "geometry": {"type": "MultiPolygon",
                                 "coordinates": [p for p in rings if p]}})
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("regions", type=Path)
    parser.add_argument("provinces", type=Path)
    parser.add_argument("--tolerance", type=float, default=0.006,
                        help="Douglas-Peucker tolerance in degrees (default 0.006, ~500 m)")
    parser.add_argument("--out", type=Path, default=ITALY_BASEMAP)
    args = parser.parse_args(argv)
    collection = {"type": "FeatureCollection", "features": [
        *features(json.loads(args.provinces.read_text(encoding="utf-8")), "provincia",
                  args.tolerance),
        *features(json.loads(args.regions.read_text(encoding="utf-8")), "regione",
                  args.tolerance)]}
    args.out.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")),
                        encoding="utf-8")
    levels = [f["properties"]["livello"] for f in collection["features"]]
    points = sum(len(r) for f in collection["features"]
                 for p in f["geometry"]["coordinates"] for r in p)
    print(f"{args.out}: {levels.count('regione')} regions, {levels.count('provincia')} "
          f"provinces, {points:,} points, {args.out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
