// The exam room's only script (hand-written, no build step, nothing fetched from elsewhere).
// The server holds every state; this page keeps unacknowledged answers in localStorage and resends
// them with back-off until the server says 已保存, so a reload, a lost network or a restarted room
// loses nothing.
"use strict";

(function () {
  const body = document.body;
  const base = body.dataset.base || "/";

  function xsrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function call(method, path, data) {
    const options = {method, credentials: "same-origin", headers: {"X-XSRFToken": xsrfToken(), "X-Qinglian": "1"}};
    if (data !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(data);
    }
    const response = await fetch(base + path, options);
    let payload = null;
    try {
      payload = await response.json();
    } catch (error) {
      payload = null;
    }
    // a busy room answers 503 with Retry-After (seconds): whoever retries waits at least that long
    const retryAfter = Number(response.headers.get("Retry-After"));
    return {status: response.status, data: payload, retryAfterMs: retryAfter > 0 ? retryAfter * 1000 : 0};
  }

  // a retry's delay: the back-off or the server's Retry-After, whichever is longer, spread by up to
  // half again so that candidates told to wait together do not all come back together
  function retryDelay(backoffMs, outcome) {
    const base = Math.max(backoffMs, outcome ? outcome.retryAfterMs || 0 : 0);
    return base + Math.random() * base / 2;
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function load(key, fallback) {
    try {
      const text = localStorage.getItem(key);
      return text ? JSON.parse(text) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  function store(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      // storage full or refused: the server copy is still the truth
    }
  }

  function two(n) {
    return String(n).padStart(2, "0");
  }

  function clockText(ms) {
    const seconds = Math.ceil(ms / 1000);
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    return (h > 0 ? h + ":" + two(m) : two(m)) + ":" + two(s);
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  if (body.dataset.page === "signin") {
    const form = document.querySelector("form.signin");
    form.addEventListener("submit", function () {
      document.getElementById("enter").disabled = true;
    });
  } else if (body.dataset.page === "exam") {
    exam();
  } else if (body.dataset.page === "proctor") {
    proctor();
  }

  function exam() {
    const attempt = body.dataset.attempt;
    const keys = {pending: "ql-pending-" + attempt, started: "ql-started-" + attempt, current: "ql-current-" + attempt};
    const articles = Array.from(document.querySelectorAll("article.item"));
    const byPosition = {};
    articles.forEach(function (a) { byPosition[a.dataset.position] = a; });
    const navButtons = Array.from(document.querySelectorAll("#nav button"));
    const clock = document.getElementById("clock");
    const submitButton = document.getElementById("submit");
    const offline = document.getElementById("offline");
    const confirm = document.getElementById("confirm");
    const confirmSubmit = document.getElementById("confirm-submit");
    let pending = load(keys.pending, {}); // position -> {value, rev}: changes the server has not acknowledged
    let marks = articles.filter(function (a) { return a.dataset.marked === "yes"; })
      .map(function (a) { return Number(a.dataset.number); });
    let revision = Date.now();
    const timers = {};
    const inFlight = {};
    const backoff = {};
    let deadline = performance.now() + Number(body.dataset.remainingMs || 0);
    let closed = body.dataset.submitted === "yes";
    let current = 1;

    ["copy", "cut", "paste", "contextmenu", "dragstart", "drop"].forEach(function (name) {
      document.addEventListener(name, function (event) { event.preventDefault(); });
    });
    if (closed) {
      clearLocal();
      return;
    }

    function valueOf(article) {
      const type = article.dataset.type;
      if (type === "single" || type === "truefalse") {
        const checked = article.querySelector("input:checked");
        return checked ? checked.value : "";
      }
      if (type === "multiple") {
        return Array.from(article.querySelectorAll("input:checked")).map(function (i) { return i.value; }).sort().join("");
      }
      return article.querySelector("input[type=text], textarea").value;
    }

    function setValue(article, value) {
      const type = article.dataset.type;
      if (type === "single" || type === "truefalse" || type === "multiple") {
        article.querySelectorAll("input").forEach(function (i) { i.checked = value.indexOf(i.value) >= 0; });
      } else {
        article.querySelector("input[type=text], textarea").value = value;
      }
    }

    function status(article, kind, text) {
      const node = article.querySelector(".save-status");
      node.className = "save-status " + kind;
      node.textContent = {saving: "保存中…", saved: "已保存 " + text, retry: "未保存，正在重试",
        refused: "未保存：" + text}[kind];
    }

    function refreshNav() {
      let answered = 0;
      navButtons.forEach(function (button) {
        const number = Number(button.dataset.number);
        const article = articles[number - 1];
        const isAnswered = valueOf(article).trim() !== "";
        answered += isAnswered ? 1 : 0;
        button.classList.toggle("answered", isAnswered);
        button.classList.toggle("current", number === current);
        button.classList.toggle("marked", marks.indexOf(number) >= 0);
        const mark = article.querySelector(".mark");
        mark.classList.toggle("on", marks.indexOf(number) >= 0);
        mark.textContent = marks.indexOf(number) >= 0 ? "取消标记" : "标记";
      });
      document.getElementById("progress").textContent = "已答 " + answered + " / " + articles.length + " 题";
    }

    function show(number) {
      current = Math.min(Math.max(1, number), articles.length);
      articles.forEach(function (a, index) { a.hidden = index + 1 !== current; });
      store(keys.current, current);
      refreshNav();
    }

    function changed(article) {
      if (closed) return;
      const position = article.dataset.position;
      revision += 1;
      pending[position] = {value: valueOf(article), rev: revision};
      store(keys.pending, pending);
      status(article, "saving");
      refreshNav();
      const typed = article.dataset.type === "fill" || article.dataset.type === "essay";
      schedule(position, typed ? 800 : 0);
    }

    function schedule(position, delay) {
      clearTimeout(timers[position]);
      timers[position] = setTimeout(function () { send(position); }, delay);
    }

    async function send(position) {
      const entry = pending[position];
      if (!entry || inFlight[position] || closed) return;
      inFlight[position] = true;
      let outcome = null;
      try {
        outcome = await call("POST", "api/answer", {position: Number(position), value: entry.value});
      } catch (error) {
        outcome = null; // offline, or the room is restarting
      }
      inFlight[position] = false;
      const article = byPosition[position];
      if (outcome && outcome.status === 200 && outcome.data) {
        acknowledged(position, entry, outcome.data);
        return;
      }
      if (outcome && outcome.status === 401) {
        sessionLost();
        return;
      }
      status(article, "retry");
      showOffline(true);
      backoff[position] = Math.min(30000, (backoff[position] || 500) * 2);
      schedule(position, retryDelay(backoff[position], outcome));
    }

    function acknowledged(position, entry, data) {
      const article = byPosition[position];
      backoff[position] = 0;
      if (typeof data.remaining_ms === "number") anchor(data.remaining_ms);
      const newer = pending[position] && pending[position].rev !== entry.rev;
      if (!newer) {
        delete pending[position];
        store(keys.pending, pending);
      }
      if (!data.saved) {
        delete pending[position];
        store(keys.pending, pending);
        status(article, "refused", data.reason);
        if (data.closed) timeUp("未保存：" + data.reason);
        return;
      }
      if (newer) {
        send(position);
      } else {
        status(article, "saved", data.saved_at);
      }
      showOffline(false);
    }

    function showOffline(down) {
      const waiting = Object.keys(pending).length;
      if (down) {
        offline.className = "message error banner";
        offline.textContent = "网络中断或服务器暂时无法连接：" + waiting + " 题的答案暂存在本机，恢复后自动补发，请勿关闭页面。";
        offline.hidden = false;
      } else if (!offline.hidden && waiting === 0) {
        offline.className = "message info banner";
        offline.textContent = "网络已恢复，答案已全部保存。";
        setTimeout(function () { if (Object.keys(pending).length === 0) offline.hidden = true; }, 8000);
      }
    }

    function anchor(remainingMs) {
      deadline = performance.now() + remainingMs;
    }

    function tick() {
      if (closed) return;
      const left = Math.max(0, deadline - performance.now());
      clock.textContent = clockText(left);
      clock.dataset.leftMs = String(Math.round(left));
      clock.classList.toggle("low", left < 5 * 60 * 1000);
      if (left <= 0) timeUp("");
    }

    // The attempt is over (time, a refused save past the deadline, the switch limit): hand it in.
    // The server stamps it with its own clock; retried until the server answers.
    let finishing = false;
    async function timeUp(note) {
      if (finishing) return;
      finishing = true;
      lockInputs();
      submitButton.disabled = true;
      offline.className = "message info banner";
      offline.textContent = note ? note + "。正在交卷…" : "考试时间到，正在交卷…";
      offline.hidden = false;
      await flush(5000);
      const done = note ? note + "。已交卷。" : "考试时间已到，已自动交卷。";
      while (!closed && !(await submitNow(done))) {
        await new Promise(function (resolve) { setTimeout(resolve, 5000); });
      }
    }

    function lockInputs() {
      document.querySelectorAll("article.item input, article.item textarea").forEach(function (i) { i.disabled = true; });
    }

    async function flush(limitMs) {
      const until = performance.now() + limitMs;
      while (Object.keys(pending).length && performance.now() < until) {
        Object.keys(pending).forEach(function (position) {
          if (!inFlight[position]) {
            clearTimeout(timers[position]);
            send(position);
          }
        });
        await new Promise(function (resolve) { setTimeout(resolve, 250); });
      }
      return Object.keys(pending).length === 0;
    }

    async function submitNow(note) {
      let outcome = null;
      for (let tries = 0; tries < 10; tries += 1) {
        try {
          outcome = await call("POST", "api/submit", {});
        } catch (error) {
          outcome = null;
        }
        if (!outcome || outcome.status !== 503) break;
        await sleep(retryDelay(2000, outcome)); // the room is busy: nothing was handed in yet, ask again
      }
      if (outcome && outcome.status === 200 && outcome.data && outcome.data.submitted) {
        finish(outcome.data, note);
        return true;
      }
      if (outcome && outcome.status === 401) sessionLost();
      return false;
    }

    function finish(data, note) {
      closed = true;
      lockInputs();
      clearLocal();
      confirm.hidden = true;
      submitButton.hidden = true;
      clock.parentNode.hidden = true;
      offline.className = "message info banner";
      offline.textContent = note || "";
      offline.hidden = !note;
      document.getElementById("paper").hidden = true;
      document.getElementById("briefing").hidden = true;
      renderResult(document.getElementById("result"), data);
    }

    function renderResult(section, data) {
      section.textContent = "";
      section.appendChild(element("h2", "", "已交卷"));
      section.appendChild(element("p", "", "交卷时间：" + data.submitted_text)).id = "submitted-at";
      const result = data.result;
      if (result) {
        const line = element("p", "", "客观题得分：");
        const score = element("span", "score", result.score_text);
        score.id = "score";
        line.appendChild(score);
        line.appendChild(document.createTextNode(" 分（满分 " + result.total_text + " 分" +
          (result.pass_mark_text ? "，" + result.pass_mark_text + " 分及格" : "") + "）"));
        section.appendChild(line);
        if (result.passed !== null && result.passed !== undefined) {
          const verdict = element("p", result.passed ? "passed" : "failed", result.passed ? "通过" : "未通过");
          verdict.id = "verdict";
          section.appendChild(verdict);
        }
        if (result.note) section.appendChild(element("p", "", result.note));
      } else {
        section.appendChild(element("p", "", "成绩由考试组织者另行公布。"));
      }
      section.appendChild(document.getElementById("signout-form").content.cloneNode(true));
      section.hidden = false;
    }

    function sessionLost() {
      closed = true;
      offline.className = "message error banner";
      offline.textContent = "登录已失效，请重新进入考场（已保存的答案不会丢失）。";
      offline.hidden = false;
      setTimeout(function () { location.href = base; }, 3000);
    }

    function clearLocal() {
      Object.keys(keys).forEach(function (k) { localStorage.removeItem(keys[k]); });
    }

    function openConfirm() {
      const unanswered = articles.filter(function (a) { return valueOf(a).trim() === ""; })
        .map(function (a) { return a.dataset.number; });
      document.getElementById("confirm-unanswered").textContent = unanswered.length
        ? "还有 " + unanswered.length + " 题未作答：第 " + unanswered.join("、") + " 题。" : "全部题目已作答。";
      const sorted = marks.slice().sort(function (a, b) { return a - b; });
      document.getElementById("confirm-marked").textContent = sorted.length
        ? "已标记 " + sorted.length + " 题：第 " + sorted.join("、") + " 题。" : "没有标记的题目。";
      document.getElementById("confirm-pending").hidden = true;
      confirmSubmit.disabled = false;
      confirmSubmit.textContent = "确认交卷";
      confirm.hidden = false;
    }

    async function confirmed() {
      confirmSubmit.disabled = true;
      submitButton.disabled = true;
      confirmSubmit.textContent = "正在交卷…";
      const warning = document.getElementById("confirm-pending");
      if (!(await flush(10000))) {
        warning.textContent = "还有答案没有保存到服务器（网络中断？），恢复后再交卷。";
        warning.hidden = false;
        confirmSubmit.disabled = false;
        submitButton.disabled = false;
        confirmSubmit.textContent = "确认交卷";
        return;
      }
      if (!(await submitNow("")) && !closed) {
        warning.textContent = "交卷没有成功（网络中断？），请稍后再试。";
        warning.hidden = false;
        confirmSubmit.disabled = false;
        submitButton.disabled = false;
        confirmSubmit.textContent = "确认交卷";
      }
    }

    function sendMark(position, marked, tries) {
      // a mark is not an answer: a few retries, then it stays on this page only
      call("POST", "api/mark", {position: position, marked: marked}).then(function (outcome) {
        if (outcome.status >= 500 && tries < 5) {
          setTimeout(function () { sendMark(position, marked, tries + 1); }, retryDelay(2000, outcome));
        }
      }).catch(function () {
        if (tries < 5) setTimeout(function () { sendMark(position, marked, tries + 1); }, 2000 * (tries + 1));
      });
    }

    let away = false;
    function left(kind) {
      if (away || closed) return;
      away = true;
      call("POST", "api/event", {kind: kind}).then(function (outcome) {
        if (outcome.status === 200 && outcome.data && outcome.data.closed) timeUp(outcome.data.reason);
      }).catch(function () { /* offline: the save queue tells the candidate */ });
    }
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") left("hidden");
      else away = false;
    });
    window.addEventListener("blur", function () { left("blur"); });
    window.addEventListener("focus", function () { away = false; });

    articles.forEach(function (article) {
      article.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (input) {
        input.addEventListener("change", function () { changed(article); });
      });
      const field = article.querySelector("input[type=text], textarea");
      if (field) {
        field.addEventListener("input", function (event) { if (!event.isComposing) changed(article); });
        field.addEventListener("compositionend", function () { changed(article); });
      }
      article.querySelector(".mark").addEventListener("click", function () {
        const number = Number(article.dataset.number);
        const marked = marks.indexOf(number) < 0;
        marks = marked ? marks.concat([number]) : marks.filter(function (n) { return n !== number; });
        refreshNav();
        sendMark(Number(article.dataset.position), marked, 0);
      });
      article.querySelector(".previous").addEventListener("click", function () { show(current - 1); });
      article.querySelector(".next").addEventListener("click", function () { show(current + 1); });
    });
    navButtons.forEach(function (button) {
      button.addEventListener("click", function () { show(Number(button.dataset.number)); });
    });
    document.getElementById("start").addEventListener("click", function () {
      store(keys.started, true);
      document.getElementById("briefing").hidden = true;
      document.getElementById("paper").hidden = false;
      submitButton.disabled = false;
      show(current);
    });
    submitButton.addEventListener("click", openConfirm);
    document.getElementById("cancel").addEventListener("click", function () { confirm.hidden = true; });
    confirmSubmit.addEventListener("click", confirmed);
    window.addEventListener("online", function () {
      Object.keys(pending).forEach(function (position) { backoff[position] = 0; schedule(position, 0); });
    });

    // Resume: the page shows what the server holds; changes it never acknowledged are put back and resent.
    Object.keys(pending).forEach(function (position) {
      const article = byPosition[position];
      if (!article) {
        delete pending[position];
        return;
      }
      setValue(article, pending[position].value);
      status(article, "saving");
      schedule(position, 0);
    });
    current = Number(load(keys.current, 1)) || 1;
    if (load(keys.started, false)) {
      document.getElementById("start").click();
    } else {
      refreshNav();
    }
    tick();
    setInterval(tick, 250);
  }

  function proctor() {
    const table = document.getElementById("seats");
    const sitting = body.dataset.sitting;
    const dialog = document.getElementById("action-dialog");
    const form = document.getElementById("action-form");
    const names = {unlock: "解锁", extend: "延长时间", force_submit: "强制交卷", reopen: "重新开放"};

    async function refresh() {
      let outcome = null;
      try {
        outcome = await call("GET", "api/proctor/seats?sitting=" + encodeURIComponent(sitting));
      } catch (error) {
        outcome = null;
      }
      const note = document.getElementById("proctor-status");
      if (!outcome || outcome.status !== 200 || !outcome.data) {
        note.textContent = "无法刷新（" + (outcome ? outcome.status : "网络中断") + "），稍后重试";
        return;
      }
      note.textContent = "更新于 " + outcome.data.now_text;
      render(outcome.data);
    }

    function render(data) {
      const summary = document.getElementById("summary");
      summary.textContent = "";
      Object.keys(data.counts).forEach(function (label) {
        summary.appendChild(element("span", "", label + " " + data.counts[label]));
      });
      const rows = table.tBodies[0];
      rows.textContent = "";
      data.seats.forEach(function (seat) {
        const row = document.createElement("tr");
        row.dataset.admission = seat.admission_no;
        [seat.admission_no, seat.name, seat.unit, seat.status_text, seat.answered_text, seat.last_save_text,
          String(seat.tab_switches), seat.deadline_text].forEach(function (text, index) {
          const cell = element("td", index >= 4 ? "num" : "", text);
          if (index === 3) cell.className = "status-" + seat.status;
          row.appendChild(cell);
        });
        const actions = element("td", "actions");
        seat.actions.forEach(function (action) {
          const button = element("button", "", names[action]);
          button.type = "button";
          button.dataset.action = action;
          button.addEventListener("click", function () { openAction(seat, action); });
          actions.appendChild(button);
        });
        row.appendChild(actions);
        rows.appendChild(row);
      });
      const log = document.getElementById("log").tBodies[0];
      log.textContent = "";
      data.log.forEach(function (entry) {
        const row = document.createElement("tr");
        [entry.at_text, entry.admission_no, entry.action_text, entry.detail, entry.reason, entry.actor]
          .forEach(function (text) { row.appendChild(element("td", "", text)); });
        log.appendChild(row);
      });
    }

    function openAction(seat, action) {
      form.reset();
      form.elements.admission_no.value = seat.admission_no;
      form.elements.action.value = action;
      document.getElementById("action-title").textContent = names[action] + "：" + seat.admission_no + " " + seat.name;
      document.getElementById("minutes-row").hidden = action !== "extend" && action !== "reopen";
      document.getElementById("action-error").hidden = true;
      dialog.hidden = false;
      form.elements.reason.focus();
    }

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      const data = {sitting: sitting, admission_no: form.elements.admission_no.value,
        action: form.elements.action.value, reason: form.elements.reason.value,
        minutes: Number(form.elements.minutes.value || 0)};
      let outcome = null;
      try {
        outcome = await call("POST", "api/proctor/action", data);
      } catch (error) {
        outcome = null;
      }
      button.disabled = false;
      if (outcome && outcome.status === 200 && outcome.data && outcome.data.done) {
        dialog.hidden = true;
        refresh();
        return;
      }
      const problem = document.getElementById("action-error");
      problem.textContent = outcome && outcome.data && outcome.data.reason ? outcome.data.reason : "操作没有成功，请重试";
      problem.hidden = false;
    });
    document.getElementById("action-cancel").addEventListener("click", function () { dialog.hidden = true; });
    refresh();
    setInterval(refresh, 5000);
  }
})();
