// Salon benchmark load generator: one process holding writers, receivers and joiners that speak
// the y-socket.io document protocol (socket.io-client + yjs) against Salon or the Node peer.
//
// Usage: node loadgen.mjs '<json config>'   (driven by bench/run.py through stdin/stdout)
//   config: { url, namespace, auth, epochMs, writers, receivers, connectConcurrency, label }
//   stdin commands (one JSON object a line):
//     {"cmd":"phase","t0":<epoch ms>,"duration":s,"drain":s,"rate":<edits/s per writer>,
//      "joinRate":<joins/s>,"joinHoldMs":ms}
//     {"cmd":"seed","targetBytes":160000}     build a document from a synthetic editing trace
//     {"cmd":"exit"}
//   stdout events (one JSON object a line): ready, phase, seeded, error.
//
// config.protocol picks the server's document protocol: 'socketio' (y-socket.io: Salon and the
// y-socket.io peer; namespace = '/yjs|<doc>'), 'hocuspocus' (Hocuspocus framing: every message
// starts with the document name, an Auth message first), or 'ywebsocket' (y-protocols over a
// WebSocket at /<doc>). Writers and the seeder use each protocol's own provider
// (socket.io-client + yjs, @hocuspocus/provider, y-websocket's WebsocketProvider, on `ws`);
// the many receivers use a lean client per protocol that only decodes updates.
//
// Latency per edit even when the server merges updates: every edit inserts an 8-character
// token "~" + base36(µs since epochMs) into the Y.Text "bench". Receivers decode the structs of
// whatever arrives (Y.decodeUpdate, no document applied), find each token by its Yjs clock
// (tokens start at clocks divisible by 8) and compare its timestamp to their own clock.
// All processes share the wall clock (performance.timeOrigin + performance.now()).
//
// config.edits = 'char' (the fan-out and many-writers workloads): every edit is ONE character
// inserted at a random position of the Y.Text "trace" (empty, or seeded with a synthetic
// trace). The character itself is the timestamp: U+0100 + (0.1 ms units since epochMs modulo
// CHAR_SPAN), a code point no trace text uses; a receiver takes its own clock minus that code,
// modulo the span (5.5 s, far past any latency the report accepts), as the edit's latency.
// Every character is one edit, identified by its Yjs (client, clock).
import { performance } from 'node:perf_hooks'
import readline from 'node:readline'
import { HocuspocusProvider } from '@hocuspocus/provider'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { Manager } from 'socket.io-client'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

const TOKEN = 8
const CHAR_BASE = 0x100
const CHAR_SPAN = 0xD800 - CHAR_BASE // below the surrogates: every code is one UTF-16 unit
const EMPTY_SV = Y.encodeStateVector(new Y.Doc())
const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc())
const BUCKET_MS = 0.1
const SYNC_TIMEOUT_MS = 20_000
const BUCKETS = 300_000 // 0.1 ms buckets up to 30 s; the last one collects everything slower

const config = JSON.parse(process.argv[2] ?? '{}')
const CHAR_MODE = config.edits === 'char'
const PROTOCOL = config.protocol ?? 'socketio'
const TEXT = CHAR_MODE ? 'trace' : 'bench'
const epochMs = config.epochMs ?? Date.now()
const now = () => performance.timeOrigin + performance.now()

function emit (event) { process.stdout.write(JSON.stringify(event) + '\n') }
function log (...args) { console.error(`[${config.label ?? 'loadgen'}]`, ...args) }

class Histogram {
  constructor () { this.counts = new Uint32Array(BUCKETS); this.n = 0 }
  add (ms) {
    const i = Math.min(BUCKETS - 1, Math.max(0, Math.floor(ms / BUCKET_MS)))
    this.counts[i]++
    this.n++
  }

  sparse () {
    const out = []
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i] !== 0) out.push([i, this.counts[i]])
    return out
  }
}

// ---------------------------------------------------------------- decoding what arrives
// The server sends the same bytes to every receiver in this process: decode each once.
const decodeCache = new Map()

// Flat triples (client, clock, stamp): stamp is µs since epochMs (token mode) or the
// character's code (char mode: a time modulo CHAR_SPAN, resolved against the receiver's clock).
function tokensOf (update) {
  const bytes = update instanceof Uint8Array ? update : new Uint8Array(update)
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  let edits = decodeCache.get(key)
  if (edits !== undefined) return edits
  edits = []
  for (const struct of Y.decodeUpdate(bytes).structs) {
    if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentString)) continue
    const { client, clock } = struct.id
    const str = struct.content.str
    if (CHAR_MODE) {
      for (let off = 0; off < str.length; off++) {
        const code = str.charCodeAt(off)
        if (code >= CHAR_BASE && code < CHAR_BASE + CHAR_SPAN) edits.push(client, clock + off, code)
      }
      continue
    }
    for (let off = (TOKEN - (clock % TOKEN)) % TOKEN; off + TOKEN <= str.length; off += TOKEN) {
      if (str.charCodeAt(off) !== 126) continue // '~'
      const us = parseInt(str.slice(off + 1, off + TOKEN), 36)
      if (!Number.isNaN(us)) edits.push(client, clock + off, us)
    }
  }
  if (decodeCache.size > 20_000) decodeCache.clear()
  decodeCache.set(key, edits)
  return edits
}

// ---------------------------------------------------------------- connections
function connect (onSocket) {
  return new Promise((resolve, reject) => {
    const manager = new Manager(config.url, {
      transports: ['websocket'],
      reconnection: false,
      timeout: 30_000
    })
    const socket = manager.socket(config.namespace, { auth: config.auth ?? {} })
    socket.on('sync-step-1', (_sv, ack) => { if (typeof ack === 'function') ack(EMPTY_UPDATE) })
    onSocket?.(socket)
    const fail = (err) => { socket.close(); reject(new Error(String(err?.message ?? err))) }
    socket.once('connect_error', fail)
    socket.once('connect', () => {
      socket.off('connect_error', fail)
      socket.timeout(SYNC_TIMEOUT_MS).emit('sync-step-1', EMPTY_SV, (err, update) => {
        if (err) fail(new Error(`no sync-step-1 ack within ${SYNC_TIMEOUT_MS} ms`))
        else resolve({ socket, manager, update })
      })
    })
  })
}

// A writer/seeder over Hocuspocus or y-websocket: the protocol's own provider on a Y.Doc.
// Resolves once synced; { doc, close } (updates made on doc are sent by the provider).
function connectProvider (doc) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no sync within ${SYNC_TIMEOUT_MS} ms`)), SYNC_TIMEOUT_MS)
    const done = (close) => { clearTimeout(timer); resolve({ doc, close }) }
    if (PROTOCOL === 'hocuspocus') {
      const provider = new HocuspocusProvider({
        url: config.url,
        name: config.namespace,
        document: doc,
        WebSocketPolyfill: WebSocket,
        onSynced: () => done(() => { provider.configuration.websocketProvider.destroy(); provider.destroy() }),
        onClose: () => { disconnects++ }
      })
    } else {
      const provider = new WebsocketProvider(config.url, config.namespace, doc, {
        WebSocketPolyfill: WebSocket,
        disableBc: true
      })
      provider.once('sync', () => done(() => provider.destroy()))
    }
  })
}

async function connectMany (count, make) {
  const out = []
  const concurrency = config.connectConcurrency ?? 100
  let next = 0
  async function lane () {
    while (next < count) {
      next++
      if (!config.tolerateFailures) {
        out.push(await make())
        continue
      }
      // Idle-memory runs: count a connection that fails, keep going with the others.
      try { out.push(await make()) } catch (err) { connectFailures++; lastFailure = String(err?.message ?? err) }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane))
  return out
}

let disconnects = 0
let connectFailures = 0
let lastFailure = null

// A minimal Socket.IO (protocol 5) / Engine.IO (4) client over one websocket, used by the many
// receivers so that the generator spends its CPU on measuring, not on client machinery:
// binary events and acks on one namespace, pings answered; nothing else of socket.io-client.
const PLACEHOLDER = '{"_placeholder":true,"num":0}'

class LeanSocket {
  constructor (namespace, auth, handlers) {
    this.namespace = namespace
    this.auth = auth
    this.handlers = handlers // { connect(), error(err), event(name, bytes, ackId), close() }
    this.acks = new Map()
    this.nextId = 0
    this.pending = null
    const url = config.url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket'
    this.ws = new WebSocket(url, { perMessageDeflate: false })
    this.ws.on('message', (data, isBinary) => this.onFrame(data, isBinary))
    this.ws.on('error', (err) => handlers.error(err))
    this.ws.on('close', () => handlers.close())
  }

  onFrame (data, isBinary) {
    if (isBinary) {
      const p = this.pending
      if (p === null) return
      p.buffers.push(data)
      if (p.buffers.length === p.attachments) { this.pending = null; this.dispatch(p) }
      return
    }
    const text = data.toString()
    switch (text.charCodeAt(0)) {
      case 48: // '0' engine open
        this.ws.send(`40${this.namespace},${JSON.stringify(this.auth)}`)
        break
      case 50: // '2' ping
        this.ws.send('3')
        break
      case 52: // '4' message: a socket.io packet
        this.onPacket(text)
        break
    }
  }

  onPacket (text) {
    const type = text.charCodeAt(1)
    if (type === 48) { this.handlers.connect(); return } // '0' connect
    if (type === 52) { this.handlers.error(new Error(text.slice(2))); return } // '4' error
    if (type !== 53 && type !== 54) return // only binary events and binary acks matter here
    const dash = text.indexOf('-', 2)
    let i = dash + 1
    if (text.charCodeAt(i) === 47) i = text.indexOf(',', i) + 1 // skip '/namespace,'
    let id = -1
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) {
      id = (id < 0 ? 0 : id * 10) + c - 48
    }
    this.pending = {
      ack: type === 54,
      id,
      json: text.slice(i),
      attachments: Number(text.slice(2, dash)),
      buffers: []
    }
  }

  dispatch (p) {
    const bytes = p.buffers[0]
    if (p.ack) {
      const done = this.acks.get(p.id)
      this.acks.delete(p.id)
      done?.(bytes)
      return
    }
    const name = p.json.slice(2, p.json.indexOf('"', 2))
    this.handlers.event(name, bytes, p.id)
  }

  sendBinary (head, bytes) {
    this.ws.send(head)
    this.ws.send(bytes)
  }

  ack (id, bytes) {
    this.sendBinary(`461-${this.namespace},${id}[${PLACEHOLDER}]`, bytes)
  }

  emitWithAck (event, bytes, done) {
    const id = this.nextId++
    this.acks.set(id, done)
    this.sendBinary(`451-${this.namespace},${id}["${event}",${PLACEHOLDER}]`, bytes)
  }

  close () { this.ws.close() }
}

function connectLean (onUpdate) {
  return new Promise((resolve, reject) => {
    let synced = false
    const timer = setTimeout(() => fail(new Error(`no sync within ${SYNC_TIMEOUT_MS} ms`)), SYNC_TIMEOUT_MS)
    const fail = (err) => {
      clearTimeout(timer)
      socket.close()
      reject(new Error(String(err?.message ?? err)))
    }
    const socket = new LeanSocket(config.namespace, config.auth ?? {}, {
      connect: () => socket.emitWithAck('sync-step-1', EMPTY_SV, (update) => {
        synced = true
        clearTimeout(timer)
        resolve({ socket, update })
      }),
      error: (err) => { if (!synced) fail(err) },
      close: () => { if (synced) disconnects++; else fail(new Error('closed before sync')) },
      event: (name, bytes, id) => {
        if (name === 'sync-update') onUpdate(bytes)
        else if (name === 'sync-step-1' && id >= 0) socket.ack(id, EMPTY_UPDATE)
      }
    })
  })
}

// Lean receivers for the plain-WebSocket protocols: y-protocols sync messages, with
// Hocuspocus's document-name prefix and Auth handshake when PROTOCOL is 'hocuspocus'.
const SYNC = 0
const AWARENESS = 1
const AUTH = 2
const STEP1 = 0
const STEP2 = 1
const UPDATE = 2
const KEEPALIVE_MS = 20_000 // Hocuspocus closes a connection silent for its timeout (60 s)

function wsMessage (type, write) {
  const e = encoding.createEncoder()
  if (PROTOCOL === 'hocuspocus') encoding.writeVarString(e, config.namespace)
  encoding.writeVarUint(e, type)
  write(e)
  return encoding.toUint8Array(e)
}

function syncMessage (step, payload) {
  return wsMessage(SYNC, (e) => { encoding.writeVarUint(e, step); encoding.writeVarUint8Array(e, payload) })
}

function connectLeanWs (onUpdate) {
  return new Promise((resolve, reject) => {
    let synced = false
    const url = PROTOCOL === 'hocuspocus' ? config.url : `${config.url}/${config.namespace}`
    const ws = new WebSocket(url, { perMessageDeflate: false })
    const timer = setTimeout(() => fail(new Error(`no sync within ${SYNC_TIMEOUT_MS} ms`)), SYNC_TIMEOUT_MS)
    let keepalive = null
    const fail = (err) => { clearTimeout(timer); ws.close(); reject(new Error(String(err?.message ?? err))) }
    ws.binaryType = 'nodebuffer'
    ws.on('open', () => {
      if (PROTOCOL === 'hocuspocus') {
        ws.send(wsMessage(AUTH, (e) => { encoding.writeVarUint(e, 0); encoding.writeVarString(e, '') }))
        keepalive = setInterval(() => ws.send(wsMessage(AWARENESS, (e) => encoding.writeVarUint8Array(e, new Uint8Array([0])))), KEEPALIVE_MS)
      }
      ws.send(syncMessage(STEP1, EMPTY_SV))
    })
    ws.on('message', (data) => {
      const d = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      if (PROTOCOL === 'hocuspocus') decoding.readVarString(d)
      const type = decoding.readVarUint(d)
      if (type === AUTH) {
        if (decoding.readVarUint(d) === 1) fail(new Error('permission denied'))
        return
      }
      if (type !== SYNC && type !== 4) return // 4: Hocuspocus SyncReply
      const step = decoding.readVarUint(d)
      const payload = decoding.readVarUint8Array(d)
      if (step === STEP1) ws.send(syncMessage(STEP2, EMPTY_UPDATE))
      else if (step === STEP2 && !synced) {
        synced = true
        clearTimeout(timer)
        resolve({ socket: { close: () => { clearInterval(keepalive); ws.close() } }, update: payload })
      } else onUpdate(payload)
    })
    ws.on('error', (err) => { if (!synced) fail(err) })
    ws.on('close', () => { clearInterval(keepalive); if (synced) disconnects++; else fail(new Error('closed before sync')) })
  })
}

class Receiver {
  constructor () { this.maxEnd = new Map(); this.received = 0; this.dups = 0 }
  async start () {
    if (PROTOCOL !== 'socketio') {
      const { socket, update } = await connectLeanWs((u) => this.onUpdate(u))
      this.socket = socket
      this.initial(update)
    } else if (config.lean === false) {
      const { socket, update } = await connect((s) => {
        s.on('sync-update', (u) => this.onUpdate(u))
      })
      socket.on('disconnect', () => { disconnects++ })
      this.socket = socket
      this.initial(update)
    } else {
      const { socket, update } = await connectLean((u) => this.onUpdate(u))
      this.socket = socket
      this.initial(update)
    }
    return this
  }

  // The sync reply: in char mode it holds the seeded trace and earlier phases' characters,
  // whose modular stamps mean nothing now.
  initial (update) { if (!CHAR_MODE) this.onUpdate(update) }

  onUpdate (update) {
    const edits = tokensOf(update)
    if (edits.length === 0) return
    const t = now()
    const units = CHAR_MODE ? Math.floor((t - epochMs) * 10) : 0
    const width = CHAR_MODE ? 1 : TOKEN
    for (let i = 0; i < edits.length; i += 3) {
      const client = edits[i]
      const clock = edits[i + 1]
      const end = this.maxEnd.get(client) ?? 0
      if (clock < end) { this.dups++; continue }
      this.maxEnd.set(client, clock + width)
      const sentAt = CHAR_MODE
        ? t - ((((units - (edits[i + 2] - CHAR_BASE)) % CHAR_SPAN) + CHAR_SPAN) % CHAR_SPAN) / 10
        : epochMs + edits[i + 2] / 1000
      if (phase === null || sentAt < phase.t0) continue
      this.received++
      phase.hist.add(t - sentAt)
    }
  }
}

let writerSeed = 1
for (const ch of String(config.label ?? '')) writerSeed = Math.imul(writerSeed, 31) + ch.charCodeAt(0)

class Writer {
  constructor () {
    this.doc = new Y.Doc()
    this.text = this.doc.getText(TEXT)
    this.sent = 0
    this.rand = mulberry32(writerSeed++)
  }

  async start () {
    if (PROTOCOL !== 'socketio') {
      // The provider syncs the document (the seeded trace) into this.doc and sends its edits.
      const { close } = await connectProvider(this.doc)
      this.socket = { close }
      return this
    }
    const { socket, update } = await connect()
    this.socket = socket
    socket.on('disconnect', () => { disconnects++ })
    // Char mode edits at random positions of the document as the server has it (seeded).
    if (CHAR_MODE) Y.applyUpdate(this.doc, new Uint8Array(update), 'sync')
    this.doc.on('update', (u, origin) => { if (origin !== 'sync') socket.emit('sync-update', u) })
    return this
  }

  edit () {
    if (CHAR_MODE) this.text.insert(Math.floor(this.rand() * (this.text.length + 1)), stampChar())
    else this.text.insert(this.text.length, token())
    this.sent++
  }
}

function stampChar () {
  const units = Math.floor((now() - epochMs) * 10)
  return String.fromCharCode(CHAR_BASE + (units % CHAR_SPAN))
}

// ---------------------------------------------------------------- chat (Salon's own protocol)
// config.chat = { rooms: [room ids], tokens: [one token per member slot], usersPerRoom }
// Every member joins its room on the default namespace; chat bodies carry the same timestamp
// token as document edits, and every member (sender included) times each chat:message.
function parseToken (body) {
  if (typeof body !== 'string' || body.charCodeAt(0) !== 126) return null
  const us = parseInt(body.slice(1, TOKEN), 36)
  return Number.isNaN(us) ? null : epochMs + us / 1000
}

function token () {
  const us = Math.round((now() - epochMs) * 1000)
  return '~' + us.toString(36).padStart(TOKEN - 1, '0').slice(-(TOKEN - 1))
}

class ChatMember {
  constructor (roomId, authToken) {
    this.roomId = roomId
    this.authToken = authToken
    this.received = 0
    this.dups = 0
  }

  start () {
    return new Promise((resolve, reject) => {
      const manager = new Manager(config.url, {
        transports: ['websocket'],
        reconnection: false,
        timeout: 30_000
      })
      const socket = manager.socket('/', { auth: { token: this.authToken } })
      this.socket = socket
      const timer = setTimeout(() => fail(new Error('no room:join ack in time')), SYNC_TIMEOUT_MS)
      const fail = (err) => {
        clearTimeout(timer)
        socket.close()
        reject(new Error(String(err?.message ?? err)))
      }
      socket.once('connect_error', fail)
      socket.on('chat:message', (m) => this.onMessage(m))
      socket.once('connect', () => {
        socket.off('connect_error', fail)
        socket.on('disconnect', () => { disconnects++ })
        socket.timeout(SYNC_TIMEOUT_MS).emit('room:join', { room_id: this.roomId }, (err, ack) => {
          if (err || !ack?.ok) fail(new Error(`room:join failed: ${JSON.stringify(ack ?? String(err))}`))
          else { clearTimeout(timer); resolve(this) }
        })
      })
    })
  }

  onMessage (message) {
    const sentAt = parseToken(message?.body)
    if (sentAt === null || phase === null || sentAt < phase.t0) return
    this.received++
    phase.hist.add(now() - sentAt)
  }
}

// Sends chat messages round-robin over rooms, then over each room's members.
class ChatSender {
  constructor (members, rooms) {
    this.members = members
    this.rooms = rooms
    this.sent = 0
    this.errors = {}
  }

  edit () {
    const k = this.sent
    const perRoom = this.members.length / this.rooms
    const member = this.members[(k % this.rooms) * perRoom + (Math.floor(k / this.rooms) % perRoom)]
    const payload = { room_id: member.roomId, client_id: `${config.label}-${k}`, body: token() }
    const sentAt = now()
    const timed = phase // acks are timed like receipts: send -> ack, within the phase
    member.socket.emit('chat:send', payload, (ack) => {
      if (ack?.ok && timed !== null && timed === phase) timed.acks.add(now() - sentAt)
      if (!ack?.ok) {
        const code = ack?.error?.code ?? 'error'
        this.errors[code] = (this.errors[code] ?? 0) + 1
      }
    })
    this.sent++
  }
}

async function startChat () {
  const { rooms, tokens, usersPerRoom } = config.chat
  const slots = rooms.flatMap((roomId) => tokens.slice(0, usersPerRoom).map((t) => [roomId, t]))
  // Each member's first connection alone: Salon creates the user row on first sight, and
  // concurrent first connections of one user race on that insert (reported upstream).
  const first = []
  for (const slot of slots.slice(0, usersPerRoom)) first.push(await new ChatMember(...slot).start())
  let i = first.length
  receivers = first.concat(
    await connectMany(slots.length - i, () => new ChatMember(...slots[i++]).start())
  )
  // connectMany finishes in any order: regroup members by room for the sender.
  receivers.sort((a, b) => rooms.indexOf(a.roomId) - rooms.indexOf(b.roomId))
  writers = config.senders === false ? [] : [new ChatSender(receivers, rooms.length)]
}

// ---------------------------------------------------------------- phases
let phase = null
let receivers = []
let writers = []

function sleep (ms) { return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))) }

async function runWriters (p) {
  if (writers.length === 0 || !(p.rate > 0)) return { sent: 0, lagMaxMs: 0 }
  const start = p.t0
  const end = p.t0 + p.duration * 1000
  const base = writers.map((w) => w.sent)
  for (const w of writers) if (w.errors) w.errors = {}
  let lagMaxMs = 0
  await sleep(start - now())
  await new Promise((resolve) => {
    const pump = () => {
      const t = now()
      const due = Math.floor((Math.min(t, end) - start) * p.rate / 1000)
      for (let i = 0; i < writers.length; i++) {
        const w = writers[i]
        const behind = due - (w.sent - base[i])
        if (behind > 1) lagMaxMs = Math.max(lagMaxMs, behind * 1000 / p.rate)
        while (w.sent - base[i] < due) w.edit()
      }
      if (t >= end) resolve()
      else setTimeout(pump, 1)
    }
    pump()
  })
  return { sent: writers.reduce((n, w, i) => n + w.sent - base[i], 0), lagMaxMs }
}

async function runJoiners (p) {
  if (!(p.joinRate > 0)) return { joins: 0, failed: 0, hist: [], bytes: 0 }
  const hist = new Histogram()
  const end = p.t0 + p.duration * 1000
  const pending = []
  let failed = 0
  let bytes = 0
  await sleep(p.t0 - now())
  for (let i = 0; now() < end; i++) {
    await sleep(p.t0 + (i * 1000) / p.joinRate - now())
    if (now() >= end) break
    const began = now()
    pending.push(connect().then(async ({ socket, update }) => {
      hist.add(now() - began)
      bytes = Math.max(bytes, update.byteLength ?? update.length)
      await sleep(p.joinHoldMs ?? 500)
      socket.close()
    }, () => { failed++ }))
  }
  await Promise.all(pending)
  return { joins: hist.n, failed, hist: hist.sparse(), bytes }
}

async function runPhase (p) {
  const received0 = receivers.reduce((n, r) => n + r.received, 0)
  const dups0 = receivers.reduce((n, r) => n + r.dups, 0)
  const disconnects0 = disconnects
  phase = { t0: p.t0, hist: new Histogram(), acks: new Histogram() }
  await sleep(p.t0 - now())
  const cpu0 = process.cpuUsage()
  const wall0 = now()
  const [writing, joining] = await Promise.all([
    runWriters(p), runJoiners(p), sleep(p.t0 + p.duration * 1000 - now())
  ])
  const cpu = process.cpuUsage(cpu0)
  const activeMs = now() - wall0
  await sleep(p.t0 + (p.duration + p.drain) * 1000 - now())
  const hist = phase.hist
  const acks = phase.acks
  phase = null
  emit({
    event: 'phase',
    id: p.id,
    receivers: receivers.length,
    writers: writers.length,
    sent: writing.sent,
    received: receivers.reduce((n, r) => n + r.received, 0) - received0,
    dups: receivers.reduce((n, r) => n + r.dups, 0) - dups0,
    disconnects: disconnects - disconnects0,
    hist: hist.sparse(),
    // chat:send -> its ack (chat only: the ack follows the commit that holds the message)
    acks: acks.n > 0 ? acks.sparse() : [],
    lagMaxMs: writing.lagMaxMs,
    joins: joining,
    errors: writers.reduce((all, w) => Object.assign(all, w.errors ?? {}), {}),
    // CPU of this process while load was applied, as a fraction of one core.
    cpu: (cpu.user + cpu.system) / 1000 / activeMs
  })
}

// ---------------------------------------------------------------- seeding a trace document
function mulberry32 (seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6D2B79F5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// A long synthetic editing session: typing bursts at a wandering cursor, backspaces and
// selections deleted, from a few authors, until the encoded document reaches targetBytes.
function buildTrace (targetBytes) {
  const rand = mulberry32(42)
  const words = 'the of and to in is that for it as with was on be by this are from at or an have not'.split(' ')
  const authors = Array.from({ length: 4 }, (_, i) => { const d = new Y.Doc(); d.clientID = 1000 + i; return d })
  const main = new Y.Doc()
  const text = main.getText('trace')
  let ops = 0
  let cursor = 0
  let size = 0
  while (size < targetBytes) {
    const author = authors[Math.floor(rand() * authors.length)]
    main.clientID = author.clientID
    for (let k = 0; k < 200; k++) {
      const roll = rand()
      if (roll < 0.1) cursor = Math.floor(rand() * (text.length + 1))
      cursor = Math.min(cursor, text.length)
      if (roll < 0.8) {
        const word = words[Math.floor(rand() * words.length)] + ' '
        for (const ch of word) text.insert(cursor++, ch)
        ops += word.length
      } else if (roll < 0.95 && cursor > 0) {
        const n = Math.min(cursor, 1 + Math.floor(rand() * 4))
        for (let j = 0; j < n; j++) text.delete(--cursor, 1)
        ops += n
      } else if (text.length > 0) {
        const at = Math.floor(rand() * text.length)
        const n = Math.min(text.length - at, 1 + Math.floor(rand() * 30))
        text.delete(at, n)
        ops++
      }
    }
    size = Y.encodeStateAsUpdate(main).byteLength
  }
  return { update: Y.encodeStateAsUpdate(main), ops, chars: text.length }
}

let seeders = [] // kept open: a server without persistence unloads a document nobody holds

async function seedOverProvider (update) {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  seeders.push(await connectProvider(doc)) // the provider's sync hands the server the trace
  let stored = 0
  for (let i = 0; i < 100 && stored < update.byteLength * 0.9; i++) {
    await sleep(100)
    const check = await connectProvider(new Y.Doc())
    stored = Y.encodeStateAsUpdate(check.doc).byteLength
    check.close()
  }
  return stored
}

async function seed (cmd) {
  const { update, ops, chars } = buildTrace(cmd.targetBytes ?? 160_000)
  if (PROTOCOL !== 'socketio') {
    const stored = await seedOverProvider(update)
    emit({ event: 'seeded', bytes: update.byteLength, stored, ops, chars })
    return
  }
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  // The document arrives the way a provider with offline content syncs it: as the reply to
  // the server's sync-step-1. (A live 'sync-update' must be the sender's own edit: Salon
  // refuses one carrying four other Yjs clients' changes, the peer accepts it.)
  const { socket } = await connect((s) => {
    s.off('sync-step-1')
    s.on('sync-step-1', (sv, ack) => {
      if (typeof ack === 'function') ack(Y.encodeStateAsUpdate(doc, new Uint8Array(sv)))
    })
  })
  let stored = 0
  for (let i = 0; i < 100 && stored < update.byteLength * 0.9; i++) {
    await sleep(100)
    stored = (await socket.emitWithAck('sync-step-1', EMPTY_SV)).byteLength
  }
  seeders.push(socket)
  emit({ event: 'seeded', bytes: update.byteLength, stored, ops, chars })
}

// ---------------------------------------------------------------- main
async function main () {
  const began = now()
  if (config.chat) {
    await startChat()
  } else {
    writers = await connectMany(config.writers ?? 0, () => new Writer().start())
    receivers = await connectMany(config.receivers ?? 0, () => new Receiver().start())
  }
  emit({
    event: 'ready',
    writers: writers.length,
    receivers: receivers.length,
    failed: connectFailures,
    lastFailure,
    connectMs: now() - began
  })
  const lines = readline.createInterface({ input: process.stdin })
  for await (const line of lines) {
    if (!line.trim()) continue
    const cmd = JSON.parse(line)
    if (cmd.cmd === 'phase') await runPhase(cmd)
    else if (cmd.cmd === 'seed') await seed(cmd)
    else if (cmd.cmd === 'exit') break
  }
  for (const c of [...writers, ...receivers]) c.socket?.close()
  for (const s of seeders) s.close()
  process.exit(0)
}

main().catch((err) => {
  emit({ event: 'error', message: String(err?.stack ?? err) })
  log(err)
  process.exit(1)
})
