// REST /api/v1 with the signed-in token. Answers are {ok, ...}; failures throw SalonError.
import { SalonError, fromPayload } from "./errors.js";
import { auth } from "./auth.js";

export async function api(method, path, { body, query } = {}) {
  const url = new URL(`/api/v1${path}`, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
  }
  const headers = { accept: "application/json" };
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new SalonError(navigator.onLine ? "timeout" : "offline", "network error");
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok || !data || data.ok === false) {
    if (data?.error) throw fromPayload(data);
    // A 404 without a JSON body: this server has no such endpoint (an older release).
    if (response.status === 404) throw new SalonError("not_found", "", { missing_endpoint: true });
    throw new SalonError("internal", `HTTP ${response.status}`);
  }
  return data;
}

export const get = (path, query) => api("GET", path, { query });
export const post = (path, body) => api("POST", path, { body: body ?? {} });
export const put = (path, body) => api("PUT", path, { body: body ?? {} });
export const patch = (path, body) => api("PATCH", path, { body: body ?? {} });
export const del = (path) => api("DELETE", path);

// Is a REST feature deployed on this server? (Panels for features from later releases probe
// first and explain when the server does not have them yet.)
export async function available(path) {
  try {
    await get(path);
    return true;
  } catch (e) {
    return !(e instanceof SalonError && e.details.missing_endpoint);
  }
}

// A text download that needs the token (so a plain link cannot do it): fetch, then save.
export async function download(path, query, filename) {
  const url = new URL(`/api/v1${path}`, location.origin);
  for (const [k, v] of Object.entries(query || {})) url.searchParams.set(k, String(v));
  let response;
  try {
    response = await fetch(url, { headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {} });
  } catch {
    throw new SalonError(navigator.onLine ? "timeout" : "offline", "network error");
  }
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw data?.error ? fromPayload(data) : new SalonError("internal", `HTTP ${response.status}`);
  }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}
