// The agent inbox page in Chromium, as an agent works in it from the keyboard: the page keeps the
// agent's place while it updates itself.
import { describe, expect, it } from 'vitest';
import { chromiumPath } from '../support/browser';
import { carlaInboxSuite } from '../support/carla-inbox';
import { until } from '../support/wait';

describe.skipIf(!chromiumPath)('the agent inbox page', () => {
  const { carlaSaidHello, anaReadsCarla } = carlaInboxSuite();

  it('a participant muted or unmuted from the keyboard keeps the focus on their mute button', async () => {
    const { ana } = await anaReadsCarla();
    await ana.locator('.participants summary').click();
    const focused = () => ana.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    // The room list refreshes after the change too: the focus must survive every redraw. A redraw
    // makes new buttons, so the mark set on the old one is gone once it has happened.
    const roomButton = ana.locator('#rooms [data-room-id="r1"]');
    const markRoomList = () => roomButton.evaluate((button) => button.setAttribute('data-drawn-before', ''));
    const roomListRedrawn = () => until(async () => (await ana.locator('#rooms [data-drawn-before]').count()) === 0 || undefined, 'the room list redrawn');
    await ana.getByRole('button', { name: 'Mute Carla' }).focus();
    await markRoomList();
    await ana.keyboard.press('Enter');
    await ana.getByRole('button', { name: 'Unmute Carla' }).waitFor();
    await roomListRedrawn();
    expect(await focused()).toBe('Unmute Carla');
    await markRoomList();
    await ana.keyboard.press('Enter');
    await ana.getByRole('button', { name: 'Mute Carla' }).waitFor();
    await roomListRedrawn();
    expect(await focused()).toBe('Mute Carla');
  });

  it('a message that came while the tab was hidden is marked read once the agent comes back to it', async () => {
    const { carlaSays, ana } = await anaReadsCarla();
    const unread = () => ana.locator('#rooms [data-room-id="r1"] .unread').getAttribute('data-unread');
    await until(async () => (await unread()) === '0' || undefined, 'hello? read');
    const setVisibility = (visibility: 'hidden' | 'visible') =>
      ana.evaluate((value) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => value });
        document.dispatchEvent(new Event('visibilitychange'));
      }, visibility);

    // Another tab in front: the message shows in the open room, but nobody has read it.
    await setVisibility('hidden');
    await carlaSays('anyone there?');
    await until(async () => (await ana.locator('#timeline').innerText()).includes('anyone there?'), 'the open room showing the new message');
    await until(async () => (await unread()) === '1' || undefined, 'the new message unread');

    // Back to the inbox tab, the room open: the agent sees it, so it is read (and Carla's page says so).
    await setVisibility('visible');
    await until(async () => (await unread()) === '0' || undefined, 'the new message read once the tab is visible again');
  });

  it('what the agent types while a reply is on its way stays in the composer, and the reply is sent once', async () => {
    const { engine, ana } = await anaReadsCarla();
    // A slow connection: the reply takes a while to be stored.
    let repliesAsked = 0;
    await ana.route('**/api/rooms/r1/reply', async (route) => {
      repliesAsked++;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await route.continue();
    });
    // Once the reply's answer is handled, the page asks for what is new in the room. Both are
    // watched from the start: the page may ask before a listener added on the answer would hear it.
    let replyAnswered = false;
    let askedAfterAnswer = 0;
    ana.on('response', (response) => {
      if (response.url().includes('/api/rooms/r1/reply')) replyAnswered = true;
    });
    ana.on('request', (request) => {
      if (replyAnswered && request.url().includes('/api/rooms/r1?fromIndex=')) askedAfterAnswer++;
    });
    await ana.locator('#message').fill('Let me check');
    await ana.locator('#message').press('Control+Enter');
    await ana.locator('#message').press('Control+Enter');
    await ana.locator('#message').pressSequentially('Your order left');
    await until(() => askedAfterAnswer > 0 || undefined, 'the page asking for new events after the reply was answered');
    await until(async () => (await ana.locator('#timeline').innerText()).includes('Let me check'), 'the reply in the timeline');
    expect(repliesAsked).toBe(1);
    expect(await ana.locator('#message').inputValue()).toBe('Your order left');
    const { events } = await engine.call<{ events: { content: { text?: string } }[] }>('getTimeline', { roomId: 'r1' });
    expect(events.filter((e) => e.content.text === 'Let me check')).toHaveLength(1);

    // A reply refused is given back, ahead of what was typed since, with the reason.
    await ana.unroute('**/api/rooms/r1/reply');
    await ana.route('**/api/rooms/r1/reply', (route) =>
      route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: { code: 'room_closed', message: 'room r1 is closed' } }) }),
    );
    await ana.locator('#message').press('Control+Enter');
    await ana.locator('#room-error', { hasText: 'room r1 is closed' }).waitFor();
    expect(await ana.locator('#message').inputValue()).toBe('Your order left');
  });

  it('new messages that could not be loaded are said on the page, never an uncaught error, and load with the next change', async () => {
    const { carlaSays, ana } = await anaReadsCarla();
    await ana.route('**/api/rooms/r1?fromIndex=*', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'the store is busy' } }) }),
    );
    await carlaSays('still there?');
    await ana.getByRole('alert').filter({ hasText: 'the store is busy' }).waitFor({ state: 'visible', timeout: 5_000 });
    await ana.unroute('**/api/rooms/r1?fromIndex=*');
    await carlaSays('hello again');
    await until(async () => (await ana.locator('#timeline').innerText()).includes('hello again'), 'the next change loaded');
    expect(await ana.locator('#timeline').innerText()).toContain('still there?');
    expect(await ana.locator('#room-error').textContent()).toBe('');
    // The suite checks after each test that the page threw nothing.
  });

  it('an action refused in a closed room says why on the page', async () => {
    const { ana } = await anaReadsCarla();
    await ana.locator('#state', { hasText: 'Close' }).click();
    await ana.locator('#state', { hasText: 'Reopen' }).waitFor();
    // Archived meanwhile (a flow, another agent): the server refuses to reopen it.
    await ana.route('**/api/rooms/r1/state', (route) =>
      route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: { code: 'conflict', message: 'room r1 is archived', field: 'roomId' } }) }),
    );
    await ana.locator('#state').click();
    await ana.getByRole('alert').filter({ hasText: 'room r1 is archived' }).waitFor({ state: 'visible', timeout: 5_000 });
  });

  it('a long name without spaces stays inside its message on a 360 px screen', async () => {
    // A customer known by their email address.
    const { ana } = await carlaSaidHello({ customer: 'carla.montgomerywellington@examplecorporation.com' });
    await ana.setViewportSize({ width: 360, height: 740 });
    await ana.locator('#rooms [data-room-id="r1"]').click();
    const message = ana.locator('#timeline li', { hasText: 'hello?' });
    await message.waitFor();
    const overflow = await message.evaluate((li) => {
      const edge = li.getBoundingClientRect().right;
      return Array.from(li.querySelectorAll('*')).filter((child) => child.getBoundingClientRect().right > edge).map((child) => child.className);
    });
    expect(overflow).toEqual([]);
  });

  it('a message from another day shows its date, not only its time', async () => {
    const { hello, ana } = await carlaSaidHello();
    // Ana opens the room three days later.
    await ana.clock.setSystemTime(Date.parse(hello.createdAt) + 3 * 24 * 60 * 60 * 1000);
    await ana.locator('#rooms [data-room-id="r1"]').click();
    const time = ana.locator('#timeline li', { hasText: 'hello?' }).locator('time');
    await time.waitFor();
    expect(await time.getAttribute('datetime')).toBe(hello.createdAt);
    const day = await ana.evaluate((at) => new Date(at).toLocaleDateString([], { month: 'short', day: 'numeric' }), hello.createdAt);
    expect(await time.textContent()).toContain(day);
  });

  it('signed in again after the session expired, the open room shows what was said meanwhile', async () => {
    let now = Date.now();
    const { carlaSays, ana } = await carlaSaidHello({ clock: () => now });
    await ana.locator('#rooms [data-room-id="r1"]').click();
    await ana.locator('#timeline li', { hasText: 'hello?' }).waitFor();
    // Reading it joined Ana to the room: the page has shown that, and asks nothing more.
    await ana.locator('#timeline li', { hasText: 'ana via agent-inbox' }).waitFor();

    // The session ends (8 hours later): the next thing the page asks shows the sign-in form.
    now += 9 * 60 * 60 * 1000;
    await ana.evaluate(() => (document.querySelector('[data-filter="mine"]') as HTMLElement).click());
    await ana.locator('#signin-form').waitFor();
    await carlaSays('are you there?');
    await ana.fill('#password', 'ana-has-a-long-password');
    await ana.click('#signin-form button[type=submit]');
    await ana.locator('#app').waitFor();
    await ana.locator('#timeline li', { hasText: 'are you there?' }).waitFor({ timeout: 5_000 });
  });

  it('a room archived while open offers no action the server refuses', async () => {
    const { engine, ana } = await anaReadsCarla();
    // The room closes, then a flow archives it while Ana has it open: it cannot be reopened now.
    await engine.call('closeRoom', { roomId: 'r1' });
    await ana.locator('#state', { hasText: 'Reopen' }).waitFor();
    await engine.call('archiveRoom', { roomId: 'r1' });
    await ana.locator('#room-meta', { hasText: 'archived' }).waitFor();
    expect(await ana.locator('#composer').isVisible()).toBe(false);
    expect(await ana.locator('#state').isVisible()).toBe(false);
    expect(await ana.locator('#assign').isDisabled()).toBe(true);
    expect(await ana.locator('#participants button:enabled').count()).toBe(0);
  });
});
