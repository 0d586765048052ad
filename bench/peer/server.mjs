// The reference peer for Salon's benchmarks: the npm y-socket.io server on a plain
// http + socket.io server, no persistence, no authentication (it accepts any handshake).
// Usage: node server.mjs --port 9100 [--host 127.0.0.1]
import http from 'node:http'
import { parseArgs } from 'node:util'
import { Server } from 'socket.io'
import { YSocketIO } from 'y-socket.io/dist/server'

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9100' }
  }
})

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify({ ok: true, peer: 'y-socket.io' }))
})
// Same limits as Salon's defaults: websocket only needs no change; per-message deflate is off
// by default in socket.io 4 (engine.io perMessageDeflate: false), like Salon.
const io = new Server(server, { maxHttpBufferSize: 1e6, perMessageDeflate: false })
new YSocketIO(io).initialize()

server.listen(Number(values.port), values.host, () => {
  console.log(`peer listening on ${values.host}:${values.port}`)
})
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => { io.close(); server.close(); process.exit(0) })
}
