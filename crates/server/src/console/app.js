// hawiya console: plain JS, no external resources. Talks to the same API as any client.
"use strict";

const ROUTES = [
  { path: "/v1/ocr/id/front", label: "National ID — front", images: ["image"] },
  { path: "/v1/ocr/id/back", label: "National ID — back", images: ["image"] },
  { path: "/v1/ocr/passport", label: "Passport (MRZ)", images: ["image"] },
  { path: "/v1/ocr/driving_license", label: "Driving licence", images: ["image"] },
  { path: "/v1/ocr/car/license/front", label: "Vehicle licence — front", images: ["image"] },
  { path: "/v1/ocr/car/license/back", label: "Vehicle licence — back", images: ["image"] },
  { path: "/v1/ocr/license_plate", label: "License plate", images: ["image"] },
  { path: "/v1/ocr/classification", label: "Classify a document", images: ["image"] },
  { path: "/v1/ocr/face/compare", label: "Compare two faces", images: ["face_image1", "face_image2"], flags: ["liveness"] },
  { path: "/v1/ocr/face/match", label: "Match a selfie to the ID photo", images: ["image"], text: ["transaction_id"] },
  { path: "/v1/ocr/liveness/multi", label: "Liveness (three frames)", images: ["face_1", "face_2", "face_3"], text: ["transaction_id"] },
  { path: "/v1/ocr/aml/validate", label: "AML screening", images: [], text: ["idNumber", "name"] },
];

const $ = (id) => document.getElementById(id);
const session = {
  get key() { return sessionStorage.getItem("hawiya.key"); },
  get token() { return sessionStorage.getItem("hawiya.token"); },
  set(key, token, who) {
    sessionStorage.setItem("hawiya.key", key);
    sessionStorage.setItem("hawiya.token", token);
    sessionStorage.setItem("hawiya.who", who);
  },
  clear() { sessionStorage.clear(); },
};
const images = {}; // field -> { dataUrl, base64 }
let lastTransaction = null;

function showSignedIn() {
  const signedIn = !!session.token;
  $("signin").hidden = signedIn;
  $("workspace").hidden = !signedIn;
  $("signout").hidden = !signedIn;
  $("who").textContent = signedIn ? "signed in as " + sessionStorage.getItem("hawiya.who") : "not signed in";
}

$("signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("signin-error").textContent = "";
  const key = $("apikey").value.trim();
  const body = { userNameOrEmailAddress: $("user").value.trim(), password: $("password").value };
  const tenancy = $("tenancy").value.trim();
  if (tenancy) body.tenancyName = tenancy;
  const headers = { "Content-Type": "application/json", ApiKey: key };
  if (tenancy) headers.TenancyName = tenancy;
  try {
    const resp = await fetch("/api/credentials/Login", { method: "POST", headers, body: JSON.stringify(body) });
    const env = await resp.json();
    if (!resp.ok || env.error_code) throw new Error(env.error_message || resp.statusText);
    session.set(key, env.data.accessToken, body.userNameOrEmailAddress);
    showSignedIn();
  } catch (err) {
    $("signin-error").textContent = "Sign-in failed: " + err.message;
  }
});

$("signout").addEventListener("click", () => { session.clear(); showSignedIn(); });

function currentRoute() { return ROUTES.find((r) => r.path === $("route").value); }

function renderInputs() {
  const route = currentRoute();
  const box = $("inputs");
  box.textContent = "";
  for (const key of Object.keys(images)) delete images[key];
  for (const field of route.images) {
    const label = document.createElement("label");
    label.textContent = field + " ";
    const input = document.createElement("input");
    input.type = "file";
    input.accept = "image/jpeg,image/png";
    input.id = "file-" + field;
    input.dataset.field = field;
    input.addEventListener("change", async () => {
      if (input.files[0]) images[field] = await readFile(input.files[0]);
    });
    label.appendChild(input);
    box.appendChild(label);
  }
  for (const field of route.text || []) {
    const label = document.createElement("label");
    label.textContent = field + " ";
    const input = document.createElement("input");
    input.id = "text-" + field;
    if (field === "transaction_id" && lastTransaction) input.value = lastTransaction;
    if (field === "name") input.dir = "auto";
    label.appendChild(input);
    box.appendChild(label);
  }
  for (const flag of route.flags || []) {
    const label = document.createElement("label");
    label.className = "inline";
    const input = document.createElement("input");
    input.type = "checkbox";
    input.id = "flag-" + flag;
    label.append(input, " " + flag);
    box.appendChild(label);
  }
  $("webcam").hidden = route.images.length === 0;
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve({ dataUrl: reader.result, base64: reader.result.split(",", 2)[1] });
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

// Webcam: one photo into the first empty image field, or three frames 200 ms apart.
let stream = null;
$("cam-start").addEventListener("click", async () => {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    $("video").srcObject = stream;
    $("video").hidden = false;
    $("cam-shot").disabled = false;
    $("cam-three").disabled = false;
  } catch (err) {
    $("error").textContent = "Camera unavailable: " + err.message;
  }
});
function grab() {
  const v = $("video");
  const c = document.createElement("canvas");
  c.width = v.videoWidth; c.height = v.videoHeight;
  c.getContext("2d").drawImage(v, 0, 0);
  const dataUrl = c.toDataURL("image/jpeg", 0.85);
  return { dataUrl, base64: dataUrl.split(",", 2)[1] };
}
$("cam-shot").addEventListener("click", () => {
  const field = currentRoute().images.find((f) => !images[f]) || currentRoute().images[0];
  images[field] = grab();
});
$("cam-three").addEventListener("click", async () => {
  const fields = ["face_1", "face_2", "face_3"];
  $("route").value = "/v1/ocr/liveness/multi";
  renderInputs();
  for (const f of fields) {
    images[f] = grab();
    await new Promise((r) => setTimeout(r, 200));
  }
});

$("request-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const route = currentRoute();
  const body = { getExtractedData: $("extracted").checked };
  for (const field of route.images) {
    if (!images[field]) { $("error").textContent = "Choose an image for " + field; $("result").hidden = false; return; }
    body[field] = images[field].base64;
  }
  for (const field of route.text || []) {
    const v = $("text-" + field).value.trim();
    if (v) body[field] = v;
  }
  for (const flag of route.flags || []) body[flag] = $("flag-" + flag).checked;
  $("send").disabled = true;
  try {
    const resp = await fetch(route.path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ApiKey: session.key, Authorization: "Bearer " + session.token },
      body: JSON.stringify(body),
    });
    const env = await resp.json();
    if (resp.status === 401) { session.clear(); showSignedIn(); }
    showResult(route, resp.status, env);
  } catch (err) {
    $("error").textContent = "Request failed: " + err.message;
    $("result").hidden = false;
  } finally {
    $("send").disabled = false;
  }
});

function isQuad(v) {
  return Array.isArray(v) && v.length === 4 && v.every((p) => Array.isArray(p) && p.length === 2);
}

function showResult(route, status, env) {
  $("result").hidden = false;
  const ok = status === 200 && !env.error_code;
  $("status").textContent = status + (env.error_code ? " · " + env.error_code : "");
  $("status").className = "badge " + (ok ? "ok" : "bad");
  $("error").textContent = env.error_message || "";
  $("raw").textContent = JSON.stringify(env, null, 2);
  const data = env.data || {};
  if (data.transaction_id) lastTransaction = data.transaction_id;

  const tbody = $("fields").querySelector("tbody");
  tbody.textContent = "";
  const details = data.fields || {};
  for (const [name, value] of Object.entries(data)) {
    if (name === "fields" || (value !== null && typeof value === "object")) continue;
    const tr = document.createElement("tr");
    tr.dataset.field = name;
    const th = document.createElement("td");
    th.textContent = name;
    const td = document.createElement("td");
    td.className = "value";
    td.textContent = value === null ? "—" : String(value);
    if (/[\u0600-\u06FF]/.test(td.textContent)) { td.lang = "ar"; td.dir = "rtl"; }
    const conf = document.createElement("td");
    conf.className = "conf";
    const c = details[name] && details[name].confidence;
    conf.textContent = typeof c === "number" ? (100 * c).toFixed(0) + "%" : "";
    tr.append(th, td, conf);
    tbody.appendChild(tr);
  }

  const list = $("validations");
  list.textContent = "";
  const errors = (env.services && env.services.validations && env.services.validations.validation_errors) || [];
  for (const v of errors) {
    for (const e of v.errors) {
      const li = document.createElement("li");
      li.textContent = `${v.field}: ${e.code} ${e.message}` + (v.value ? ` (${v.value})` : "");
      list.appendChild(li);
    }
  }
  if (!errors.length) { const li = document.createElement("li"); li.className = "none"; li.textContent = "none"; list.appendChild(li); }

  // Images with the boxes the server returned.
  const holder = $("images");
  holder.textContent = "";
  const quads = [];
  for (const [name, d] of Object.entries(details)) if (d && isQuad(d.bbox)) quads.push({ name, quad: d.bbox });
  for (const key of ["card", "mrz_box", "plate_box", "face_box"]) if (isQuad(data[key])) quads.push({ name: key, quad: data[key] });
  route.images.forEach((field, i) => {
    if (!images[field]) return;
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
      const ctx = canvas.getContext("2d");
      ctx.drawImage(img, 0, 0);
      if (i === 0) {
        ctx.lineWidth = Math.max(2, img.naturalWidth / 400);
        for (const { name, quad } of quads) {
          ctx.strokeStyle = name === "card" ? "#0b6e4f" : "#e8590c";
          ctx.beginPath();
          quad.forEach(([x, y], j) => (j ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
          ctx.closePath();
          ctx.stroke();
        }
      }
      holder.appendChild(canvas);
    };
    img.src = images[field].dataUrl;
  });

  const face = $("face");
  if (typeof data.dissimilarity === "number") {
    face.hidden = false;
    $("face-summary").textContent =
      `dissimilarity ${data.dissimilarity.toFixed(3)} (threshold ${data.threshold}) — ` +
      (data.isMatched ? "same person" : "different people") +
      (typeof data.score === "number" ? `, score ${data.score.toFixed(0)}` : "");
  } else {
    face.hidden = true;
  }
}

for (const r of ROUTES) {
  const o = document.createElement("option");
  o.value = r.path; o.textContent = r.label + "  (" + r.path + ")";
  $("route").appendChild(o);
}
$("route").addEventListener("change", renderInputs);
renderInputs();
showSignedIn();
