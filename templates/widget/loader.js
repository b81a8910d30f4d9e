/*! Lucine Chatbot loader, served at the stable URL of the snippet and cached for 5 minutes. It starts the
 * widget's content-hashed script and stylesheet (cached for a year) side by side and, if the script cannot be
 * loaded, still shows a launcher that tells how else to reach the staff. See docs/widget.md, "Caching". */
(function () {
  'use strict';
  var settings = {{ settings|tojson }};
  var TEXTS = {
    it: { open: 'Contatta lo staff delle Lucine di Natale', title: 'Chat non disponibile', close: 'Chiudi',
      body: 'La chat non è raggiungibile in questo momento. Puoi contattare lo staff:' },
    en: { open: 'Contact the Lucine di Natale staff', title: 'Chat unavailable', close: 'Close',
      body: 'The chat cannot be reached right now. You can contact our staff:' },
    de: { open: 'Das Team der Lucine di Natale kontaktieren', title: 'Chat nicht verfügbar', close: 'Schließen',
      body: 'Der Chat ist gerade nicht erreichbar. So erreichst du unser Team:' }
  };
  var own = document.currentScript;
  if (!own || window.LucineChat || document.querySelector('script[data-lucine-chat-app]')) return;
  var data = own.dataset;
  // Until launch only testers get the chat; the widget checks the same, this spares everybody else the download.
  if (data.enabled !== 'always' && !wantedForTesting()) return;

  var css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = new URL(settings.css, own.src).href;
  css.setAttribute('data-lucine-chat', '');
  var app = document.createElement('script');
  app.src = new URL(settings.js, own.src).href;
  app.async = true;
  Object.keys(data).forEach(function (key) { app.dataset[key] = data[key]; });
  if (!data.backend) app.dataset.backend = new URL(own.src).origin;
  app.dataset.css = css.href;
  if (settings.contact.email) app.dataset.contactEmail = settings.contact.email;
  if (settings.contact.phone) app.dataset.contactPhone = settings.contact.phone;
  app.setAttribute('data-lucine-chat-app', '');
  app.addEventListener('error', function () { whenBody(showContacts); });
  document.head.appendChild(css); // both at once: the two downloads run side by side
  document.head.appendChild(app);

  function wantedForTesting() {
    if (/[?&](chatbot=test(&|$)|lucine_ticket=)/.test(location.search)) return true;
    try { return !!localStorage.getItem('lucine-chat:session'); } catch (e) { return false; }
  }

  function whenBody(fn) {
    if (document.body) fn();
    else document.addEventListener('DOMContentLoaded', fn, { once: true });
  }

  function language() {
    var candidates = [data.lang, navigator.language].concat(navigator.languages || []);
    for (var i = 0; i < candidates.length; i++) {
      var code = String(candidates[i] || '').slice(0, 2).toLowerCase();
      if (TEXTS[code]) return code;
    }
    return 'it';
  }

  function make(tag, attrs, style, children) {
    var node = document.createElement(tag);
    Object.keys(attrs).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    node.style.cssText = style;
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  // The widget's script is unreachable (backend down, nothing cached): a launcher with the staff's contacts,
  // styled inline because the stylesheet is likely unreachable too.
  function showContacts() {
    if (document.getElementById('lucine-chat-launcher')) return;
    var t = TEXTS[language()];
    var font = 'font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c1917;';
    var side = data.position === 'left' ? 'left:20px;' : 'right:20px;';
    var items = [];
    if (settings.contact.email) items.push(['mailto:' + settings.contact.email, settings.contact.email]);
    if (settings.contact.phone) items.push(['tel:' + settings.contact.phone.replace(/[^+0-9]/g, ''), settings.contact.phone]);
    var list = make('ul', {}, 'margin:8px 0 0;padding:0;list-style:none;', items.map(function (item) {
      return make('li', {}, 'margin:4px 0;', [make('a', { href: item[0] }, 'color:#9f1239;font-weight:600;', [item[1]])]);
    }));
    var close = make('button', { type: 'button' }, 'margin-top:12px;padding:8px 16px;border:1px solid #57534e;' +
      'border-radius:8px;background:#fff;color:#1c1917;cursor:pointer;' + font, [t.close]);
    var panel = make('div', { id: 'lucine-chat-panel', role: 'dialog', 'aria-labelledby': 'lucine-chat-title' },
      'position:absolute;bottom:72px;' + side + 'width:min(320px,calc(100vw - 40px));box-sizing:border-box;' +
      'padding:16px;background:#fff;border:1px solid #57534e;border-radius:12px;' +
      'box-shadow:0 8px 24px rgba(0,0,0,.2);' + font,
      [make('h2', { id: 'lucine-chat-title' }, 'margin:0 0 8px;font-size:18px;font-weight:700;', [t.title]),
        make('p', {}, 'margin:0;', [t.body]), list, close]);
    panel.hidden = true;
    var launcher = make('button', { id: 'lucine-chat-launcher', type: 'button', 'aria-label': t.open,
      'aria-expanded': 'false', 'aria-controls': 'lucine-chat-panel' },
      'width:56px;height:56px;border:0;border-radius:50%;background:#b91c1c;color:#fff;font-size:26px;' +
      'line-height:56px;cursor:pointer;box-shadow:0 4px 12px rgba(0,0,0,.3);', [make('span', { 'aria-hidden': 'true' }, '', ['\u2709'])]);
    var root = make('div', { id: 'lucine-chat-root', 'data-fallback': '' },
      'position:fixed;bottom:20px;' + side + 'z-index:2147483000;' + font, [panel, launcher]);
    function toggle(open) {
      panel.hidden = !open;
      launcher.setAttribute('aria-expanded', String(open));
      (open ? close : launcher).focus();
    }
    launcher.addEventListener('click', function () { toggle(panel.hidden); });
    close.addEventListener('click', function () { toggle(false); });
    panel.addEventListener('keydown', function (event) { if (event.key === 'Escape') toggle(false); });
    document.body.appendChild(root);
  }
})();
