// One unchanged npm SocketIOProvider that keeps typing through server crashes.
// Driven by tests/docs/test_node.py:
//
//   node doc-typist.mjs <server url> <room id> <doc name>
//   env TOKEN=<jwt> CHAR=<letter> COUNT=<inserts> EXPECTED_LEN=<final length>
//
// Types COUNT letters (whether or not the socket is connected at that moment), then waits
// until its copy has EXPECTED_LEN characters and prints {"event":"converged","text":...}.
import * as Y from "yjs";
import { SocketIOProvider } from "y-socket.io";

const [url, roomId, docName] = process.argv.slice(2);
const { TOKEN, CHAR } = process.env;
const count = Number(process.env.COUNT || "100");
const expectedLen = Number(process.env.EXPECTED_LEN || "0");
const timeoutMs = Number(process.env.TIMEOUT_MS || "60000");

const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
setTimeout(() => {
  say({ event: "error", message: "timed out", length: text.length });
  process.exit(1);
}, timeoutMs).unref();

const doc = new Y.Doc();
const text = doc.getText("content");
const provider = new SocketIOProvider(url, `${roomId}/${docName}`, doc, {
  auth: { token: TOKEN },
  disableBc: true,
}, { reconnectionDelay: 200, reconnectionDelayMax: 500 });
provider.on("status", ({ status }) => say({ event: "status", status }));

while (!provider.synced) await sleep(20);
say({ event: "synced" });
for (let i = 0; i < count; i++) {
  text.insert(Math.floor(Math.random() * (text.length + 1)), CHAR);
  await sleep(10);
}
while (text.length !== expectedLen || !provider.socket.connected) await sleep(50);
await sleep(300); // let the last resync settle
say({ event: "converged", text: text.toString() });
provider.destroy();
process.exit(0);
