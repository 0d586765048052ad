// A peer for Salon's benchmarks: @hocuspocus/server with its defaults (no extensions, so no
// persistence and no authentication; the default 0 ms flush delay batches the broadcasts of
// one event-loop turn). Usage: node server.mjs --port 9100 [--host 127.0.0.1]
import { parseArgs } from 'node:util'
import { Server } from '@hocuspocus/server'

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9100' }
  }
})

const server = new Server({ port: Number(values.port), address: values.host, quiet: true })
await server.listen()
console.log(`hocuspocus listening on ${values.host}:${values.port}`)
