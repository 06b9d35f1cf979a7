// The browser phone (/api/v1/phone): a WebSocket with JSON messages to
// our server, which terminates WebRTC itself (ICE-lite, DTLS-SRTP, G.711;
// docs/api.md "Browser phone").  The browser always offers: one
// RTCPeerConnection per call, its offer with "accept" (a call that rings
// here) or "call" (a call we place), the server's "answer" completes it.
// One call at a time; a second incoming call is declined as busy.

export type PhoneState = "connecting" | "ready" | "down";
export type CallStage = "ringing" | "calling" | "connecting" | "talking";

export interface PhoneCall {
  id: number; // the server's number of the call (0 until it gave one)
  dir: "in" | "out";
  peer: string; // the caller's number, or the number we dialled
  name: string;
  stage: CallStage;
  media: string; // "", "up", "refused", "consent_lost", "closed"
  muted: boolean;
}

interface Msg {
  type: string;
  call?: number;
  [key: string]: unknown;
}

export class Softphone {
  state: PhoneState = "connecting";
  call: PhoneCall | null = null;
  remote: MediaStream | null = null;
  private ws: WebSocket | null = null;
  private pc: RTCPeerConnection | null = null;
  private local: MediaStream | null = null;
  private stopped = false;
  private pause = 1000;
  private timer: number | undefined;

  constructor(
    private onChange: () => void,
    private onError: (reason: string) => void,
    private onEnded: (reason: string) => void,
  ) {
    this.connect();
  }

  private connect() {
    this.state = "connecting";
    this.onChange();
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/phone`, [
      "switchboard.phone.v1",
    ]);
    this.ws = ws;
    ws.onmessage = (m) => {
      let msg: Msg;
      try {
        msg = JSON.parse(String(m.data)) as Msg;
      } catch {
        return;
      }
      void this.handle(msg);
    };
    ws.onclose = () => {
      this.ws = null;
      this.drop("down");
      if (this.stopped) return;
      this.state = "down";
      this.onChange();
      this.timer = window.setTimeout(() => this.connect(), this.pause);
      this.pause = Math.min(this.pause * 2, 30000);
    };
  }

  stop() {
    this.stopped = true;
    if (this.timer !== undefined) window.clearTimeout(this.timer);
    this.ws?.close(1000);
    this.drop("");
  }

  private send(o: Msg) {
    this.ws?.send(JSON.stringify(o));
  }

  private async handle(m: Msg) {
    const c = this.call;
    switch (m.type) {
      case "hello":
        this.state = "ready";
        this.pause = 1000;
        break;
      case "invite":
        if (c) {
          this.send({ type: "hangup", call: m.call }); // busy here
          return;
        }
        this.call = {
          id: Number(m.call),
          dir: "in",
          peer: String(m.from ?? ""),
          name: String(m.name ?? ""),
          stage: "ringing",
          media: "",
          muted: false,
        };
        break;
      case "calling":
        if (c && c.dir === "out" && !c.id) c.id = Number(m.call);
        break;
      case "answer":
        if (!c || c.id !== m.call || !this.pc) return;
        try {
          await this.pc.setRemoteDescription({ type: "answer", sdp: String(m.sdp) });
        } catch (e) {
          this.onError(String(e));
        }
        if (c.dir === "in") c.stage = "talking";
        break;
      case "ringing":
        if (c && c.id === m.call) c.stage = "ringing";
        break;
      case "connected":
        if (c && c.id === m.call) c.stage = "talking";
        break;
      case "media":
        if (c && c.id === m.call) c.media = String(m.state ?? "");
        break;
      case "hangup":
        if (c && c.id === m.call) this.drop(String(m.reason ?? ""));
        break;
      case "error":
        this.onError(String(m.reason ?? ""));
        break;
      default:
        return;
    }
    this.onChange();
  }

  /* our offer, its candidates gathered (at most 2 s) */
  private async offer(): Promise<string> {
    this.local = await navigator.mediaDevices.getUserMedia({ audio: true });
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    this.remote = new MediaStream();
    pc.ontrack = (e) => {
      this.remote?.addTrack(e.track);
      this.onChange();
    };
    for (const tr of this.local.getAudioTracks()) pc.addTrack(tr, this.local);
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      const t = window.setTimeout(resolve, 2000);
      pc.onicegatheringstatechange = () => {
        if (pc.iceGatheringState === "complete") {
          window.clearTimeout(t);
          resolve();
        }
      };
    });
    return pc.localDescription?.sdp ?? "";
  }

  async answer() {
    const c = this.call;
    if (!c || c.dir !== "in" || c.stage !== "ringing") return;
    c.stage = "connecting";
    this.onChange();
    try {
      const sdp = await this.offer();
      this.send({ type: "accept", call: c.id, sdp });
    } catch (e) {
      this.onError(String(e));
      this.hangup();
    }
  }

  async dial(to: string) {
    if (this.call || this.state !== "ready") return;
    this.call = { id: 0, dir: "out", peer: to, name: "", stage: "calling", media: "", muted: false };
    this.onChange();
    try {
      const sdp = await this.offer();
      this.send({ type: "call", to, sdp });
    } catch (e) {
      this.onError(String(e));
      this.drop("");
    }
  }

  hangup() {
    const c = this.call;
    if (!c) return;
    if (c.id) this.send({ type: "hangup", call: c.id });
    this.drop("");
  }

  mute(on: boolean) {
    const c = this.call;
    if (!c) return;
    c.muted = on;
    this.local?.getAudioTracks().forEach((t) => (t.enabled = !on));
    this.onChange();
  }

  /* a key as RFC 4733 telephone-event in the media, else by message */
  dtmf(key: string) {
    const c = this.call;
    if (!c || c.stage !== "talking") return;
    const sender = this.pc?.getSenders().find((s) => s.track?.kind === "audio");
    if (sender?.dtmf?.canInsertDTMF) sender.dtmf.insertDTMF(key, 120, 70);
    else this.send({ type: "dtmf", call: c.id, digit: key });
  }

  private drop(reason: string) {
    const had = this.call !== null;
    this.pc?.close();
    this.pc = null;
    this.local?.getTracks().forEach((t) => t.stop());
    this.local = null;
    this.remote = null;
    this.call = null;
    if (had) this.onEnded(reason);
    this.onChange();
  }
}
