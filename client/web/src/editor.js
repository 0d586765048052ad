// One collaborative document: a Y.Doc synced through the npm y-socket.io SocketIOProvider
// (unchanged) on namespace /yjs|<room id>/<doc name>, shown in CodeMirror 6 with y-codemirror.next
// for shared text, remote cursors and names.
import * as Y from "yjs";
import { SocketIOProvider } from "y-socket.io";
import { basicSetup } from "codemirror";
import { EditorState, Compartment } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { yCollab, yRemoteSelectionsTheme } from "y-codemirror.next";
import { remoteCursors } from "./cursors.js";
import { PALETTE, colorOf, handshake } from "./auth.js";
import { fromPayload } from "./errors.js";

// The server keeps a document's text in this shared type (salon.docs.limits.text_field).
export const TEXT_FIELD = "content";

// The per-page nonce the server put into the CSP and into <meta name="csp-nonce">.
function styleNonce() {
  return document.querySelector('meta[name="csp-nonce"]')?.content || "";
}

export function openDocument({ roomId, name, user, readOnly, parent, onStatus, onError }) {
  const doc = new Y.Doc();
  const provider = new SocketIOProvider(location.origin, `${roomId}/${name}`, doc, {
    auth: handshake(),
    // One tab = one provider: cross-tab BroadcastChannel sync would hide server problems.
    disableBc: true,
  });
  const awareness = provider.awareness;
  const setColor = (color) => awareness.setLocalStateField("user", { name: user.name, user_id: user.user_id, color, colorLight: `${color}33` });
  setColor(PALETTE[colorOf(user.user_id)]);
  // Distinct cursor colours: the hash of two ids can collide, so when another person already
  // shows my colour, the later of us (higher client id) moves to the first free one.
  awareness.on("change", () => {
    const mine = awareness.getLocalState()?.user?.color;
    const taken = new Map(); // colour -> lowest client id of someone else using it
    for (const [id, state] of awareness.getStates()) {
      const other = state?.user;
      if (id === doc.clientID || !other?.color || other.user_id === user.user_id) continue;
      taken.set(other.color, Math.min(taken.get(other.color) ?? Infinity, id));
    }
    if (!taken.has(mine) || taken.get(mine) > doc.clientID) return;
    const start = colorOf(user.user_id);
    const free = PALETTE.map((_, i) => PALETTE[(start + i) % PALETTE.length]).find((c) => !taken.has(c));
    if (free && free !== mine) setColor(free);
  });

  const ytext = doc.getText(TEXT_FIELD);
  const editable = new Compartment();
  const lock = (ro) => [EditorState.readOnly.of(ro), EditorView.editable.of(!ro)];
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: ytext.toString(),
      extensions: [
        basicSetup,
        EditorView.lineWrapping,
        // Shared text and undo from y-codemirror.next; cursors from ./cursors.js (CSP-safe).
        yCollab(ytext, null, { undoManager: new Y.UndoManager(ytext) }),
        yRemoteSelectionsTheme,
        remoteCursors(ytext, provider.awareness),
        editable.of(lock(readOnly)),
        EditorView.cspNonce.of(styleNonce()),
        EditorView.contentAttributes.of({ "aria-label": `Document ${name}` }),
      ],
    }),
  });

  let status = "connecting";
  const report = (next) => {
    status = next;
    onStatus?.(next);
  };
  provider.on("status", ({ status: s }) => report(s === "connected" ? "syncing" : s));
  provider.on("sync", (synced) => synced && report("synced"));
  provider.on("connection-error", (err) => {
    if (err?.data) onError?.(fromPayload(err.data));
    report(navigator.onLine ? "connecting" : "offline");
  });
  provider.socket.on("doc:error", (payload) => onError?.(fromPayload(payload)));

  return {
    view,
    doc,
    provider,
    get status() {
      return status;
    },
    setReadOnly(ro) {
      view.dispatch({ effects: editable.reconfigure(lock(ro)) });
    },
    destroy() {
      view.destroy();
      provider.destroy();
      doc.destroy();
    },
  };
}
