// Large-document fan-out through Salon with unchanged npm SocketIOProvider clients.
// Driven by tests/documents/test_large_fanout.py; JSON lines on stdout.
//
//   node doc-large-fanout.mjs <server url> <room id> <doc name>
//   env TOKEN=<jwt>  RECEIVERS=<n>  EDITS=<one-character edits>  TARGET_BYTES=<seeded size>
//
// A seeder's provider brings a document built from a synthetic editing trace (typing bursts
// at a wandering cursor, backspaces, selection deletes by four authors) through the sync
// handshake, as offline content arrives; RECEIVERS providers sync it; one writer makes EDITS
// one-character edits at random positions as fast as its provider sends them. Every client
// must end with the same text. Lines out: {"event":"seeded","bytes":…}, {"event":"synced"},
// {"event":"converged","length":…,"text":…}; a failure prints {"event":"error"}, exits 1.
import * as Y from "yjs";
import { SocketIOProvider } from "y-socket.io";

const [url, roomId, docName] = process.argv.slice(2);
const token = process.env.TOKEN;
const receivers = Number(process.env.RECEIVERS || "20");
const edits = Number(process.env.EDITS || "2000");
const targetBytes = Number(process.env.TARGET_BYTES || "160000");
const timeoutMs = Number(process.env.TIMEOUT_MS || "120000");

const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fail = (message) => {
  say({ event: "error", message });
  process.exit(1);
};
setTimeout(() => fail("timed out"), timeoutMs).unref();

async function until(check, what) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function mulberry32(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The bench load generator's trace (bench/loadgen/loadgen.mjs buildTrace), on Y.Text "content".
function buildTrace() {
  const rand = mulberry32(42);
  const words = "the of and to in is that for it as with was on be by this are from".split(" ");
  const main = new Y.Doc();
  const text = main.getText("content");
  let cursor = 0;
  while (Y.encodeStateAsUpdate(main).byteLength < targetBytes) {
    main.clientID = 1000 + Math.floor(rand() * 4);
    for (let k = 0; k < 200; k++) {
      const roll = rand();
      if (roll < 0.1) cursor = Math.floor(rand() * (text.length + 1));
      cursor = Math.min(cursor, text.length);
      if (roll < 0.8) {
        for (const ch of words[Math.floor(rand() * words.length)] + " ") text.insert(cursor++, ch);
      } else if (roll < 0.95 && cursor > 0) {
        const n = Math.min(cursor, 1 + Math.floor(rand() * 4));
        for (let j = 0; j < n; j++) text.delete(--cursor, 1);
      } else if (text.length > 0) {
        const at = Math.floor(rand() * text.length);
        text.delete(at, Math.min(text.length - at, 1 + Math.floor(rand() * 30)));
      }
    }
  }
  return main;
}

function client(doc = new Y.Doc()) {
  const provider = new SocketIOProvider(url, `${roomId}/${docName}`, doc, {
    auth: { token },
    disableBc: true, // one process: clients talk through the server only
  });
  provider.socket.on("doc:error", (e) => say({ event: "doc-error", error: e }));
  return { doc, provider, text: doc.getText("content") };
}

const trace = buildTrace();
const seeder = client(trace);
await until(() => seeder.provider.synced, "seeder sync");
const seededLength = seeder.text.length;
const checker = client();
await until(() => checker.text.length === seededLength, "the seeded document at a fresh client");
checker.provider.destroy();
say({ event: "seeded", bytes: Y.encodeStateAsUpdate(trace).byteLength, length: seededLength });

const clients = Array.from({ length: receivers }, () => client());
const writer = client();
const everyone = [seeder, writer, ...clients];
await until(() => everyone.every((c) => c.provider.synced && c.text.length === seededLength), "sync");
say({ event: "synced" });

const rand = mulberry32(7);
for (let n = 0; n < edits; n++) {
  writer.text.insert(Math.floor(rand() * (writer.text.length + 1)), "é");
  if (n % 50 === 49) await sleep(1); // let the provider's socket write between bursts
}
const expected = seededLength + edits;
await until(
  () => everyone.every((c) => c.text.length === expected && c.text.toString() === writer.text.toString()),
  `convergence of ${everyone.length} clients to ${expected} characters`,
);
say({ event: "converged", length: expected, text: writer.text.toString() });
for (const c of everyone) c.provider.destroy();
await sleep(200);
process.exit(0);
