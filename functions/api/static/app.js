// CrowdCare responder dashboard: plain JS, no build step. Signs in against Cognito
// (USER_PASSWORD_AUTH), keeps the ID token in sessionStorage and calls the /api routes with it.
"use strict";

const CONFIG = JSON.parse(document.body.dataset.config);
const FEED_REFRESH_MS = 5000;  // the pause before the live-update poll tries again after an error
const $ = (sel, root = document) => root.querySelector(sel);
const COUNT_DEBOUNCE_MS = 250;
const state = { token: sessionStorage.getItem("cc.token"), me: null, view: null, drafts: {}, timer: null, deepLink: deepLinkFromUrl() };

// A notification's link: <root>/assignments/<mention id>?t=<token> (the page is served there
// with <base href="../">, so every relative URL still starts at the dashboard's root).
function deepLinkFromUrl() {
  const match = location.pathname.match(/\/assignments\/([^/]+)\/?$/);
  if (!match) return null;
  return { mentionId: decodeURIComponent(match[1]), token: new URLSearchParams(location.search).get("t") || "" };
}

// ------------------------------------------------------------------ small helpers
// A link the page renders goes to a place in the page (#...) or to an http(s) URL, nothing
// else: a javascript: or data: URL a platform (or a forged delivery) slipped through would run
// in the dashboard. Ingest stores only http(s) URLs; this guard holds even for older items.
function safeHref(value) {
  const text = String(value).trim();
  return text.startsWith("#") || /^https?:\/\/[^\s]/i.test(text) ? text : null;
}
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "href" && safeHref(value) === null) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
function say(message) {
  const box = $("#status");
  box.textContent = message;
  box.classList.add("show");
  clearTimeout(say.t);
  say.t = setTimeout(() => box.classList.remove("show"), 3500);
}
function alertBox(message) {
  const box = $("#alert");
  box.textContent = message || "";
  box.hidden = !message;
}
function number(n) { return new Intl.NumberFormat().format(n); }
function words(value) { return value.split(/[,;\s]+/).map((w) => w.trim()).filter(Boolean); }
function timeLeft(seconds) {
  const abs = Math.abs(seconds);
  const h = Math.floor(abs / 3600), m = Math.floor((abs % 3600) / 60);
  const text = h ? `${h} h ${m} min` : `${m} min`;
  return seconds < 0 ? `${text} overdue` : `${text} left`;
}
// The one deadline that applies: the band's target (or the one the workflow recorded).
function deadlineLine(band, dueAt) {
  const at = new Date(dueAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return `Answer by ${at} (the ${band} target)`;
}
function friendly(error) {
  if (!error) return "Something went wrong. Please try again.";
  if (error.details && error.details.length) {
    return error.details.map((d) => `${d.loc.replace(/_/g, " ")}: ${d.msg}`).join("; ");
  }
  return error.error ? error.error.charAt(0).toUpperCase() + error.error.slice(1) + "." : String(error);
}

// ------------------------------------------------------------------ API and sign-in
class ApiError extends Error {
  constructor(status, body) { super(friendly(body)); this.status = status; this.body = body; }
}
async function api(method, path, body, contentType = "application/json", renewed = false) {
  const session = state.session;
  const headers = { Authorization: `Bearer ${state.token}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = contentType;
    init.body = contentType === "application/json" ? JSON.stringify(body) : body;
  }
  let response;
  // Relative to the page, so the deployed stage prefix (/v1/) is kept.
  try { response = await fetch(path.replace(/^\//, ""), init); }
  catch { throw new ApiError(0, { error: "cannot reach the server; check your connection" }); }
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) {
    // A request of a session that has ended since (the feed's long poll outliving "sign out
    // everywhere") must not replace the sign-in form's message with its own.
    if (session !== state.session) throw new ApiError(401, data);
    if (!renewed && await refreshToken()) return api(method, path, body, contentType, true);
    if (session === state.session) signOut("Your session has ended. Please sign in again.");
    throw new ApiError(401, data);
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
async function cognito(target, body) {
  return fetch(CONFIG.cognitoEndpoint.replace(/\/$/, "") + "/", {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}` },
    body: JSON.stringify(body),
  }).catch(() => null);
}
// Keep the tokens of a sign-in: the ID token for the API, the refresh token to renew it.
function keepTokens(result) {
  state.token = result.IdToken;
  sessionStorage.setItem("cc.token", result.IdToken);
  if (result.RefreshToken) sessionStorage.setItem("cc.refresh", result.RefreshToken);
  return result.IdToken;
}
// The ID token lasts an hour: renew it silently with the refresh token (once per 401).
async function refreshToken() {
  const refresh = sessionStorage.getItem("cc.refresh");
  if (!refresh) return false;
  const response = await cognito("InitiateAuth", { AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: CONFIG.clientId, AuthParameters: { REFRESH_TOKEN: refresh } });
  if (!response || !response.ok) return false;
  const data = await response.json().catch(() => ({}));
  if (!data.AuthenticationResult) return false;
  keepTokens(data.AuthenticationResult);
  return true;
}
// Cognito's first sign-in of an invited user: choose a new password (NEW_PASSWORD_REQUIRED).
function askNewPassword() {
  $("#signin-form").hidden = true;
  const form = $("#newpass-form");
  form.hidden = false;
  form.newpass.focus();
  return new Promise((resolve) => { state.newPassword = resolve; });
}
async function signIn(username, password) {
  const response = await cognito("InitiateAuth", { AuthFlow: "USER_PASSWORD_AUTH", ClientId: CONFIG.clientId, AuthParameters: { USERNAME: username, PASSWORD: password } });
  if (!response) throw new Error("Cannot reach the sign-in service. Check your connection.");
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const kind = (data.__type || "").split("#").pop();
    if (kind === "NotAuthorizedException" || kind === "UserNotFoundException") throw new Error("Wrong username or password.");
    if (kind === "PasswordResetRequiredException") throw new Error("Your password must be reset: ask an admin.");
    throw new Error("Sign-in failed. Please try again.");
  }
  if (data.ChallengeName === "NEW_PASSWORD_REQUIRED") {
    let session = data.Session;
    for (;;) {
      const newPassword = await askNewPassword();
      const answer = await cognito("RespondToAuthChallenge", { ChallengeName: "NEW_PASSWORD_REQUIRED", ClientId: CONFIG.clientId, Session: session,
        ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword } });
      const result = answer ? await answer.json().catch(() => ({})) : {};
      if (answer && answer.ok && result.AuthenticationResult) {
        $("#newpass-form").hidden = true; $("#signin-form").hidden = false;
        return keepTokens(result.AuthenticationResult);
      }
      if (result.Session) session = result.Session;
      $("#newpass-error").textContent = (result.message || "That password was not accepted.") + " Try another.";
    }
  }
  if (!data.AuthenticationResult) throw new Error("Sign-in needs a step this page does not support: ask an admin.");
  return keepTokens(data.AuthenticationResult);
}
function signOut(message) {
  sessionStorage.removeItem("cc.token"); sessionStorage.removeItem("cc.refresh");
  state.token = null; state.me = null; state.session = (state.session || 0) + 1;
  $("#nav").hidden = true; $("#who").hidden = true;
  document.querySelectorAll(".view").forEach((v) => { v.hidden = true; });
  $("#view-signin").hidden = false;
  $("#signin-error").textContent = message || (state.deepLink ? "Sign in to open the mention your link is for." : "");
  // Keep a notification's link in the address bar until it has been opened after sign-in.
  if (!state.deepLink) history.replaceState(null, "", "#");
}

// ------------------------------------------------------------------ navigation
const VIEWS = [
  { id: "feed", label: "Feed", load: loadFeed },
  { id: "replies", label: "My replies", load: loadReplies },
  { id: "approvals", label: "Approvals", staff: true, load: loadApprovals },
  { id: "queue", label: "Queue", queue: true, load: loadQueue },
  { id: "leaderboard", label: "Leaderboard", load: loadLeaderboard },
  { id: "profile", label: "Profile", load: loadProfile },
  { id: "responders", label: "Responders", admin: true, load: loadResponders },
  { id: "rules", label: "Rules", admin: true, load: loadRules },
  { id: "analytics", label: "Analytics", staff: true, load: () => window.CrowdCareAnalytics.load(api, state.me) },
  { id: "saved", label: "Saved replies", admin: true, load: loadSaved },
];
function allowed(view) {
  const roles = state.me ? state.me.roles : [];
  if (view.admin) return roles.includes("admin");
  // Employees, and advocates of the configured rank (the server decides: may_take_from_queue).
  if (view.queue) return Boolean(state.me && state.me.may_take_from_queue);
  if (view.staff) return roles.includes("employee") || roles.includes("admin");
  return true;
}
function buildNav() {
  const nav = $("#nav");
  nav.replaceChildren(...VIEWS.filter(allowed).map((v) => el("a", { href: `#${v.id}`, "data-view": v.id }, v.label)));
  nav.hidden = false;
}
async function show(id) {
  const view = VIEWS.find((v) => v.id === id && allowed(v)) || VIEWS[0];
  state.view = view.id;
  document.querySelectorAll(".view").forEach((v) => { v.hidden = v.id !== `view-${view.id}`; });
  document.querySelectorAll("#nav a").forEach((a) => {
    if (a.dataset.view === view.id) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  });
  alertBox("");
  try { await view.load(); } catch (error) { if (error.status !== 401) alertBox(error.message); }
}
async function start() {
  $("#view-signin").hidden = true;
  state.me = await api("GET", "/api/me");
  $("#who-name").textContent = state.me.responder ? state.me.responder.name : state.me.username;
  $("#who").hidden = false;
  buildNav();
  if (state.deepLink) await openDeepLink(state.deepLink);
  else await show(location.hash.slice(1) || "feed");
  watchFeed();
}
// Live updates: a long poll returns as soon as the feed changes (or after 20 s unchanged);
// the feed is then reloaded in place (drafts and focus kept). One loop per sign-in.
async function watchFeed() {
  const session = (state.session = (state.session || 0) + 1);
  let version = "";
  while (state.token && session === state.session) {
    try {
      const answer = await api("GET", `/api/feed/changes?since=${encodeURIComponent(version)}&wait=20`);
      if (session !== state.session) return;
      if (answer.changed && version && state.view === "feed") await loadFeed();
      version = answer.version;
    } catch (e) {
      if (e.status === 401) return;
      await new Promise((resolve) => setTimeout(resolve, FEED_REFRESH_MS));
    }
  }
}

// ------------------------------------------------------------------ deep links
async function openDeepLink(link) {
  state.deepLink = null;
  const query = `t=${encodeURIComponent(link.token)}`;
  const verdict = await api("GET", `/api/assignments/${encodeURIComponent(link.mentionId)}/link?${query}`);
  history.replaceState(null, "", new URL("#feed", document.baseURI).href);
  if (!verdict.opens) {
    state.view = null;
    document.querySelectorAll(".view").forEach((v) => { v.hidden = v.id !== "view-link"; });
    document.querySelectorAll("#nav a").forEach((a) => a.removeAttribute("aria-current"));
    $("#link-message").textContent = verdict.message;
    $("#link-title").focus();
    return;
  }
  await show("feed");
  const card = document.querySelector(`#feed li.card[data-mention="${CSS.escape(link.mentionId)}"]`);
  if (card) {
    card.classList.add("linked");
    card.scrollIntoView({ block: "start" });
    const box = card.querySelector("textarea");
    if (box) box.focus();
  }
}

// ------------------------------------------------------------------ composer counter
// The server measures drafts with the rules it enforces on submission (X weighted, Bluesky
// graphemes, Mastodon URLs as 23): the counter shows its answer, never a guess of its own.
async function measureDraft(platform, text) {
  return api("POST", "/api/length", { platform, text });
}

// ------------------------------------------------------------------ feed
function card(item) {
  const draft = state.drafts[item.mention_id] || "";
  const textarea = el("textarea", { id: `reply-${item.mention_id}`, rows: 3, "aria-describedby": `count-${item.mention_id}` });
  textarea.value = draft;
  const counter = el("div", { class: "counter", id: `count-${item.mention_id}`, "aria-live": "polite" });
  const previewText = el("p");
  const sendButton = el("button", { type: "submit", class: "primary" }, "Send reply");
  const error = el("p", { class: "error", role: "alert" });
  let asked = 0;
  async function count() {
    const mine = ++asked;
    const text = textarea.value;
    if (!text.trim()) { counter.textContent = `0 / ${item.reply_limit}`; counter.classList.remove("over"); return; }
    try {
      const m = await measureDraft(item.platform, text);
      if (mine !== asked) return;  // a newer draft is being counted
      counter.textContent = `${number(m.length)} / ${number(m.limit)} ${m.unit}` + (m.max_bytes ? ` (${number(m.bytes)} / ${number(m.max_bytes)} bytes)` : "");
      counter.classList.toggle("over", !m.fits);
      sendButton.disabled = !m.fits;
    } catch (e) {
      if (mine === asked) { counter.textContent = "Cannot count right now; the server checks the length when you send."; sendButton.disabled = false; }
    }
  }
  function refresh() {
    sendButton.disabled = true;  // until the server has counted this draft
    counter.classList.remove("over");
    clearTimeout(refresh.t);
    refresh.t = setTimeout(count, COUNT_DEBOUNCE_MS);
    previewText.textContent = textarea.value.trim() || "Your reply appears here as it will be posted.";
    state.drafts[item.mention_id] = textarea.value;
  }
  textarea.addEventListener("input", refresh);
  refresh();
  // One live reply per mention: no composer while one waits, is being posted, or was posted.
  const pending = item.latest_reply && ["pending_approval", "approved", "posting", "posted"].includes(item.latest_reply.status);
  const form = el("form", {
    class: "composer",
    onsubmit: async (event) => {
      event.preventDefault(); error.textContent = ""; sendButton.disabled = true;
      try {
        const result = await api("POST", `/api/mentions/${encodeURIComponent(item.mention_id)}/reply`, { text: textarea.value });
        delete state.drafts[item.mention_id];
        say(result.status === "pending_approval" ? "Reply sent for approval." : "Reply sent: it is being posted. Points come once it is live.");
        await loadFeed();
      } catch (e) { error.textContent = e.message; sendButton.disabled = false; }
    },
  },
  el("label", { for: textarea.id }, `Reply to ${item.author.handle}`), savedPicker(item, textarea, refresh), textarea, counter,
  el("div", { class: "preview", "aria-label": "Preview" },
    el("div", { class: "who-line" }, `Preview on ${item.platform}, replying to ${item.author.handle}`), previewText),
  error, el("div", { class: "actions" }, sendButton, stillOnIt(item)));
  const reason = el("input", { id: `decline-${item.mention_id}`, placeholder: "e.g. outside my product knowledge" });
  const declineError = el("p", { class: "error", role: "alert" });
  const decline = el("details", { class: "decline" }, el("summary", {}, "Can't answer this one?"),
    el("form", {
      onsubmit: async (event) => {
        event.preventDefault(); declineError.textContent = "";
        try {
          await api("POST", `/api/mentions/${encodeURIComponent(item.mention_id)}/decline`, { reason: reason.value });
          say("Handed back. Someone else will take it."); await loadFeed();
        } catch (e) { declineError.textContent = e.message; }
      },
    }, el("label", { for: reason.id }, "Reason"), reason, declineError,
    el("div", { class: "actions" }, el("button", { type: "submit", class: "danger" }, "Decline and hand back"))));
  const latest = item.latest_reply;
  const stateLine = latest ? el("div", { class: `state ${latest.status}` },
    latest.status === "pending_approval" ? "Your reply is waiting for an employee's approval."
      : latest.status === "rejected" ? `Your last reply was not approved: “${latest.note}”. Try again below.`
        : latest.status === "failed" ? `Your last reply could not be posted (${latest.last_error || "the platform refused it"}). No points were lost; try again below.`
          : latest.status === "posted" ? "Your reply is posted." : "Your reply is being posted.") : null;
  const due = el("span", { class: `due ${item.seconds_left < 0 ? "late" : item.seconds_left < 900 ? "soon" : ""}` }, timeLeft(item.seconds_left));
  return el("li", { class: `card ${item.band}`, "data-mention": item.mention_id, tabindex: -1 },
    el("article", { "aria-label": `Mention from ${item.author.handle}` },
      el("div", { class: "meta" },
        el("span", { class: `badge ${item.band}` }, item.band), el("span", {}, `priority ${item.priority}`),
        el("span", { class: "author" }, item.author.handle, item.author.verified ? el("span", { class: "verified", title: "verified" }, " ✔") : null),
        el("span", {}, `${number(item.author.followers)} followers`),
        el("span", { class: "badge soft" }, item.platform), item.language ? el("span", {}, item.language) : null, ...chips(item), due),
      item.thread.map((t) => el("div", { class: "thread" }, el("strong", {}, t.handle ? `${t.handle}: ` : ""), t.text)),
      el("p", { class: "post" }, item.text),
      item.url ? el("a", { href: item.url, target: "_blank", rel: "noopener" }, "Open on the platform") : null,
      earlierMentions(item.earlier),
      el("details", { class: "reasons" }, el("summary", {}, "Why this came to you"),
        el("ul", {}, el("li", {}, deadlineLine(item.band, item.due_at)), item.reasons.map((r) => el("li", {}, r)))),
      stateLine, pending ? null : form, decline));
}
// Saved replies for the mention's language (and every language), placeholders filled in.
function fillPlaceholders(text, item) {
  const name = state.me && state.me.responder ? state.me.responder.name : "";
  return text.replaceAll("{author}", item.author.handle).replaceAll("{name}", name);
}
function savedPicker(item, textarea, refresh) {
  const offered = (state.savedReplies || []).filter((r) => !r.language || r.language === item.language);
  if (!offered.length) return null;
  const select = el("select", { id: `saved-${item.mention_id}`, class: "saved", "aria-label": "Insert a saved reply" },
    el("option", { value: "" }, "Insert a saved reply…"), offered.map((r, i) => el("option", { value: String(i) }, r.title)));
  select.addEventListener("change", () => {
    const chosen = offered[Number(select.value)];
    if (!chosen) return;
    const text = fillPlaceholders(chosen.text, item);
    const at = textarea.selectionStart ?? textarea.value.length;
    textarea.setRangeText(text, at, textarea.selectionEnd ?? at, "end");
    select.value = ""; textarea.focus(); refresh();
  });
  return select;
}
function stillOnIt(item) {
  return el("button", {
    type: "button", class: "still",
    onclick: async () => {
      try { await api("POST", `/api/mentions/${encodeURIComponent(item.mention_id)}/heartbeat`); say("Noted: you are still on it."); }
      catch (e) { say(e.message); }
    },
  }, "Still on it");
}
// Feed filters: the search box and the platform / language / priority / status choices.
function feedFilter(item) {
  const f = $("#feed-filters");
  const q = f.q.value.trim().toLowerCase();
  const status = item.latest_reply ? item.latest_reply.status : "open";
  return (!q || `${item.text} ${item.author.handle} ${item.topics.join(" ")}`.toLowerCase().includes(q))
    && (!f.platform.value || item.platform === f.platform.value)
    && (!f.language.value || item.language === f.language.value)
    && (!f.band.value || item.band === f.band.value)
    && (!f.status.value || status === f.status.value);
}
function fillChoices(select, values) {
  const current = select.value;
  select.replaceChildren(el("option", { value: "" }, select.dataset.all), ...[...new Set(values)].filter(Boolean).sort().map((v) => el("option", { value: v }, v)));
  select.value = [...select.options].some((o) => o.value === current) ? current : "";
}
function renderFeed() {
  const items = state.feedItems || [];
  const f = $("#feed-filters");
  fillChoices(f.platform, items.map((i) => i.platform));
  fillChoices(f.language, items.map((i) => i.language));
  fillChoices(f.band, items.map((i) => i.band));
  const shown = items.filter(feedFilter);
  const list = $("#feed");
  list.replaceChildren(...shown.map(card));
  if (!items.length) list.append(el("li", { class: "empty" }, "Nothing assigned to you right now. We'll email you when something comes in."));
  else if (!shown.length) list.append(el("li", { class: "empty" }, "Nothing matches these filters."));
  $("#feed-summary").textContent = items.length ? `${shown.length} of ${items.length} open, most urgent first. Updates live.` : "";
}
async function loadFeed() {
  const focused = document.activeElement && document.activeElement.id;
  const [data, saved] = await Promise.all([api("GET", "/api/feed"), api("GET", "/api/saved-replies").catch(() => ({ items: [] }))]);
  state.savedReplies = saved.items;
  state.feedItems = data.items;
  renderFeed();
  if (focused) { const again = document.getElementById(focused); if (again) again.focus(); }
}

// ------------------------------------------------------------------ replies, approvals, queue
async function loadReplies() {
  const data = await api("GET", "/api/replies");
  const labels = { pending_approval: "Waiting for approval", approved: "Being posted", posting: "Being posted", posted: "Posted", rejected: "Not approved", failed: "Not posted" };
  $("#replies").replaceChildren(...data.items.map((r) => el("li", { class: "card" },
    el("div", { class: "meta" }, el("span", { class: "badge soft" }, labels[r.status] || r.status), el("span", {}, new Date(r.requested_at).toLocaleString())),
    el("p", { class: "post" }, r.text),
    r.status === "failed" ? el("div", { class: "state failed" }, `The platform said: ${r.last_error || "no reason given"}`) : null,
    r.posted && r.posted.url ? el("a", { href: r.posted.url, target: "_blank", rel: "noopener" }, "See it on the platform") : null,
    r.original_text ? el("p", { class: "muted" }, `Edited by an employee; you wrote: “${r.original_text}”`) : null,
    r.note ? el("div", { class: `state ${r.status}` }, `Note from ${r.decided_by}: ${r.note}`) : null)));
  if (!data.items.length) $("#replies").append(el("li", { class: "empty" }, "You have not replied to anything yet."));
}
async function loadApprovals() {
  const data = await api("GET", "/api/approvals");
  $("#approvals").replaceChildren(...data.items.map((a) => {
    const id = a.reply.reply_id;
    const text = el("textarea", { id: `approve-text-${id}`, rows: 3 }); text.value = a.reply.text;
    const note = el("input", { id: `approve-note-${id}`, placeholder: "Required when rejecting" });
    const error = el("p", { class: "error", role: "alert" });
    async function decide(action) {
      error.textContent = "";
      try {
        await api("POST", `/api/approvals/${encodeURIComponent(id)}`, { action, note: note.value, text: text.value !== a.reply.text ? text.value : null });
        say(action === "approve" ? "Approved: it is being posted." : "Rejected; the advocate will see your note."); await loadApprovals();
      } catch (e) { error.textContent = e.message; }
    }
    const m = a.mention;
    return el("li", { class: `card ${m.band || ""}`, "data-reply": id },
      el("div", { class: "meta" }, m.band ? el("span", { class: `badge ${m.band}` }, m.band) : null,
        m.priority !== null && m.priority !== undefined ? el("span", {}, `priority ${m.priority}`) : null,
        el("span", { class: "author" }, a.responder_name), el("span", {}, `answering ${m.author} on ${m.platform}`), ...chips(m),
        m.seconds_left !== null && m.seconds_left !== undefined ? el("span", { class: `due ${m.seconds_left < 0 ? "late" : m.seconds_left < 900 ? "soon" : ""}` }, timeLeft(m.seconds_left)) : null),
      (m.thread || []).map((t) => el("div", { class: "thread" }, el("strong", {}, t.handle ? `${t.handle}: ` : ""), t.text)),
      el("div", { class: "thread" }, m.text),
      m.url ? el("a", { href: m.url, target: "_blank", rel: "noopener" }, "Open on the platform") : null,
      earlierMentions(m.earlier),
      m.reasons && m.reasons.length ? el("details", { class: "reasons" }, el("summary", {}, "Why it is urgent"), el("ul", {}, m.reasons.map((r) => el("li", {}, r)))) : null,
      el("label", { for: text.id }, `Reply (up to ${a.reply_limit} characters)`), text,
      el("label", { for: note.id }, "Note for the advocate"), note, error,
      el("div", { class: "actions" },
        el("button", { type: "button", class: "primary", onclick: () => decide("approve") }, "Approve and post"),
        el("button", { type: "button", class: "danger", onclick: () => decide("reject") }, "Reject")));
  }));
  if (!data.items.length) $("#approvals").append(el("li", { class: "empty" }, "No replies are waiting. Nice."));
}
const QUEUE_PAGE = 20;
// The author's earlier mentions (newest first) with what was answered: a customer's history.
function earlierMentions(earlier) {
  if (!earlier || !earlier.length) return null;
  const answered = { pending_approval: "A reply is waiting for approval.", approved: "A reply is being posted.", posting: "A reply is being posted.",
    rejected: "A reply was written but not approved.", failed: "A reply could not be posted." };
  return el("details", { class: "earlier", open: true },
    el("summary", {}, `Earlier from this author (${earlier.length})`),
    el("ol", {}, earlier.map((e) => el("li", {},
      el("div", { class: "when" }, new Date(e.posted_at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }),
        e.url ? [" · ", el("a", { href: e.url, target: "_blank", rel: "noopener" }, "the post")] : null),
      el("div", { class: "said" }, e.text),
      e.reply_text ? el("div", { class: "answer" }, el("strong", {}, "We answered: "), e.reply_text)
        : el("div", { class: "answer none" }, answered[e.reply_status] || "Not answered.")))));
}
function chips(item) {
  return [
    item.sentiment ? el("span", { class: `badge soft sentiment ${item.sentiment}` }, item.sentiment) : null,
    ...(item.topics || []).map((t) => el("span", { class: "badge soft topic" }, t)),
  ];
}
async function loadQueue(offset = state.queueOffset || 0) {
  const data = await api("GET", `/api/queue?offset=${offset}&limit=${QUEUE_PAGE}`);
  state.queueOffset = offset;
  $("#queue").replaceChildren(...data.items.map((m) => {
    const error = el("p", { class: "error", role: "alert" });
    const take = el("button", { type: "button", class: "primary" }, "Take it");
    take.addEventListener("click", async () => {
      error.textContent = ""; take.disabled = true;
      try {
        await api("POST", `/api/queue/${encodeURIComponent(m.mention_id)}/take`);
        say("It's yours: it is being assigned to you and appears in your feed shortly.");
        await loadQueue(offset);
      } catch (e) {
        // 409 names who took it first ("emp.kim took this mention first.").
        error.textContent = e.message;
        if (e.status !== 409) take.disabled = false;
      }
    });
    return el("li", { class: `card ${m.band}`, "data-mention": m.mention_id },
      el("div", { class: "meta" }, el("span", { class: `badge ${m.band}` }, m.band || "–"), el("span", {}, `priority ${m.priority}`),
        el("span", { class: "author" }, m.author), el("span", { class: "badge soft" }, m.platform), m.language ? el("span", {}, m.language) : null, ...chips(m)),
      el("p", { class: "post" }, m.text),
      m.url ? el("a", { href: m.url, target: "_blank", rel: "noopener" }, "Open on the platform") : null,
      m.reasons && m.reasons.length ? el("details", { class: "reasons" }, el("summary", {}, "Why it is urgent"), el("ul", {}, m.reasons.map((r) => el("li", {}, r)))) : null,
      error, el("div", { class: "actions" }, take));
  }));
  if (!data.items.length) $("#queue").append(el("li", { class: "empty" }, "The queue is empty."));
  $("#queue-summary").textContent = data.total
    ? `${data.total} waiting, most urgent first. Showing ${offset + 1}–${offset + data.items.length}.` : "Mentions nobody could take yet, most urgent first.";
  const pager = $("#queue-pager");
  // (replaceChildren would write a null as the text "null")
  pager.replaceChildren(...[
    offset > 0 ? el("button", { type: "button", onclick: () => loadQueue(Math.max(0, offset - QUEUE_PAGE)) }, "Previous page") : null,
    data.next !== null ? el("button", { type: "button", onclick: () => loadQueue(data.next) }, "Next page") : null].filter(Boolean));
}

// ------------------------------------------------------------------ leaderboard, profile
async function loadLeaderboard() {
  const data = await api("GET", "/api/leaderboard");
  const me = state.me.username;
  for (const [key, table] of [["this_week", "#board-week"], ["all_time", "#board-all"]]) {
    const rows = data[key].map((s) => el("tr", { class: s.responder_id === me ? "me" : null },
      el("td", {}, s.rank), el("td", {}, s.name), el("td", { class: "num" }, s.replies), el("td", { class: "num" }, number(s.points))));
    $(`${table} tbody`).replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 4, class: "muted" }, "No points yet."))]));
  }
}
async function loadProfile() {
  state.me = await api("GET", "/api/me");
  const r = state.me.responder;
  const form = $("#profile-form");
  if (!r) { $("#profile-error").textContent = "You have no responder profile yet: ask an admin to add you."; return; }
  form.skills.value = r.skills.join(", "); form.languages.value = r.languages.join(", ");
  form.timezone.value = r.timezone; form.quiet_start.value = r.quiet_hours.start_hour; form.quiet_end.value = r.quiet_hours.end_hour;
  form.phone.value = r.phone || "";
  form.querySelectorAll("input[name=notify]").forEach((i) => { i.checked = i.value === state.me.notify; });
  $("#p-state").textContent = `${r.active ? "Active: you receive new mentions." : "Paused: you receive no new mentions."} Trust: ${state.me.trust} posted replies${state.me.roles.includes("advocate") && state.me.trust < state.me.trust_threshold ? ` (replies need approval until ${state.me.trust_threshold})` : ""}.`;
  $("#pause-toggle").textContent = r.active ? "Pause new mentions" : "Resume new mentions";
}
async function saveProfile(body, message) {
  $("#profile-error").textContent = "";
  try { await api("PUT", "/api/me", body); say(message); await loadProfile(); }
  catch (e) { $("#profile-error").textContent = e.message; }
}

// ------------------------------------------------------------------ admin
async function loadResponders() {
  const data = await api("GET", "/api/admin/responders");
  state.responders = data.items;
  $("#responders tbody").replaceChildren(...data.items.map((r) => el("tr", {},
    el("td", {}, r.responder_id), el("td", {}, r.name), el("td", {}, r.kind), el("td", {}, r.languages.join(", ")),
    el("td", {}, r.skills.join(", ")), el("td", {}, `${r.open_count} / ${r.max_open}`), el("td", {}, r.active ? "active" : "paused"),
    el("td", {}, el("button", { type: "button", class: "link", onclick: () => editResponder(r) }, `Edit ${r.name}`)))));
}
function editResponder(r) {
  const form = $("#responder-form");
  form.hidden = false; $("#responder-error").textContent = "";
  $("#responder-form-title").textContent = r ? `Edit ${r.name}` : "Add a responder";
  form.responder_id.value = r ? r.responder_id : ""; form.responder_id.readOnly = Boolean(r);
  form.name.value = r ? r.name : ""; form.email.value = r ? r.email : ""; form.kind.value = r ? r.kind : "advocate";
  form.languages.value = r ? r.languages.join(", ") : "en"; form.skills.value = r ? r.skills.join(", ") : "";
  form.max_open.value = r ? r.max_open : 5; form.active.checked = r ? r.active : true;
  form.dataset.base = JSON.stringify(r || {});
  form.name.focus();
}
async function loadRules() {
  const data = await api("GET", "/api/admin/rules");
  const e = data.effective, form = $("#rules-form");
  form.employee_priority.value = e.employee_priority; form.no_action_max_priority.value = e.no_action_max_priority;
  form.high_influence_followers.value = e.high_influence_followers; form.sla_minutes.value = Math.round(e.sla_seconds / 60);
  const bands = $("#rule-bands");
  const perBand = e.assignment && e.assignment.sla_seconds;
  bands.hidden = !perBand;
  bands.replaceChildren(el("legend", {}, "SLA target per band (minutes)"));
  if (perBand) for (const [band, seconds] of Object.entries(perBand)) {
    bands.append(el("label", { for: `sla-${band}` }, band), el("input", { id: `sla-${band}`, "data-band": band, type: "number", min: 1, value: Math.round(seconds / 60) }), " ");
  }
  $("#rule-json").value = JSON.stringify(data.document, null, 2);
}

// The saved-replies editor: one reply at a time (the server validates placeholders and titles).
async function loadSaved() {
  const data = await api("GET", "/api/admin/saved-replies");
  const rows = data.items.map((r) => el("tr", { "data-saved": r.id },
    el("td", {}, r.title), el("td", {}, r.language || "every"), el("td", {}, r.brand || "every"), el("td", { class: "saved-text" }, r.text),
    el("td", {}, el("button", { type: "button", class: "link", onclick: () => editSaved(r) }, `Edit ${r.title}`), " ",
      el("button", { type: "button", class: "link danger", onclick: () => deleteSaved(r) }, `Delete ${r.title}`))));
  $("#saved tbody").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 5, class: "muted" }, "No saved replies yet."))]));
}
function editSaved(r) {
  const form = $("#saved-form");
  form.hidden = false; $("#saved-error").textContent = "";
  $("#saved-form-title").textContent = r ? `Edit ${r.title}` : "Add a saved reply";
  form.dataset.id = r ? r.id : "";
  // (by id: a form's `title` property is its tooltip, not the field named "title")
  $("#s-title").value = r ? r.title : ""; $("#s-language").value = r ? r.language : ""; $("#s-brand").value = r ? r.brand : ""; $("#s-text").value = r ? r.text : "";
  $("#s-title").focus();
}
async function deleteSaved(r) {
  if (!confirm(`Delete the saved reply “${r.title}”?`)) return;
  try { await api("DELETE", `/api/admin/saved-replies/${encodeURIComponent(r.id)}`); say("Saved reply deleted."); await loadSaved(); }
  catch (e) { alertBox(e.message); }
}

// ------------------------------------------------------------------ keyboard shortcuts
const SHORTCUTS = [
  ["j", "Next mention"], ["k", "Previous mention"], ["r", "Reply to the selected mention"],
  ["Ctrl+Enter", "Send the reply being written"], ["d", "Decline the selected mention"],
  ["/", "Search the feed"], ["?", "Show or hide this help"], ["Esc", "Close this help / leave the reply box"],
];
function selectCard(step) {
  const cards = [...document.querySelectorAll("#feed li.card")];
  if (!cards.length) return;
  const current = cards.findIndex((c) => c.classList.contains("selected"));
  const next = cards[Math.min(cards.length - 1, Math.max(0, current + step))];
  cards.forEach((c) => c.classList.toggle("selected", c === next));
  next.scrollIntoView({ block: "nearest" });
  next.focus();
}
function selectedCard() { return document.querySelector("#feed li.card.selected") || document.querySelector("#feed li.card"); }
function toggleHelp(force) {
  const help = $("#shortcuts");
  help.hidden = force === undefined ? !help.hidden : !force;
  if (!help.hidden) $("#shortcuts-close").focus();
}
function onKey(event) {
  if (!state.me) return;
  const typing = ["TEXTAREA", "INPUT", "SELECT"].includes(event.target.tagName);
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA") {
    const form = event.target.closest("form"); if (form) { event.preventDefault(); form.requestSubmit(); }
    return;
  }
  if (event.key === "Escape") { toggleHelp(false); if (typing) event.target.blur(); return; }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "?") { event.preventDefault(); toggleHelp(); return; }
  if (state.view !== "feed") return;
  const handlers = {
    j: () => selectCard(1), k: () => selectCard(-1),
    r: () => { const c = selectedCard(); const box = c && c.querySelector("textarea"); if (box) box.focus(); },
    d: () => { const c = selectedCard(); const d = c && c.querySelector("details.decline"); if (d) { d.open = true; d.querySelector("input").focus(); } },
    "/": () => $("#feed-q").focus(),
  };
  if (handlers[event.key]) { event.preventDefault(); handlers[event.key](); }
}

// ------------------------------------------------------------------ wiring
document.addEventListener("DOMContentLoaded", () => {
  $("#signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target; const error = $("#signin-error"); error.textContent = "";
    if (!form.username.value || !form.password.value) { error.textContent = "Enter your username and password."; return; }
    const button = form.querySelector("button"); button.disabled = true;
    try {
      await signIn(form.username.value.trim(), form.password.value);
      form.password.value = "";
      await start();
    } catch (e) { error.textContent = e.message; $("#view-signin").hidden = false; }
    finally { button.disabled = false; }
  });
  $("#sign-out").addEventListener("click", () => signOut("You are signed out."));
  $("#sign-out-everywhere").addEventListener("click", async () => {
    $("#sessions-error").textContent = "";
    try { await api("POST", "/api/me/sign-out"); signOut("You are signed out on every device."); }
    catch (e) { if (e.status !== 401) $("#sessions-error").textContent = e.message; }
  });
  $("#newpass-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const f = event.target; $("#newpass-error").textContent = "";
    if (f.newpass.value.length < 8) { $("#newpass-error").textContent = "Use at least 8 characters."; return; }
    if (f.newpass.value !== f.newpass2.value) { $("#newpass-error").textContent = "The two passwords differ."; return; }
    if (state.newPassword) state.newPassword(f.newpass.value);
  });
  document.addEventListener("keydown", onKey);
  $("#shortcuts-list").replaceChildren(...SHORTCUTS.map(([key, what]) => el("div", {}, el("dt", {}, el("kbd", {}, key)), el("dd", {}, what))));
  $("#shortcuts-close").addEventListener("click", () => toggleHelp(false));
  $("#help-button").addEventListener("click", () => toggleHelp());
  $("#feed-filters").addEventListener("input", () => renderFeed());
  $("#saved-new").addEventListener("click", () => editSaved(null));
  $("#saved-cancel").addEventListener("click", () => { $("#saved-form").hidden = true; });
  $("#saved-form").addEventListener("submit", async (event) => {
    event.preventDefault(); $("#saved-error").textContent = "";
    const f = event.target;
    const body = { title: $("#s-title").value, text: $("#s-text").value, language: $("#s-language").value.trim().toLowerCase(), brand: $("#s-brand").value };
    try {
      if (f.dataset.id) await api("PUT", `/api/admin/saved-replies/${encodeURIComponent(f.dataset.id)}`, body);
      else await api("POST", "/api/admin/saved-replies", body);
      f.hidden = true; say("Saved reply stored."); await loadSaved();
    } catch (e) { $("#saved-error").textContent = e.message; }
  });
  $("#feed-filters").addEventListener("submit", (event) => event.preventDefault());
  window.addEventListener("hashchange", () => { if (state.me) show(location.hash.slice(1)); });
  $("#link-feed").addEventListener("click", (event) => { event.preventDefault(); history.replaceState(null, "", "#feed"); show("feed"); });
  $("#profile-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const f = event.target; const notify = f.querySelector("input[name=notify]:checked");
    const body = { skills: words(f.skills.value), languages: words(f.languages.value).map((w) => w.toLowerCase()), timezone: f.timezone.value.trim(),
      quiet_hours: { start_hour: Number(f.quiet_start.value), end_hour: Number(f.quiet_end.value) } };
    if (notify) body.notify = notify.value;
    if (f.phone.value.trim()) body.phone = f.phone.value.trim();
    saveProfile(body, "Profile saved.");
  });
  $("#pause-toggle").addEventListener("click", () => {
    const active = state.me.responder && state.me.responder.active;
    saveProfile({ active: !active }, active ? "Paused: no new mentions until you resume." : "Welcome back: new mentions can reach you.");
  });
  $("#import-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("#csv-file").files[0]; const out = $("#import-report");
    if (!file) { out.textContent = "Choose a CSV file first."; return; }
    try {
      const report = await api("POST", "/api/admin/responders/import", await file.text(), "text/csv");
      out.replaceChildren(el("ul", { class: "report" },
        el("li", { class: "good" }, `${report.created.length} added, ${report.updated.length} updated.`),
        report.errors.map((e) => el("li", { class: "bad" }, `Line ${e.line}${e.responder_id ? ` (${e.responder_id})` : ""}: ${e.problems.join("; ")}`))));
      await loadResponders();
    } catch (e) { out.replaceChildren(el("p", { class: "error" }, e.message)); }
  });
  $("#responder-new").addEventListener("click", () => editResponder(null));
  $("#responder-cancel").addEventListener("click", () => { $("#responder-form").hidden = true; });
  $("#responder-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = event.target; const base = JSON.parse(f.dataset.base || "{}");
    const body = { ...base, name: f.name.value.trim(), email: f.email.value.trim(), kind: f.kind.value, languages: words(f.languages.value),
      skills: words(f.skills.value), max_open: Number(f.max_open.value), active: f.active.checked };
    delete body.responder_id; delete body.open_count; delete body.reputation;
    try {
      await api("PUT", `/api/admin/responders/${encodeURIComponent(f.responder_id.value.trim())}`, body);
      f.hidden = true; say("Responder saved."); await loadResponders();
    } catch (e) { $("#responder-error").textContent = e.message; }
  });
  $("#rules-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = event.target; $("#rules-error").textContent = "";
    let doc;
    try { doc = JSON.parse($("#rule-json").value || "{}"); } catch { $("#rules-error").textContent = "The rules document is not valid JSON."; return; }
    doc.employee_priority = Number(f.employee_priority.value); doc.no_action_max_priority = Number(f.no_action_max_priority.value);
    doc.high_influence_followers = Number(f.high_influence_followers.value); doc.sla_seconds = Number(f.sla_minutes.value) * 60;
    const bands = document.querySelectorAll("#rule-bands input[data-band]");
    if (bands.length) {
      doc.assignment = doc.assignment || {};
      doc.assignment.sla_seconds = Object.fromEntries([...bands].map((i) => [i.dataset.band, Number(i.value) * 60]));
    }
    try { await api("PUT", "/api/admin/rules", doc); say("Rules saved. The workflow uses them within a minute."); await loadRules(); }
    catch (e) { $("#rules-error").textContent = e.message; }
  });
  if (state.token) start().catch((e) => { if (e.status !== 401) signOut(e.message); });
  else signOut();
});
