// The check-in page's scanner: the camera reads the QR code of a badge or a confirmation email,
// the page sends it and shows whom it checked in. The browser's BarcodeDetector decodes where
// it has one; else jsQR, served by this site (static/vendor), loaded only then.
//
// Every scan goes through a queue kept in localStorage, each with an id of its own: while the
// network is down the scans wait, and are sent in order when it is back. The server records a
// scan once by its id (services/attendance/door.py), so a scan sent twice counts once.
(function () {
  "use strict";
  var section = document.getElementById("scan");
  if (!section) return;
  var data = section.dataset;
  var video = document.getElementById("scan-video");
  var view = section.querySelector(".scan-view");
  var result = document.getElementById("scan-result");
  var queueNote = document.getElementById("scan-queue");
  var start = document.getElementById("scan-start");
  var stop = document.getElementById("scan-stop");
  var form = section.querySelector("form.scan-code");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var stream = null;
  var detect = null;
  var lastCode = "";
  var lastTime = 0;
  var sending = false;
  var REPEAT_MS = 4000; // the same code in front of the camera is one scan, not one a frame

  function queue() {
    try {
      return JSON.parse(localStorage.getItem(data.queueKey) || "[]");
    } catch (error) {
      return [];
    }
  }

  function keep(scans) {
    localStorage.setItem(data.queueKey, JSON.stringify(scans));
    queueNote.textContent = scans.length ? data.offline.replace("{n}", scans.length) : "";
  }

  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function show(kind, title, answer) {
    result.className = "scan-result scan-" + kind;
    result.replaceChildren();
    var heading = document.createElement("strong");
    heading.textContent = title;
    result.appendChild(heading);
    if (answer && answer.name) {
      var name = document.createElement("span");
      name.className = "scan-name";
      name.textContent = answer.name;
      result.appendChild(name);
    }
    (answer && answer.details || []).forEach(function (text) {
      var line = document.createElement("span");
      line.className = "meta";
      line.textContent = text;
      result.appendChild(line);
    });
    if (answer && answer.message) {
      var message = document.createElement("span");
      message.textContent = answer.message;
      result.appendChild(message);
    }
    if (kind === "ok" && answer.id) markListed(answer.id, title);
    if (answer && answer.counts) {
      var counts = document.querySelector(".checkin-counts");
      if (counts) counts.textContent = answer.counts;
    }
    if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 80 : [60, 60, 60]);
  }

  // The person's row in the list below, if shown, no longer offers "Check in".
  function markListed(id, title) {
    var item = document.getElementById("reg-" + id);
    var button = item && item.querySelector(".checkin-button");
    if (!button) return;
    var done = document.createElement("span");
    done.className = "present";
    done.textContent = "✓ " + title;
    button.closest("form").replaceWith(done);
  }

  function scanned(code) {
    var scans = queue();
    scans.push({ code: code, client_id: newId(), scanned_at: Date.now() });
    keep(scans);
    send();
  }

  // Sends the queue in order; stops at the first scan the network cannot carry, keeping it.
  function send() {
    if (sending) return;
    var scans = queue();
    if (!scans.length) return;
    sending = true;
    var scan = scans[0];
    fetch(data.scanUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(Object.assign({ csrf_token: csrf }, scan)),
    })
      .then(function (response) {
        if (response.status >= 500) throw new Error("server");
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.redirected || !json) {
          // Signed out, or the page's CSRF token expired: the scan stays queued for the reload.
          show("refused", data.expired);
          throw new Error("expired");
        }
        return response.json().then(function (answer) {
          keep(queue().filter(function (s) { return s.client_id !== scan.client_id; }));
          if (!response.ok) show("refused", data.refused, answer);
          else if (answer.outcome === "checked_in") show("ok", data.checkedIn, answer);
          else show("already", data.already, answer);
        });
      })
      .then(
        function () { sending = false; send(); },
        function () { sending = false; keep(queue()); }
      );
  }

  // Found once, when the page opens: a network drop later must not leave the page without one.
  var decoding = null;

  function decoder() {
    if (!decoding) decoding = findDecoder();
    return decoding;
  }

  function findDecoder() {
    if ("BarcodeDetector" in window) {
      return BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") < 0) throw new Error("no qr_code");
        var detector = new BarcodeDetector({ formats: ["qr_code"] });
        return function (source) {
          return detector.detect(source).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
        };
      }).catch(jsqrDecoder);
    }
    return jsqrDecoder();
  }

  function jsqrDecoder() {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = data.decoderUrl;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    }).then(function () {
      var canvas = document.createElement("canvas");
      var context = canvas.getContext("2d", { willReadFrequently: true });
      return function (source) {
        var width = source.videoWidth, height = source.videoHeight;
        if (!width || !height) return Promise.resolve(null);
        canvas.width = width;
        canvas.height = height;
        context.drawImage(source, 0, 0, width, height);
        var found = window.jsQR(context.getImageData(0, 0, width, height).data, width, height, {
          inversionAttempts: "dontInvert",
        });
        return Promise.resolve(found ? found.data : null);
      };
    });
  }

  function tick() {
    if (!stream) return;
    detect(video).then(function (code) {
      var now = Date.now();
      if (code && (code !== lastCode || now - lastTime > REPEAT_MS)) {
        lastCode = code;
        lastTime = now;
        scanned(code);
      }
    }, function () {}).then(function () { setTimeout(tick, 150); });
  }

  function open() {
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        view.hidden = false;
        start.hidden = true;
        stop.hidden = false;
        return video.play().then(decoder);
      })
      .then(function (found) {
        detect = found;
        show("info", data.scanning);
        tick();
      })
      .catch(function () {
        close();
        show("refused", data.noCamera);
      });
  }

  function close() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    view.hidden = true;
    start.hidden = false;
    stop.hidden = true;
  }

  // A code typed, or typed by a handheld scanner, goes through the same queue.
  form.addEventListener("submit", function (event) {
    var field = form.querySelector("input[name=code]");
    if (!field.value.trim()) return; // the server says what is missing
    event.preventDefault();
    scanned(field.value.trim());
    field.value = "";
  });

  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    decoder().catch(function () { decoding = null; });
    start.hidden = false;
    start.addEventListener("click", open);
    stop.addEventListener("click", close);
  }
  window.addEventListener("online", send);
  setInterval(send, 10000);
  keep(queue());
  send();
})();
