// MTH Search web page: talks only to this service's /v1 JSON API with the X-Api-Key header.
// The key lives in sessionStorage (this tab only); nothing else is stored. No inline script or style (CSP).
const KEY_ITEM = "mth.apiKey";
const $ = (id) => document.getElementById(id);

class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
  }
}

function apiKey() {
  return sessionStorage.getItem(KEY_ITEM) || "";
}

function headers() {
  const key = apiKey();
  return key ? { "X-Api-Key": key } : {};
}

async function problemOf(response) {
  let title = response.statusText, detail = "";
  try {
    const body = await response.json();
    title = body.title || title;
    detail = body.detail || "";
  } catch {
    // not a problem document: keep the status line
  }
  return new ApiError(response.status, title, detail);
}

async function api(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { ...headers(), ...(init.headers || {}) }, credentials: "omit", cache: "no-store" });
  if (!response.ok) {
    throw await problemOf(response);
  }
  return response.json();
}

const HINTS = {
  400: "The request was not valid.",
  401: "The API key was not accepted: enter a valid key above.",
  404: "Not found.",
  413: "The file is larger than the service accepts.",
  415: "The file is not DICOM Part 10, PNG or JPEG (or its DICOM encoding cannot be decoded).",
  422: "The image cannot be used.",
  503: "The service is not ready (no active model, or the index cannot be reached). Try again shortly.",
};

function showError(error) {
  const box = $("error");
  if (error instanceof ApiError) {
    const hint = HINTS[error.status] || "The request failed.";
    box.textContent = `${error.status} ${error.title}: ${hint}${error.message && error.message !== error.title ? " " + error.message : ""}`;
    box.dataset.status = String(error.status);
  } else {
    box.textContent = `The service cannot be reached: ${error.message}`;
    box.dataset.status = "network";
  }
  box.hidden = false;
}

function clearError() {
  const box = $("error");
  box.hidden = true;
  box.textContent = "";
  delete box.dataset.status;
}

async function run(action) {
  clearError();
  try {
    await action();
  } catch (error) {
    showError(error);
  }
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "class") node.className = value;
    else if (name === "data") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// A UID shortened to its ends; the full value on hover.
function uid(value) {
  if (!value) return el("span", { class: "muted" }, "unknown");
  const short = value.length > 22 ? `${value.slice(0, 8)}…${value.slice(-10)}` : value;
  return el("span", { class: "uid", title: value }, short);
}

function k() {
  const value = Number.parseInt($("k").value, 10);
  return Number.isFinite(value) && value > 0 ? value : 10;
}

// Thumbnails are fetched with the key and shown as blob: URLs (an <img src> cannot send the header).
const blobUrls = new Set();

function releaseThumbnails(container) {
  for (const img of container.querySelectorAll("img[src^='blob:']")) {
    URL.revokeObjectURL(img.src);
    blobUrls.delete(img.src);
  }
}

function thumbnail(sopInstanceUid) {
  const frame = el("div", { class: "thumb" }, "…");
  fetch(`/v1/instances/${encodeURIComponent(sopInstanceUid)}/thumbnail?size=160`, { headers: headers(), credentials: "omit" })
    .then(async (response) => {
      if (!response.ok) throw await problemOf(response);
      const url = URL.createObjectURL(await response.blob());
      blobUrls.add(url);
      frame.replaceChildren(el("img", { src: url, alt: `Instance ${sopInstanceUid}` }));
      frame.dataset.loaded = "true";
    })
    .catch((error) => {
      frame.textContent = error.status === 404 ? "no file" : "no image";
      frame.title = error.message;
      frame.dataset.loaded = "false";
    });
  return frame;
}

function details(pairs) {
  const list = el("dl");
  for (const [term, value] of pairs) {
    list.append(el("dt", {}, term), el("dd", {}, value));
  }
  return list;
}

async function loadStudies() {
  const body = $("studies").querySelector("tbody");
  const answer = await api("/v1/studies?limit=50");
  body.replaceChildren();
  $("studies-empty").hidden = answer.studies.length > 0;
  for (const study of answer.studies) {
    body.append(el("tr", { class: "study", data: { study: study.studyInstanceUid } },
      el("td", {}, uid(study.studyInstanceUid)),
      el("td", {}, study.modalities.join(", ") || "–"),
      el("td", { class: "num" }, String(study.instances)),
      el("td", { class: "num" }, String(study.series)),
      el("td", {}, el("div", { class: "actions" },
        el("button", { type: "button", class: "similar-study", onclick: () => run(() => searchStudy(study.studyInstanceUid)) }, "Similar studies"),
        el("button", { type: "button", class: "open-study", onclick: () => run(() => openStudy(study.studyInstanceUid)) }, "Instances")))));
  }
}

async function openStudy(studyInstanceUid) {
  const answer = await api(`/v1/studies/${encodeURIComponent(studyInstanceUid)}/instances?limit=60`);
  const grid = $("instances");
  releaseThumbnails(grid);
  grid.replaceChildren();
  $("study-instances-uid").replaceChildren(uid(studyInstanceUid));
  $("study-instances-note").textContent = answer.total > answer.instances.length
    ? `The first ${answer.instances.length} of ${answer.total} instances.` : `${answer.total} instances.`;
  for (const instance of answer.instances) {
    grid.append(el("div", { class: "card instance", data: { sop: instance.sopInstanceUid } },
      thumbnail(instance.sopInstanceUid),
      details([["Modality", instance.modality || "–"], ["Series", uid(instance.seriesInstanceUid)], ["Instance", uid(instance.sopInstanceUid)]]),
      el("button", { type: "button", class: "similar-instance", onclick: () => run(() => searchInstance(instance.sopInstanceUid)) }, "Similar instances")));
  }
  $("study-instances").hidden = false;
}

function select(container, attribute, value) {
  for (const card of document.querySelectorAll(".card.selected, tr.selected")) card.classList.remove("selected");
  if (value) {
    for (const node of container.querySelectorAll(`[data-${attribute}="${CSS.escape(value)}"]`)) node.classList.add("selected");
  }
}

async function searchInstance(sopInstanceUid) {
  select($("instances"), "sop", sopInstanceUid);
  showResults(await api(`/v1/instances/${encodeURIComponent(sopInstanceUid)}/similar?k=${k()}`), `instance ${sopInstanceUid}`);
}

async function searchStudy(studyInstanceUid) {
  select($("studies"), "study", studyInstanceUid);
  showResults(await api(`/v1/studies/${encodeURIComponent(studyInstanceUid)}/similar?k=${k()}`), `study ${studyInstanceUid}`);
}

async function searchUpload() {
  const file = $("upload-file").files[0];
  if (!file) {
    throw new ApiError(400, "No file", "Choose a DICOM, PNG or JPEG file first.");
  }
  select(document, "none", null);
  const form = new FormData();
  form.append("file", file, file.name);
  const level = $("upload-level").value;
  showResults(await api(`/v1/similar?k=${k()}&level=${encodeURIComponent(level)}`, { method: "POST", body: form }), `uploaded ${file.name}`);
}

function showResults(answer, what) {
  const grid = $("results");
  releaseThumbnails(grid);
  grid.replaceChildren();
  const exact = answer.exact ? "" : " (not proven exact: the candidate limit was reached)";
  $("results-summary").textContent =
    `${answer.results.length} similar ${answer.level === "study" ? "studies" : "instances"} to ${what}, model ${answer.modelVersion}` +
    (answer.query.code ? `, query code ${answer.query.code}` : `, ${answer.query.queryCodes} query codes`) + exact + ".";
  $("results-summary").dataset.model = answer.modelVersion;
  for (const result of answer.results) {
    const rows = [
      ["Distance", el("span", { class: "distance" }, String(result.distance))],
      ["Modality", result.modality || "–"],
      ["Study", uid(result.studyInstanceUid)],
      ["Series", uid(result.seriesInstanceUid)],
      ["Instance", uid(result.sopInstanceUid)],
      ["Model", result.modelVersion],
    ];
    if (result.querySopInstanceUid) rows.push(["Matched", uid(result.querySopInstanceUid)]);
    grid.append(el("div", { class: "card result", data: { rank: String(result.rank), distance: String(result.distance), sop: result.sopInstanceUid, study: result.studyInstanceUid || "" } },
      thumbnail(result.sopInstanceUid),
      el("div", { class: "rank" }, `#${result.rank}`),
      details(rows)));
  }
}

function showKeyState() {
  $("key-state").textContent = apiKey() ? "Key set (kept only in this tab)" : "No key (kept only in this tab)";
}

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = $("api-key").value.trim();
  if (value) sessionStorage.setItem(KEY_ITEM, value);
  $("api-key").value = "";
  showKeyState();
  run(loadStudies);
});
$("key-forget").addEventListener("click", () => {
  sessionStorage.removeItem(KEY_ITEM);
  showKeyState();
});
$("studies-refresh").addEventListener("click", () => run(loadStudies));
$("upload-form").addEventListener("submit", (event) => {
  event.preventDefault();
  run(searchUpload);
});
window.addEventListener("pagehide", () => {
  for (const url of blobUrls) URL.revokeObjectURL(url);
});

showKeyState();
if (apiKey()) run(loadStudies);
