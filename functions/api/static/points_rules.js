// The points rules editor on the admin Rules screen (GET/PUT /api/admin/points-rules): the
// figures points are computed from, as a form, and the whole document as JSON for the rest
// (rank thresholds, reach weights). The server validates with the PointsRules model and names
// the field at fault; the form marks that field and says why. Loaded after app.js (deferred),
// it adds its form to the Rules view and runs after that view's own load.
"use strict";

(() => {
  // [field, label, input attributes]: the top-level figures an admin tunes most.
  const FIELDS = [
    ["reply_posted", "A posted reply", { type: "number", min: 0, max: 1000 }],
    ["reply_rejected", "A rejected reply (0 or less)", { type: "number", min: -1000, max: 0 }],
    ["within_sla", "Posted within the SLA", { type: "number", min: 0, max: 1000 }],
    ["speed_bonus", "Speed bonus", { type: "number", min: 0, max: 1000 }],
    ["speed_fraction", "Speed bonus within this share of the SLA", { type: "number", min: 0.01, max: 1, step: 0.01 }],
    ["approved_unedited", "Approved without edits", { type: "number", min: 0, max: 1000 }],
    ["author_thanks", "Thanked by the author", { type: "number", min: 0, max: 1000 }],
    ["reach_points_per_doubling", "Reach points per doubling of reach", { type: "number", min: 0, max: 100, step: 0.5 }],
    ["reach_cap", "Most reach points per reply", { type: "number", min: 0, max: 1000 }],
    ["max_replies_per_author_per_day", "Replies to one author a day that earn points", { type: "number", min: 1, max: 1000 }],
    ["employees_earn", "Employees earn points too", { type: "checkbox" }],
  ];
  const id = (field) => `pr-${field.replace(/_/g, "-")}`;

  const form = el("form", { id: "points-rules-form", class: "panel form-grid", novalidate: true, "aria-labelledby": "points-rules-title" },
    ...FIELDS.flatMap(([field, label, attrs]) => [
      el("label", { for: id(field) }, label),
      el("input", { id: id(field), name: field, ...attrs, "aria-describedby": `${id(field)}-error` }),
      el("span", { id: `${id(field)}-error`, class: "error field-error" }),
    ]),
    el("details", {}, el("summary", {}, "Advanced: the whole points rules document (JSON)"),
      el("label", { for: "points-rules-json" }, "Points rules document"),
      el("textarea", { id: "points-rules-json", rows: 10, spellcheck: "false" })),
    el("p", { id: "points-rules-error", class: "error", role: "alert" }),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary" }, "Save points rules")));
  document.getElementById("view-rules").append(el("h2", { id: "points-rules-title" }, "Points rules"), form);

  function clearErrors() {
    $("#points-rules-error").textContent = "";
    form.querySelectorAll("[aria-invalid]").forEach((i) => i.removeAttribute("aria-invalid"));
    form.querySelectorAll(".field-error").forEach((s) => { s.textContent = ""; });
  }

  // Mark each field the server named (its top-level name, for nested ones such as
  // ranks.thresholds.1.points the JSON document) and say what is wrong with it.
  function showErrors(error) {
    const details = (error.body && error.body.details) || [];
    $("#points-rules-error").textContent = error.message;
    for (const d of details) {
      const input = form.elements[d.loc.split(".")[0]] || $("#points-rules-json");
      input.setAttribute("aria-invalid", "true");
      const note = $(`#${input.id}-error`);
      if (note) note.textContent = d.msg;
    }
    const first = form.querySelector("[aria-invalid]");
    if (first) { if (first.id === "points-rules-json") first.closest("details").open = true; first.focus(); }
  }

  async function loadPointsRules() {
    const data = await api("GET", "/api/admin/points-rules");
    clearErrors();
    for (const [field, , attrs] of FIELDS) {
      const input = form.elements[field];
      if (attrs.type === "checkbox") input.checked = Boolean(data.effective[field]);
      else input.value = data.effective[field];
    }
    $("#points-rules-json").value = JSON.stringify(data.document, null, 2);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    let doc;
    try { doc = JSON.parse($("#points-rules-json").value || "{}"); }
    catch { showErrors({ message: "The points rules document is not valid JSON.", body: { details: [{ loc: "document", msg: "not valid JSON" }] } }); return; }
    for (const [field, , attrs] of FIELDS) {
      const input = form.elements[field];
      // An emptied box is sent as it is, so the server names it rather than a default hiding it.
      doc[field] = attrs.type === "checkbox" ? input.checked : (input.value === "" ? null : Number(input.value));
    }
    try { await api("PUT", "/api/admin/points-rules", doc); say("Points rules saved. Points use them from the next reply."); await loadPointsRules(); }
    catch (e) { if (e.status !== 401) showErrors(e); }
  });

  const rules = VIEWS.find((v) => v.id === "rules");
  const loadRoutingRules = rules.load;
  rules.load = async () => { await loadRoutingRules(); await loadPointsRules(); };
})();
