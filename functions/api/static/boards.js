// Leaderboards by period, overall or for one language or one topic, a page at a time, with each
// advocate's rank and badges (GET /api/leaderboard?period=&language=|topic=&cursor=: a page's
// `next` is the cursor of the one after; the cursors seen make "Previous page"). Loaded after
// app.js (deferred), it adds its selector and table to the Leaderboard view and runs after that
// view's own load.
"use strict";

(() => {
  const PAGE_SIZE = 20;
  const BADGES = { first_reply: "First reply", language_replies: "Language replies", wide_reach: "Wide reach", thanked: "Thanked", clean_month: "Clean month" };
  const board = { period: "month", scope: "", cursors: [null] }; // the cursor of each page seen

  const select = (id, label, options) => [
    el("label", { for: id }, label),
    el("select", { id, name: id.replace("board-", "") }, options.map(([value, text]) => el("option", { value }, text))),
  ];
  const form = el("form", { id: "board-form", class: "filters", "aria-label": "Choose a leaderboard" },
    ...select("board-period", "Period", [["week", "This week"], ["month", "This month"], ["all", "All time"]]),
    ...select("board-scope", "Board", [["", "Everyone"]]));
  const table = el("div", { class: "table-wrap" }, el("table", { id: "board-page" },
    el("caption", { id: "board-caption" }),
    el("thead", {}, el("tr", {}, ["#", "Responder", "Level", "Badges", "Replies", "Points"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody")));
  const pager = el("div", { id: "board-pager", class: "actions" });
  document.getElementById("view-leaderboard").append(el("h2", {}, "Boards"), form, table, pager);

  // The scope select offers every language and topic the server names: "lang:es", "topic:app".
  function fillScopes(choices) {
    const scope = $("#board-scope");
    if (scope.options.length > 1) return;
    scope.append(
      el("optgroup", { label: "Language" }, choices.languages.map((l) => el("option", { value: `language:${l}` }, l))),
      el("optgroup", { label: "Topic" }, choices.topics.map((t) => el("option", { value: `topic:${t}` }, t))));
  }

  async function loadBoard() {
    const query = new URLSearchParams({ period: board.period, page_size: PAGE_SIZE });
    const cursor = board.cursors[board.cursors.length - 1];
    if (cursor) query.set("cursor", cursor);
    if (board.scope) { const [kind, value] = board.scope.split(/:(.*)/); query.set(kind, value); }
    const data = await api("GET", `/api/leaderboard?${query}`);
    fillScopes(data.choices);
    const me = state.me.username;
    const scope = data.language ? `in ${data.language}` : data.topic ? `on ${data.topic}` : "everyone";
    $("#board-caption").textContent = `${$("#board-period").selectedOptions[0].text}, ${scope}`;
    const rows = data.items.map((s) => el("tr", { class: s.responder_id === me ? "me" : null },
      el("td", {}, s.rank), el("td", {}, s.name), el("td", {}, s.level),
      el("td", {}, s.badges.map((b) => BADGES[b] || b).join(", ")),
      el("td", { class: "num" }, number(s.replies)), el("td", { class: "num" }, number(s.points))));
    $("#board-page tbody").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No points on this board yet."))]));
    const page = board.cursors.length;
    const go = (cursors) => { board.cursors = cursors; loadBoard().catch((e) => alertBox(e.message)); };
    pager.replaceChildren(
      page > 1 ? el("button", { type: "button", onclick: () => go(board.cursors.slice(0, -1)) }, "Previous page") : null,
      el("span", { class: "muted" }, `Page ${page}`),
      data.next ? el("button", { type: "button", onclick: () => go([...board.cursors, data.next]) }, "Next page") : null);
  }

  form.addEventListener("change", () => {
    board.period = $("#board-period").value; board.scope = $("#board-scope").value; board.cursors = [null];
    loadBoard().catch((e) => alertBox(e.message));
  });
  $("#board-period").value = board.period;

  const view = VIEWS.find((v) => v.id === "leaderboard");
  const loadStandings = view.load;
  view.load = async () => { await loadStandings(); await loadBoard(); };
})();
