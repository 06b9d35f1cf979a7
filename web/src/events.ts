// The event stream (/api/v1/events) for a page: the session cookie
// authenticates it (the server checks that the page is ours by Origin);
// after a drop it reconnects with a growing pause, and tells the page so
// that it reloads what it may have missed.
export interface SbEvent {
  seq: number;
  time: string;
  class: string;
  type: string;
  tenant_id: number;
  [key: string]: unknown;
}

export type StreamState = "connecting" | "live" | "down";

export function openEvents(
  onEvent: (ev: SbEvent) => void,
  onState: (s: StreamState) => void,
): () => void {
  let ws: WebSocket | null = null;
  let stopped = false;
  let pause = 1000;
  let timer: number | undefined;

  const connect = () => {
    onState("connecting");
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${proto}//${location.host}/api/v1/events`, [
      "switchboard.events.v1",
    ]);
    ws.onopen = () => {
      pause = 1000;
      onState("live");
    };
    ws.onmessage = (m) => {
      try {
        onEvent(JSON.parse(String(m.data)) as SbEvent);
      } catch {
        /* not ours: ignored */
      }
    };
    ws.onclose = () => {
      ws = null;
      if (stopped) return;
      onState("down");
      timer = window.setTimeout(connect, pause);
      pause = Math.min(pause * 2, 30000);
    };
  };
  connect();
  return () => {
    stopped = true;
    if (timer !== undefined) window.clearTimeout(timer);
    ws?.close(1000);
  };
}
