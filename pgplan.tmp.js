const pg = require('pg');
const { Engine, FlowProvider, PostgresStore } = require('./runtime/dist');
const { latestDeliveryToBindingQuery, DELIVERIES_BY_ROOM } = require('./runtime/dist/store/room-deliveries');
(async () => {
  const schema = 'rw_plan_' + Date.now();
  const store = new PostgresStore({ connectionString: 'postgres://127.0.0.1:5432/test', schema });
  const engine = await Engine.open({ store });
  const staff = new FlowProvider();
  await engine.registerChannel({ id: 'customer', type: 'webhook', provider: new FlowProvider() });
  await engine.registerChannel({ id: 'staff', type: 'flow', provider: staff });
  const rooms = [];
  for (let r = 0; r < 20; r++) rooms.push((await engine.call('createRoom', { bindings: [{ channelId: 'customer', address: '+1555' + r }, { channelId: 'staff', address: 'agent' }] })));
  for (let i = 0; i < 6000; i++) { const room = rooms[i % 20]; await engine.call('sendEvent', { roomId: room.room.id, bindingId: room.bindings[0].id, content: { type: 'text', text: 'm' + i } }); }
  await engine.idle();
  const target = rooms[3].bindings[1].id;
  console.log('found', (await store.findLatestDeliveryForBinding(target))?.eventIndex);
  await engine.close();
  const c = new pg.Client({ connectionString: 'postgres://127.0.0.1:5432/test', options: `-c search_path=${schema}` });
  await c.connect();
  await c.query('ANALYZE');
  let i = 0; const q = latestDeliveryToBindingQuery(DELIVERIES_BY_ROOM, target);
  const sql = q.sql.replace(/\?/g, () => '$' + (++i));
  const t0 = Date.now(); const plan = await c.query('EXPLAIN ANALYZE ' + sql, q.params);
  console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
  await c.query(`DROP SCHEMA ${schema} CASCADE`); await c.end();
})();
