// The Roomwire chat widget. One tag adds a chat bubble to any page:
//   <script src="https://your-node-red/roomwire/chat.js" data-channel="support-chat" async></script>
// The bubble opens the chat page (served by the same Node-RED) in a panel; optional attributes:
// data-title (the bubble's label), data-position="left".
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || document.getElementById('roomwire-chat-bubble')) return;
  var channel = script.getAttribute('data-channel') || '';
  var base = script.src.replace(/chat\.js(\?.*)?$/, '');
  var title = script.getAttribute('data-title') || 'Chat with us';
  var side = script.getAttribute('data-position') === 'left' ? 'left' : 'right';

  var style = document.createElement('style');
  style.textContent =
    '#roomwire-chat-bubble{position:fixed;bottom:16px;' + side + ':16px;z-index:2147483001;width:56px;height:56px;border-radius:50%;border:0;' +
    'background:#8f0000;color:#fff;font:600 24px/56px system-ui,sans-serif;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3)}' +
    '#roomwire-chat-bubble:focus-visible{outline:3px solid #1a66d2;outline-offset:3px}' +
    '#roomwire-chat-panel{position:fixed;bottom:84px;' + side + ':16px;z-index:2147483000;width:380px;height:560px;max-height:calc(100vh - 100px);' +
    'border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);background:#fff}' +
    '@media (max-width:480px){#roomwire-chat-panel{left:0;right:0;bottom:0;top:0;width:100%;height:100%;max-height:none;border-radius:0}' +
    '#roomwire-chat-bubble.rw-open{bottom:auto;top:8px;width:40px;height:40px;line-height:40px;font-size:18px}}';
  document.head.appendChild(style);

  var bubble = document.createElement('button');
  bubble.id = 'roomwire-chat-bubble';
  bubble.type = 'button';
  bubble.setAttribute('aria-label', title);
  bubble.setAttribute('aria-expanded', 'false');
  bubble.setAttribute('aria-controls', 'roomwire-chat-panel');
  bubble.textContent = '\u{1F4AC}';
  var panel = null;

  function open() {
    if (!panel) {
      panel = document.createElement('iframe');
      panel.id = 'roomwire-chat-panel';
      panel.title = title;
      panel.src = base + 'chat?channel=' + encodeURIComponent(channel) + '&embed=1';
      document.body.appendChild(panel);
    }
    panel.hidden = false;
    bubble.setAttribute('aria-expanded', 'true');
    bubble.setAttribute('aria-label', 'Close chat');
    bubble.classList.add('rw-open');
    bubble.textContent = '\u00D7';
    panel.focus();
  }

  function close() {
    if (!panel) return;
    panel.hidden = true;
    bubble.setAttribute('aria-expanded', 'false');
    bubble.setAttribute('aria-label', title);
    bubble.classList.remove('rw-open');
    bubble.textContent = '\u{1F4AC}';
    bubble.focus();
  }

  bubble.addEventListener('click', function () { (panel && !panel.hidden ? close : open)(); });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && panel && !panel.hidden) close(); });
  // Escape pressed in the chat itself (where the focus is once the panel opens) comes from its page.
  window.addEventListener('message', function (e) {
    if (panel && !panel.hidden && e.source === panel.contentWindow && e.data && e.data.roomwire === 'close') close();
  });
  (document.body ? Promise.resolve() : new Promise(function (r) { document.addEventListener('DOMContentLoaded', r); })).then(function () {
    document.body.appendChild(bubble);
  });
})();
