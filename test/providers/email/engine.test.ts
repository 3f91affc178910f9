// One person across SMS and email (docs/identity.md): once their email address is linked to the
// identity of their SMS number, a new mail from them lands in the room of their text messages,
// the agent's reply reaches them on both channels, and their reply to the mail threads back into
// that room. Without the link, the same mail opens a room of its own.
import { afterEach, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhookBody, type Identity, type RoomEvent } from '../../../runtime/src';
import { SECRET, cleanupAll, until } from '../../runtime/support/engine';
import { CUSTOMER, SUPPORT, acceptedOf, closeEmailServers, openEmailEngine, type EmailEngine } from './support/engine';

afterEach(async () => {
  await cleanupAll();
  await closeEmailServers();
});

const PHONE = '+15550100001';

async function textFromPhone(t: EmailEngine, text: string) {
  const rawBody = Buffer.from(JSON.stringify({ from: PHONE, text }));
  const timestamp = Math.floor(Date.now() / 1000);
  const result = await t.engine.handleWebhook('sms', {
    method: 'POST',
    url: 'http://localhost/webhook/sms',
    headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signWebhookBody(SECRET, timestamp, rawBody) },
    rawBody,
  });
  return acceptedOf(result)[0]!;
}

/** The customer texts in; the room routes by identity (docs/identity.md, routing policy). */
async function smsConversation() {
  const t = await openEmailEngine();
  await t.registerEmail();
  const sms = await textFromPhone(t, 'my printer is on fire');
  await t.engine.call('updateRoomMetadata', { roomId: sms.roomId, metadata: { routing: 'identity' } });
  const [first] = (await t.engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId: sms.roomId, limit: 10 })).events.filter((e) => e.type === 'message');
  return { t, roomId: sms.roomId, identityId: first!.source.identityId! };
}

const mailFromAda = (headers: Record<string, string> = {}) => ({
  from: `Ada Lovelace <${CUSTOMER}>`,
  to: SUPPORT,
  subject: 'Photos of the printer',
  text: 'Here is what it looks like.',
  headers: { 'Message-ID': `<${Math.random().toString(36).slice(2)}@example.org>`, ...headers },
});

describe('identity linking across SMS and email', () => {
  it('puts the email of an SMS customer whose address is linked in the room of their texts, and replies reach both channels', async () => {
    const { t, roomId, identityId } = await smsConversation();
    await t.engine.call<Identity>('linkAddress', { identityId, channelType: 'email', address: CUSTOMER });

    const mail = acceptedOf(await t.inboundJson(mailFromAda({ 'Message-ID': '<photos@example.org>' })))[0]!;
    expect(mail.roomId).toBe(roomId);

    const { binding: agent } = await t.engine.call<{ binding: { id: string } }>('attachBinding', { roomId, channelId: 'console', address: 'agent-1' });
    await t.engine.call('sendEvent', { roomId, bindingId: agent.id, content: { type: 'text', text: 'Unplug it now.' } });
    await t.engine.idle();
    const smsReply = await until(
      () => t.sms.requests.map((r) => JSON.parse(r.body.toString()) as { to: string; content: { text: string } }).find((r) => r.content.text === 'Unplug it now.'),
      'the SMS reply',
    );
    expect(smsReply.to).toBe(PHONE);
    const [reply] = t.smtp.mails;
    expect(reply!.envelope.to).toEqual([CUSTOMER]);
    expect(reply!.parsed.inReplyTo).toBe('<photos@example.org>');
    expect(reply!.parsed.subject).toBe('Re: Photos of the printer');

    // Her answer to the mail threads back into the same room.
    const answer = acceptedOf(await t.inboundJson(mailFromAda({ 'In-Reply-To': reply!.parsed.messageId! })))[0]!;
    expect(answer.roomId).toBe(roomId);

    const timeline = (await t.engine.call<{ events: RoomEvent[] }>('getTimeline', { roomId, limit: 20 })).events.filter((e) => e.type === 'message');
    expect(timeline.map((e) => [e.source.channelId, e.source.identityId])).toEqual([
      ['sms', identityId],
      ['mail', identityId],
      ['console', expect.any(String)],
      ['mail', identityId],
    ]);
    const person = await t.engine.call<Identity>('getIdentity', { identityId });
    expect(person.addresses).toEqual([
      { channelType: 'sms', address: PHONE },
      { channelType: 'email', address: CUSTOMER },
    ]);
  });

  it('opens a room of its own for the same mail while the address is not linked', async () => {
    const { t, roomId } = await smsConversation();
    const mail = acceptedOf(await t.inboundJson(mailFromAda()))[0]!;
    expect(mail.roomId).not.toBe(roomId);
  });
});
