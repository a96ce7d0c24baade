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
