// metron console: the Stellar REPL and the hunt page, and the helpers the sensors pages
// share (window.MetronTools).  Plain JavaScript, no library; the REST API does the work.
// Text from the server or the user always goes in with textContent, never as HTML.
(() => {
  "use strict";

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  // console.js (loaded first on every page) makes the REST calls and the notices: an
  // Error from api() carries .status and .data (the API's error body, with .problems).
  // HEADERS: what a fetch of our own sends (the console's marker and the CSRF token).
  const { api, notify, headers: HEADERS } = window.MetronConsole;

  // el("li", {class: "x", dataset: {a: "1"}}, "text", child...)
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "dataset") Object.assign(node.dataset, value);
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  // Show an API error's problems (or its message) in a list; none hides it.
  function showProblems(list, error) {
    if (!list) return;
    list.replaceChildren();
    const problems = !error ? [] : error.data?.problems?.length ? error.data.problems : [error.message];
    for (const problem of problems) list.append(el("li", {}, el("pre", { text: problem })));
    list.hidden = problems.length === 0;
  }

  // Insert text at the cursor of an input or textarea.
  function insertAtCursor(field, text) {
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? field.value.length;
    field.setRangeText(text, start, end, "end");
    field.focus();
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function display(value) {
    if (value === null || value === undefined) return "null";
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  window.MetronTools = { $, $$, api, notify, el, showProblems, insertAtCursor };

  // ------------------------------------------------------------------ Stellar REPL

  function startRepl(form) {
    const input = $("#repl-input");
    const output = $("#repl-history");
    const varsList = $("#repl-vars");
    const search = $("#function-search");
    const functionList = $("#function-list");
    const HISTORY_KEY = "metron-stellar-history";
    const variables = new Map(); // name -> {result, type, text}
    let functions = [];
    let history = [];
    try {
      history = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]").filter((h) => typeof h === "string");
    } catch {
      history = [];
    }
    let position = history.length;
    let draft = "";

    function remember(line) {
      if (history[history.length - 1] !== line) history.push(line);
      history = history.slice(-200);
      localStorage.setItem(HISTORY_KEY, JSON.stringify(history));
      position = history.length;
      draft = "";
    }

    function entry(line, ...body) {
      $(".repl-hint", output)?.remove();
      const expression = el("button", { type: "button", class: "repl-expr mono", title: "Edit again" },
        el("span", { class: "prompt", "aria-hidden": "true", text: "> " }), line);
      expression.addEventListener("click", () => {
        input.value = line;
        input.focus();
      });
      const item = el("li", { class: "repl-entry" }, expression, ...body);
      output.append(item);
      item.scrollIntoView({ block: "nearest" });
      return item;
    }

    const result = (text, type) =>
      el("div", { class: "repl-result" }, el("pre", { class: "mono", text }),
        type ? el("span", { class: "repl-type muted", text: type }) : null);
    const failure = (text) => el("pre", { class: "repl-error mono", role: "alert", text });
    const note = (text) => el("pre", { class: "repl-note muted", text });

    function variablesBody() {
      const out = {};
      for (const [name, value] of variables) out[name] = value.result;
      return out;
    }

    function showVariables() {
      varsList.replaceChildren();
      for (const [name, value] of variables) {
        const use = el("button", { type: "button", class: "link-button mono", title: "Insert", text: name });
        use.addEventListener("click", () => insertAtCursor(input, name));
        const drop = el("button", { type: "button", class: "icon-button", "aria-label": `Remove ${name}`, text: "×" });
        drop.addEventListener("click", () => {
          variables.delete(name);
          showVariables();
        });
        varsList.append(
          el("dt", {}, use, " ", el("span", { class: "muted small", text: value.type }), drop),
          el("dd", {}, el("code", { text: value.text })),
        );
      }
      $("#no-vars").hidden = variables.size > 0;
    }

    function functionHelp(spec) {
      const lines = [`${spec.name}(${spec.params.map((p) => p.split(" - ")[0]).join(", ")})`, spec.description];
      if (spec.params.length) lines.push("", ...spec.params.map((p) => `  ${p}`));
      if (spec.returns) lines.push("", `Returns: ${spec.returns}`);
      return lines.join("\n");
    }

    function matching(text) {
      const wanted = text.trim().toLowerCase();
      return functions.filter(
        (f) => !wanted || f.name.toLowerCase().includes(wanted) || (f.description || "").toLowerCase().includes(wanted),
      );
    }

    function showFunctions() {
      const found = matching(search.value);
      functionList.replaceChildren();
      for (const spec of found.slice(0, 300)) {
        const name = el("button", { type: "button", class: "link-button mono", title: functionHelp(spec), text: spec.name });
        name.addEventListener("click", () => insertAtCursor(input, `${spec.name}(`));
        functionList.append(el("li", {}, name, el("span", { class: "muted small", text: spec.description || "" })));
      }
      $("#function-count").textContent = `${found.length} of ${functions.length}`;
    }

    async function evaluate(expression) {
      return api("POST", "/api/v1/stellar/evaluate", { expression, variables: variablesBody() });
    }

    async function run(line) {
      if (line.startsWith("#")) {
        entry(line, note("(comment)"));
        return;
      }
      if (line === "%clear") {
        output.replaceChildren();
        return;
      }
      if (line === "%vars") {
        const text = [...variables].map(([n, v]) => `${n} = ${v.text}  [${v.type}]`).join("\n");
        entry(line, note(text || "(no variables)"));
        return;
      }
      if (line === "%functions" || line.startsWith("%functions ")) {
        search.value = line.slice("%functions".length).trim();
        showFunctions();
        entry(line, note(matching(search.value).map((f) => f.name).join(", ") || "(none)"));
        return;
      }
      if (line.startsWith("%undefine ")) {
        const name = line.slice(10).trim();
        const had = variables.delete(name);
        showVariables();
        entry(line, note(had ? `${name} removed` : `no variable ${name}`));
        return;
      }
      if (line === "quit" || line === "exit") {
        entry(line, note("Nothing to quit here: close the tab, or keep going."));
        return;
      }
      if (line.startsWith("?")) {
        const name = line.slice(1).trim().toUpperCase();
        const spec = functions.find((f) => f.name === name);
        entry(line, spec ? note(functionHelp(spec)) : failure(`no function ${name}`));
        return;
      }
      const assignment = /^(?:%define\s+)?([A-Za-z_$][\w.$]*)\s*:=\s*([\s\S]+)$/.exec(line);
      const expression = assignment ? assignment[2] : line;
      try {
        const answer = await evaluate(expression);
        if (assignment) {
          variables.set(assignment[1], { result: answer.result, type: answer.type, text: answer.text });
          showVariables();
          entry(line, result(`${assignment[1]} = ${answer.text}`, answer.type));
        } else {
          entry(line, result(answer.text ?? display(answer.result), answer.type));
        }
      } catch (error) {
        entry(line, failure(error.message));
      }
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const line = input.value.trim();
      if (!line) return;
      remember(line);
      input.value = "";
      await run(line);
      input.focus();
    });

    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowUp" && position > 0) {
        event.preventDefault();
        if (position === history.length) draft = input.value;
        position -= 1;
        input.value = history[position];
      } else if (event.key === "ArrowDown" && position < history.length) {
        event.preventDefault();
        position += 1;
        input.value = position === history.length ? draft : history[position];
      } else {
        return;
      }
      input.setSelectionRange(input.value.length, input.value.length);
    });

    $("#clear-vars").addEventListener("click", () => {
      variables.clear();
      showVariables();
    });
    search.addEventListener("input", showFunctions);
    showVariables();
    api("GET", "/api/v1/stellar/list/functions")
      .then((list) => {
        functions = list;
        showFunctions();
      })
      .catch((error) => notify(`The function list failed: ${error.message}`, "error"));
  }

  // ------------------------------------------------------------------ hunt

  function startHunt(form) {
    const sql = $("#hunt-sql");
    const limit = $("#hunt-limit");
    const state = $("#hunt-state");
    const errorBox = $("#hunt-error");
    const results = $("#hunt-results");
    const table = $("#hunt-table");
    const SQL_KEY = "metron-hunt-sql";
    let running = false;

    if (!new URLSearchParams(location.search).has("sql") && localStorage.getItem(SQL_KEY)) {
      sql.value = localStorage.getItem(SQL_KEY);
    }

    function showError(message) {
      errorBox.replaceChildren(el("p", {}, el("strong", { text: "The query failed:" })), el("pre", { text: message }));
      errorBox.hidden = false;
      sql.setAttribute("aria-invalid", "true");
    }

    function clearError() {
      errorBox.hidden = true;
      errorBox.replaceChildren();
      sql.removeAttribute("aria-invalid");
    }

    function cell(value) {
      if (value === null || value === undefined) return el("td", { class: "null" }, "NULL");
      if (typeof value === "number") return el("td", { class: "num", text: String(value) });
      if (typeof value === "object") return el("td", { class: "mono", text: JSON.stringify(value) });
      return el("td", { text: String(value) });
    }

    function showRows(answer) {
      // a column of numbers (and NULLs) lines up on the right, its heading too
      const numeric = answer.columns.map((_, i) =>
        answer.rows.some((r) => typeof r[i] === "number") &&
        answer.rows.every((r) => r[i] === null || typeof r[i] === "number"));
      const head = el("tr", {}, ...answer.columns.map((c, i) =>
        el("th", { scope: "col", class: numeric[i] ? "num" : null, text: c })));
      const body = el("tbody");
      const rows = document.createDocumentFragment();
      for (const row of answer.rows) rows.append(el("tr", {}, ...row.map(cell)));
      body.append(rows);
      table.replaceChildren(el("thead", {}, head), body);
      const count = answer.rows.length.toLocaleString("en");
      $("#hunt-results-heading").textContent = answer.truncated
        ? `First ${count} rows (there are more: raise the limit or download the CSV)`
        : `${count} row${answer.rows.length === 1 ? "" : "s"}`;
      results.hidden = false;
      state.textContent = `${answer.elapsedMs} ms`;
    }

    async function run() {
      if (running || !sql.value.trim()) return;
      running = true;
      $("#hunt-run").disabled = true;
      state.textContent = "Running…";
      clearError();
      localStorage.setItem(SQL_KEY, sql.value);
      try {
        showRows(await api("POST", "/api/v1/hunt", { sql: sql.value, limit: Number(limit.value) }));
      } catch (error) {
        state.textContent = "";
        showError(error.message);
      } finally {
        running = false;
        $("#hunt-run").disabled = false;
      }
    }

    async function download() {
      if (!sql.value.trim()) return;
      clearError();
      state.textContent = "Preparing the CSV…";
      try {
        const response = await fetch("/api/v1/hunt/csv", {
          method: "POST",
          credentials: "same-origin",
          headers: { ...HEADERS, "Content-Type": "application/json" },
          body: JSON.stringify({ sql: sql.value }),
        });
        if (!response.ok) {
          let message = `${response.status} ${response.statusText}`;
          try {
            message = (await response.json()).message || message;
          } catch {
            // not JSON: keep the status line
          }
          throw new Error(message);
        }
        const blob = await response.blob();
        const disposition = response.headers.get("Content-Disposition") || "";
        const name = /filename="([^"]+)"/.exec(disposition)?.[1] || "hunt.csv";
        const link = el("a", { href: URL.createObjectURL(blob), download: name, hidden: true });
        document.body.append(link);
        link.click();
        setTimeout(() => {
          URL.revokeObjectURL(link.href);
          link.remove();
        }, 1000);
        state.textContent = `Downloaded ${name}`;
      } catch (error) {
        state.textContent = "";
        showError(error.message);
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run();
    });
    sql.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        run();
      }
    });
    $("#hunt-csv").addEventListener("click", download);
    document.addEventListener("click", (event) => {
      const target = event.target instanceof Element ? event.target.closest("[data-insert], [data-insert-column]") : null;
      if (!target) return;
      event.preventDefault(); // a button in a <summary> would also open or close it
      const column = target.dataset.insertColumn;
      const text = column === undefined ? target.dataset.insert
        : /^[a-z_][a-z0-9_]*$/.test(column) ? column : `"${column.replaceAll('"', '""')}"`;
      insertAtCursor(sql, text);
    });
  }

  // ------------------------------------------------------------------ start

  const repl = $("#repl-form");
  if (repl) startRepl(repl);
  const hunt = $("#hunt-form");
  if (hunt) startHunt(hunt);
})();
