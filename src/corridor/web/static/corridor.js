// Corridor pages: embed the Vega-Lite specs (offline bundle, no eval), and update the flows
// explorer in place when a filter changes. Loaded as a module after the Vega bundle.

const views = {};
window.corridor = { views };

// A page theme applied at embed time, so the specs stay exactly those of corridor.charts.
const THEME = {
  axisX: { labelAngle: 0, labelOverlap: "greedy", labelSeparation: 8 },
  legend: { labelLimit: 260 },
};

const { fitWidth } = window.corridorFit;

const EMBED_OPTIONS = {
  config: THEME,
  renderer: "svg",
  actions: false,
  ast: true, // interpret expressions: the Content-Security-Policy forbids eval
  defaultStyle: false, // styles come from corridor.css (CSP forbids injected <style>)
  tooltip: { disableDefaultStyle: true, theme: "light" },
};

async function embed(box) {
  const specNode = box.querySelector("script.spec");
  const target = box.querySelector(".vega");
  if (!specNode || !target || typeof window.vegaEmbed !== "function") return;
  box.dataset.state = "rendering";
  try {
    const pixels = target.clientWidth || box.clientWidth || 720;
    const raw = JSON.parse(specNode.textContent);
    let result = await window.vegaEmbed(target, fitWidth(raw, pixels), EMBED_OPTIONS);
    // A view wider than its box (axis labels, facet headers): draw it again that much narrower.
    const svg = target.querySelector("svg");
    const excess = svg ? Math.ceil(svg.getBoundingClientRect().width - target.clientWidth) : 0;
    if (excess > 0) {
      result.view.finalize();
      result = await window.vegaEmbed(target, fitWidth(raw, pixels - excess - 8), EMBED_OPTIONS);
    }
    views[box.dataset.chart] = result.view;
    box.dataset.state = "ready";
  } catch (err) {
    box.dataset.state = "error";
    target.textContent = `The chart could not be drawn: ${err}`;
  }
}

async function embedAll(root) {
  await Promise.all([...root.querySelectorAll(".chart[data-chart]")].map(embed));
}

async function downloadPng(button) {
  const view = views[button.dataset.png];
  if (!view) return;
  const url = await view.toImageURL("png", 2);
  const link = document.createElement("a");
  link.href = url;
  link.download = `corridor-${button.dataset.png}.png`;
  document.body.append(link);
  link.click();
  link.remove();
}

function formQuery(form) {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) {
    const text = String(value).trim();
    if (text !== "") params.append(key, text);
  }
  return params.toString();
}

function explorer() {
  const form = document.getElementById("flows-form");
  const box = document.getElementById("flows-result");
  const status = document.getElementById("flows-status");
  if (!form || !box) return;
  let timer = null;
  let pending = null;

  async function update() {
    const query = formQuery(form);
    if (pending) pending.abort();
    pending = new AbortController();
    box.dataset.state = "loading";
    status.textContent = "Updating…";
    try {
      const response = await fetch(`/flows/result?${query}`, { signal: pending.signal });
      const html = await response.text();
      history.replaceState(null, "", `/flows?${query}`);
      if (response.ok) {
        box.innerHTML = html;
        await embedAll(box);
        status.textContent = "";
      } else {
        // Keep the previous answer (dimmed) under the sentence that says why and what to try.
        const fresh = document.createElement("div");
        fresh.innerHTML = html;
        const note = fresh.querySelector(".note.error");
        const available = fresh.querySelector("#flows-available");
        for (const old of box.querySelectorAll(":scope > .note.error, :scope > .stale-note")) old.remove();
        const previous = [...box.children].filter((el) => !el.matches("script"));
        for (const el of previous) el.classList.add("stale");
        const said = document.createElement("p");
        said.className = "muted small stale-note";
        said.textContent = previous.length ? "Below: the previous answer, for reference." : "";
        if (available) {
          box.querySelector("#flows-available")?.remove();
          box.prepend(available);
        }
        if (note) box.prepend(note, said);
        status.textContent = "Cannot answer this selection: see the note below the form.";
      }
      box.dataset.query = query;
      applyAvailability(form, box);
      box.dataset.state = "ready";
    } catch (err) {
      if (err.name !== "AbortError") {
        status.textContent = `Update failed: ${err}`;
        box.dataset.state = "error";
      }
    }
  }

  form.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    update();
  });
}

function applyAvailability(form, box) {
  // Disable the choices the data cannot answer for this selection, with the reason beside them.
  const node = box.querySelector("#flows-available");
  if (!node) return;
  const available = JSON.parse(node.textContent || "{}");
  for (const [field, choices] of Object.entries(available)) {
    if (field === "citizenship") continue;
    // One reason for every choice of a field is said once, under the field's name.
    const reasons = new Set(Object.values(choices));
    const shared = reasons.size === 1 && !reasons.has(null) ? [...reasons][0] : "";
    const sharedNode = form.querySelector(`[data-why-all="${field}"]`);
    if (sharedNode) sharedNode.textContent = shared;
    for (const [code, reason] of Object.entries(choices)) {
      for (const input of form.querySelectorAll(`input[name="${field}"][value="${code}"]`)) {
        input.disabled = Boolean(reason) && !input.checked;
        const why = form.querySelector(`[data-why="${field}:${code}"]`);
        if (why) why.textContent = sharedNode && shared ? "" : reason || "";
      }
      const value = field === "region" && code === "nationwide" ? "" : code;
      for (const option of form.querySelectorAll(`select[name="${field}"] option[value="${value}"]`)) {
        const label = option.dataset.label || option.textContent;
        option.disabled = Boolean(reason) && !option.selected;
        option.textContent = reason ? `${label} (not available: ${reason.replace(/\.$/, "")})` : label;
      }
    }
  }
}

const FILTERS = ["region", "component", "citizenship", "demographic", "sector", "title", "state"];
const BY = ["month", "fiscal_year", "calendar_year", ...FILTERS];

function parseCsv(text) {
  // Comment lines (#) and rows of a small CSV; quoted fields may hold commas.
  const comments = [];
  const rows = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    if (line.startsWith("#")) {
      comments.push(line.slice(1).trim());
      continue;
    }
    const cells = [];
    let cell = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (ch === '"' && line[i + 1] === '"' && quoted) {
        cell += '"';
        i++;
      } else if (ch === '"') {
        quoted = !quoted;
      } else if (ch === "," && !quoted) {
        cells.push(cell);
        cell = "";
      } else {
        cell += ch;
      }
    }
    cells.push(cell);
    rows.push(cells);
  }
  return { comments, rows };
}

function viewFromCsv(text) {
  // The flows view a downloaded CSV came from: a "view" link in its header, else its columns.
  const { comments, rows } = parseCsv(text);
  for (const c of comments) {
    // The header says which question the file answers: "# query: region=...&by=..." or a link.
    const asked = c.match(/^query:\s*(\S*)$/) || c.match(/\/flows\?([^\s]*)/);
    if (asked) return asked[1];
  }
  if (rows.length < 1) return null;
  const [header, ...data] = rows;
  if (!header.includes("encounters")) return null;
  const params = new URLSearchParams();
  const by = [];
  header.forEach((name, i) => {
    const values = [...new Set(data.map((r) => r[i]).filter((v) => v !== undefined && v !== ""))];
    if (FILTERS.includes(name)) {
      if (values.length === 1) {
        for (const v of values[0].split(/[|,;]/)) if (v.trim() && v.trim() !== "all") params.append(name, v.trim());
      } else if (values.length > 1) {
        by.push(name);
        params.append(name, values.join(","));
      }
    } else if (["month", "fiscal_year", "calendar_year"].includes(name)) {
      by.unshift(name);
      if (name === "month" && values.length) {
        params.set("since", values[0].slice(0, 7));
        params.set("until", values[values.length - 1].slice(0, 7));
      }
    } else if (name === "since" || name === "until") {
      if (values.length === 1) params.set(name, values[0].slice(0, 7));
    } else if (name === "by" && values.length === 1) {
      for (const k of values[0].split(/[|,;]/)) if (k.trim() && !by.includes(k.trim())) by.push(k.trim());
    }
  });
  for (const k of by) params.append("by", k);
  return params.toString();
}

function reloadFromFile() {
  const input = document.getElementById("f-reload");
  const status = document.getElementById("reload-status");
  if (!input) return;
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    const query = viewFromCsv(await file.text());
    if (query === null) {
      status.textContent = "This file is not a flows CSV from Corridor (it has no encounters column).";
      return;
    }
    window.location.assign(`/flows?${query}`);
  });
}
window.corridor.viewFromCsv = viewFromCsv;

function runningNotes() {
  // A verb form reloads the page with its answer; say so while a slow analysis runs.
  for (const form of document.querySelectorAll("form.verb-form")) {
    form.addEventListener("submit", () => {
      // Empty fields mean "the default": leave them out of the URL.
      for (const field of form.elements) {
        if (field.name && field.value === "") field.disabled = true;
      }
      const button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
        button.textContent = "Running…";
      }
    });
  }
  // Coming back to the page (history), the form must be usable again.
  window.addEventListener("pageshow", () => {
    for (const form of document.querySelectorAll("form.verb-form")) {
      for (const field of form.elements) field.disabled = false;
      const button = form.querySelector("button[type=submit]");
      if (button) button.textContent = "Run";
    }
  });
}


document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-png]");
  if (button) downloadPng(button);
});

explorer();
reloadFromFile();
runningNotes();
embedAll(document).then(() => {
  document.body.dataset.charts = "ready";
});
