/* A Voila page is alive only while its kernel is: once the kernel is gone (culled after the page
   sat idle, the server restarted, the kernel died and was restarted without the page's state) the
   buttons silently do nothing. Watch the kernel's websocket and say so, in Chinese.
   Loaded in <head>, before Voila's own script opens any socket. */
(function () {
  "use strict";
  var NativeWebSocket = window.WebSocket;
  var KERNEL_CHANNELS = /\/api\/kernels\/[^/?]+\/channels/;
  var GONE_STATE = /"execution_state"\s*:\s*"(restarting|autorestarting|dead)"/;
  var GRACE_MS = 4000; // a short network blip reconnects within this; a culled kernel never does
  var unloading = false;
  var lostTimer = null;
  var decoder = window.TextDecoder ? new TextDecoder("utf-8") : null;

  window.addEventListener("beforeunload", function () { unloading = true; });

  function showLost() {
    if (unloading || document.getElementById("ql-lost") || !document.body) {
      return;
    }
    var bar = document.createElement("div");
    bar.id = "ql-lost";
    bar.setAttribute("role", "alert");
    bar.appendChild(document.createTextNode("页面已失效，请刷新。"));
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "刷新";
    button.addEventListener("click", function () { window.location.reload(); });
    bar.appendChild(button);
    document.body.appendChild(bar);
    document.body.classList.add("ql-lost-shown");
  }

  function textOf(data) {
    if (typeof data === "string") {
      return data;
    }
    if (decoder && data instanceof ArrayBuffer) {
      return decoder.decode(data);
    }
    return "";
  }

  function watch(socket) {
    socket.addEventListener("open", function () {
      if (lostTimer !== null) {
        clearTimeout(lostTimer);
        lostTimer = null;
      }
    });
    socket.addEventListener("close", function () {
      if (!unloading && lostTimer === null && !document.getElementById("ql-lost")) {
        lostTimer = setTimeout(showLost, GRACE_MS);
      }
    });
    socket.addEventListener("message", function (event) {
      // a restarted kernel has none of the page's widgets: the page cannot recover
      var text = textOf(event.data);
      if (text.indexOf('"status"') !== -1 && GONE_STATE.test(text)) {
        showLost();
      }
    });
  }

  // A culled kernel does not always close the page's socket (and a page whose kernel was culled
  // before it connected has no socket at all): ask the server whether the kernel still exists,
  // once a minute and whenever the reader comes back to the page or acts on it.
  var CHECK_EVERY_MS = 60000;
  var CHECK_AT_MOST_EVERY_MS = 3000;
  var lastCheck = 0;
  function kernelUrl() {
    var config = document.getElementById("jupyter-config-data");
    if (!config) {
      return null;
    }
    try {
      var data = JSON.parse(config.textContent || "{}");
      return data.kernelId ? (data.baseUrl || "/") + "api/kernels/" + encodeURIComponent(data.kernelId) : null;
    } catch (error) {
      return null;
    }
  }
  function checkKernel() {
    var now = Date.now();
    var url = kernelUrl();
    if (unloading || url === null || now - lastCheck < CHECK_AT_MOST_EVERY_MS || document.getElementById("ql-lost")) {
      return;
    }
    lastCheck = now;
    fetch(url + "?" + now, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (response.status === 404) {
        showLost();
      }
    }).catch(function () { /* the server is unreachable: the socket's close says so */ });
  }
  window.addEventListener("load", function () {
    setTimeout(checkKernel, 1000);
    setInterval(checkKernel, CHECK_EVERY_MS);
  });
  ["pointerdown", "keydown", "focus"].forEach(function (name) {
    window.addEventListener(name, checkKernel, true);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      checkKernel();
    }
  });

  function WatchedWebSocket(url, protocols) {
    var socket = protocols === undefined ? new NativeWebSocket(url) : new NativeWebSocket(url, protocols);
    if (KERNEL_CHANNELS.test(String(url))) {
      watch(socket);
    }
    return socket;
  }
  WatchedWebSocket.prototype = NativeWebSocket.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (name) {
    WatchedWebSocket[name] = NativeWebSocket[name];
  });
  window.WebSocket = WatchedWebSocket;

  // A page's kernel may have started before anyone asked for the page (a pre-started pool), so it
  // cannot know the address it is read at: it leaves an empty link marked .ql-this-page, filled here.
  var thisPage = document.getElementsByClassName("ql-this-page"); // live: costs nothing to re-read
  function fillThisPage() {
    var here = window.location.origin + window.location.pathname;
    Array.prototype.forEach.call(thisPage, function (link) {
      if (link.textContent !== here) {
        link.textContent = here;
        link.setAttribute("href", here);
      }
    });
  }
  new MutationObserver(fillThisPage).observe(document.documentElement, { childList: true, subtree: true });


  // A pre-run page's first view arrives as plain HTML (grader/pages/snapshot.py) so the reader sees
  // it at once. It stays until the live widget named by its data-root is drawn in the same cell, and
  // is shown even while Voila still hides the cells (the widget scripts take seconds to load).
  function liveView(snapshot) {
    var cell = snapshot.closest("[cell-index]") || document;
    var root = (snapshot.getAttribute("data-root") || "").trim().split(/\s+/).filter(Boolean);
    var selector = ".jp-OutputArea-output .jupyter-widgets" + root.map(function (name) {
      return "." + (window.CSS && CSS.escape ? CSS.escape(name) : name);
    }).join("");
    return cell.querySelector(selector);
  }
  function tidySnapshots() {
    var snapshots = document.querySelectorAll(".ql-snapshot");
    for (var i = 0; i < snapshots.length; i++) {
      var snapshot = snapshots[i];
      if (liveView(snapshot)) {
        snapshot.parentNode.removeChild(snapshot);
        continue;
      }
      if (!snapshot.parentNode || snapshot.parentNode.id === "ql-snapshots") {
        continue;
      }
      var shelf = document.getElementById("ql-snapshots");
      var cells = document.getElementById("rendered_cells");
      if (cells && cells.style.display === "none") {  // Voila shows its cells only once its theme loaded
        if (!shelf) {
          shelf = document.createElement("div");
          shelf.id = "ql-snapshots";
          cells.parentNode.insertBefore(shelf, cells);
        }
        snapshot.setAttribute("data-cell", (snapshot.closest("[cell-index]") || cells).getAttribute("cell-index") || "");
        shelf.appendChild(snapshot);
      }
    }
    var shelved = document.getElementById("ql-snapshots");
    if (shelved) {
      var cellsShown = document.getElementById("rendered_cells");
      if (cellsShown && cellsShown.style.display !== "none") {
        // the cells are visible now: each snapshot goes back to its cell until its widget is drawn
        while (shelved.firstChild) {
          var item = shelved.firstChild;
          var home = cellsShown.querySelector('[cell-index="' + item.getAttribute("data-cell") + '"]') || cellsShown;
          home.insertBefore(item, home.firstChild);
        }
        shelved.parentNode.removeChild(shelved);
      }
    }
    var loading = document.getElementById("loading");
    if (loading) {
      loading.classList.toggle("ql-behind-snapshot", document.querySelector(".ql-snapshot") !== null);
    }
  }
  new MutationObserver(tidySnapshots).observe(document.documentElement,
    { childList: true, subtree: true, attributes: true, attributeFilter: ["style"] });

  // Voila's loading line is English ("Running …", "Executing 2 of 5"): say it in Chinese.
  var translating = false;
  function translateLoading() {
    var line = document.getElementById("loading_text");
    if (!line || translating) {
      return;
    }
    translating = true;
    var fix = function () {
      var text = line.textContent || "";
      var step = /(?:Executing|Reading) (\d+) of (\d+)/.exec(text);
      var wanted = step ? "正在加载（" + step[1] + "/" + step[2] + "）…" : (/^Running /.test(text) ? "正在加载…" : null);
      if (wanted !== null && wanted !== text) {
        line.textContent = wanted;
      }
    };
    fix();
    new MutationObserver(fix).observe(line, { childList: true, characterData: true, subtree: true });
  }
  // #loading_text is in the body, which is parsed after this script: try as soon as it exists
  var early = new MutationObserver(function () {
    if (document.getElementById("loading_text")) {
      early.disconnect();
      translateLoading();
    }
  });
  early.observe(document.documentElement, { childList: true, subtree: true });
})();
