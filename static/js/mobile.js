/* The crew's phone pages (tickets.views.mobile): the arrival's location when the user allows it (never required:
   without an answer in a few seconds the form is sent without it), and the service worker that shows the offline
   page. The deadlines count down with the queue's own static/js/countdown.js. */
(function () {
  "use strict";

  var script = document.currentScript;
  function geolocate(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.located || !navigator.geolocation) return;
      event.preventDefault();
      var sent = false;
      function send() {
        if (sent) return;
        sent = true;
        form.dataset.located = "1";
        form.submit();
      }
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      var timer = setTimeout(send, 8000);
      navigator.geolocation.getCurrentPosition(function (position) {
        var c = position.coords;
        form.querySelector("[data-geo-latitude]").value = c.latitude;
        form.querySelector("[data-geo-longitude]").value = c.longitude;
        form.querySelector("[data-geo-accuracy]").value = c.accuracy;
        clearTimeout(timer);
        send();
      }, function () {
        clearTimeout(timer);
        send();
      }, {enableHighAccuracy: true, timeout: 7000, maximumAge: 60000});
    });
  }

  function start() {
    var forms = document.querySelectorAll("form[data-geolocate]");
    for (var i = 0; i < forms.length; i++) geolocate(forms[i]);
    if ("serviceWorker" in navigator && script && script.dataset.sw) {
      navigator.serviceWorker.register(script.dataset.sw, {scope: script.dataset.scope}).catch(function () {});
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
