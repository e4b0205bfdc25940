// CrowdCare Analytics screen: plain JS and SVG drawn here (no build step, no library).
// app.js lists the view and calls CrowdCareAnalytics.load(api, me) with its API helper.
"use strict";

(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const SENTIMENTS = ["negative", "mixed", "neutral", "positive"];
  const FILTERS = ["platform", "language", "route", "topic", "band"];
  const W = 460, H = 200, PAD = { l: 44, r: 12, t: 12, b: 28 };

  function h(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v);
    for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    return node;
  }
  function s(tag, attrs = {}, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  const pct = (x) => (x === null || x === undefined ? "–" : `${Math.round(x * 100)}%`);
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    if (seconds < 90) return `${Math.round(seconds)} s`;
    if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
    return `${(seconds / 3600).toFixed(1)} h`;
  }
  const label = (bucket) => bucket.replace(/^day#\d{4}-/, "").replace(/^hour#.*T/, "") ;

  function chart(title, caption, draw) {
    const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": caption, class: "an-chart" });
    draw(svg);
    return h("figure", { class: "an-figure panel" }, h("h2", {}, title), svg, h("figcaption", { class: "muted" }, caption));
  }
  function axes(svg, max, n, labels, fmt) {
    const x0 = PAD.l, y0 = H - PAD.b, ih = H - PAD.t - PAD.b;
    for (const f of [0, 0.5, 1]) {
      const y = y0 - f * ih;
      svg.append(s("line", { x1: x0, x2: W - PAD.r, y1: y, y2: y, class: "an-grid" }));
      svg.append(s("text", { x: x0 - 6, y: y + 4, "text-anchor": "end", class: "an-tick" }, fmt(max * f)));
    }
    const step = Math.max(1, Math.ceil(n / 7));
    labels.forEach((text, i) => {
      if (i % step) return;
      svg.append(s("text", { x: xAt(i, n) , y: H - 8, "text-anchor": "middle", class: "an-tick" }, text));
    });
  }
  function xAt(i, n) { return PAD.l + (n <= 1 ? 0.5 : i / (n - 1)) * (W - PAD.l - PAD.r); }
  function yAt(v, max) { return H - PAD.b - (max ? v / max : 0) * (H - PAD.t - PAD.b); }

  function lines(series, keys, fmt) {
    return (svg) => {
      const values = series.flatMap((b) => keys.map((k) => b.figures[k.key] || 0));
      const max = Math.max(1, ...values);
      axes(svg, max, series.length, series.map((b) => label(b.bucket)), fmt);
      for (const k of keys) {
        let d = "", pen = "M";
        series.forEach((b, i) => {
          const v = b.figures[k.key];
          if (v === null || v === undefined) { pen = "M"; return; } // a gap stays a gap
          d += `${pen}${xAt(i, series.length).toFixed(1)},${yAt(v, max).toFixed(1)} `; pen = "L";
          svg.append(s("circle", { cx: xAt(i, series.length), cy: yAt(v, max), r: 2.5, class: `an-dot ${k.cls}` }));
        });
        if (d) svg.append(s("path", { d, class: `an-line ${k.cls}` }));
      }
    };
  }
  function stacked(series, parts, valueOf) {
    return (svg) => {
      const totals = series.map((b) => parts.reduce((t, p) => t + valueOf(b, p), 0));
      const max = Math.max(1, ...totals);
      axes(svg, max, series.length, series.map((b) => label(b.bucket)), (v) => String(Math.round(v)));
      const bw = Math.max(2, ((W - PAD.l - PAD.r) / Math.max(series.length, 1)) * 0.6);
      series.forEach((b, i) => {
        let y = H - PAD.b;
        for (const p of parts) {
          const v = valueOf(b, p);
          if (!v) continue;
          const hgt = (v / max) * (H - PAD.t - PAD.b);
          y -= hgt;
          const rect = s("rect", { x: xAt(i, series.length) - bw / 2, y, width: bw, height: hgt, class: `an-bar an-${p}` });
          rect.append(s("title", {}, `${label(b.bucket)} ${p}: ${v}`));
          svg.append(rect);
        }
      });
    };
  }
  function topics(list) {
    return (svg) => {
      const max = Math.max(1, ...list.map((t) => t.mentions));
      const row = (H - PAD.t) / Math.max(list.length, 5);
      list.forEach((t, i) => {
        const y = PAD.t + i * row, full = ((W - 230) * t.mentions) / max;
        const neg = full * (t.negative_share || 0);
        svg.append(s("text", { x: 96, y: y + row * 0.65, "text-anchor": "end", class: "an-tick" }, t.topic));
        svg.append(s("rect", { x: 104, y: y + 2, width: full, height: row - 4, class: "an-bar an-neutral" }));
        svg.append(s("rect", { x: 104, y: y + 2, width: neg, height: row - 4, class: "an-bar an-negative" }));
        svg.append(s("text", { x: 110 + full, y: y + row * 0.65, class: "an-tick" }, `${t.mentions} · ${pct(t.negative_share)} neg.`));
      });
      if (!list.length) svg.append(s("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "an-tick" }, "No topics in this period."));
    };
  }

  function tiles(t) {
    const tile = (name, value) => h("div", { class: "an-tile" }, h("span", { class: "an-value" }, value), h("span", { class: "muted" }, name));
    return h("div", { class: "an-tiles" },
      tile("mentions", String(t.received)), tile("response rate", pct(t.response_rate)),
      tile("median first response", duration(t.first_response_median_seconds)),
      tile("p90 first response", duration(t.first_response_p90_seconds)),
      tile("within SLA", pct(t.sla_attainment)), tile("answered by the community", pct(t.advocate_share)));
  }

  function controls(query, onChange) {
    const days = h("select", { id: "an-days", "aria-label": "Period" },
      ...[7, 14, 30, 90].map((d) => h("option", { value: d, selected: d === query.days ? "" : null }, `Last ${d} days`)));
    const grain = h("select", { id: "an-grain", "aria-label": "Grain" },
      h("option", { value: "day", selected: query.grain === "day" ? "" : null }, "per day"),
      h("option", { value: "hour", selected: query.grain === "hour" ? "" : null }, "per hour"));
    const kind = h("select", { id: "an-filter", "aria-label": "Filter by" }, h("option", { value: "" }, "All mentions"),
      ...FILTERS.map((f) => h("option", { value: f, selected: query.filter === f ? "" : null }, f)));
    const value = h("input", { id: "an-value", "aria-label": "Filter value", placeholder: "e.g. x, en, billing, P1", value: query.value || "" });
    const apply = h("button", { type: "submit", class: "primary" }, "Show");
    const form = h("form", { class: "an-controls" }, days, grain, kind, value, apply);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      onChange({ days: Number(days.value), grain: grain.value, filter: kind.value, value: value.value.trim() });
    });
    return form;
  }

  function pathFor(query) {
    const to = new Date(), from = new Date(to.getTime() - (query.days - 1) * 86400000);
    const iso = (d) => d.toISOString().slice(0, 10);
    const params = new URLSearchParams({ from: iso(from), to: iso(to), grain: query.grain });
    if (query.filter && query.value) params.set(query.filter, query.value);
    return `/api/analytics?${params}`;
  }

  const state = { query: { days: 14, grain: "day", filter: "", value: "" } };

  async function load(api, me) {
    const root = document.getElementById("view-analytics");
    const report = await api("GET", pathFor(state.query));
    const optional = async (path) => { try { return await api("GET", path); } catch { return null; } };
    const alerts = await optional("/api/alerts");
    const isAdmin = me && me.roles && me.roles.includes("admin");
    const faq = isAdmin ? await optional("/api/faq?format=json") : null;
    const t = report.totals, series = report.series;
    const banner = alerts && alerts.items && alerts.items.length
      ? h("div", { class: "an-banner", role: "alert" }, ...alerts.items.map((a) => h("p", {}, `⚠ ${a.reason} (${new Date(a.timestamp).toLocaleString()})`)))
      : null;
    root.replaceChildren(...[
      h("div", { class: "view-head" }, h("h1", { id: "analytics-title" }, "Analytics"),
        h("p", { class: "muted" }, `${report.start} to ${report.end} · ${report.dimension.replace("#", ": ")}`)),
      banner,
      controls(state.query, (q) => {
        state.query = q;
        load(api, me).catch((e) => { document.getElementById("an-error").textContent = e.message; });
      }),
      h("p", { id: "an-error", class: "error", role: "alert" }),
      tiles(t),
      h("div", { class: "an-grid2" },
        chart("Response time", "Median (p50) and p90 time to first response, minutes",
          lines(series.map((b) => ({ bucket: b.bucket, figures: {
            p50: b.figures.first_response_median_seconds === null ? null : b.figures.first_response_median_seconds / 60,
            p90: b.figures.first_response_p90_seconds === null ? null : b.figures.first_response_p90_seconds / 60 } })),
          [{ key: "p50", cls: "an-p50" }, { key: "p90", cls: "an-p90" }], (v) => v.toFixed(0))),
        chart("Volume by sentiment", "Mentions received, by sentiment (stacked)",
          stacked(series, SENTIMENTS, (b, p) => b.figures.sentiment[p] || 0)),
        chart("Community share", "Replies by advocates and by employees",
          stacked(series.map((b) => ({ bucket: b.bucket, figures: b.figures })), ["advocate", "employee"],
            (b, p) => Math.round((b.figures[`${p}_share`] || 0) * b.figures.replied))),
        chart("Top topics", "Mentions per topic; the red part is negative", topics(t.top_topics.slice(0, 8)))),
      h("div", { class: "an-legend muted" },
        ...[["p50", "median"], ["p90", "p90"], ["negative", "negative"], ["mixed", "mixed"], ["neutral", "neutral"],
            ["positive", "positive"], ["advocate", "advocates"], ["employee", "employees"]]
          .map(([cls, text]) => h("span", {}, h("i", { class: `an-key an-${cls}` }), text))),
      faq ? faqPanel(faq) : null,
    ].filter(Boolean));
  }

  // The export needs the bearer token, so it is fetched and handed to the browser as a file.
  function exportLink(format) {
    const link = h("a", { href: `#analytics`, "data-export": format }, format.toUpperCase());
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      const response = await fetch(`api/faq?format=${format}`, {
        headers: { Authorization: `Bearer ${sessionStorage.getItem("cc.token")}` },
      });
      if (!response.ok) { document.getElementById("an-error").textContent = "The export failed."; return; }
      const file = h("a", { href: URL.createObjectURL(await response.blob()), download: `faq-candidates.${format}` });
      document.body.append(file); file.click(); file.remove();
    });
    return link;
  }

  function faqPanel(run) {
    const rows = (run.candidates || []).map((c) => h("tr", {},
      h("td", {}, c.label), h("td", {}, c.kind + (c.root_cause ? " · rising" : "")), h("td", {}, String(c.size)),
      h("td", {}, `${c.trend >= 0 ? "+" : ""}${Math.round(c.trend * 100)}%`), h("td", {}, pct(c.negative_share)),
      h("td", {}, c.representative), h("td", {}, c.best_answer || "–")));
    return h("section", { class: "panel", "aria-labelledby": "faq-title" },
      h("h2", { id: "faq-title" }, "FAQ candidates"),
      h("p", { class: "muted" }, run.run_at ? `Clustered ${new Date(run.run_at).toLocaleString()}. Export: ` : "No run yet. ",
        exportLink("csv"), " · ", exportLink("json")),
      h("div", { class: "table-wrap" }, h("table", { id: "faq" },
        h("thead", {}, h("tr", {}, ...["Need", "Kind", "Size", "Trend", "Negative", "Example", "Best answer"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No candidates yet."))))));
  }

  window.CrowdCareAnalytics = { load, pathFor };
})();
