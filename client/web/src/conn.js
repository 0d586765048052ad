// The one Socket.IO connection to namespace "/": status for the header, acks as promises,
// and a "resumed" signal after a reconnect so views can rejoin and catch up.
import { io } from "socket.io-client";
import { SalonError, fromPayload } from "./errors.js";
import { auth, handshake } from "./auth.js";

const ACK_TIMEOUT_MS = 10000;

export class Connection extends EventTarget {
  constructor() {
    super();
    this.status = "connecting";
    this.error = null;
    this.everConnected = false;
    this.socket = io({
      transports: ["websocket"],
      auth: (cb) => cb(handshake()),
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    const s = this.socket;
    s.on("connect", () => {
      const resumed = this.everConnected;
      this.everConnected = true;
      this.error = null;
      this.setStatus("online");
      if (resumed) this.dispatchEvent(new Event("resumed"));
    });
    s.on("session", (user) => {
      auth.user = user;
      this.dispatchEvent(new CustomEvent("session", { detail: user }));
    });
    s.on("disconnect", (reason) => {
      if (reason === "io client disconnect") return this.setStatus("closed");
      // The server closed us (e.g. during a restart): socket.io does not retry by itself.
      if (reason === "io server disconnect") setTimeout(() => s.connect(), 1000);
      this.setStatus(navigator.onLine ? "reconnecting" : "offline");
    });
    s.on("connect_error", (err) => {
      if (err?.data?.code) {
        // Refused by the server (bad token, guests disabled...): retrying will not help.
        this.error = fromPayload(err.data);
        this.setStatus("refused");
        this.dispatchEvent(new CustomEvent("refused", { detail: this.error }));
      } else {
        this.setStatus(navigator.onLine ? "reconnecting" : "offline");
      }
    });
    s.io.on("reconnect_attempt", (n) => {
      this.attempt = n;
      this.setStatus(navigator.onLine ? "reconnecting" : "offline");
    });
    this.onOffline = () => this.setStatus("offline");
    this.onOnline = () => {
      if (!s.connected) {
        this.setStatus("reconnecting");
        s.connect();
      }
    };
    window.addEventListener("offline", this.onOffline);
    window.addEventListener("online", this.onOnline);
  }

  setStatus(status) {
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: status }));
  }

  // Resolves on the server's `session` event, rejects with the refusal.
  ready() {
    if (auth.user && this.socket.connected) return Promise.resolve(auth.user);
    return new Promise((resolve, reject) => {
      const onSession = (e) => done(() => resolve(e.detail));
      const onRefused = (e) => done(() => reject(e.detail));
      const done = (fn) => {
        this.removeEventListener("session", onSession);
        this.removeEventListener("refused", onRefused);
        fn();
      };
      this.addEventListener("session", onSession);
      this.addEventListener("refused", onRefused);
    });
  }

  // emit with an ack; {ok:false} and timeouts become SalonError.
  async request(event, payload, timeout = ACK_TIMEOUT_MS) {
    if (!this.socket.connected && !navigator.onLine) throw new SalonError("offline", "");
    let ack;
    try {
      ack = await this.socket.timeout(timeout).emitWithAck(event, payload);
    } catch {
      throw new SalonError(this.socket.connected ? "timeout" : "offline", "");
    }
    if (!ack || ack.ok !== true) throw fromPayload(ack);
    return ack;
  }

  on(event, handler) {
    this.socket.on(event, handler);
    return () => this.socket.off(event, handler);
  }

  close() {
    window.removeEventListener("offline", this.onOffline);
    window.removeEventListener("online", this.onOnline);
    this.socket.disconnect();
  }
}
