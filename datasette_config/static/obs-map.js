// Map page, once datasette-cluster-map's Leaflet has loaded:
// - keep clusters off the map's edges: the plugin fits the map to its markers exactly, so every
//   fitBounds gets a margin;
// - offline base layer: without a tile server the map container names the outlines of Italy's
//   regions and provinces (data-basemap, static/basemap/italy.geojson, ISTAT CC BY), drawn as
//   non-interactive paths under the markers. The plugin may create its map before this script
//   sees Leaflet, so the outlines are added on the map's first fitBounds as well as at creation.
(function () {
  function addOutlines(map) {
    const holder = map.getContainer().closest("[data-basemap]");
    if (!holder || map._obsOutlines) return;
    map._obsOutlines = true;
    fetch(holder.dataset.basemap).then((response) => response.json()).then((data) => {
      const outlines = window.L.geoJSON(data, {
        interactive: false,
        attribution: holder.dataset.basemapAttribution || "",
        style: (feature) => feature.properties.livello === "regione"
          ? { className: "obs-regione", color: "#5d5d55", weight: 1.4, fill: false }
          : { className: "obs-provincia", color: "#a5a59a", weight: 0.6,
              fillColor: "#fbfaf5", fillOpacity: 1 },
      });
      outlines.addTo(map);
      outlines.bringToBack();
    });
  }

  function patch(L) {
    const fit = L.Map.prototype.fitBounds;
    L.Map.prototype.fitBounds = function (bounds, options) {
      addOutlines(this);
      return fit.call(this, bounds, Object.assign({ padding: [40, 40] }, options || {}));
    };
    L.Map.addInitHook(function () { addOutlines(this); });
    L.Map.prototype._obsPatched = true;
  }

  let tries = 0;
  const timer = setInterval(() => {
    tries += 1;
    if (window.L && window.L.Map && !window.L.Map.prototype._obsPatched) patch(window.L);
    if ((window.L && window.L.Map && window.L.Map.prototype._obsPatched) || tries > 400) {
      clearInterval(timer);
    }
  }, 10);
})();
