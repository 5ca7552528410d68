// Corridor pages: embed the Vega-Lite specs (offline bundle, no eval), and update the flows
// explorer in place when a filter changes. Loaded as a module after the Vega bundle.

const views = {};
window.corridor = { views };

// A page theme applied at embed time, so the specs stay exactly those of corridor.charts.
const THEME = {
  axisX: { labelAngle: 0, labelOverlap: "greedy", labelSeparation: 8 },
  legend: { labelLimit: 260 },
};

function fitWidth(spec) {
  // Single views fill their container; layered and concatenated views keep their own size.
  if (typeof spec.width === "number" && !spec.hconcat && !spec.vconcat && !spec.concat && !spec.facet) {
    return { ...spec, width: "container", autosize: { type: "fit-x", contains: "padding" } };
  }
  return spec;
}

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
    const spec = fitWidth(JSON.parse(specNode.textContent));
    const result = await window.vegaEmbed(target, spec, EMBED_OPTIONS);
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
      box.innerHTML = await response.text();
      await embedAll(box);
      box.dataset.query = query;
      history.replaceState(null, "", `/flows?${query}`);
      status.textContent = response.ok ? "" : "Cannot answer this selection.";
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

function autoSubmit() {
  const select = document.getElementById("f-iso3");
  if (select) select.addEventListener("change", () => select.form.submit());
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-png]");
  if (button) downloadPng(button);
});

explorer();
runningNotes();
autoSubmit();
embedAll(document).then(() => {
  document.body.dataset.charts = "ready";
});
