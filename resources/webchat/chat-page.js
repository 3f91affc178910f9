// The Roomwire chat page: starts a chat (or continues the one this browser has), connects over
// WebSocket, shows the history and then live events exactly once each (by room index), and
// reconnects from the last index it saw. Protocol: runtime/src/webchat/frames.ts.
(function () {
  'use strict';
  var render = window.RoomwireChatRender;
  var params = new URLSearchParams(location.search);
  var channel = params.get('channel') || '';
  var storageKey = 'roomwire-chat:' + channel;
  var $ = function (id) { return document.getElementById(id); };
  var log = $('rw-log');
  var input = $('rw-input');
  var form = $('rw-form');
  var stateLine = $('rw-state');
  var typingLine = $('rw-typing');

  var session = null; // {token, expiresAt, roomId, bindingId}
  var socket = null;
  var lastIndex = -1;
  var rendered = {}; // index -> <li>
  var ownStatus = {}; // eventId -> best delivery status
  var readUpTo = -1; // highest read receipt from the other side
  var unacked = {}; // clientId -> frame, sent again after a reconnect
  var retryMs = 500;
  var typingSentAt = 0;
  var typingTimer = null;
  var typists = {};
  var ended = false;
  var muted = false;
  var changedCopies = {}; // eventId -> a 'content' frame for a message not shown yet
  var refreshTimer = null;
  var refusals = 0; // connections closed before any welcome: a token refused (401/403) looks like this
  var notConnected = false; // the error line says why the page is not connected (too many tabs, the start failed): it goes once it is
  var RANK = { sent: 1, delivered: 2, read: 3 };

  function setState(text) { stateLine.textContent = text; }

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem(storageKey) || 'null');
      if (saved && Date.parse(saved.expiresAt) > Date.now() + 60000) return saved;
    } catch (e) { /* storage unavailable: a new chat per page load */ }
    return null;
  }

  function save() {
    try { localStorage.setItem(storageKey, JSON.stringify(session)); } catch (e) { /* ignore */ }
  }

  function start() {
    setState('Connecting…');
    return fetch('chat/start', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: channel })
    }).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) throw new Error((body.error && body.error.message) || 'the chat could not start');
        session = body;
        save();
      });
    });
  }

  function connect() {
    var url = new URL('chat/ws', location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = '?channel=' + encodeURIComponent(channel) + '&token=' + encodeURIComponent(session.token);
    var ws = new WebSocket(url.href);
    socket = ws;
    var welcomed = false;
    ws.addEventListener('message', function () { welcomed = true; refusals = 0; });
    ws.onopen = function () {
      retryMs = 500;
      ws.send(JSON.stringify({ type: 'hello', since: lastIndex }));
    };
    ws.onmessage = function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      receive(frame);
    };
    ws.onclose = function (closed) {
      if (socket !== ws) return;
      socket = null;
      if (ended) return;
      setState('Reconnecting…');
      if (closed.code === 4403) { chatEnded(); return; }
      if (closed.code === 4401) { chatEnded(true); return; }
      if (closed.code === 4429) {
        // Open in too many tabs: this one waits for a place, the chat itself goes on.
        notConnected = true;
        setState('Open in too many tabs');
        showError(closed.reason || 'this chat is open in too many tabs; close one');
        setTimeout(reconnect, 15000);
        return;
      }
      if (!welcomed && ++refusals >= 3) {
        // The token is not accepted any more (the chat's binding is gone, or a new server key): start over.
        refusals = 0;
        forgetChat();
      }
      setTimeout(reconnect, retryMs);
      retryMs = Math.min(retryMs * 2, 15000);
    };
  }

  function reconnect() {
    // A token refused for good starts a new chat; an expired one ends this chat visibly (the
    // conversation so far stays on screen); otherwise resume this one.
    if (session && Date.parse(session.expiresAt) <= Date.now()) {
      chatEnded(true);
    } else if (!session) {
      start().then(connect, failed);
    } else {
      connect();
    }
  }

  function failed(error) {
    setState('Offline');
    showError(error.message);
    notConnected = true;
    setTimeout(reconnect, retryMs);
    retryMs = Math.min(retryMs * 2, 15000);
  }

  function send(frame) {
    if (frame.clientId) unacked[frame.clientId] = frame;
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function clientId() {
    return 'c' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  }

  function receive(frame) {
    switch (frame.type) {
      case 'welcome':
        setState('');
        if (notConnected && $('rw-error')) $('rw-error').remove();
        notConnected = false;
        return;
      case 'history':
        frame.events.forEach(show);
        return;
      case 'event':
        show(frame.event);
        return;
      case 'ready':
        setState('');
        scheduleRefresh();
        Object.keys(unacked).forEach(function (id) { socket.send(JSON.stringify(unacked[id])); });
        markRead();
        return;
      case 'ack':
        delete unacked[frame.clientId];
        // A muted or read-only participant's message is kept on record but reaches nobody.
        if (frame.status === 'blocked') showError(muted ? 'Your message was not delivered: an agent has paused your messages.' : 'Your message could not be delivered.');
        return;
      case 'muted':
        muted = frame.muted;
        $('rw-muted').hidden = !muted;
        if (!muted && $('rw-error')) $('rw-error').remove();
        return;
      case 'content':
        if (rendered[frame.index]) changeCopy(frame);
        else changedCopies[frame.eventId] = frame;
        return;
      case 'token':
        session.token = frame.token;
        session.expiresAt = frame.expiresAt;
        save();
        scheduleRefresh();
        return;
      case 'status':
        if ((RANK[frame.status] || 0) > (RANK[ownStatus[frame.eventId]] || 0)) ownStatus[frame.eventId] = frame.status;
        refreshStatus(frame.index);
        return;
      case 'receipt':
        if (frame.index > readUpTo) {
          readUpTo = frame.index;
          Object.keys(rendered).forEach(function (index) { refreshStatus(Number(index)); });
        }
        return;
      case 'typing':
        showTyping(frame);
        return;
      case 'room':
        if (frame.state === 'closed' || frame.state === 'archived') chatEnded();
        else if (ended && frame.state === 'active') reopened();
        return;
      case 'error':
        if (frame.clientId) delete unacked[frame.clientId];
        if (frame.code === 'room_closed') chatEnded();
        else showError(frame.message);
        return;
    }
  }

  function show(event) {
    if (event.index <= lastIndex || rendered[event.index]) return;
    lastIndex = event.index;
    var item = document.createElement('li');
    var system = event.type === 'system' || (event.content && event.content.type === 'system');
    item.className = 'rw-msg' + (event.from.own ? ' rw-own' : '') + (system ? ' rw-system' : '');
    item.dataset.index = String(event.index);
    item.dataset.eventId = event.id;
    if (!event.from.own && !system) {
      var who = event.from.name || (event.from.channelType === 'ai' ? 'Assistant' : event.from.bindingId ? 'Agent' : 'Support');
      item.appendChild(meta(who));
    }
    var bubble = document.createElement('div');
    bubble.className = system ? '' : 'rw-bubble';
    bubble.appendChild(render.renderContent(event.content, function (postback) {
      send({ type: 'reply', eventId: event.id, postback: postback, clientId: clientId() });
    }));
    item.appendChild(bubble);
    if (event.from.own) {
      item.appendChild(meta(''));
      item.lastChild.classList.add('rw-status');
      if (event.status && (RANK[event.status] || 0) > (RANK[ownStatus[event.id]] || 0)) ownStatus[event.id] = event.status;
    }
    rendered[event.index] = item;
    log.appendChild(item);
    if (changedCopies[event.id]) {
      changeCopy(changedCopies[event.id]);
      delete changedCopies[event.id];
    }
    if (event.from.bindingId && typists[event.from.bindingId]) stopTyping(event.from.bindingId);
    refreshStatus(event.index);
    log.scrollTop = log.scrollHeight;
    if (!event.from.own) markRead();
  }

  /** What was delivered to this page replaces the message (a hook rewrote it), or removes it (a hook blocked it). */
  function changeCopy(frame) {
    var item = rendered[frame.index];
    if (!item || item.dataset.eventId !== frame.eventId) return;
    if (frame.withdrawn) {
      item.remove();
      return;
    }
    var bubble = item.querySelector('.rw-bubble') || item.lastChild;
    bubble.textContent = '';
    bubble.appendChild(render.renderContent(frame.content, function (postback) {
      send({ type: 'reply', eventId: frame.eventId, postback: postback, clientId: clientId() });
    }));
  }

  /** Asks for a fresh token a while before this one expires, so an open chat is never cut off. */
  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    var left = Date.parse(session.expiresAt) - Date.now();
    var lead = Math.min(5 * 60000, left / 2);
    refreshTimer = setTimeout(function () {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'refresh' }));
    }, Math.min(Math.max(left - lead, 0), 2147483647));
  }

  function meta(text) {
    var line = document.createElement('div');
    line.className = 'rw-meta';
    line.textContent = text;
    return line;
  }

  function refreshStatus(index) {
    var item = rendered[index];
    if (!item || !item.classList.contains('rw-own')) return;
    var status = index <= readUpTo ? 'read' : ownStatus[item.dataset.eventId] || 'sent';
    item.querySelector('.rw-status').textContent = { sent: 'Sent', delivered: 'Delivered', read: 'Read' }[status] || status;
  }

  var readTimer = null;
  var readSent = -1;
  /** Tells the server how far the visitor has read: once per burst of messages, when the page is visible. */
  function markRead() {
    if (readTimer) return;
    readTimer = setTimeout(function () {
      readTimer = null;
      if (document.visibilityState !== 'visible' || lastIndex <= readSent) return;
      readSent = lastIndex;
      send({ type: 'markRead', index: lastIndex });
    }, 250);
  }

  function showTyping(frame) {
    if (frame.typing) {
      clearTimeout(typists[frame.bindingId] && typists[frame.bindingId].timer);
      typists[frame.bindingId] = { name: frame.name || 'Agent', timer: setTimeout(function () { stopTyping(frame.bindingId); }, 6000) };
    } else {
      stopTyping(frame.bindingId);
      return;
    }
    drawTyping();
  }

  function stopTyping(bindingId) {
    if (typists[bindingId]) clearTimeout(typists[bindingId].timer);
    delete typists[bindingId];
    drawTyping();
  }

  function drawTyping() {
    var names = Object.keys(typists).map(function (id) { return typists[id].name; });
    typingLine.textContent = names.length ? names.join(', ') + (names.length > 1 ? ' are' : ' is') + ' typing…' : '';
  }

  function showError(text) {
    var line = $('rw-error') || document.createElement('p');
    line.id = 'rw-error';
    line.className = 'rw-error';
    line.setAttribute('role', 'alert');
    line.textContent = text;
    if (!line.parentNode) form.parentNode.insertBefore(line, form);
  }

  function reopened() {
    ended = false;
    form.hidden = false;
    $('rw-ended').hidden = true;
    setState('');
    save();
  }

  function chatEnded(expired) {
    ended = true;
    clearTimeout(refreshTimer);
    form.hidden = true;
    $('rw-muted').hidden = true;
    $('rw-ended-text').textContent = expired ? 'This chat session has expired.' : 'This chat has ended.';
    $('rw-ended').hidden = false;
    setState(expired ? 'Expired' : 'Ended');
    try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    send({ type: 'send', content: { type: 'text', text: text }, clientId: clientId() });
    if (typingSentAt) {
      typingSentAt = 0;
      send({ type: 'typing', typing: false });
    }
    input.focus();
  });

  input.addEventListener('keydown', function (e) {
    // Enter sends, Shift+Enter adds a line.
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event('submit', { cancelable: true }));
    }
  });

  input.addEventListener('input', function () {
    var now = Date.now();
    if (now - typingSentAt > 3000) {
      typingSentAt = now;
      send({ type: 'typing', typing: true });
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () {
      typingSentAt = 0;
      send({ type: 'typing', typing: false });
    }, 4000);
  });

  document.addEventListener('visibilitychange', markRead);

  // In the widget's panel the keys go to this page, not the site's: Escape asks the widget to close
  // the panel (the message says nothing of the chat, so any embedding page may hear it).
  if (params.get('embed') === '1' && window.parent !== window) {
    document.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') window.parent.postMessage({ roomwire: 'close' }, '*');
    });
  }

  /** Forgets the chat shown, for a new one: its messages and what was known of them (statuses, receipts). */
  function forgetChat() {
    session = null;
    lastIndex = -1;
    readSent = -1;
    rendered = {};
    ownStatus = {};
    changedCopies = {};
    readUpTo = -1;
    log.textContent = '';
  }

  $('rw-restart').addEventListener('click', function () {
    ended = false;
    forgetChat();
    form.hidden = false;
    $('rw-ended').hidden = true;
    // The ended chat's socket (a closed room keeps it open) goes without reconnecting: its close
    // would otherwise start a second new chat if this one has not started yet.
    var old = socket;
    socket = null;
    if (old) old.close();
    start().then(connect, failed);
  });

  if (!channel) {
    setState('');
    showError('This page needs a ?channel= parameter naming a web chat channel.');
    return;
  }
  session = load();
  if (session) connect();
  else start().then(connect, failed);
})();
