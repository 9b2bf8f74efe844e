// metron console: the sensors pages.  Start and stop, JSON config editors that save
// through the REST API and list every problem it reports, the threat triage table kept
// in step with the enrichment JSON, a parse-a-sample panel and a grok tester.
// Needs tools.js (window.MetronTools), loaded before it.
(() => {
  "use strict";

  const { $, $$, api, notify, el, showProblems } = window.MetronTools;
  const enc = encodeURIComponent;
  const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

  function parseJson(text) {
    try {
      return { value: JSON.parse(text) };
    } catch (error) {
      return { error: `Not valid JSON: ${error.message}` };
    }
  }

  const now = () => new Date().toLocaleTimeString("en-GB");

  // ------------------------------------------------------------------ start and stop

  function showState(name, state) {
    const scope = $(`tr[data-sensor="${CSS.escape(name)}"]`) || document;
    for (const badge of $$("[data-state]", scope)) {
      badge.textContent = state;
      badge.className = `state state-${state.toLowerCase()}`;
    }
    for (const button of $$(`[data-sensor-action][data-sensor="${CSS.escape(name)}"]`)) {
      button.disabled = button.dataset.sensorAction === "start" ? state === "ACTIVE" : state === "KILLED";
    }
  }

  async function sensorAction(button) {
    const name = button.dataset.sensor;
    const action = button.dataset.sensorAction;
    button.disabled = true;
    try {
      const answer = await api("GET", `/api/v1/storm/parser/${action}/${enc(name)}`);
      if (answer.status !== "SUCCESS") throw new Error(answer.message);
      notify(`${name}: ${answer.message.toLowerCase()}`);
      const topology = await api("GET", `/api/v1/storm/${enc(name)}`);
      showState(name, topology.status);
    } catch (error) {
      notify(`${action} ${name} failed: ${error.message}`, "error");
      button.disabled = false;
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button[data-sensor-action]") : null;
    if (button) sensorAction(button);
  });

  // ------------------------------------------------------------------ config editors

  async function saveConfig(form) {
    const area = $("textarea", form);
    const problems = $(".problems", form);
    const state = $(".save-state", form);
    const parsed = parseJson(area.value);
    if (parsed.error) {
      showProblems(problems, new Error(parsed.error));
      area.setAttribute("aria-invalid", "true");
      area.focus();
      return;
    }
    state.textContent = "Saving…";
    try {
      await api("POST", form.dataset.configUrl, parsed.value);
      showProblems(problems, null);
      area.removeAttribute("aria-invalid");
      state.textContent = `Saved at ${now()}`;
      notify(`${$("h2", form)?.textContent || "Config"} saved`);
    } catch (error) {
      state.textContent = "Not saved";
      showProblems(problems, error);
      area.setAttribute("aria-invalid", "true");
    }
  }

  for (const form of $$("form.config-editor")) {
    const area = $("textarea", form);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!area.readOnly) saveConfig(form);
    });
    area.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key === "s" && !area.readOnly) {
        event.preventDefault();
        saveConfig(form);
      }
    });
    $("[data-format-json]", form).addEventListener("click", () => {
      const parsed = parseJson(area.value);
      if (parsed.error) {
        showProblems($(".problems", form), new Error(parsed.error));
        return;
      }
      area.value = JSON.stringify(parsed.value, null, 2);
      area.dispatchEvent(new Event("change"));
    });
  }

  // ------------------------------------------------------------------ threat triage table

  const rulesBody = $("#rules");
  const enrichment = $("#enrichment-config");
  const aggregator = $("#aggregator");
  const rulesState = $("#rules-state");

  function rowRule(row) {
    let rule = {};
    try {
      rule = JSON.parse(row.dataset.extra || "{}") || {};
    } catch {
      rule = {};
    }
    for (const input of $$("[data-rule-field]", row)) {
      const field = input.dataset.ruleField;
      const text = input.value;
      if (field === "score") {
        const number = Number(text);
        rule.score = text.trim() !== "" && Number.isFinite(number) ? number : text;
      } else if (field === "rule") {
        rule.rule = text;
      } else if (text.trim()) {
        rule[field] = text;
      } else {
        delete rule[field];
      }
    }
    return rule;
  }

  // The table into the enrichment JSON (threatIntel.triageConfig).
  function rulesToJson() {
    const parsed = parseJson(enrichment.value);
    if (parsed.error || typeof parsed.value !== "object" || parsed.value === null) {
      rulesState.textContent = "Fix the enrichment JSON first: the table cannot update it.";
      return;
    }
    const config = parsed.value;
    config.threatIntel = config.threatIntel && typeof config.threatIntel === "object" ? config.threatIntel : {};
    const triage = config.threatIntel.triageConfig && typeof config.threatIntel.triageConfig === "object"
      ? config.threatIntel.triageConfig : {};
    triage.riskLevelRules = $$("tr.rule-row", rulesBody).map(rowRule);
    triage.aggregator = aggregator.value;
    config.threatIntel.triageConfig = triage;
    enrichment.value = JSON.stringify(config, null, 2);
    rulesState.textContent = "Not saved yet";
  }

  function newRow(rule = {}) {
    const row = $("#rule-template").content.firstElementChild.cloneNode(true);
    row.dataset.extra = JSON.stringify(rule);
    for (const input of $$("[data-rule-field]", row)) {
      const value = rule[input.dataset.ruleField];
      input.value = value === undefined || value === null ? "" : String(value);
    }
    return row;
  }

  // The enrichment JSON into the table (after an edit of the JSON itself).
  function jsonToRules() {
    const parsed = parseJson(enrichment.value);
    if (parsed.error) return;
    const triage = parsed.value?.threatIntel?.triageConfig || {};
    const rules = Array.isArray(triage.riskLevelRules) ? triage.riskLevelRules : [];
    rulesBody.replaceChildren(...rules.filter((r) => r && typeof r === "object").map((r) => newRow(r)));
    if (triage.aggregator && [...aggregator.options].some((o) => o.value === triage.aggregator)) {
      aggregator.value = triage.aggregator;
    }
  }

  async function checkRules(rows = $$("tr.rule-row", rulesBody)) {
    const texts = new Set();
    for (const row of rows) {
      for (const field of ["rule", "reason"]) {
        const text = $(`[data-rule-field="${field}"]`, row).value.trim();
        if (text) texts.add(text);
      }
    }
    if (!texts.size) return;
    let valid;
    try {
      valid = await api("POST", "/api/v1/stellar/validate/rules", [...texts]);
    } catch (error) {
      rulesState.textContent = `Could not check the rules: ${error.message}`;
      return;
    }
    let bad = 0;
    for (const row of rows) {
      const wrong = [];
      for (const field of ["rule", "reason"]) {
        const input = $(`[data-rule-field="${field}"]`, row);
        const text = input.value.trim();
        const ok = !text || valid[text] !== false;
        input.toggleAttribute("aria-invalid", !ok);
        if (!ok) wrong.push(field);
      }
      const rule = $('[data-rule-field="rule"]', row).value.trim();
      const check = $(".rule-check", row);
      check.textContent = wrong.length ? `✗ ${wrong.join(" and ")}: not valid Stellar` : rule ? "✓" : "✓ always fires";
      check.className = `rule-check ${wrong.length ? "bad" : "good"}`;
      bad += wrong.length ? 1 : 0;
    }
    rulesState.textContent = bad ? `${bad} rule${bad > 1 ? "s" : ""} not valid` : "Every rule is valid Stellar";
  }

  if (rulesBody && enrichment) {
    rulesBody.addEventListener("input", rulesToJson);
    rulesBody.addEventListener("keydown", (event) => {
      // Enter in a rule's field would submit (save) the enrichment form around the table
      if (event.key === "Enter" && event.target.matches("input")) event.preventDefault();
    });
    rulesBody.addEventListener("change", (event) => {
      const row = event.target instanceof Element ? event.target.closest("tr.rule-row") : null;
      if (row && event.target.matches('[data-rule-field="rule"], [data-rule-field="reason"]')) checkRules([row]);
    });
    rulesBody.addEventListener("click", (event) => {
      const button = event.target instanceof Element ? event.target.closest("[data-remove-rule]") : null;
      if (!button) return;
      const row = button.closest("tr");
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      rulesToJson();
      ($("input", next || document.body) || $("#add-rule"))?.focus();
    });
    aggregator.addEventListener("change", rulesToJson);
    enrichment.addEventListener("change", jsonToRules);
    $("#add-rule")?.addEventListener("click", () => {
      const row = newRow({ name: "", rule: "", score: 0 });
      rulesBody.append(row);
      rulesToJson();
      $("input", row).focus();
    });
    $("#validate-rules").addEventListener("click", () => checkRules());
    if ($$("tr.rule-row", rulesBody).length) checkRules();
  }

  // ------------------------------------------------------------------ parse a sample, grok

  const sampleForm = $("#parse-sample");
  if (sampleForm) {
    const grokPath = sampleForm.dataset.grokPath;
    if (grokPath && grokPath.startsWith("/patterns/")) {
      fetch(`/api/v1/grok/get/statement?path=${enc(grokPath)}`, {
        credentials: "same-origin",
        headers: { "X-Requested-With": "metron-console" },
      })
        .then((response) => (response.ok ? response.text() : ""))
        .then((text) => {
          for (const id of ["#sample-grok", "#grok-statement"]) {
            const area = $(id);
            if (area && !area.value) area.value = text;
          }
        })
        .catch(() => {});
    }
    const submit = async (event) => {
      event.preventDefault();
      const out = $("#sample-result");
      out.replaceChildren();
      const parsed = parseJson($("#parser-config").value);
      if (parsed.error) {
        out.append(el("pre", { class: "bad", role: "alert", text: `The parser config: ${parsed.error}` }));
        return;
      }
      const body = { sensorParserConfig: parsed.value, sampleData: $("#sample-data").value };
      const grok = $("#sample-grok");
      if (grok && grok.value.trim()) body.grokStatement = grok.value;
      try {
        const message = await api("POST", "/api/v1/sensor/parser/config/parseMessage", body);
        out.append(el("p", { class: "good", text: "Parsed:" }), el("pre", { class: "mono", text: JSON.stringify(message, null, 2) }));
      } catch (error) {
        out.append(el("pre", { class: "bad", role: "alert", text: error.message }));
      }
    };
    sampleForm.addEventListener("submit", submit);
    sampleForm.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) submit(event);
    });
  }

  const grokForm = $("#grok-test");
  if (grokForm) {
    grokForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const out = $("#grok-result");
      out.replaceChildren();
      try {
        const answer = await api("POST", "/api/v1/grok/validate", {
          patternLabel: $("#grok-label").value.trim(),
          statement: $("#grok-statement").value,
          sampleData: $("#grok-sample").value,
        });
        const fields = Object.entries(answer.results || {});
        if (!fields.length) {
          out.append(el("p", { class: "bad", text: "No match: the sample does not fit the pattern." }));
          return;
        }
        const rows = fields.map(([name, value]) =>
          el("tr", {}, el("th", { scope: "row", class: "mono", text: name }), el("td", { class: "mono", text: JSON.stringify(value) })));
        out.append(el("table", { class: "data" }, el("tbody", {}, ...rows)));
      } catch (error) {
        out.append(el("pre", { class: "bad", role: "alert", text: error.message }));
      }
    });
  }

  // ------------------------------------------------------------------ new sensor

  const newForm = $("#new-sensor");
  if (newForm) {
    const existing = new Set(JSON.parse(newForm.dataset.existing || "[]"));
    const name = $("#sensor-name");
    const topic = $("#sensor-topic");
    const parser = $("#sensor-parser");
    const area = $("#new-config");
    const problems = $("#new-problems");

    const fieldsToJson = () => {
      const parsed = parseJson(area.value);
      if (parsed.error || typeof parsed.value !== "object" || parsed.value === null) return;
      parsed.value.parserClassName = parser.value;
      parsed.value.sensorTopic = topic.value.trim() || name.value.trim();
      area.value = JSON.stringify(parsed.value, null, 2);
    };
    for (const field of [name, topic, parser]) field.addEventListener("input", fieldsToJson);
    fieldsToJson();

    newForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const sensor = name.value.trim();
      let error = null;
      if (!NAME.test(sensor)) error = "The name must be letters, digits, _ . - (not starting with . or -).";
      else if (existing.has(sensor)) error = `There is already a sensor ${sensor}.`;
      const parsed = parseJson(area.value);
      if (!error && parsed.error) error = parsed.error;
      if (error) {
        showProblems(problems, new Error(error));
        return;
      }
      try {
        await api("POST", `/api/v1/sensor/parser/config/${enc(sensor)}`, parsed.value);
        location.href = `/sensors/${enc(sensor)}`;
      } catch (failure) {
        showProblems(problems, failure);
      }
    });
  }
})();
