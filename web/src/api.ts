// The API as the page uses it: same origin, the session in the HttpOnly
// cookie (the page never sees it), and the CSRF token of the session on
// every change (X-CSRF-Token).  Errors become ApiError with the status, the
// server's {"error": "..."} text and Retry-After.
export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public retryAfter: number | null,
  ) {
    super(message);
  }
}

export interface Session {
  id: number;
  user_id: number | null;
  login: string | null;
  role: "operator" | "client_admin" | "agent" | "subaccount";
  tenant_id: number | null;
  employee_id: number | null;
  csrf_token: string | null;
}

let csrf = "";

export function setCsrf(token: string | null): void {
  csrf = token ?? "";
}

/* The CSRF token of the session, for a request api() cannot make (a file
 * as the body). */
export function csrfToken(): string {
  return csrf;
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrf)
    headers["X-CSRF-Token"] = csrf;
  const r = await fetch("/api/v1" + path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!r.ok) {
    const msg =
      data && typeof data === "object" && "error" in data
        ? String((data as { error: unknown }).error)
        : r.statusText;
    const ra = r.headers.get("Retry-After");
    throw new ApiError(r.status, msg, ra ? Number(ra) : null);
  }
  return data as T;
}

/* Log in: the session goes into the cookie, its CSRF token comes back. */
export async function login(name: string, password: string): Promise<Session> {
  const r = await api<{ csrf_token: string }>("POST", "/sessions", {
    login: name,
    password,
    cookie: true,
  });
  setCsrf(r.csrf_token);
  return current();
}

/* Who we are (after a reload: the cookie is still there); null if not
 * logged in. */
export async function current(): Promise<Session> {
  const s = await api<Session>("GET", "/sessions/current");
  setCsrf(s.csrf_token);
  return s;
}

export async function logout(): Promise<void> {
  try {
    await api("DELETE", "/sessions/current");
  } finally {
    setCsrf(null);
  }
}
