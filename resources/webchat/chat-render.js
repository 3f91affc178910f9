// Renders Roomwire content (text, media, location, contact, rich, list, template, system) as DOM
// nodes. Every participant-supplied string goes through textContent or a checked URL attribute:
// nothing here ever parses participant data as HTML.
(function () {
  'use strict';

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** Only web and relative URLs become links or images (never javascript:, data: or others). */
  function safeUrl(value) {
    if (typeof value !== 'string' || value === '') return null;
    try {
      var url = new URL(value, document.baseURI);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function link(href, text, download) {
    var a = el('a', 'rw-link', text);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    if (download) a.setAttribute('download', '');
    return a;
  }

  function postbackOf(choice) {
    return choice.postback !== undefined ? choice.postback : choice.id !== undefined ? choice.id : choice.title;
  }

  /** A button: a reply (sends its postback), a link or a phone number. */
  function button(choice, onChoice) {
    if (choice.url) {
      var href = safeUrl(choice.url);
      return href ? link(href, choice.title) : el('span', 'rw-choice', choice.title);
    }
    if (choice.phone) {
      var call = el('a', 'rw-choice', choice.title);
      call.href = 'tel:' + String(choice.phone).replace(/[^0-9+*#]/g, '');
      return call;
    }
    var b = el('button', 'rw-choice', choice.title);
    b.type = 'button';
    b.addEventListener('click', function () { onChoice(postbackOf(choice), choice.title); });
    return b;
  }

  function choices(list, onChoice, className) {
    var row = el('div', className || 'rw-choices');
    (list || []).forEach(function (choice) { row.appendChild(button(choice, onChoice)); });
    return row;
  }

  function card(c, onChoice) {
    var box = el('div', 'rw-card');
    var image = safeUrl(c.imageUrl);
    if (image) {
      var img = el('img');
      img.src = image;
      img.alt = c.title || '';
      img.loading = 'lazy';
      box.appendChild(img);
    }
    var body = el('div', 'rw-card-body');
    body.appendChild(el('p', 'rw-card-title', c.title));
    if (c.subtitle) body.appendChild(el('p', 'rw-card-subtitle', c.subtitle));
    if (c.buttons && c.buttons.length) body.appendChild(choices(c.buttons, onChoice));
    box.appendChild(body);
    return box;
  }

  function media(content) {
    var href = safeUrl(content.url);
    var box = el('div', 'rw-media');
    var isImage = /^image\//.test(content.mimeType || '');
    if (href && isImage) {
      var img = el('img', 'rw-media-image');
      img.src = href;
      img.alt = content.caption || content.filename || 'image';
      box.appendChild(img);
    } else if (href) {
      box.appendChild(link(href, 'Download ' + (content.filename || content.caption || 'file'), true));
    } else {
      box.appendChild(el('span', null, content.filename || 'attachment'));
    }
    if (content.caption) box.appendChild(el('p', 'rw-text', content.caption));
    return box;
  }

  function location(content) {
    var lat = Number(content.latitude);
    var lon = Number(content.longitude);
    var label = content.label || content.address || lat + ', ' + lon;
    var box = el('div', 'rw-location');
    box.appendChild(link('https://www.openstreetmap.org/?mlat=' + lat + '&mlon=' + lon + '#map=16/' + lat + '/' + lon, label));
    if (content.label && content.address) box.appendChild(el('p', 'rw-text', content.address));
    return box;
  }

  function list(content, onChoice) {
    var box = el('div');
    box.appendChild(el('p', 'rw-text', content.text));
    var details = el('details', 'rw-list');
    details.appendChild(el('summary', null, content.button || 'Choose'));
    (content.sections || []).forEach(function (section) {
      if (section.title) details.appendChild(el('h3', null, section.title));
      (section.rows || []).forEach(function (row) {
        var b = el('button', 'rw-choice rw-list-row', row.title);
        b.type = 'button';
        if (row.description) b.appendChild(el('small', null, row.description));
        b.addEventListener('click', function () { onChoice(row.id, row.title); });
        details.appendChild(b);
      });
    });
    box.appendChild(details);
    return box;
  }

  function rich(content, onChoice) {
    var box = el('div');
    if (content.text) box.appendChild(el('p', 'rw-text', content.text));
    if (content.buttons && content.buttons.length) box.appendChild(choices(content.buttons, onChoice));
    if (content.cards && content.cards.length) {
      var stack = el('div', 'rw-cards');
      content.cards.forEach(function (c) { stack.appendChild(card(c, onChoice)); });
      box.appendChild(stack);
    }
    if (content.carousel && content.carousel.cards) {
      var strip = el('div', 'rw-cards rw-carousel');
      strip.setAttribute('role', 'group');
      strip.setAttribute('aria-label', 'carousel');
      strip.tabIndex = 0;
      content.carousel.cards.forEach(function (c) { strip.appendChild(card(c, onChoice)); });
      box.appendChild(strip);
    }
    if (content.quickReplies && content.quickReplies.length) box.appendChild(choices(content.quickReplies, onChoice, 'rw-choices rw-quick'));
    return box;
  }

  function contact(content) {
    var box = el('div');
    box.appendChild(el('p', 'rw-card-title', content.name || 'Contact'));
    if (content.organization) box.appendChild(el('p', 'rw-text', content.organization));
    (content.phones || []).forEach(function (p) { box.appendChild(el('p', 'rw-text', p.number)); });
    (content.emails || []).forEach(function (e) { box.appendChild(el('p', 'rw-text', e.address)); });
    return box;
  }

  /** The DOM of one content object; `onChoice(postback, title)` runs when a reply choice is clicked. */
  function renderContent(content, onChoice) {
    switch (content && content.type) {
      case 'text': return el('p', 'rw-text', content.text);
      case 'media': return media(content);
      case 'location': return location(content);
      case 'rich': return rich(content, onChoice);
      case 'list': return list(content, onChoice);
      case 'contact': return contact(content);
      case 'system': return el('p', 'rw-text', content.text);
      case 'template': return content.fallback ? renderContent(content.fallback, onChoice) : el('p', 'rw-text', content.name);
      default: return el('p', 'rw-text', '(unsupported message)');
    }
  }

  window.RoomwireChatRender = { renderContent: renderContent, safeUrl: safeUrl };
})();
