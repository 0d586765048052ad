// Several unchanged npm SocketIOProvider clients editing one Salon document concurrently.
// Driven by tests/docs/test_node.py; speaks JSON lines on stdout, reads commands on stdin.
//
//   node doc-clients.mjs <server url> <room id> <doc name>
//   env TOKENS='["jwt1","jwt2",...]'  EDITS=<inserts per client>  EXPECTED_LEN=<final length>
//
// Lines out: {"event":"synced","clientIds":[...]}, {"event":"converged","text":...,
// "awareness":[...]}, {"event":"cleared"}; a failure prints {"event":"error"} and exits 1.
import * as Y from "yjs";
import { SocketIOProvider } from "y-socket.io";
import * as readline from "node:readline";

const [url, roomId, docName] = process.argv.slice(2);
const tokens = JSON.parse(process.env.TOKENS);
const edits = Number(process.env.EDITS || "20");
const expectedLen = Number(process.env.EXPECTED_LEN || "0");
const timeoutMs = Number(process.env.TIMEOUT_MS || "30000");

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

const clients = tokens.map((token, i) => {
  const doc = new Y.Doc();
  const provider = new SocketIOProvider(url, `${roomId}/${docName}`, doc, {
    auth: { token },
    disableBc: true, // all clients share one process: make them talk through the server only
  });
  provider.awareness.setLocalState({ user: { name: `node-${i}` } });
  provider.on("connection-error", (e) => say({ event: "log", message: `connect error ${e}` }));
  provider.socket.on("doc:error", (e) => say({ event: "doc-error", client: i, error: e }));
  return { doc, provider, text: doc.getText("content") };
});

const lines = readline.createInterface({ input: process.stdin });
const commands = [];
lines.on("line", (line) => commands.push(line.trim()));
const command = async (name) => until(() => commands.includes(name), `command ${name}`);

await until(() => clients.every((c) => c.provider.synced), "sync");
say({ event: "synced", clientIds: clients.map((c) => c.doc.clientID) });

await command("go");
await Promise.all(
  clients.map(async (c, i) => {
    for (let n = 0; n < edits; n++) {
      const pos = Math.floor(Math.random() * (c.text.length + 1));
      c.text.insert(pos, String.fromCharCode(97 + (i % 26)));
      await sleep(Math.random() * 10);
    }
  }),
);

const texts = () => clients.map((c) => c.text.toString());
await until(
  () => texts().every((t) => t.length === expectedLen && t === texts()[0]),
  `convergence to ${expectedLen} chars`,
);
say({
  event: "converged",
  text: texts()[0],
  awareness: clients.map((c) =>
    [...c.provider.awareness.getStates().values()].map((s) => s?.user?.name).filter(Boolean).sort(),
  ),
});

// The first client leaves: everybody else must drop its awareness state (no ghost cursor).
await command("leave");
const leaverId = clients[0].doc.clientID;
clients[0].provider.destroy();
await until(
  () => clients.slice(1).every((c) => !c.provider.awareness.getStates().has(leaverId)),
  "awareness removal",
);
say({ event: "cleared" });

await command("exit");
for (const c of clients.slice(1)) c.provider.destroy();
await sleep(100);
process.exit(0);
