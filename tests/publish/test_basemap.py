"""The map's offline base layer: the shipped region and province outlines (ISTAT, CC BY) are
complete and in the right place, and the build script's simplification keeps its promises."""

from __future__ import annotations

import importlib.util
import json
import math
import random

import pytest

from nlp.places import GAZETTEER_DIR, read_tsv
from publish.basemap import ITALY_BASEMAP, ROOT, tile_svg

PLACE_FIELDS = ["kind", "level", "name", "istat", "provincia", "sigla", "regione", "lat", "lon",
                "population", "aliases", "ambiguous"]


def _build_script():
    spec = importlib.util.spec_from_file_location(
        "build_basemap_italy", ROOT / "scripts" / "build_basemap_italy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def outlines() -> dict:
    return json.loads(ITALY_BASEMAP.read_text(encoding="utf-8"))


def _inside(lon: float, lat: float, polygons: list) -> bool:
    """Even-odd rule over every ring of a MultiPolygon."""
    inside = False
    for polygon in polygons:
        for ring in polygon:
            for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
                if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
                    inside = not inside
    return inside


def test_every_region_and_province_is_there_and_the_file_is_small(outlines):
    levels = [f["properties"]["livello"] for f in outlines["features"]]
    assert levels.count("regione") == 20 and levels.count("provincia") == 107
    assert all(f["properties"]["nome"] and f["properties"]["istat"]
               for f in outlines["features"])
    assert ITALY_BASEMAP.stat().st_size < 400_000
    readme = (ITALY_BASEMAP.parent / "README.md").read_text(encoding="utf-8")
    assert "ISTAT" in readme and "CC BY" in readme and "build_basemap_italy.py" in readme


@pytest.mark.parametrize("level,key", [("regione", "regione"), ("provincia", "provincia")])
def test_the_gazetteer_comuni_fall_inside_their_region_and_province(outlines, level, key):
    """Each comune's coordinates (gazetteer, from GeoNames) lie inside the outline of the
    region and the province it belongs to: 400 comuni drawn at random."""
    areas = {f["properties"]["nome"]: f["geometry"]["coordinates"]
             for f in outlines["features"] if f["properties"]["livello"] == level}
    comuni = [r for r in read_tsv(GAZETTEER_DIR / "places.tsv", PLACE_FIELDS)
              if r["level"] == "comune" and r["lat"] and r[key] in areas]
    assert len(comuni) > 5000
    sample = random.Random(15).sample(comuni, 400)
    outside = [r["name"] for r in sample
               if not _inside(float(r["lon"]), float(r["lat"]), areas[r[key]])]
    assert len(outside) <= 12, outside  # coastal and border comuni near a simplified edge


def test_simplification_keeps_the_ends_and_stays_within_tolerance():
    simplify = _build_script().simplify
    rng = random.Random(7)
    line = [(i * 0.01, math.sin(i / 30) * 0.2 + rng.uniform(-0.004, 0.004)) for i in range(300)]
    kept = simplify(line, 0.006)
    assert kept[0] == line[0] and kept[-1] == line[-1] and len(kept) < len(line) / 2
    for x, y in line:  # every point is near the kept polyline
        distances = []
        for (x0, y0), (x1, y1) in zip(kept, kept[1:], strict=False):
            t = max(0.0, min(1.0, ((x - x0) * (x1 - x0) + (y - y0) * (y1 - y0))
                             / (((x1 - x0) ** 2 + (y1 - y0) ** 2) or 1)))
            distances.append(((x0 + t * (x1 - x0) - x) ** 2 + (y0 + t * (y1 - y0) - y) ** 2)
                             ** 0.5)
        assert min(distances) <= 0.006 + 1e-9


def test_a_tile_over_italy_draws_land_and_sea():
    svg = tile_svg(5, 17, 11)  # northern Italy at zoom 5
    assert svg.startswith("<svg") and svg.count("<path") >= 2 and 'fill="#cfe0ea"' in svg
