// Map page: keep clusters off the map's edges. datasette-cluster-map fits the map to its
// markers exactly; once its Leaflet has loaded, every fitBounds gets a margin.
(function () {
  let tries = 0;
  const timer = setInterval(() => {
    tries += 1;
    if (window.L && window.L.Map && !window.L.Map.prototype._obsPadded) {
      const fit = window.L.Map.prototype.fitBounds;
      window.L.Map.prototype.fitBounds = function (bounds, options) {
        return fit.call(this, bounds, Object.assign({ padding: [40, 40] }, options || {}));
      };
      window.L.Map.prototype._obsPadded = true;
    }
    if ((window.L && window.L.Map && window.L.Map.prototype._obsPadded) || tries > 400) {
      clearInterval(timer);
    }
  }, 10);
})();
