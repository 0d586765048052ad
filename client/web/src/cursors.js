// Remote cursors and selections with names, like y-codemirror.next's yRemoteSelections, but
// coloured by class instead of inline style attributes, which the Content-Security-Policy
// (style-src 'self') blocks. Colours outside the palette fall back to the first one.
import * as Y from "yjs";
import { Decoration, ViewPlugin, WidgetType } from "@codemirror/view";
import { PALETTE } from "./auth.js";

const colorClass = (color) => `c${Math.max(0, PALETTE.indexOf(String(color).toLowerCase()))}`;

class Caret extends WidgetType {
  constructor(color, name) {
    super();
    this.color = color;
    this.name = name;
  }

  toDOM() {
    const caret = document.createElement("span");
    caret.className = `cm-ySelectionCaret ${this.color}`;
    const dot = document.createElement("div");
    dot.className = "cm-ySelectionCaretDot";
    const info = document.createElement("div");
    info.className = "cm-ySelectionInfo";
    info.textContent = this.name; // a remote user's name: text only
    caret.append("\u2060", dot, "\u2060", info, "\u2060");
    return caret;
  }

  eq(other) {
    return other.color === this.color && other.name === this.name;
  }

  get estimatedHeight() {
    return -1;
  }

  ignoreEvent() {
    return true;
  }
}

export function remoteCursors(ytext, awareness) {
  return ViewPlugin.fromClass(
    class {
      constructor(view) {
        this.decorations = Decoration.none;
        this.listener = ({ added, updated, removed }) => {
          const ids = added.concat(updated, removed);
          if (ids.some((id) => id !== awareness.clientID)) view.dispatch({});
        };
        awareness.on("change", this.listener);
      }

      destroy() {
        awareness.off("change", this.listener);
      }

      update(update) {
        this.publishOwn(update);
        this.decorations = Decoration.set(this.remote(update.view.state.doc), true);
      }

      // Our own cursor goes into awareness as Yjs relative positions, as y-codemirror does.
      publishOwn(update) {
        const local = awareness.getLocalState();
        if (!local) return;
        const focused = update.view.hasFocus && update.view.dom.ownerDocument.hasFocus();
        if (!focused) return;
        const sel = update.state.selection.main;
        const anchor = Y.createRelativePositionFromTypeIndex(ytext, sel.anchor);
        const head = Y.createRelativePositionFromTypeIndex(ytext, sel.head);
        const cur = local.cursor;
        if (
          cur &&
          Y.compareRelativePositions(Y.createRelativePositionFromJSON(cur.anchor), anchor) &&
          Y.compareRelativePositions(Y.createRelativePositionFromJSON(cur.head), head)
        ) {
          return;
        }
        awareness.setLocalStateField("cursor", { anchor, head });
      }

      remote(doc) {
        const decorations = [];
        awareness.getStates().forEach((state, clientId) => {
          if (clientId === awareness.clientID || !state.cursor?.anchor || !state.cursor?.head) return;
          let anchor, head;
          try {
            anchor = Y.createAbsolutePositionFromRelativePosition(state.cursor.anchor, ytext.doc);
            head = Y.createAbsolutePositionFromRelativePosition(state.cursor.head, ytext.doc);
          } catch {
            return; // a malformed remote state must not break our editor
          }
          if (!anchor || !head || anchor.type !== ytext || head.type !== ytext) return;
          const color = colorClass(state.user?.color);
          const name = String(state.user?.name || "Anonymous").slice(0, 80);
          const from = Math.min(anchor.index, head.index, doc.length);
          const to = Math.min(Math.max(anchor.index, head.index), doc.length);
          if (from < to) {
            decorations.push(Decoration.mark({ class: `cm-ySelection ${color}` }).range(from, to));
          }
          const at = Math.min(head.index, doc.length);
          const side = head.index - anchor.index > 0 ? -1 : 1;
          decorations.push(Decoration.widget({ widget: new Caret(color, name), side }).range(at));
        });
        return decorations;
      }
    },
    { decorations: (v) => v.decorations },
  );
}
