// The agent inbox page: sign-in, the room list, one room's timeline and the agent's actions.
// Everything anyone wrote is put in the page with textContent, never as HTML.
'use strict';
(function () {
  var CHANNEL_ICONS = { sms: 'SMS', whatsapp: 'WhatsApp', email: 'Email', webchat: 'Web chat', agent: 'Agent', ai: 'AI', webhook: 'Webhook', flow: 'Flow', messenger: 'Messenger', telegram: 'Telegram', rcs: 'RCS', mms: 'MMS' };
  var state = { user: null, csrf: null, filter: 'open', search: '', rooms: [], roomId: null, room: null, lastIndex: -1, shown: {}, live: null };

  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function request(method, url, body) {
    var headers = { accept: 'application/json' };
    if (method !== 'GET') {
      headers['content-type'] = 'application/json';
      if (state.csrf) headers['x-roomwire-csrf'] = state.csrf;
    }
    return fetch(url, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.status === 401 && url.indexOf('api/session') !== 0) showSignin(data.configured !== false);
        if (!res.ok) {
          var error = new Error((data.error && data.error.message) || ('HTTP ' + res.status));
          error.status = res.status;
          error.data = data;
          throw error;
        }
        return data;
      });
    });
  }

  // ---- sign-in ----
  function showSignin(configured) {
    stopLive();
    $('app').hidden = true;
    $('signout').hidden = true;
    $('whoami').textContent = '';
    $('signin').hidden = false;
    $('not-configured').hidden = configured;
    $('signin-form').hidden = !configured;
    if (location.hash === '#link-expired') $('signin-note').textContent = 'That sign-in link was already used or has expired: sign in with your password.';
    if (configured) $('user').focus();
  }

  function signedIn(session) {
    state.user = session.user;
    state.csrf = session.csrf;
    $('signin').hidden = true;
    $('app').hidden = false;
    $('signout').hidden = false;
    $('whoami').textContent = session.user;
    if (location.hash) history.replaceState(null, '', location.pathname);
    startLive();
    // Signed in again after the session ended: the room still open missed what was said meanwhile.
    catchUp();
  }

  $('signin-form').addEventListener('submit', function (e) {
    e.preventDefault();
    $('signin-error').textContent = '';
    request('POST', 'login', { user: $('user').value, password: $('password').value }).then(function (session) {
      $('password').value = '';
      signedIn(session);
    }, function (err) {
      $('signin-error').textContent = err.status === 401 ? 'Unknown user or wrong password.' : err.message;
    });
  });

  $('signout').addEventListener('click', function () {
    request('POST', 'api/logout', {}).then(function () { location.reload(); }, function () { location.reload(); });
  });

  // ---- live updates (server-sent events: which rooms changed, or `resync`: any may have) ----
  // Changes committed while the stream is down are announced on no stream, so once it is up again
  // the page reads its rooms again. The browser reconnects a dropped stream by itself, but gives up
  // on one answered with an error (a proxy while Node-RED restarts): the page opens that one again,
  // waiting longer each time so that many pages do not keep a struggling server busy.
  var REOPEN_MS = { first: 1000, max: 30000 };
  var refreshTimer = null;
  var reopenTimer = null;
  var reopenMs = REOPEN_MS.first;
  var mayHaveMissed = false;
  function startLive() {
    stopLive();
    // signedIn reads the rooms as the first stream opens: nothing to catch up on until one fails.
    mayHaveMissed = false;
    reopenMs = REOPEN_MS.first;
    openLive();
  }
  function openLive() {
    var live = state.live = new EventSource('api/events');
    live.onopen = function () {
      reopenMs = REOPEN_MS.first;
      if (mayHaveMissed) catchUp();
      mayHaveMissed = false;
    };
    live.onmessage = function (message) {
      var change = JSON.parse(message.data);
      if (change.roomId === state.roomId) loadNewEvents();
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(loadRooms, 150);
    };
    // The server lost track of changes made elsewhere, so any room may have changed unannounced.
    live.addEventListener('resync', catchUp);
    live.onerror = function () {
      mayHaveMissed = true;
      // A signed-out session shows the sign-in form (which stops the stream).
      request('GET', 'api/session').catch(function (err) { if (err.status === 401) showSignin(err.data.configured !== false); });
      // Closed: the browser gave up on this one; otherwise it is reconnecting by itself.
      if (live.readyState !== EventSource.CLOSED) return;
      reopenTimer = setTimeout(openLive, reopenMs);
      reopenMs = Math.min(reopenMs * 2, REOPEN_MS.max);
    };
  }
  function catchUp() {
    if (state.roomId) loadNewEvents();
    loadRooms();
  }
  function stopLive() {
    clearTimeout(reopenTimer);
    if (state.live) state.live.close();
    state.live = null;
  }

  // ---- room list ----
  // Web chat visitors are known by a long generated address: its start tells them apart well enough.
  function participantName(p) {
    if (p.displayName) return p.displayName;
    return p.address.length > 24 ? p.address.slice(0, 12) + '…' : p.address;
  }
  function customers(room) {
    var names = room.participants.filter(function (p) { return p.audience === 'external' && p.state !== 'left'; }).map(participantName);
    return names.length ? names.join(', ') : room.id;
  }

  var roomsAsked = 0;
  function loadRooms() {
    var query = 'api/rooms?filter=' + encodeURIComponent(state.filter) + (state.search ? '&search=' + encodeURIComponent(state.search) : '');
    // Answers can arrive out of order (a filter clicked while a live refresh runs): the last asked wins.
    var asked = ++roomsAsked;
    return request('GET', query).then(function (data) {
      if (asked !== roomsAsked) return;
      state.rooms = data.rooms;
      renderRooms();
    }, function () {});
  }

  function renderRooms() {
    var list = $('rooms');
    var focused = document.activeElement && document.activeElement.getAttribute('data-room-id');
    list.textContent = '';
    state.rooms.forEach(function (room) {
      var item = el('li');
      var button = el('button');
      button.type = 'button';
      button.setAttribute('data-room-id', room.id);
      if (room.id === state.roomId) button.setAttribute('aria-current', 'true');
      button.appendChild(el('span', 'room-name', customers(room)));
      var unread = el('span', 'unread', room.unread);
      unread.hidden = room.unread === 0;
      unread.setAttribute('aria-label', room.unread + ' unread');
      unread.setAttribute('data-unread', room.unread);
      button.appendChild(unread);
      var preview = room.lastMessage ? (room.lastMessage.internal ? 'Note: ' : '') + room.lastMessage.text : 'No messages yet';
      button.appendChild(el('span', 'room-preview', preview));
      var tags = el('span', 'room-tags');
      tags.appendChild(el('span', 'tag state', room.state));
      room.channelTypes.forEach(function (type) { tags.appendChild(el('span', 'tag channel', CHANNEL_ICONS[type] || type)); });
      if (room.assignedTo) tags.appendChild(el('span', 'tag assigned', '@' + room.assignedTo));
      if (room.needsHuman) tags.appendChild(el('span', 'tag needs-human', 'needs human'));
      button.appendChild(tags);
      button.addEventListener('click', function () { openRoom(room.id); });
      item.appendChild(button);
      list.appendChild(item);
      if (focused === room.id) button.focus();
    });
    $('rooms-empty').hidden = state.rooms.length > 0;
    if (state.roomId) {
      var current = state.rooms.filter(function (r) { return r.id === state.roomId; })[0];
      if (current) renderRoomHead(current);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll('[data-filter]'), function (button) {
    button.addEventListener('click', function () {
      state.filter = button.getAttribute('data-filter');
      Array.prototype.forEach.call(document.querySelectorAll('[data-filter]'), function (b) { b.setAttribute('aria-pressed', String(b === button)); });
      loadRooms();
    });
  });
  var searchTimer = null;
  $('search').addEventListener('input', function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { state.search = $('search').value; loadRooms(); }, 200);
  });

  // ---- one room ----
  function openRoom(roomId) {
    state.roomId = roomId;
    state.lastIndex = -1;
    state.shown = {};
    $('timeline').textContent = '';
    $('room-error').textContent = '';
    $('no-room').hidden = true;
    $('room').hidden = false;
    $('app').classList.add('showing-room');
    return request('GET', 'api/rooms/' + encodeURIComponent(roomId)).then(function (data) {
      if (state.roomId !== roomId) return;
      renderRoomHead(data.room);
      appendEvents(data.events);
      renderRooms();
      markRead();
      $('message').focus();
    });
  }

  // Called on every live change and after every action: a failed read is said on the page (a
  // signed-out session already shows the sign-in form) and the next change or reconnect reads again.
  var loadFailed = false;
  function loadNewEvents() {
    var roomId = state.roomId;
    return request('GET', 'api/rooms/' + encodeURIComponent(roomId) + '?fromIndex=' + (state.lastIndex + 1)).then(function (data) {
      if (state.roomId !== roomId) return;
      if (loadFailed) $('room-error').textContent = '';
      loadFailed = false;
      renderRoomHead(data.room);
      appendEvents(data.events);
      if (document.visibilityState === 'visible') markRead();
    }, function (err) {
      if (state.roomId !== roomId || err.status === 401) return;
      loadFailed = true;
      $('room-error').textContent = 'New messages could not be loaded (' + err.message + '); retrying with the next change.';
    });
  }

  function markRead() {
    if (state.lastIndex < 0 || !state.room || state.room.state === 'closed' || state.room.state === 'archived') return;
    var current = state.rooms.filter(function (r) { return r.id === state.roomId; })[0];
    if (state.room.unread === 0 && (!current || current.unread === 0)) return;
    request('POST', 'api/rooms/' + encodeURIComponent(state.roomId) + '/read', { index: state.lastIndex }).then(loadRooms, function () {});
  }
  // What came while the tab was hidden was left unread: it is read once the agent is back on the open room.
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && state.roomId) markRead();
  });

  function renderRoomHead(room) {
    state.room = room;
    $('room-title').textContent = customers(room);
    var meta = room.state + (room.assignedTo ? ' · assigned to ' + room.assignedTo : ' · unassigned') + (room.needsHuman ? ' · needs a human' : '');
    $('room-meta').textContent = meta;
    // An archived room is over for good (it cannot be reopened): nothing to offer but reading it.
    var over = room.state === 'closed' || room.state === 'archived';
    $('assign').textContent = room.assignedTo === state.user ? 'Unassign' : 'Assign to me';
    $('assign').disabled = over;
    $('state').textContent = room.state === 'closed' ? 'Reopen' : 'Close';
    $('state').hidden = room.state === 'archived';
    $('composer').hidden = over;
    var list = $('participants');
    // Redrawn on every update of the room (a mute, a live refresh): the agent's mute button keeps the focus.
    var focused = list.contains(document.activeElement) ? document.activeElement.parentNode.getAttribute('data-binding-id') : null;
    list.textContent = '';
    room.participants.filter(function (p) { return p.state !== 'left'; }).forEach(function (p) {
      var item = el('li');
      item.setAttribute('data-binding-id', p.bindingId);
      var label = participantName(p) + ' (' + (CHANNEL_ICONS[p.channelType] || p.channelType) + (p.audience === 'internal' ? ', staff' : '') + ')' + (p.muted ? ' — muted' : '');
      item.appendChild(el('span', 'participant', label));
      var mute = el('button', 'mute', p.muted ? 'Unmute' : 'Mute');
      mute.type = 'button';
      mute.setAttribute('aria-label', (p.muted ? 'Unmute ' : 'Mute ') + participantName(p));
      mute.disabled = over;
      mute.addEventListener('click', function () {
        request('POST', 'api/bindings/' + encodeURIComponent(p.bindingId) + '/mute', { muted: !p.muted }).then(loadNewEvents, showRoomError);
      });
      item.appendChild(mute);
      list.appendChild(item);
      if (focused === p.bindingId) mute.focus();
    });
  }

  function authorOf(event) {
    if (event.source.hook) return 'hook ' + event.source.hook;
    if (!event.source.bindingId) return 'system';
    var p = (state.room ? state.room.participants : []).filter(function (x) { return x.bindingId === event.source.bindingId; })[0];
    return p ? participantName(p) : event.source.bindingId;
  }

  function contentText(content) {
    return content.text || content.caption || content.label || content.title || content.name || ('[' + content.type + ']');
  }

  function choicesOf(content) {
    var out = [];
    (content.buttons || []).concat(content.quickReplies || []).forEach(function (b) { out.push(b.title); });
    (content.sections || []).forEach(function (s) { (s.rows || []).forEach(function (r) { out.push(r.title); }); });
    return out;
  }

  /** Today's messages show their time; older ones their date too (a room read days later). */
  function timeOf(createdAt) {
    var at = new Date(createdAt);
    var today = at.toDateString() === new Date().toDateString();
    var time = el('time', null, (today ? '' : at.toLocaleDateString([], { dateStyle: 'medium' }) + ' ') + at.toLocaleTimeString());
    time.dateTime = createdAt;
    return time;
  }

  function appendEvents(events) {
    var timeline = $('timeline');
    events.forEach(function (event) {
      if (state.shown[event.id]) return;
      state.shown[event.id] = true;
      state.lastIndex = Math.max(state.lastIndex, event.index);
      var lifecycle = event.type !== 'message' && event.type !== 'system' && event.type.indexOf('custom:') !== 0;
      var internal = event.visibility !== 'all';
      var mine = state.room && event.source.bindingId === state.room.agentBindingId;
      var item = el('li', [lifecycle ? 'lifecycle' : '', !lifecycle && internal ? 'internal' : '', mine ? 'mine' : ''].join(' ').trim());
      item.setAttribute('data-event-index', event.index);
      if (lifecycle) {
        item.textContent = contentText(event.content);
      } else {
        var head = el('div', 'event-head');
        head.appendChild(el('span', 'author', authorOf(event)));
        head.appendChild(timeOf(event.createdAt));
        if (internal) head.appendChild(el('span', 'badge', 'Internal note'));
        if (event.reply) head.appendChild(el('span', 'choice', 'chose ' + event.reply.postback));
        item.appendChild(head);
        item.appendChild(el('div', 'event-text', contentText(event.content)));
        var choices = choicesOf(event.content);
        if (choices.length) {
          var row = el('div', 'choices');
          choices.forEach(function (c) { row.appendChild(el('span', null, c)); });
          item.appendChild(row);
        }
      }
      timeline.appendChild(item);
    });
    timeline.scrollTop = timeline.scrollHeight;
  }

  // Below the composer, not in it: a closed room hides the composer, not why reopening it failed.
  function showRoomError(err) { $('room-error').textContent = err.message; }

  function write(kind) {
    var text = $('message').value.trim();
    if (!text) return;
    $('room-error').textContent = '';
    // Emptied as it is sent, not once stored: a second Enter does not send it again, and what the
    // agent types meanwhile is not wiped. Refused, it is given back ahead of that.
    $('message').value = '';
    request('POST', 'api/rooms/' + encodeURIComponent(state.roomId) + '/' + kind, { text: text }).then(loadNewEvents, function (err) {
      $('message').value = text + ($('message').value ? '\n' + $('message').value : '');
      showRoomError(err);
    });
  }
  $('composer').addEventListener('submit', function (e) { e.preventDefault(); write('reply'); });
  $('note').addEventListener('click', function () { write('note'); });
  $('message').addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); write('reply'); }
  });

  $('assign').addEventListener('click', function () {
    var assign = !(state.room && state.room.assignedTo === state.user);
    request('POST', 'api/rooms/' + encodeURIComponent(state.roomId) + '/assign', { assign: assign }).then(loadNewEvents, showRoomError);
  });
  $('state').addEventListener('click', function () {
    var next = state.room.state === 'closed' ? 'active' : 'closed';
    request('POST', 'api/rooms/' + encodeURIComponent(state.roomId) + '/state', { state: next }).then(function () { loadNewEvents(); loadRooms(); }, showRoomError);
  });
  $('back').addEventListener('click', function () {
    $('app').classList.remove('showing-room');
    var button = document.querySelector('[data-room-id="' + CSS.escape(state.roomId) + '"]');
    if (button) button.focus();
  });

  // ---- start ----
  request('GET', 'api/session').then(signedIn, function (err) {
    showSignin(!(err.data && err.data.configured === false));
  });
})();
