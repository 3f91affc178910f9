// The DESIGN.md section 15 scenario through a real Node-RED runtime (in this process).
//
// Both scenarios do the same engine work per message: an inbound text into room A (three
// bindings, fan-out to two flow participants) decided by a sync before_broadcast hook in the
// flow, and the staff participant's copy relayed by the flow into room B (a second durable
// commit). Throughput counts room-B commits.
// - `nodered-flow`: Roomwire's nodes: hook → hook return, room in (participant) → change → send.
// - `nodered-baseline`: the same four Roomwire places taken by core `function` nodes (and the same
//   change node), wired to the engine
//   through its API (a code-registered hook and flow-channel listener feed them). The ratio
//   flow / baseline is what Roomwire's nodes cost over plain core nodes doing the same job.
'use strict';
const { mkdtempSync, writeFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const http = require('node:http');
const { summary, cpuNow, cpuPerMessage } = require('./measure');

const ROOT = join(__dirname, '..');

function commonNodes(dbPath) {
  return [
    { id: 'bench-tab', type: 'tab', label: 'bench' },
    { id: 'bench-engine', type: 'roomwire-engine', name: 'bench', database: dbPath },
    { id: 'ch-customer', type: 'roomwire-channel', engine: 'bench-engine', channelId: 'customer', channelType: 'flow' },
    { id: 'ch-staff', type: 'roomwire-channel', engine: 'bench-engine', channelId: 'staff', channelType: 'flow' },
  ];
}

/** The core change node both flows use between a participant's delivery and the relay. */
function contentOnly(id, next) {
  return {
    id,
    z: 'bench-tab',
    type: 'change',
    // The relay writes as the system into room B: the receiving binding's id belongs to room A.
    rules: [
      { t: 'set', p: 'payload', pt: 'msg', to: 'payload.content', tot: 'msg' },
      { t: 'delete', p: 'bindingId', pt: 'msg' },
      { t: 'delete', p: 'address', pt: 'msg' },
    ],
    wires: [[next]],
  };
}

function roomwireFlow(dbPath) {
  return [
    ...commonNodes(dbPath),
    { id: 'hook', z: 'bench-tab', type: 'roomwire-hook', engine: 'bench-engine', trigger: 'before_broadcast', roomId: 'bench-a', timeoutMs: 5000, failMode: 'open', wires: [['hook-return']] },
    { id: 'hook-return', z: 'bench-tab', type: 'roomwire-hook-return', action: 'allow', wires: [] },
    { id: 'room-in', z: 'bench-tab', type: 'roomwire-room-in', engine: 'bench-engine', mode: 'participant', channelId: 'staff', wires: [['to-content']] },
    contentOnly('to-content', 'send'),
    { id: 'send', z: 'bench-tab', type: 'roomwire-send', engine: 'bench-engine', roomId: 'bench-b', wires: [[]] },
  ];
}

function baselineFlow(dbPath) {
  const fn = (id, func, next) => ({ id, z: 'bench-tab', type: 'function', func, outputs: 1, wires: [next ? [next] : []] });
  return [
    ...commonNodes(dbPath),
    fn('f-hook', 'return msg;', 'f-hook-return'),
    fn('f-hook-return', "msg.decide({ action: 'allow' }); return null;"),
    fn('f-room-in', 'return msg;', 'to-content'),
    contentOnly('to-content', 'f-send'),
    fn('f-send', "global.get('engine').call('sendEvent', { roomId: 'bench-b', content: msg.payload }); return null;"),
  ];
}

async function startNodeRed(flows, globalContext) {
  const userDir = mkdtempSync(join(tmpdir(), 'roomwire-bench-nr-'));
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flows));
  const RED = require('node-red');
  const server = http.createServer();
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    nodesDir: ROOT,
    httpAdminRoot: false,
    httpNodeRoot: '/api',
    credentialSecret: 'bench',
    functionGlobalContext: globalContext,
    logging: { console: { level: 'error' } },
    telemetry: { enabled: false, updateNotification: false },
    editorTheme: { tours: false, projects: {} },
  });
  const started = new Promise((resolve) => RED.events.once('flows:started', resolve));
  await RED.start();
  await started;
  return {
    RED,
    async stop() {
      await RED.stop();
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}

async function run(scenario, total) {
  const dataDir = mkdtempSync(join(tmpdir(), 'roomwire-bench-db-'));
  const dbPath = join(dataDir, 'bench.sqlite');
  const globalContext = {};
  const baseline = scenario === 'nodered-baseline';
  const red = await startNodeRed(baseline ? baselineFlow(dbPath) : roomwireFlow(dbPath), globalContext);
  const engine = await red.RED.nodes.getNode('bench-engine').shared.ready();
  globalContext.engine = engine;

  if (baseline) {
    const hookNode = red.RED.nodes.getNode('f-hook');
    const roomInNode = red.RED.nodes.getNode('f-room-in');
    engine.registerHook({ name: 'bench', trigger: 'before_broadcast', roomId: 'bench-a' }, (context) =>
      new Promise((decide) => hookNode.receive({ payload: context.event, decide })),
    );
    engine.listenToFlowChannel('staff', (delivery) => roomInNode.receive({ payload: delivery.event }));
  }
  // The customer's own channel has a flow listener too, so its deliveries complete (no retries).
  engine.listenToFlowChannel('customer', () => undefined);

  const { bindings } = await engine.call('createRoom', {
    id: 'bench-a',
    bindings: [
      { channelId: 'customer', address: '+15550000001' },
      { channelId: 'staff', address: 'agent' },
      { channelId: 'customer', address: 'observer', audience: 'internal', access: 'read_only' },
    ],
  });
  await engine.call('createRoom', { id: 'bench-b' });
  const sender = bindings[0].id;

  const offeredAt = new Map();
  const latencies = new Float64Array(total);
  let relayed = 0;
  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));
  engine.subscribe((n) => {
    if (n.kind !== 'event' || n.roomId !== 'bench-b' || n.event.type !== 'message') return;
    const i = offeredAt.get(n.event.content.text);
    if (i !== undefined) latencies[i.index] = Number(process.hrtime.bigint() - i.at) / 1e6;
    if (++relayed === total) resolveDone();
  });

  const window = 1000;
  let next = 0;
  const cpuAtStart = cpuNow();
  const started = process.hrtime.bigint();
  async function worker() {
    while (next < total) {
      const index = next++;
      const text = `message ${index}`;
      offeredAt.set(text, { index, at: process.hrtime.bigint() });
      await engine.call('sendEvent', { roomId: 'bench-a', bindingId: sender, content: { type: 'text', text } });
    }
  }
  await Promise.all(Array.from({ length: window }, worker));
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result = { ...summary(scenario, total, seconds, latencies), ...cpuPerMessage(cpuAtStart, cpuNow(), total) };
  await engine.idle();
  await red.stop();
  rmSync(dataDir, { recursive: true, force: true });
  return result;
}

module.exports = { run };
