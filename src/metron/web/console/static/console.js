// metron console: what the server-rendered pages do in the browser.
// Plain JavaScript, no library.  Changes go through the REST API (/api/v1) with the
// session's CSRF token; pages are re-read from the server, never rebuilt here.
(() => {
  "use strict";

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const csrf = $('meta[name="csrf-token"]')?.content || "";
  const userName = document.body.dataset.user || "";
  const enc = encodeURIComponent;
  const RECENT_KEY = "metron-console-recent";
  const REFRESH_KEY = "metron-console-refresh";
  const CONSOLE_HEADERS = { "X-Requested-With": "metron-console" };

  // ------------------------------------------------------------------ helpers

  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: {
        ...CONSOLE_HEADERS,
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRF-Token": csrf,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = text;
    }
    if (response.status === 401) {
      location.reload(); // the session ended: the page goes to the login form
    }
    if (!response.ok) {
      const error = new Error((data && data.message) || `${response.status} ${response.statusText}`);
      error.status = response.status;
      // the API's error body (with .problems when it lists several)
      error.data = data && typeof data === "object" ? data : {};
      throw error;
    }
    return data;
  }

  async function page(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: CONSOLE_HEADERS });
    if (response.redirected && new URL(response.url).pathname === "/login") {
      location.reload(); // the session ended: the page itself goes to the login form
      return null;
    }
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return response.text();
  }

  function notify(message, kind = "info") {
    const toast = $("#toast");
    if (!toast) return;
    toast.textContent = message;
    toast.dataset.kind = kind;
    toast.classList.add("visible");
    clearTimeout(notify.timer);
    notify.timer = setTimeout(() => toast.classList.remove("visible"), kind === "error" ? 10000 : 4000);
  }

  // What the pages' own scripts (tools.js) share with this one.
  const headers = { ...CONSOLE_HEADERS, "X-CSRF-Token": csrf };
  window.MetronConsole = { api, notify, headers };

  async function run(what, action) {
    try {
      await action();
      return true;
    } catch (error) {
      notify(`${what} failed: ${error.message}`, "error");
      return false;
    }
  }

  // ------------------------------------------------------------------ results

  const panel = $("#panel");
  const alertRows = () => $$("tr.alert-row, tr.child-row:not([hidden])");
  const selectedRows = () => $$(".row-select:checked").map((box) => box.closest("tr"));
  const ref = (row) => ({ guid: row.dataset.guid, sensorType: row.dataset.sensor });

  function updateSelection() {
    const boxes = $$(".row-select");
    const count = boxes.filter((box) => box.checked).length;
    const label = $("#selected-count");
    if (label) label.textContent = `${count} selected`;
    $$("[data-bulk]").forEach((button) => (button.disabled = count === 0));
    const all = $("#select-all");
    if (all) {
      all.checked = count > 0 && count === boxes.length;
      all.indeterminate = count > 0 && count < boxes.length;
    }
  }

  // Re-read the page's results and facets (after a change, or on auto-refresh).
  async function refreshResults() {
    if (!$("#results")) return;
    const html = await page(location.href);
    if (html === null) return;
    const fresh = new DOMParser().parseFromString(html, "text/html");
    // the keyboard focus stays on the same alert when its row is replaced
    const focused = document.activeElement?.closest?.("tr.alert-row, tr.child-row");
    for (const id of ["results", "facets"]) {
      const now = document.getElementById(id);
      const next = fresh.getElementById(id);
      if (now && next) now.replaceWith(document.adoptNode(next));
    }
    if (focused && !document.contains(focused)) {
      findRow(focused.dataset.sensor, focused.dataset.guid)?.focus();
    }
    const current = panel && !panel.hidden ? $(".panel-body", panel) : null;
    if (current) markCurrent(findRow(current.dataset.sensor, current.dataset.guid));
    updateSelection();
  }

  function findRow(sensor, guid) {
    return alertRows().find((row) => row.dataset.guid === guid && row.dataset.sensor === sensor) || null;
  }

  function markCurrent(row) {
    $$("tr.current").forEach((r) => r.classList.remove("current"));
    if (row) row.classList.add("current");
  }

  function toggleChildren(button) {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    button.textContent = `${open ? "▾" : "▸"} ${button.textContent.replace(/^[▸▾]\s*/, "")}`;
    $$("tr.child-row").filter((row) => row.dataset.parent === button.dataset.expand)
      .forEach((row) => (row.hidden = !open));
  }

  // ------------------------------------------------------------------ details panel

  let opener = null;

  async function openPanel(sensor, guid, row = null, focus = true) {
    if (!panel) {
      location.href = `/alerts/${enc(sensor)}/${enc(guid)}`;
      return;
    }
    const ticket = ++openPanel.latest; // only the latest of quick successive opens shows
    let html;
    try {
      html = await page(`/alerts/${enc(sensor)}/${enc(guid)}/panel`);
    } catch (error) {
      notify(`Could not open the alert: ${error.message}`, "error");
      return;
    }
    if (html === null || ticket !== openPanel.latest) return;
    panel.innerHTML = html;
    panel.hidden = false;
    document.body.classList.add("panel-open");
    // rows are looked up again: a refresh may have replaced them meanwhile
    if (row) opener = { sensor: row.dataset.sensor, guid: row.dataset.guid };
    markCurrent(findRow(sensor, guid));
    if (focus) $("#panel-title", panel)?.focus();
  }

  openPanel.latest = 0;

  function closePanel() {
    if (!panel || panel.hidden) return;
    openPanel.latest++; // a panel still loading stays closed
    panel.hidden = true;
    panel.innerHTML = "";
    document.body.classList.remove("panel-open");
    markCurrent(null);
    if (opener) findRow(opener.sensor, opener.guid)?.focus();
  }

  // After a change from the panel: show the alert as it is now, and the table too.
  async function reloadAlert(body) {
    if (body.closest("[data-standalone]")) {
      location.reload();
      return;
    }
    await openPanel(body.dataset.sensor, body.dataset.guid, null, false);
    await refreshResults();
  }

  // Escalating is its own call (Metron's alerts UI service): it sets ESCALATE, stamps
  // who and when, and sends the alerts to the escalation topic when Kafka is configured.
  async function setStatus(alerts, status) {
    if (status === "ESCALATE") {
      await api("POST", "/api/v1/alerts/ui/escalate",
        alerts.map((alert) => ({ guid: alert.guid, "source.type": alert.sensorType })));
    } else if (alerts.length === 1) {
      await api("POST", "/api/v1/update/status", { ...alerts[0], status });
    } else {
      await api("POST", "/api/v1/update/status/bulk", { alerts, status });
    }
  }

  async function panelAction(button) {
    const body = button.closest(".panel-body");
    if (!body) return;
    const alert = { guid: body.dataset.guid, sensorType: body.dataset.sensor };
    const action = button.dataset.action;
    if (action === "close") {
      if (body.closest("[data-standalone]")) location.href = "/alerts";
      else closePanel();
      return;
    }
    let done = false;
    let message = "";
    if (action === "status") {
      const status = button.dataset.status;
      done = await run("Changing the status", () => setStatus([alert], status));
      message = `Status set to ${status}`;
    } else if (action === "meta-status") {
      const to = button.dataset.to;
      done = await run("Changing the meta-alert status", () =>
        api("POST", `/api/v1/metaalert/update/status/${enc(alert.guid)}/${enc(to)}`));
      message = `Meta-alert ${to}`;
    } else if (action === "meta-remove") {
      const child = { guid: button.dataset.childGuid, sensorType: button.dataset.childSensor };
      done = await run("Removing the alert", () =>
        api("POST", "/api/v1/metaalert/remove/alert", { metaAlertGuid: alert.guid, alerts: [child] }));
      message = "Alert removed from the meta-alert";
    } else if (action === "comment-remove") {
      const comment = {
        ...alert,
        comment: button.dataset.comment,
        username: button.dataset.username,
        timestamp: Number(button.dataset.timestamp),
      };
      done = await run("Removing the comment", () => api("POST", "/api/v1/update/remove/comment", comment));
      message = "Comment removed";
    }
    if (done) {
      await reloadAlert(body);
      if (message) notify(message);
    }
  }

  async function addComment(form) {
    const body = form.closest(".panel-body");
    const text = form.elements.comment.value.trim();
    if (!body || !text) return;
    const request = {
      guid: body.dataset.guid,
      sensorType: body.dataset.sensor,
      comment: text,
      username: userName,
      timestamp: Date.now(),
    };
    if (await run("Adding the comment", () => api("POST", "/api/v1/update/add/comment", request))) {
      await reloadAlert(body);
      notify("Comment added");
    }
  }

  // ------------------------------------------------------------------ bulk actions

  async function bulk(button) {
    const rows = selectedRows();
    if (!rows.length) return;
    const kind = button.dataset.bulk;
    const metas = rows.filter((row) => row.dataset.sensor === "metaalert");
    const alerts = rows.filter((row) => row.dataset.sensor !== "metaalert").map(ref);
    let message = "";
    let done = false;
    if (kind === "status") {
      const status = button.dataset.status;
      done = await run(`Setting ${status}`, () => setStatus(rows.map(ref), status));
      message = `${rows.length} set to ${status}`;
    } else if (kind === "meta-create") {
      if (!alerts.length || metas.length) {
        notify("Select the alerts (not meta-alerts) to group into a new meta-alert.", "error");
        return;
      }
      const results = $("#results");
      const filters = JSON.parse(results?.dataset.filters || "[]");
      const query = results?.dataset.query || "";
      const groups = filters.length ? filters : [query || "console"];
      let created = null;
      done = await run("Creating the meta-alert", async () => {
        created = await api("POST", "/api/v1/metaalert/create", { alerts, groups });
      });
      message = `Meta-alert ${(created?.guid || "").slice(0, 8)} created from ${alerts.length} alerts`;
    } else if (kind === "meta-add") {
      if (metas.length !== 1 || !alerts.length) {
        notify("Select one meta-alert and the alerts to add to it.", "error");
        return;
      }
      const request = { metaAlertGuid: metas[0].dataset.guid, alerts };
      done = await run("Adding to the meta-alert", () => api("POST", "/api/v1/metaalert/add/alert", request));
      message = `${alerts.length} added to meta-alert ${request.metaAlertGuid.slice(0, 8)}`;
    }
    if (done) {
      await refreshResults();
      if (message) notify(message);
    }
  }

  // ------------------------------------------------------------------ saved and recent searches

  async function loadSettings() {
    try {
      return (await api("GET", "/api/v1/alerts/ui/settings")) || {};
    } catch (error) {
      if (error.status === 404) return {};
      throw error;
    }
  }

  async function saveSettings(change) {
    const settings = await loadSettings();
    settings.user = settings.user || userName;
    settings.savedSearches = change(Array.isArray(settings.savedSearches) ? settings.savedSearches : []);
    await api("POST", "/api/v1/alerts/ui/settings", settings);
  }

  async function saveSearch(form) {
    const name = form.elements.name.value.trim();
    const request = JSON.parse($("#results")?.dataset.searchRequest || "{}");
    if (!name) return;
    const saved = await run("Saving the search", () =>
      saveSettings((list) => [...list.filter((item) => item.name !== name), { name, searchRequest: request }]));
    if (saved) location.reload();
  }

  async function deleteSaved(name) {
    if (await run("Deleting the saved search", () => saveSettings((list) => list.filter((item) => item.name !== name)))) {
      location.reload();
    }
  }

  function recentSearches() {
    const list = $("#recent-searches");
    const results = $("#results");
    if (!list || !results) return;
    let recent = [];
    try {
      recent = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
    } catch {
      recent = [];
    }
    const filters = JSON.parse(results.dataset.filters || "[]");
    const label = [results.dataset.query, ...filters].filter(Boolean).join(" · ");
    if (label && !$("#query-error")) {
      const url = location.pathname + location.search.replace(/([?&])page=\d+&?/, "$1").replace(/[?&]$/, "");
      recent = [{ label, url }, ...recent.filter((item) => item.url !== url)].slice(0, 10);
      localStorage.setItem(RECENT_KEY, JSON.stringify(recent));
    }
    list.replaceChildren(...recent.map((item) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.label;
      li.append(a);
      return li;
    }));
    if (!recent.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = "None yet.";
      list.append(li);
    }
  }

  // ------------------------------------------------------------------ auto-refresh

  let refreshTimer = null;

  function setRefresh(seconds) {
    clearInterval(refreshTimer);
    refreshTimer = null;
    if (seconds > 0) {
      refreshTimer = setInterval(() => {
        // never under the analyst's hands: not while rows are selected or a panel is open
        const busy = selectedRows().length > 0 || (panel && !panel.hidden) || document.hidden;
        if (!busy) refreshResults().catch(() => {});
      }, seconds * 1000);
    }
  }

  // ------------------------------------------------------------------ events

  document.addEventListener("click", (event) => {
    const target = event.target;
    if (!(target instanceof Element)) return;
    const plain = event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey;
    const action = target.closest("button[data-action]");
    if (action) {
      panelAction(action);
      return;
    }
    const expand = target.closest("[data-expand]");
    if (expand) {
      toggleChildren(expand);
      return;
    }
    const bulkButton = target.closest("button[data-bulk]");
    if (bulkButton) {
      bulk(bulkButton);
      return;
    }
    const deleteButton = target.closest("[data-delete-saved]");
    if (deleteButton) {
      deleteSaved(deleteButton.dataset.deleteSaved);
      return;
    }
    const link = target.closest("a[data-open-panel]");
    if (link && plain && panel) {
      event.preventDefault();
      openPanel(link.dataset.sensor, link.dataset.guid, link.closest("tr"));
      return;
    }
    const row = target.closest("tr.alert-row, tr.child-row");
    if (row && plain && !target.closest("a, button, input, label, select, textarea")) {
      openPanel(row.dataset.sensor, row.dataset.guid, row);
    }
  });

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.id === "select-all") {
      $$(".row-select").forEach((box) => (box.checked = target.checked));
      updateSelection();
    } else if (target.classList.contains("row-select")) {
      updateSelection();
    } else if (target.id === "refresh") {
      localStorage.setItem(REFRESH_KEY, target.value);
      setRefresh(Number(target.value));
    } else if (target.matches("select[data-autosubmit]")) {
      target.form.requestSubmit();
    }
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("[data-form='comment-add']")) {
      event.preventDefault();
      addComment(form);
    } else if (form.id === "save-search") {
      event.preventDefault();
      saveSearch(form);
    }
  });

  function moveFocus(step) {
    const rows = alertRows();
    if (!rows.length) return;
    const from = document.activeElement?.closest?.("tr.alert-row, tr.child-row") || $("tr.current");
    const index = from ? rows.indexOf(from) : -1;
    const next = rows[Math.min(rows.length - 1, Math.max(0, index < 0 ? 0 : index + step))];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
    if (panel && !panel.hidden) openPanel(next.dataset.sensor, next.dataset.guid, next, false);
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && panel && !panel.hidden) {
      event.preventDefault();
      closePanel();
      return;
    }
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target instanceof Element && target.closest("input, textarea, select, [contenteditable]")) return;
    const row = target instanceof Element ? target.closest("tr.alert-row, tr.child-row") : null;
    if (event.key === "/" && $("#q")) {
      event.preventDefault();
      $("#q").focus();
      $("#q").select();
    } else if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      moveFocus(event.key === "j" ? 1 : -1);
    } else if (event.key === "Enter" && row && target === row) {
      event.preventDefault();
      openPanel(row.dataset.sensor, row.dataset.guid, row);
    } else if (event.key === "x" && row) {
      const box = $(".row-select", row);
      if (box) {
        box.checked = !box.checked;
        updateSelection();
      }
    }
  });

  // ------------------------------------------------------------------ start

  const refresh = $("#refresh");
  if (refresh) {
    const seconds = localStorage.getItem(REFRESH_KEY) || "0";
    refresh.value = [...refresh.options].some((o) => o.value === seconds) ? seconds : "0";
    setRefresh(Number(refresh.value));
  }
  recentSearches();
  updateSelection();
})();
