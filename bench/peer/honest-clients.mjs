// Two unchanged npm y-socket.io SocketIOProvider clients that keep typing into one Salon
// document while bench/fuzz.py attacks the server, then must converge with each other.
//
//   node honest-clients.mjs <server url> <room id> <doc name>     env TOKENS='["jwt1","jwt2"]'
//
// Out (JSON lines): {"event":"synced"}, then after "stop" on stdin
// {"event":"converged","text":...,"typed":n,"disconnects":n}; a failure prints
// {"event":"error",...} and exits 1.
import * as Y from "yjs";
import { SocketIOProvider } from "y-socket.io";
import * as readline from "node:readline";

const [url, roomId, docName] = process.argv.slice(2);
const tokens = JSON.parse(process.env.TOKENS);
const timeoutMs = Number(process.env.TIMEOUT_MS || "60000");
const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fail = (message) => {
  say({ event: "error", message });
  process.exit(1);
};
process.on("uncaughtException", (e) => fail(`uncaught: ${e && e.stack ? e.stack : e}`));

let disconnects = 0;
const clients = tokens.map((token, i) => {
  const doc = new Y.Doc();
  const provider = new SocketIOProvider(url, `${roomId}/${docName}`, doc, {
    auth: { token },
    disableBc: true,
  });
  provider.awareness.setLocalState({ user: { name: `honest-${i}` } });
  provider.socket.on("disconnect", () => (disconnects += 1));
  return { doc, provider, text: doc.getText("content") };
});

async function until(check, what) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let stopped = false;
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "stop") stopped = true;
});

await until(() => clients.every((c) => c.provider.synced), "sync");
say({ event: "synced" });
let typed = 0;
while (!stopped) {
  for (const [i, c] of clients.entries()) {
    c.text.insert(Math.floor(Math.random() * (c.text.length + 1)), "ab"[i]);
    typed += 1;
  }
  await sleep(50);
}
const texts = () => clients.map((c) => c.text.toString());
await until(
  () => clients.every((c) => c.provider.synced) && texts()[0] === texts()[1],
  "convergence",
);
await sleep(500); // stable, not passing by
await until(() => texts()[0] === texts()[1], "convergence after a pause");
say({ event: "converged", text: texts()[0], typed, disconnects });
for (const c of clients) c.provider.destroy();
await sleep(100);
process.exit(0);
