// Runs one benchmark scenario and prints its JSON line.
'use strict';
const { throughput, keyedRooms, longRun, latencyAtRate } = require('./engine');

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const KEYED_MESSAGES = Number(process.env.BENCH_KEYED_MESSAGES ?? 1_000_000);

const scenarios = {
  'engine-1room': () => throughput('engine-1room', 1, MESSAGES),
  'engine-1000rooms': () => throughput('engine-1000rooms', 1000, MESSAGES),
  // The engine-1room write sets committed by the store alone: the ceiling engine-1room can reach here.
  'store-1room': () => require('./store').run('store-1room', Number(process.env.BENCH_STORE_MESSAGES ?? 30_000)),
  // What each kind of row of those write sets costs SQLite, per row.
  'store-rows': () => require('./store-rows').run('store-rows', Number(process.env.BENCH_STORE_MESSAGES ?? 30_000)),
  'engine-keyed-10k-rooms': () => keyedRooms('engine-keyed-10k-rooms', 10_000, KEYED_MESSAGES, Math.round(KEYED_MESSAGES / 5)),
  // Opt-in by name: a million messages over a thousand rooms, where every index led by a room or a
  // participant takes an insert at a thousand places in each transaction, in a file that keeps growing.
  'engine-1000rooms-1m': () => throughput('engine-1000rooms-1m', 1000, Number(process.env.BENCH_1M_MESSAGES ?? 1_000_000)),
  // Opt-in by name (`npm run bench -- engine-1m`): a million messages take minutes.
  'engine-1m': () => longRun('engine-1m', Number(process.env.BENCH_1M_MESSAGES ?? 1_000_000), Number(process.env.BENCH_1M_SAMPLE_EVERY ?? 100_000)),
  // The pauses of the machine itself in the same hour: the part of latency-1000mps's tail no engine can remove.
  'machine-stalls': () => require('./machine-stalls').run('machine-stalls', Number(process.env.BENCH_SECONDS ?? 10)),
  'latency-1000mps': () =>
    latencyAtRate('latency-1000mps', 1000, Number(process.env.BENCH_SECONDS ?? 10), Number(process.env.BENCH_WARMUP_SECONDS ?? 3)),
  'nodered-baseline': () => require('./nodered').run('nodered-baseline', MESSAGES),
  'nodered-flow': () => require('./nodered').run('nodered-flow', MESSAGES),
  'postgres-1instance': () => require('./postgres').run('postgres-1instance', 1, Number(process.env.BENCH_PG_MESSAGES ?? 30_000)),
  'postgres-3instances': () => require('./postgres').run('postgres-3instances', 3, Number(process.env.BENCH_PG_MESSAGES ?? 30_000)),
  'postgres-1instance-1room': () => require('./postgres').run('postgres-1instance-1room', 1, Number(process.env.BENCH_PG_MESSAGES ?? 30_000), { roomCount: 1 }),
  'postgres-3instances-1room': () => require('./postgres').run('postgres-3instances-1room', 3, Number(process.env.BENCH_PG_MESSAGES ?? 30_000), { roomCount: 1 }),
  'postgres-3instances-sticky': () =>
    require('./postgres').run('postgres-3instances-sticky', 3, Number(process.env.BENCH_PG_MESSAGES ?? 30_000), { sticky: true }),
  'delivery-throughput': () => require('./delivery').run('delivery-throughput', Number(process.env.BENCH_DELIVERY_MESSAGES ?? 20_000)),
  'webchat-fanout': () =>
    require('./webchat').run('webchat-fanout', Number(process.env.BENCH_WEBCHAT_CLIENTS ?? 300), Number(process.env.BENCH_WEBCHAT_MESSAGES ?? 20_000)),
};

const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`unknown scenario ${name}; one of ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
scenarios[name]().then(
  (result) => {
    console.log(JSON.stringify(result));
    process.exit(0);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
