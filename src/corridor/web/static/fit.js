// Charts that fit their box: titles wrap to the width, single and layered views take the
// container's width, stacked and faceted views shrink to it, side-by-side views stack on a phone.
// Shared by the dashboard (a classic script before corridor.js) and the report (inlined).
(function () {
  function wrapWords(text, width) {
    // Greedy word wrap to at most `width` characters a line (words are never cut).
    const lines = [];
    let line = "";
    for (const word of String(text).split(/\s+/)) {
      if (!word) continue;
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    if (line) lines.push(line);
    return lines;
  }

  function fitTitle(spec, pixels) {
    // Titles and subtitles wrap to the chart's width, so nothing is cut on a phone.
    const title = spec.title;
    if (!title || typeof title !== "object") return spec;
    const text = Array.isArray(title.text) ? title.text.join(" ") : title.text;
    const sub = Array.isArray(title.subtitle) ? title.subtitle.join(" ") : title.subtitle;
    return {
      ...spec,
      title: {
        ...title,
        anchor: pixels < 560 ? "start" : title.anchor,
        text: wrapWords(text || "", Math.max(20, Math.floor(pixels / 8.2))),
        subtitle: sub ? wrapWords(sub, Math.max(30, Math.floor(pixels / 6.2))) : title.subtitle,
      },
    };
  }

  function fitWidth(spec, pixels) {
    // Single and layered views fill their container; concatenated views keep their own size.
    let out = fitTitle(spec, pixels);
    if (pixels < 560) {
      // Legends below a narrow chart: as many columns as fit, labels cut to the column.
      const config = out.config || {};
      const columns = Math.max(1, Math.floor((pixels - 20) / 180));
      out = { ...out, config: { ...config, legend: { ...(config.legend || {}), columns, labelLimit: 150 } } };
    }
    if (typeof out.width === "number" && !out.hconcat && !out.vconcat && !out.concat && !out.facet) {
      out = { ...out, width: "container", autosize: { type: "fit-x", contains: "padding" } };
      if (pixels < 520 && typeof out.height === "number" && out.height > 260) out.height = 240;
    } else if (Array.isArray(out.vconcat) || (Array.isArray(out.concat) && (out.columns || 1) === 1)) {
      // Stacked views: each takes the container's width less room for its axis labels.
      const key = out.vconcat ? "vconcat" : "concat";
      const inner = Math.max(160, pixels - 110);
      out = { ...out, [key]: out[key].map((view) => (typeof view.width === "number" || view.width === undefined ? { ...view, width: inner } : view)) };
    } else if (out.facet && out.spec && typeof out.spec.width === "number") {
      // Faceted views: panels one above the other take the width; wrapped panels share it.
      const columns = out.columns || (out.facet.column ? 2 : 1);
      const inner = Math.max(140, Math.floor((pixels - 110) / (pixels < 700 ? 1 : columns)));
      out = { ...out, spec: { ...out.spec, width: Math.min(out.spec.width * 1.4, inner) } };
      if (pixels < 700 && out.columns) out.columns = 1;
    } else if (Array.isArray(out.hconcat) && pixels < 700) {
      // Side-by-side views stack on a narrow screen.
      const inner = Math.max(160, pixels - 110);
      const { hconcat, ...rest } = out;
      out = { ...rest, vconcat: hconcat.map((view) => ({ ...view, width: inner })) };
    }
    return out;
  }

  window.corridorFit = { fitWidth, wrapWords };
})();
