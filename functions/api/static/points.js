// An advocate's points page (GET /api/me/points): rank progress, badges and the next one,
// replies with their reach and points, the points history with reasons, and the feedback
// employees left. Loaded after app.js (deferred), it adds its view beside app.js's views and
// uses app.js's helpers (el, api, number, VIEWS); start() runs on DOMContentLoaded, after it.
"use strict";

(() => {
  const REASONS = {
    reply_posted: "Reply posted", within_sla: "Within the SLA", speed_bonus: "Speed bonus",
    approved_unedited: "Approved without edits", reach_bonus: "Reach bonus",
    author_thanks: "Thanked by the author", reply_rejected: "Reply rejected", reply_removed: "Reply removed",
  };
  const table = (id, caption, heads) => el("div", { class: "table-wrap" },
    el("table", { id }, el("caption", { class: "sr-only" }, caption),
      el("thead", {}, el("tr", {}, heads.map((h) => el("th", { scope: "col" }, h)))), el("tbody")));
  const empty = (cols, text) => el("tr", {}, el("td", { colspan: cols, class: "muted" }, text));
  const figures = (f) => Object.entries(f || {}).filter(([k]) => k !== "author").map(([k, v]) => `${k.replace(/_/g, " ")} ${v}`).join(", ");

  document.getElementById("main").append(
    el("section", { id: "view-points", class: "view", "aria-labelledby": "points-title", hidden: true },
      el("h1", { id: "points-title" }, "My points"),
      el("p", { id: "points-rank" }),
      el("h2", {}, "Badges"), el("ul", { id: "points-badges" }), el("p", { id: "points-next", class: "muted" }),
      el("h2", {}, "Replies"), table("points-replies", "Your replies, their reach and points", ["Reply", "Status", "Likes", "Reposts", "Replies", "Points"]),
      el("h2", {}, "History"), table("points-history", "Every movement of your points", ["When", "Reason", "Points", "Figures"]),
      el("h2", {}, "Feedback"), el("ul", { id: "points-feedback" })));

  async function loadPoints() {
    const data = await api("GET", "/api/me/points");
    const r = data.rank;
    $("#points-rank").textContent = `${number(data.points)} points: ${r.rank}` +
      (r.next_rank ? ` (${number(r.points_to_next)} to ${r.next_rank})` : " (the top rank)");
    $("#points-badges").replaceChildren(...(data.badges.length ? data.badges.map((b) => el("li", {}, b.title)) : [el("li", { class: "muted" }, "No badges yet.")]));
    const next = data.next_badge;
    $("#points-next").textContent = next ? `Next: ${next.title} (${number(next.progress)} of ${number(next.goal)})` : "";
    const replies = data.replies.map((x) => el("tr", {},
      el("td", {}, x.url ? el("a", { href: x.url, target: "_blank", rel: "noopener" }, x.mention_id) : x.mention_id),
      el("td", {}, x.status),
      ...["likes", "reposts", "replies"].map((k) => el("td", { class: "num" }, x.reach ? number(x.reach[k]) : "–")),
      el("td", { class: "num" }, number(x.points))));
    $("#points-replies tbody").replaceChildren(...(replies.length ? replies : [empty(6, "No replies yet.")]));
    const history = data.history.map((h) => el("tr", {},
      el("td", {}, new Date(h.at).toLocaleString()), el("td", {}, REASONS[h.reason] || h.reason),
      el("td", { class: "num" }, (h.points > 0 ? "+" : "") + number(h.points)), el("td", { class: "muted" }, figures(h.figures))));
    $("#points-history tbody").replaceChildren(...(history.length ? history : [empty(4, "No points yet.")]));
    const feedback = data.feedback.map((f) => el("li", {},
      el("strong", {}, f.status === "rejected" ? "Rejected: " : "Edited before posting: "), f.note || "(no note)",
      f.edited ? el("div", { class: "muted" }, `You wrote: ${f.original_text}`) : null));
    $("#points-feedback").replaceChildren(...(feedback.length ? feedback : [el("li", { class: "muted" }, "No feedback yet.")]));
  }

  const at = VIEWS.findIndex((v) => v.id === "leaderboard");
  VIEWS.splice(at + 1, 0, { id: "points", label: "My points", load: loadPoints });
})();
