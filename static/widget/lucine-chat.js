/*!
 * Lucine Chatbot — visitor chat widget.
 * One dependency-free IIFE (ES2018, no build step). The Shopify snippet adds, after the shop's `load` event,
 *   <script src="{BACKEND}/static/widget/lucine-chat.js" data-backend="{BACKEND}" data-lang="it" async></script>
 * whose URL serves a small loader (templates/widget/loader.js); the loader adds this file under a
 * content-hashed name with the same data attributes, plus data-css (its hashed stylesheet, already
 * requested) and data-contact-email / data-contact-phone (the staff's, for when the backend is unreachable).
 * Optional data attributes: data-title, data-position="left|right", data-privacy-url, data-enabled="always".
 * How it behaves (states, polling, privacy, hooks, theming) is described in docs/widget.md.
 */
(function () {
  'use strict';

  // document.currentScript only exists while this file first runs: read the configuration right now.
  const ownScript = document.currentScript ||
    document.querySelector('script[data-backend][src*="lucine-chat.js"]');
  const ownData = ownScript ? Object.assign({}, ownScript.dataset) : null;
  const ownSrc = ownScript ? ownScript.src : '';

  // A theme that embeds the snippet twice must still get one widget.
  if (!ownData || window.LucineChat) return;

  const VERSION = '1.0.0';
  const STORAGE_KEY = 'lucine-chat:session';
  const RESUME_PARAM = 'lucine_ticket';
  const DEFAULT_PRIVACY_URL = 'https://lucinedinatale.it/policies/privacy-policy';
  const MAX_LENGTH = 1000;
  const COUNTER_FROM = 800;
  const DESCRIPTION_MAX_LENGTH = 2000;
  const REQUEST_TIMEOUT_MS = 15000;
  const POLL_MS = 3000;
  const POLL_PENDING_MS = 500; // while a reply is written: its draft grows every ~0.3 s on the server
  const POLL_HIDDEN_MS = 15000;
  const POLL_MAX_BACKOFF_MS = 60000;
  const DEFAULT_COOLDOWN_S = 10;
  const SENDERS = ['USER', 'BOT', 'OPERATOR', 'SYSTEM'];
  const UNREACHABLE_STATUSES = [502, 503, 504]; // a proxy's answer for a backend that is down or starting
  // Statuses in which a human is (or is about to be) involved: replies only arrive by polling.
  const HUMAN_STATUSES = ['WAITING_OPERATOR', 'WITH_OPERATOR', 'WAITING_CLIENT'];
  const CLOSED_STATUSES = ['RESOLVED', 'NOT_RESOLVED', 'CANCELLED', 'ENDED'];
  const POSTED_ACTIONS = ['request_operator', 'continue_ai', 'end_chat'];
  const KNOWN_ACTIONS = POSTED_ACTIONS.concat(['request_ticket']);
  const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
  const PHONE_RE = /^\+?[0-9 ]{8,16}$/;
  // Markdown link | **bold** | bare URL | email. Everything else stays plain text.
  const RICH_RE = /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s()]+)\)|\*\*([^*\n]{1,300}?)\*\*|((?:https?:\/\/|www\.)[^\s<>"']+)|([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;

  /* ------------------------------------------------------------------ strings */

  const STRINGS = {
    it: {
      title: 'Lucy – Lucine di Natale',
      subtitle: 'Assistente virtuale',
      subtitleHuman: 'Chat con lo staff',
      openChat: 'Apri la chat con Lucy',
      closeChat: 'Chiudi la chat',
      unread: (n) => (n === 1 ? '1 messaggio non letto' : n + ' messaggi non letti'),
      close: 'Chiudi',
      menu: 'Altre opzioni',
      menuTicket: 'Lascia un messaggio allo staff',
      menuDelete: 'Elimina la mia conversazione',
      deleteQuestion: 'Eliminare la conversazione? Messaggi e dati di contatto verranno cancellati in modo definitivo.',
      deleteConfirm: 'Elimina',
      cancel: 'Annulla',
      deleted: 'Conversazione eliminata. Puoi iniziarne una nuova quando vuoi.',
      deleteFailed: 'Non è stato possibile eliminare la conversazione. Riprova tra poco.',
      greeting: 'Ciao! Sono Lucy, l’assistente virtuale delle Lucine di Natale di Leggiuno ✨\n' +
        'Chiedimi di biglietti, orari, parcheggi o come arrivare: se serve, ti metto in contatto con lo staff.',
      privacy: 'La chat si avvia solo quando invii un messaggio; conserviamo la conversazione per risponderti.',
      privacyLink: 'Informativa privacy',
      messagesLabel: 'Messaggi',
      actionsLabel: 'Scelte rapide',
      inputLabel: 'Scrivi un messaggio',
      placeholder: 'Scrivi la tua domanda…',
      send: 'Invia',
      typing: 'Lucy sta scrivendo…',
      you: 'Tu',
      bot: 'Lucy',
      staff: 'Staff',
      notice: 'Avviso',
      operatorWith: (name) => 'Stai parlando con ' + name,
      endChat: 'Termina chat',
      queue: (pos, min) => 'Sei in coda' + (pos ? ': posizione ' + pos : '') +
        (min != null ? ' · attesa stimata ~' + min + ' min' : ''),
      waitingOperator: 'Ti stiamo mettendo in contatto con un operatore…',
      sources: 'Fonte: ',
      notSent: 'Non inviato',
      errNetwork: 'Connessione non riuscita: il messaggio non è stato inviato.',
      errTimeout: 'Il server non ha risposto in tempo: il messaggio potrebbe non essere stato inviato.',
      errServer: 'Si è verificato un problema temporaneo.',
      reachStaff: 'La chat non risponde in questo momento. Puoi contattare lo staff anche qui:',
      errInvalid: 'Il messaggio non è valido.',
      errRate: (s) => 'Hai inviato troppi messaggi: attendi ' + (s ? s + ' secondi' : 'un momento') + ' e riprova.',
      retry: 'Riprova',
      newConversation: 'Nuova conversazione',
      resumed: (num) => 'Conversazione ripresa' + (num ? ' (ticket ' + num + ')' : ''),
      resumeFailed: 'Il link per riprendere la conversazione non è valido o è scaduto.',
      actions: {
        request_operator: 'Parla con un operatore',
        continue_ai: 'Continua con Lucy',
        end_chat: 'Termina chat',
        request_ticket: 'Lascia un messaggio',
      },
      ticket: {
        title: 'Lascia un messaggio allo staff',
        intro: 'Ti rispondiamo appena possibile via email o WhatsApp.',
        contactLegend: 'Come preferisci essere ricontattato?',
        email: 'Email',
        whatsapp: 'WhatsApp',
        emailLabel: 'Il tuo indirizzo email',
        emailPlaceholder: 'nome@esempio.it',
        phoneLabel: 'Il tuo numero WhatsApp',
        phoneHint: 'Con prefisso internazionale, es. +39 333 1234567',
        descriptionLabel: 'Il tuo messaggio',
        submit: 'Invia richiesta',
        sending: 'Invio in corso…',
        cancel: 'Annulla',
        errEmail: 'Inserisci un indirizzo email valido.',
        errPhone: 'Inserisci un numero valido, es. +39 333 1234567.',
        errDescription: 'Scrivi il tuo messaggio.',
        failed: 'Non è stato possibile inviare la richiesta. Riprova.',
        done: (num, when) => 'Richiesta ricevuta! Il tuo numero di ticket è ' + num + '.' +
          (when ? ' Ti risponderemo entro ' + when + '.' : ' Ti risponderemo il prima possibile.'),
      },
      rating: {
        question: 'Com’è andata la chat con il nostro staff?',
        stars: (n) => (n === 1 ? '1 stella' : n + ' stelle'),
        commentLabel: 'Vuoi aggiungere un commento? (facoltativo)',
        submit: 'Invia valutazione',
        skip: 'No, grazie',
        thanks: 'Grazie per la tua valutazione! 🎄',
        needStars: 'Scegli da 1 a 5 stelle.',
        failed: 'Non è stato possibile inviare la valutazione. Riprova.',
      },
    },
    en: {
      title: 'Lucy – Lucine di Natale',
      subtitle: 'Virtual assistant',
      subtitleHuman: 'Chat with our staff',
      openChat: 'Open the chat with Lucy',
      closeChat: 'Close the chat',
      unread: (n) => (n === 1 ? '1 unread message' : n + ' unread messages'),
      close: 'Close',
      menu: 'More options',
      menuTicket: 'Leave a message for our staff',
      menuDelete: 'Delete my conversation',
      deleteQuestion: 'Delete this conversation? Messages and contact details will be permanently erased.',
      deleteConfirm: 'Delete',
      cancel: 'Cancel',
      deleted: 'Conversation deleted. You can start a new one whenever you like.',
      deleteFailed: 'The conversation could not be deleted. Please try again shortly.',
      greeting: 'Hi! I’m Lucy, the virtual assistant of the Lucine di Natale in Leggiuno ✨\n' +
        'Ask me about tickets, opening hours, parking or how to get here: if needed, I’ll put you in touch with our staff.',
      privacy: 'The chat only starts when you send a message; we keep the conversation in order to answer you.',
      privacyLink: 'Privacy policy',
      messagesLabel: 'Messages',
      actionsLabel: 'Quick choices',
      inputLabel: 'Write a message',
      placeholder: 'Type your question…',
      send: 'Send',
      typing: 'Lucy is typing…',
      you: 'You',
      bot: 'Lucy',
      staff: 'Staff',
      notice: 'Notice',
      operatorWith: (name) => 'You’re chatting with ' + name,
      endChat: 'End chat',
      queue: (pos, min) => 'You’re in the queue' + (pos ? ': position ' + pos : '') +
        (min != null ? ' · estimated wait ~' + min + ' min' : ''),
      waitingOperator: 'Connecting you with a member of our staff…',
      sources: 'Source: ',
      notSent: 'Not sent',
      errNetwork: 'Connection failed: your message was not sent.',
      errTimeout: 'The server did not answer in time: your message may not have been sent.',
      errServer: 'Something went wrong on our side.',
      reachStaff: 'The chat is not answering right now. You can also reach our staff here:',
      errInvalid: 'This message is not valid.',
      errRate: (s) => 'Too many messages: please wait ' + (s ? s + ' seconds' : 'a moment') + ' and try again.',
      retry: 'Retry',
      newConversation: 'New conversation',
      resumed: (num) => 'Conversation resumed' + (num ? ' (ticket ' + num + ')' : ''),
      resumeFailed: 'The link to resume the conversation is invalid or has expired.',
      actions: {
        request_operator: 'Talk to a person',
        continue_ai: 'Continue with Lucy',
        end_chat: 'End chat',
        request_ticket: 'Leave a message',
      },
      ticket: {
        title: 'Leave a message for our staff',
        intro: 'We’ll get back to you as soon as possible by email or WhatsApp.',
        contactLegend: 'How should we contact you?',
        email: 'Email',
        whatsapp: 'WhatsApp',
        emailLabel: 'Your email address',
        emailPlaceholder: 'name@example.com',
        phoneLabel: 'Your WhatsApp number',
        phoneHint: 'With the country code, e.g. +39 333 1234567',
        descriptionLabel: 'Your message',
        submit: 'Send request',
        sending: 'Sending…',
        cancel: 'Cancel',
        errEmail: 'Please enter a valid email address.',
        errPhone: 'Please enter a valid number, e.g. +39 333 1234567.',
        errDescription: 'Please write your message.',
        failed: 'Your request could not be sent. Please try again.',
        done: (num, when) => 'Request received! Your ticket number is ' + num + '.' +
          (when ? ' We’ll answer by ' + when + '.' : ' We’ll answer as soon as possible.'),
      },
      rating: {
        question: 'How was your chat with our staff?',
        stars: (n) => (n === 1 ? '1 star' : n + ' stars'),
        commentLabel: 'Anything to add? (optional)',
        submit: 'Send rating',
        skip: 'No, thanks',
        thanks: 'Thank you for your feedback! 🎄',
        needStars: 'Please choose 1 to 5 stars.',
        failed: 'Your rating could not be sent. Please try again.',
      },
    },
    de: {
      title: 'Lucy – Lucine di Natale',
      subtitle: 'Virtuelle Assistentin',
      subtitleHuman: 'Chat mit unserem Team',
      openChat: 'Chat mit Lucy öffnen',
      closeChat: 'Chat schließen',
      unread: (n) => (n === 1 ? '1 ungelesene Nachricht' : n + ' ungelesene Nachrichten'),
      close: 'Schließen',
      menu: 'Weitere Optionen',
      menuTicket: 'Nachricht an unser Team hinterlassen',
      menuDelete: 'Mein Gespräch löschen',
      deleteQuestion: 'Gespräch löschen? Nachrichten und Kontaktdaten werden endgültig entfernt.',
      deleteConfirm: 'Löschen',
      cancel: 'Abbrechen',
      deleted: 'Gespräch gelöscht. Du kannst jederzeit ein neues beginnen.',
      deleteFailed: 'Das Gespräch konnte nicht gelöscht werden. Bitte versuche es gleich noch einmal.',
      greeting: 'Hallo! Ich bin Lucy, die virtuelle Assistentin der Lucine di Natale in Leggiuno ✨\n' +
        'Frag mich nach Tickets, Öffnungszeiten, Parkplätzen oder der Anreise – bei Bedarf verbinde ich dich mit unserem Team.',
      privacy: 'Der Chat startet erst, wenn du eine Nachricht sendest; wir speichern das Gespräch, um dir zu antworten.',
      privacyLink: 'Datenschutzerklärung',
      messagesLabel: 'Nachrichten',
      actionsLabel: 'Schnellauswahl',
      inputLabel: 'Nachricht schreiben',
      placeholder: 'Schreib deine Frage…',
      send: 'Senden',
      typing: 'Lucy schreibt…',
      you: 'Du',
      bot: 'Lucy',
      staff: 'Team',
      notice: 'Hinweis',
      operatorWith: (name) => 'Du chattest mit ' + name,
      endChat: 'Chat beenden',
      queue: (pos, min) => 'Du bist in der Warteschlange' + (pos ? ': Position ' + pos : '') +
        (min != null ? ' · geschätzte Wartezeit ~' + min + ' Min.' : ''),
      waitingOperator: 'Wir verbinden dich mit unserem Team…',
      sources: 'Quelle: ',
      notSent: 'Nicht gesendet',
      errNetwork: 'Keine Verbindung: Die Nachricht wurde nicht gesendet.',
      errTimeout: 'Der Server hat nicht rechtzeitig geantwortet: Die Nachricht wurde eventuell nicht gesendet.',
      errServer: 'Ein vorübergehender Fehler ist aufgetreten.',
      reachStaff: 'Der Chat antwortet gerade nicht. Du erreichst unser Team auch hier:',
      errInvalid: 'Die Nachricht ist ungültig.',
      errRate: (s) => 'Zu viele Nachrichten: Bitte warte ' + (s ? s + ' Sekunden' : 'einen Moment') +
        ' und versuche es erneut.',
      retry: 'Erneut versuchen',
      newConversation: 'Neues Gespräch',
      resumed: (num) => 'Gespräch fortgesetzt' + (num ? ' (Ticket ' + num + ')' : ''),
      resumeFailed: 'Der Link zum Fortsetzen des Gesprächs ist ungültig oder abgelaufen.',
      actions: {
        request_operator: 'Mit einer Person sprechen',
        continue_ai: 'Weiter mit Lucy',
        end_chat: 'Chat beenden',
        request_ticket: 'Nachricht hinterlassen',
      },
      ticket: {
        title: 'Nachricht an unser Team',
        intro: 'Wir antworten dir so bald wie möglich per E-Mail oder WhatsApp.',
        contactLegend: 'Wie sollen wir dich kontaktieren?',
        email: 'E-Mail',
        whatsapp: 'WhatsApp',
        emailLabel: 'Deine E-Mail-Adresse',
        emailPlaceholder: 'name@beispiel.de',
        phoneLabel: 'Deine WhatsApp-Nummer',
        phoneHint: 'Mit Ländervorwahl, z. B. +39 333 1234567',
        descriptionLabel: 'Deine Nachricht',
        submit: 'Anfrage senden',
        sending: 'Wird gesendet…',
        cancel: 'Abbrechen',
        errEmail: 'Bitte gib eine gültige E-Mail-Adresse ein.',
        errPhone: 'Bitte gib eine gültige Nummer ein, z. B. +39 333 1234567.',
        errDescription: 'Bitte schreib deine Nachricht.',
        failed: 'Die Anfrage konnte nicht gesendet werden. Bitte versuche es erneut.',
        done: (num, when) => 'Anfrage erhalten! Deine Ticketnummer ist ' + num + '.' +
          (when ? ' Wir antworten dir bis ' + when + '.' : ' Wir antworten dir so bald wie möglich.'),
      },
      rating: {
        question: 'Wie war der Chat mit unserem Team?',
        stars: (n) => (n === 1 ? '1 Stern' : n + ' Sterne'),
        commentLabel: 'Möchtest du etwas hinzufügen? (optional)',
        submit: 'Bewertung senden',
        skip: 'Nein, danke',
        thanks: 'Danke für deine Bewertung! 🎄',
        needStars: 'Bitte wähle 1 bis 5 Sterne.',
        failed: 'Die Bewertung konnte nicht gesendet werden. Bitte versuche es erneut.',
      },
    },
  };

  /* ------------------------------------------------------------------ configuration */

  function readConfig(data, src) {
    return {
      backend: (data.backend || originOf(src)).replace(/\/+$/, ''),
      lang: pickLanguage(data.lang),
      title: data.title || '',
      position: data.position === 'left' ? 'left' : 'right',
      enabled: data.enabled || '',
      privacyUrl: safeHref(data.privacyUrl || '', ['http:', 'https:']) || DEFAULT_PRIVACY_URL,
      css: safeHref(data.css || '', ['http:', 'https:']),
      contactEmail: EMAIL_RE.test(data.contactEmail || '') ? data.contactEmail : '',
      contactPhone: PHONE_RE.test(data.contactPhone || '') ? data.contactPhone : '',
    };
  }

  function originOf(url) {
    try {
      return new URL(url, location.href).origin;
    } catch (e) {
      return '';
    }
  }

  // data-lang wins; an unsupported one falls back to the browser's language, then Italian.
  function pickLanguage(explicit) {
    const candidates = [explicit, navigator.language].concat(navigator.languages || []);
    for (const candidate of candidates) {
      const code = String(candidate || '').slice(0, 2).toLowerCase();
      if (STRINGS[code]) return code;
    }
    return 'it';
  }

  // Until launch (data-enabled="always") the chat is for testers only: ?chatbot=test, a ticket resume link, or
  // a conversation this browser already started. The snippet's loader checks the same; checking here too
  // keeps a hand-pasted tag from opening the chat to everybody.
  function isWidgetEnabled(cfg) {
    if (cfg.enabled === 'always') return true;
    const params = new URLSearchParams(location.search);
    return params.get('chatbot') === 'test' || params.has(RESUME_PARAM) || readStorage() !== null;
  }

  function locale() {
    const browser = navigator.language || '';
    return browser.slice(0, 2).toLowerCase() === config.lang ? browser : config.lang;
  }

  /* ------------------------------------------------------------------ storage (only after the first message) */

  function readStorage() {
    try {
      const record = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || 'null');
      return record && typeof record.sessionId === 'string' && record.sessionId ? record : null;
    } catch (e) {
      return null; // storage disabled (private mode, blocked cookies) or corrupt: behave as a new visitor
    }
  }

  function persistSession() {
    if (!state.sessionId) return;
    const record = { sessionId: state.sessionId, lastSeenId: state.lastSeenId, ratingOffered: state.ratingOffered };
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(record));
    } catch (e) {
      // Without storage the chat still works for this page; it just won't be restored on the next one.
    }
  }

  function clearStorage() {
    try {
      window.localStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      // nothing stored, nothing to erase
    }
  }

  /* ------------------------------------------------------------------ HTTP */

  // Never throws: every outcome is a {status, ok, data} record; status 0 means the request did not complete.
  async function request(method, path, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    const init = { method, credentials: 'omit', signal: controller.signal, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    try {
      const response = await fetch(config.backend + path, init);
      const data = response.status === 204 ? null : await readJson(response);
      if (UNREACHABLE_STATUSES.indexOf(response.status) >= 0) showStaffContacts();
      return { status: response.status, ok: response.ok, data, headers: response.headers };
    } catch (err) {
      showStaffContacts();
      return { status: 0, ok: false, data: null, timedOut: err && err.name === 'AbortError' };
    } finally {
      clearTimeout(timer);
    }
  }

  // The backend is down or unreachable: once per page, say how else to reach the staff (from the loader).
  function showStaffContacts() {
    if (state.contactsShown || !(config.contactEmail || config.contactPhone)) return;
    state.contactsShown = true;
    const links = [];
    if (config.contactEmail) links.push(el('a', { href: 'mailto:' + config.contactEmail, text: config.contactEmail }));
    if (config.contactPhone) {
      links.push(el('a', { href: 'tel:' + config.contactPhone.replace(/[^+0-9]/g, ''), text: config.contactPhone }));
    }
    const parts = [el('span', { text: t.reachStaff + ' ' })];
    links.forEach((link, i) => parts.push(i ? ' · ' : '', link));
    ui.log.append(el('div', { class: 'lucine-row lucine-row--note' }, [
      el('p', { class: 'lucine-note lucine-note--info lucine-contacts' }, parts),
    ]));
    scrollToEnd();
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (e) {
      return null;
    }
  }

  function serverMessage(res, fallback) {
    const error = res.data && res.data.error;
    return error && typeof error.message === 'string' && error.message ? error.message : fallback;
  }

  // Retry-After is only readable cross-origin when the backend exposes it (CORS expose_headers).
  function retryAfterSeconds(res) {
    const header = res.headers ? res.headers.get('Retry-After') : null;
    const seconds = parseInt(header, 10);
    return isNaN(seconds) ? null : Math.max(1, Math.min(seconds, 3600));
  }

  function sessionPath(suffix) {
    return '/api/chat/' + encodeURIComponent(state.sessionId) + (suffix || '');
  }

  /* ------------------------------------------------------------------ DOM helpers */

  // Builds an element; text only ever goes through textContent, attributes through setAttribute.
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach((key) => {
      const value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    });
    [].concat(children || []).forEach((child) => {
      if (child !== null && child !== undefined) node.append(child);
    });
    return node;
  }

  const ICONS = {
    chat: 'M12 3C6.5 3 2 6.6 2 11c0 2.4 1.3 4.6 3.4 6.1L4.6 21l4.3-2.3c1 .2 2 .3 3.1.3 5.5 0 10-3.6 10-8s-4.5-8-10-8z',
    close: 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z',
    send: 'M3.4 20.4 20.9 12.9a1 1 0 0 0 0-1.8L3.4 3.6a1 1 0 0 0-1.4.9V9.1c0 .5.4.9.9 1L17 12 2.9 13.9c-.5.1-.9.5-.9 1v4.6a1 1 0 0 0 1.4.9z',
    more: 'M6 10.2a1.8 1.8 0 1 1 0 3.6 1.8 1.8 0 0 1 0-3.6zm6 0a1.8 1.8 0 1 1 0 3.6 1.8 1.8 0 0 1 0-3.6zm6 0a1.8 1.8 0 1 1 0 3.6 1.8 1.8 0 0 1 0-3.6z',
    star: 'M12 2.5l2.9 6.1 6.6.8-4.9 4.6 1.3 6.6L12 17.3l-5.9 3.3 1.3-6.6-4.9-4.6 6.6-.8z',
  };

  function icon(name) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'lucine-icon lucine-icon--' + name);
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', ICONS[name]);
    svg.append(path);
    return svg;
  }

  function safeHref(raw, protocols) {
    try {
      const url = new URL(raw);
      return (protocols || ['http:', 'https:', 'mailto:']).indexOf(url.protocol) >= 0 ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function linkOrText(href, label) {
    const safe = safeHref(href);
    if (!safe) return document.createTextNode(label);
    return el('a', { href: safe, target: '_blank', rel: 'noopener noreferrer', text: label });
  }

  // "see https://x.it/a." must not swallow the full stop, nor the ")" that closes a parenthesis.
  function splitTrailingPunctuation(url) {
    let end = url.length;
    while (end > 0) {
      const ch = url[end - 1];
      const head = url.slice(0, end);
      const unbalancedParen = ch === ')' && head.split('(').length < head.split(')').length;
      if ('.,;:!?\'"]'.indexOf(ch) < 0 && !unbalancedParen) break;
      end -= 1;
    }
    return [url.slice(0, end), url.slice(end)];
  }

  // Plain text → text nodes, <a> and <strong> built as elements: nothing is ever parsed as HTML.
  // `keyword` (a ticket number) is shown in bold and never split across lines.
  function richText(text, keyword) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    let match;
    RICH_RE.lastIndex = 0;
    while ((match = RICH_RE.exec(text)) !== null) {
      fragment.append(withKeyword(text.slice(last, match.index), keyword));
      last = RICH_RE.lastIndex;
      if (match[1]) fragment.append(linkOrText(match[2], match[1]));
      else if (match[3]) fragment.append(el('strong', { text: match[3] }));
      else if (match[4]) {
        const parts = splitTrailingPunctuation(match[4]);
        const href = parts[0].slice(0, 4) === 'www.' ? 'https://' + parts[0] : parts[0];
        fragment.append(linkOrText(href, parts[0]), parts[1]);
      } else if (match[5]) fragment.append(linkOrText('mailto:' + match[5], match[5]));
    }
    fragment.append(withKeyword(text.slice(last), keyword));
    return fragment;
  }

  function withKeyword(text, keyword) {
    const fragment = document.createDocumentFragment();
    const at = keyword ? text.indexOf(String(keyword)) : -1;
    if (at < 0) {
      fragment.append(text);
      return fragment;
    }
    const word = String(keyword);
    fragment.append(text.slice(0, at), el('strong', { class: 'lucine-keyword', text: word }), text.slice(at + word.length));
    return fragment;
  }

  function formatDateTime(iso) {
    const date = new Date(iso);
    if (!iso || isNaN(date.getTime())) return '';
    const options = { weekday: 'short', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' };
    try {
      return new Intl.DateTimeFormat(locale(), options).format(date);
    } catch (e) {
      return date.toLocaleString();
    }
  }

  function reportBug(err) {
    if (window.console) console.error('[LucineChat]', err);
  }

  /* ------------------------------------------------------------------ state */

  function sessionFields() {
    return {
      sessionId: null,
      status: null,
      pending: false,
      operator: null,
      queue: null, // {position, estimatedWaitMinutes} while waiting for an operator
      operatorSeen: false, // a human took part: the chat can be rated once it closes
      lastId: null, // poll cursor; only polls advance it, since a poll returns the complete stream after it
      lastSeenId: null, // newest message shown while the panel was open (unread badge across pages)
      newestId: null,
      ratingOffered: false,
      pollFailures: 0,
      epoch: 0,
      draft: null, // {text, replyTo}: the assistant's answer so far, shown in place of the typing dots
      answeredUpTo: 0, // the newest visitor message a BOT message on screen answers (its replyTo): older drafts are stale
    };
  }

  function createState() {
    return Object.assign(sessionFields(), {
      open: false,
      unread: 0,
      rendered: new Set(),
      localRows: [], // optimistic USER bubbles waiting for their server id: [{row, text}]
      awaitingBot: 0,
      pollTimer: null,
      polling: false, // the poll request in flight (a promise), or false
      cooldownUntil: 0,
      sendChain: Promise.resolve(),
      restoreFailed: false,
      openRequested: false,
      contactsShown: false,
    });
  }

  function isHumanStatus() {
    return HUMAN_STATUSES.indexOf(state.status) >= 0;
  }

  function isClosedStatus() {
    return CLOSED_STATUSES.indexOf(state.status) >= 0;
  }

  // Forget everything about the current session, in memory and in localStorage; the UI is handled apart.
  function forgetSession() {
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
    const nextEpoch = state.epoch + 1;
    Object.assign(state, sessionFields(), { epoch: nextEpoch });
    clearStorage();
    renderChrome();
    refreshTyping(); // nothing is pending any more: no dots, no draft left behind (e.g. after a 404)
  }

  /* ------------------------------------------------------------------ building the UI */

  function buildUi() {
    ui.launcher = buildLauncher();
    ui.panel = buildPanel();
    ui.root = el('div', {
      id: 'lucine-chat-root',
      class: 'lucine-root lucine-pos-' + config.position,
      lang: config.lang,
      hidden: true, // revealed once our stylesheet has loaded, so the page never flashes unstyled markup
    }, [ui.panel, ui.launcher]);
    document.body.append(ui.root);
  }

  function buildLauncher() {
    ui.badge = el('span', { class: 'lucine-badge', 'aria-hidden': 'true', hidden: true });
    return el('button', {
      id: 'lucine-chat-launcher',
      class: 'lucine-launcher',
      type: 'button',
      'aria-label': t.openChat,
      'aria-expanded': 'false',
      'aria-controls': 'lucine-chat-panel',
      onclick: () => (state.open ? closePanel() : openPanel()),
    }, [icon('chat'), icon('close'), ui.badge]);
  }

  function buildPanel() {
    ui.liveStatus = el('div', { class: 'lucine-sr-only', role: 'status', 'aria-live': 'polite' });
    ui.ticketForm = buildTicketForm();
    return el('div', {
      id: 'lucine-chat-panel',
      class: 'lucine-panel',
      role: 'dialog',
      'aria-modal': 'true',
      'aria-labelledby': 'lucine-chat-title',
      hidden: true,
      onkeydown: onPanelKeydown,
    }, [buildHeader(), buildOperatorBar(), buildQueueLine(), buildBody(), ui.ticketForm, buildComposer(), ui.liveStatus]);
  }

  function buildHeader() {
    ui.subtitle = el('p', { class: 'lucine-subtitle', text: t.subtitle });
    ui.menuButton = el('button', {
      id: 'lucine-chat-menu-button',
      class: 'lucine-icon-button',
      type: 'button',
      'aria-label': t.menu,
      'aria-expanded': 'false',
      'aria-controls': 'lucine-chat-menu',
      onclick: toggleMenu,
    }, [icon('more')]);
    ui.avatar = el('span', { class: 'lucine-avatar', 'aria-hidden': 'true' }, [icon('star')]);
    return el('div', { class: 'lucine-header' }, [
      ui.avatar,
      el('div', { class: 'lucine-heading' }, [
        el('h2', { id: 'lucine-chat-title', class: 'lucine-title', text: config.title || t.title }),
        ui.subtitle,
      ]),
      ui.menuButton,
      el('button', {
        id: 'lucine-chat-close', class: 'lucine-icon-button', type: 'button', 'aria-label': t.close,
        onclick: () => closePanel(),
      }, [icon('close')]),
      buildMenu(),
    ]);
  }

  function buildMenu() {
    ui.menuTicket = el('button', {
      type: 'button', class: 'lucine-menu-item', text: t.menuTicket, onclick: () => openTicketForm(),
    });
    ui.menuDelete = el('button', {
      id: 'lucine-chat-delete', type: 'button', class: 'lucine-menu-item lucine-menu-item--danger',
      text: t.menuDelete, hidden: true, onclick: askDeleteConfirmation,
    });
    ui.menu = el('div', { id: 'lucine-chat-menu', class: 'lucine-menu', hidden: true }, [ui.menuTicket, ui.menuDelete]);
    return ui.menu;
  }

  function buildOperatorBar() {
    ui.operatorName = el('span', { class: 'lucine-operator-name' });
    ui.operatorBar = el('div', { id: 'lucine-chat-operator', class: 'lucine-operator', role: 'status', hidden: true }, [
      el('span', { class: 'lucine-operator-dot', 'aria-hidden': 'true' }),
      ui.operatorName,
      el('button', { type: 'button', class: 'lucine-operator-end', text: t.endChat, onclick: () => onAction('end_chat') }),
    ]);
    return ui.operatorBar;
  }

  function buildQueueLine() {
    ui.queueLine = el('p', { class: 'lucine-queue', role: 'status', hidden: true });
    return ui.queueLine;
  }

  function buildBody() {
    const privacy = el('p', { class: 'lucine-privacy' }, [
      t.privacy + ' ',
      el('a', { href: config.privacyUrl, target: '_blank', rel: 'noopener noreferrer', text: t.privacyLink }),
    ]);
    // The greeting is local: showing it costs no request and stores nothing.
    const greeting = el('div', { class: 'lucine-row lucine-row--bot' }, [
      el('div', { class: 'lucine-bubble lucine-bubble--bot lucine-greeting', text: t.greeting }),
    ]);
    ui.log = el('div', {
      class: 'lucine-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': t.messagesLabel,
    });
    ui.body = el('div', { class: 'lucine-body' }, [el('div', { class: 'lucine-intro' }, [greeting, privacy]), ui.log]);
    return ui.body;
  }

  function buildComposer() {
    ui.input = el('textarea', {
      id: 'lucine-chat-input',
      class: 'lucine-input',
      rows: '1',
      maxlength: String(MAX_LENGTH),
      placeholder: t.placeholder,
      autocomplete: 'off',
      enterkeyhint: 'send',
      'aria-describedby': 'lucine-chat-counter',
      oninput: onInputChanged,
      onkeydown: onInputKeydown,
    });
    ui.counter = el('span', { id: 'lucine-chat-counter', class: 'lucine-counter', hidden: true });
    ui.sendButton = el('button', { id: 'lucine-chat-send', class: 'lucine-send', type: 'submit', 'aria-label': t.send }, [icon('send')]);
    ui.composer = el('form', {
      class: 'lucine-composer',
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        submitInput();
      },
    }, [el('label', { class: 'lucine-sr-only', for: 'lucine-chat-input', text: t.inputLabel }), ui.input, ui.counter, ui.sendButton]);
    return ui.composer;
  }

  // The loader requested the stylesheet together with this script (link[data-lucine-chat]); a tag pasted
  // without the loader gets it requested now.
  function loadStylesheet() {
    const href = config.css || config.backend + '/static/widget/lucine-chat.css';
    const started = document.querySelector('link[data-lucine-chat]');
    const link = started || el('link', { rel: 'stylesheet', href, 'data-lucine-chat': true });
    const reveal = () => {
      ui.root.hidden = false;
      if (state.openRequested) openPanel();
    };
    if (started && started.sheet) {
      reveal();
      return;
    }
    link.addEventListener('load', reveal);
    link.addEventListener('error', () => reportBug('stylesheet failed to load: ' + link.href));
    if (!started) document.head.append(link);
  }

  /* ------------------------------------------------------------------ rendering messages */

  function senderLabel(sender) {
    return { USER: t.you, BOT: t.bot, OPERATOR: t.staff, SYSTEM: t.notice }[sender];
  }

  function operatorLabel(meta) {
    const name = meta.operatorName || (state.operator && (state.operator.displayName || state.operator.name));
    return String(name || t.staff);
  }

  // Row = sender label + the .lucine-msg bubble (message text only) + sources + smart actions.
  function buildMessageRow(sender, id, text, meta) {
    const row = el('div', { class: 'lucine-row lucine-row--' + sender.toLowerCase() });
    if (sender === 'OPERATOR') row.append(el('span', { class: 'lucine-msg-label', text: operatorLabel(meta) }));
    else row.append(el('span', { class: 'lucine-sr-only', text: senderLabel(sender) + ': ' }));
    const bubble = el('div', {
      class: 'lucine-msg lucine-bubble lucine-bubble--' + sender.toLowerCase(),
      'data-sender': sender,
      'data-id': id,
      // SYSTEM texts say what happened (queue, ticket offer, ticket created…): the kind lets CSS set the tone.
      'data-kind': sender === 'SYSTEM' && /^[a-z_]{1,40}$/.test(meta.kind || '') ? meta.kind : null,
    });
    if (sender === 'USER') bubble.textContent = text;
    else bubble.append(richText(text, sender === 'SYSTEM' ? meta.ticketNumber : null));
    row.append(bubble);
    const sources = buildSourcesLine(meta.sources);
    if (sources) row.append(sources);
    return row;
  }

  function buildSourcesLine(sources) {
    if (!Array.isArray(sources)) return null;
    const titles = [];
    sources.forEach((source) => {
      const title = source && source.title ? String(source.title) : '';
      if (title && titles.indexOf(title) < 0) titles.push(title);
    });
    return titles.length ? el('p', { class: 'lucine-sources', text: t.sources + titles.join(' · ') }) : null;
  }

  // Renders server messages in order, skipping ids already shown; opts.ownRow is the optimistic bubble of
  // the request that returned them, opts.restoring marks a history load (no unread counting).
  function renderMessages(messages, opts) {
    const options = opts || {};
    const stick = isNearBottom();
    (Array.isArray(messages) ? messages : []).forEach((message) => {
      if (!message || message.id === null || message.id === undefined) return;
      const id = String(message.id);
      if (state.rendered.has(id)) return;
      state.rendered.add(id);
      state.newestId = id;
      if (message.sender === 'USER' && adoptLocalRow(message, options.ownRow)) return;
      appendServerMessage(message, options);
    });
    if (state.open) markSeen();
    if (stick || options.forceScroll) scrollToEnd();
  }

  function appendServerMessage(message, options) {
    const sender = SENDERS.indexOf(message.sender) >= 0 ? message.sender : 'SYSTEM';
    const meta = message.metadata && typeof message.metadata === 'object' ? message.metadata : {};
    removeActions(); // smart actions belong to the newest message only
    const row = buildMessageRow(sender, String(message.id), String(message.message || ''), meta);
    ui.log.append(row);
    if ((sender === 'BOT' || sender === 'SYSTEM') && Array.isArray(meta.smartActions)) renderActions(row, meta.smartActions);
    if (sender === 'BOT') takeOverDraft(row, message.replyTo);
    if (sender === 'OPERATOR') state.operatorSeen = true;
    if (sender !== 'USER' && !state.open && !options.restoring) setUnread(state.unread + 1);
    if (sender === 'SYSTEM' && meta.kind === 'rating_request') maybeOfferRating(true);
  }

  // The server echoes the visitor's message: give the optimistic bubble its real id instead of a duplicate.
  function adoptLocalRow(message, ownRow) {
    const text = String(message.message || '').trim();
    let index = state.localRows.findIndex((entry) => entry.row === ownRow);
    if (index < 0) index = state.localRows.findIndex((entry) => entry.text === text);
    if (index < 0) return false;
    const entry = state.localRows.splice(index, 1)[0];
    entry.row.querySelector('.lucine-msg').setAttribute('data-id', String(message.id));
    clearFailure(entry.row);
    entry.row.classList.remove('lucine-row--sending');
    return true;
  }

  let localCounter = 0;

  function appendLocalUserRow(text) {
    removeActions();
    localCounter += 1;
    const row = buildMessageRow('USER', 'local-' + localCounter, text, {});
    row.classList.add('lucine-row--sending');
    ui.log.append(row);
    state.localRows.push({ row, text });
    scrollToEnd();
    return row;
  }

  // Local notes (errors, confirmations, dividers) are not .lucine-msg: they are not conversation messages.
  function addNote(text, kind, button) {
    const note = el('div', { class: 'lucine-row lucine-row--note' }, [
      el('div', { class: 'lucine-note lucine-note--' + (kind || 'info') }, [
        el('span', { text }),
        button ? el('button', { type: 'button', class: 'lucine-note-button', text: button.label, onclick: button.onClick }) : null,
      ]),
    ]);
    ui.log.append(note);
    scrollToEnd();
    return note;
  }

  function addDivider(text, before) {
    const divider = el('div', { class: 'lucine-divider', role: 'separator' }, [el('span', { text })]);
    if (before && before.parentNode === ui.log) ui.log.insertBefore(divider, before);
    else ui.log.append(divider);
  }

  function isNearBottom() {
    return ui.body.scrollHeight - ui.body.scrollTop - ui.body.clientHeight < 80;
  }

  function scrollToEnd() {
    ui.body.scrollTop = ui.body.scrollHeight;
  }

  /* ------------------------------------------------------------------ smart actions */

  function renderActions(row, actions) {
    const usable = actions.filter((a) => a && KNOWN_ACTIONS.indexOf(a.action) >= 0);
    if (!usable.length) return;
    const group = el('div', { class: 'lucine-actions', role: 'group', 'aria-label': t.actionsLabel });
    usable.forEach((a) => {
      group.append(el('button', {
        type: 'button',
        class: 'lucine-action lucine-action--' + (a.type === 'primary' ? 'primary' : 'secondary'),
        'data-action': a.action,
        text: a.text || t.actions[a.action],
        onclick: () => onAction(a.action),
      }));
    });
    row.append(group);
  }

  function removeActions() {
    ui.log.querySelectorAll('.lucine-actions').forEach((group) => group.remove());
  }

  function onAction(action) {
    removeActions();
    if (action === 'request_ticket') {
      openTicketForm();
      return;
    }
    if (POSTED_ACTIONS.indexOf(action) < 0 || !state.sessionId) return;
    if (action === 'end_chat') ui.operatorBar.hidden = true; // instant feedback; the poll/POST confirms
    enqueuePost({ action }, null);
  }

  // The top-level smartActions repeat the newest BOT message's; use them only if no message carries any.
  function withTopLevelActions(messages, smartActions) {
    const list = Array.isArray(messages) ? messages : [];
    const carried = list.some((m) => m && m.metadata && Array.isArray(m.metadata.smartActions));
    if (carried || !Array.isArray(smartActions) || !smartActions.length) return list;
    for (let i = list.length - 1; i >= 0; i -= 1) {
      if (list[i] && list[i].sender === 'BOT') {
        const copy = Object.assign({}, list[i]);
        copy.metadata = Object.assign({}, copy.metadata, { smartActions });
        return list.slice(0, i).concat([copy], list.slice(i + 1));
      }
    }
    return list;
  }

  /* ------------------------------------------------------------------ sending */

  function onInputChanged() {
    autoGrow();
    updateCounter();
  }

  function onInputKeydown(event) {
    // keyCode 229: an IME is composing (e.g. Japanese input); Enter confirms the word, it must not send.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    submitInput();
  }

  function autoGrow() {
    // CSSOM writes are allowed under a strict CSP (only style="" attributes are not).
    ui.input.style.height = 'auto';
    ui.input.style.height = Math.min(ui.input.scrollHeight, 140) + 'px';
  }

  function updateCounter() {
    const length = ui.input.value.length;
    ui.counter.hidden = length < COUNTER_FROM;
    ui.counter.textContent = length + '/' + MAX_LENGTH;
    ui.counter.classList.toggle('lucine-counter--limit', length >= MAX_LENGTH);
  }

  function submitInput() {
    const text = ui.input.value.trim();
    if (!text || Date.now() < state.cooldownUntil) return;
    ui.input.value = '';
    onInputChanged();
    const row = appendLocalUserRow(text);
    // `language` is a hint for a new session; the server then follows the language the visitor writes in.
    enqueuePost({ message: text, language: config.lang }, row);
  }

  // Posts run one after another: the first message has no sessionId yet, and a second one sent before the
  // first answer must not open a second session.
  function enqueuePost(payload, row) {
    state.sendChain = state.sendChain.then(() => postChat(payload, row)).catch(reportBug);
    return state.sendChain;
  }

  async function postChat(payload, row) {
    const body = Object.assign({}, payload);
    if (state.sessionId) body.sessionId = state.sessionId;
    const epoch = state.epoch;
    const expectsBot = !isHumanStatus() && payload.action !== 'end_chat';
    if (expectsBot) state.awaitingBot += 1;
    refreshTyping();
    const res = await request('POST', '/api/chat', body);
    if (expectsBot) state.awaitingBot -= 1;
    if (epoch !== state.epoch) return; // the conversation was deleted meanwhile
    if (res.ok && res.data) handleChatResponse(res.data, row);
    else handlePostFailure(res, payload, row);
    refreshTyping();
  }

  function handleChatResponse(data, row) {
    adoptSession(data.sessionId, data.newSession, row);
    if (data.status) state.status = data.status;
    state.pending = Boolean(data.pending);
    if (row) row.classList.remove('lucine-row--sending');
    renderMessages(withTopLevelActions(data.messages, data.smartActions), { ownRow: row, forceScroll: true });
    updateDraft(null); // a POST carries no draft: keep the one on screen while its reply is pending
    afterStatusChange();
    schedulePoll();
  }

  // Stores the session only now that the visitor has sent something; a replaced session starts afresh.
  function adoptSession(sessionId, isNew, row) {
    if (!sessionId) return;
    const replaced = state.sessionId && state.sessionId !== sessionId;
    if (replaced || (isNew && state.sessionId)) {
      const epoch = state.epoch;
      Object.assign(state, sessionFields(), { epoch });
      addDivider(t.newConversation, row);
    }
    state.sessionId = sessionId;
    persistSession();
    renderChrome();
  }

  function handlePostFailure(res, payload, row) {
    if (res.status === 429) {
      const seconds = retryAfterSeconds(res);
      startCooldown(seconds || DEFAULT_COOLDOWN_S);
      giveBackOrOfferRetry(payload, row, t.errRate(seconds));
    } else if (res.status === 400 || res.status === 413 || res.status === 422) {
      giveBackOrOfferRetry(payload, row, serverMessage(res, t.errInvalid));
    } else {
      // 5xx bodies are for developers (and may be a proxy's HTML page): show our own words instead.
      const text = res.timedOut ? t.errTimeout : res.status ? t.errServer : t.errNetwork;
      offerRetry(payload, row, text);
    }
  }

  // The text must never be lost: back into the input when it is empty, otherwise kept in a retryable bubble.
  function giveBackOrOfferRetry(payload, row, text) {
    if (row && payload.message && !ui.input.value) {
      forgetLocalRow(row);
      row.remove();
      ui.input.value = payload.message;
      onInputChanged();
      addNote(text, 'error');
      return;
    }
    if (row) offerRetry(payload, row, text);
    else addNote(text, 'error'); // a refused action would be refused again: nothing to retry
  }

  function offerRetry(payload, row, text) {
    const note = addNote(text, 'error', {
      label: t.retry,
      onClick: () => {
        note.remove();
        if (row) {
          clearFailure(row);
          row.classList.add('lucine-row--sending');
        }
        enqueuePost(payload, row);
      },
    });
    if (row) markFailed(row, note);
  }

  function markFailed(row, note) {
    row.classList.remove('lucine-row--sending');
    row.classList.add('lucine-row--failed');
    row.append(el('span', { class: 'lucine-failed-label', text: t.notSent }));
    failureNotes.set(row, note);
  }

  // A bubble that timed out may still have reached the server: when its echo arrives, the failure is moot.
  function clearFailure(row) {
    row.classList.remove('lucine-row--failed');
    const label = row.querySelector('.lucine-failed-label');
    if (label) label.remove();
    const note = failureNotes.get(row);
    if (note) note.remove();
    failureNotes.delete(row);
  }

  function forgetLocalRow(row) {
    state.localRows = state.localRows.filter((entry) => entry.row !== row);
  }

  function startCooldown(seconds) {
    state.cooldownUntil = Date.now() + seconds * 1000;
    ui.sendButton.disabled = true;
    setTimeout(() => {
      if (Date.now() >= state.cooldownUntil) ui.sendButton.disabled = false;
    }, seconds * 1000 + 50);
  }

  /* ------------------------------------------------------------------ typing, status line, operator header */

  // While a reply is being produced, one slot under the log shows either the typing dots or, once the
  // server sends some of it, the draft of the answer. Both sit outside the role="log" region, so the
  // growing text is never announced; the final message is, once, when it lands in the log. The "is
  // typing" announcement goes through a persistent live region, which screen readers announce reliably (a
  // freshly inserted live region often is not), and is said once for the whole wait, dots or draft.
  function refreshTyping() {
    const waiting = state.pending || state.awaitingBot > 0;
    const draft = waiting ? state.draft : null;
    const stick = isNearBottom();
    renderDots(waiting && !draft);
    renderDraft(draft);
    if (waiting !== Boolean(ui.liveStatus.textContent)) ui.liveStatus.textContent = waiting ? t.typing : '';
    if (stick) scrollToEnd();
  }

  function renderDots(show) {
    if (show && !ui.typing) {
      ui.typing = el('div', { class: 'lucine-typing', 'aria-hidden': 'true' }, [
        el('span', { class: 'lucine-typing-dots' }, [el('span'), el('span'), el('span')]),
        el('span', { class: 'lucine-typing-text', text: t.typing }),
      ]);
      ui.log.after(ui.typing);
    } else if (!show && ui.typing) {
      ui.typing.remove();
      ui.typing = null;
    }
  }

  // The draft is not a .lucine-msg (it is not a message yet) and holds plain text only: half-written links
  // or **bold** would flicker between forms as the text grows; the final message shows them.
  function renderDraft(draft) {
    if (!draft) {
      if (ui.draft) ui.draft.remove();
      ui.draft = null;
      return;
    }
    if (!ui.draft) {
      ui.draftBubble = el('div', { class: 'lucine-draft lucine-bubble lucine-bubble--bot', 'aria-busy': 'true' });
      ui.draft = el('div', { class: 'lucine-row lucine-row--bot lucine-row--draft' }, [
        el('span', { class: 'lucine-sr-only', text: senderLabel('BOT') + ': ' }),
        ui.draftBubble,
      ]);
      ui.log.after(ui.draft);
    }
    ui.draftBubble.setAttribute('data-reply-to', draft.replyTo);
    if (ui.draftBubble.textContent !== draft.text) ui.draftBubble.textContent = draft.text;
  }

  // The poll's draft, if it is worth showing: some text, for a reply still pending, not already answered
  // by a BOT message on screen (a poll may carry both the message and its last draft: the message wins).
  function usableDraft(draft) {
    if (!state.pending || !draft || typeof draft !== 'object') return null;
    const text = typeof draft.text === 'string' ? draft.text : '';
    const replyTo = Number(draft.replyTo);
    if (!text.trim() || !(replyTo > 0) || replyTo <= state.answeredUpTo) return null;
    return { text, replyTo };
  }

  // Between the last draft and the message, a poll may see neither (the draft gone, the message not yet
  // read): keep the text shown while the reply is still pending rather than fall back to the dots.
  function updateDraft(draft) {
    const next = usableDraft(draft);
    if (next) state.draft = next;
    else if (!state.pending || (state.draft && state.draft.replyTo <= state.answeredUpTo)) state.draft = null;
  }

  // A BOT message answering the draft on screen takes its place: no fade-in, so nothing blinks.
  function takeOverDraft(row, replyTo) {
    state.answeredUpTo = Math.max(state.answeredUpTo, Number(replyTo) || 0);
    if (state.draft && state.draft.replyTo <= state.answeredUpTo) {
      state.draft = null;
      row.classList.add('lucine-row--from-draft');
    }
  }

  function updateOperator(operator) {
    state.operator = operator && typeof operator === 'object' ? operator : null;
    if (state.operator) state.operatorSeen = true;
  }

  function updateQueue(queue) {
    state.queue = queue && typeof queue === 'object' ? queue : null;
  }

  // Header, operator bar, queue line and menu follow the state; called after every response.
  function renderChrome() {
    if (!ui.root) return;
    // The poll may still name the operator of a chat that has closed or gone back to the AI.
    const showOperator = Boolean(state.operator) && isHumanStatus();
    const name = showOperator ? state.operator.displayName || state.operator.name || state.operator.username || t.staff : '';
    ui.operatorBar.hidden = !showOperator;
    ui.operatorName.textContent = showOperator ? t.operatorWith(name) : '';
    ui.root.classList.toggle('lucine-mode-human', showOperator);
    ui.subtitle.textContent = showOperator ? t.subtitleHuman : t.subtitle;
    renderAvatar(showOperator ? name : '');
    renderQueueLine();
    ui.menuDelete.hidden = !state.sessionId;
  }

  // Lucy's star, or the operator's initial while a person is answering.
  function renderAvatar(name) {
    const initial = (Array.from(String(name || '').trim())[0] || '').toUpperCase();
    if (ui.avatar.getAttribute('data-initial') === initial) return;
    ui.avatar.setAttribute('data-initial', initial);
    ui.avatar.classList.toggle('lucine-avatar--human', Boolean(initial));
    ui.avatar.textContent = initial;
    if (!initial) ui.avatar.append(icon('star'));
  }

  function renderQueueLine() {
    const waiting = state.status === 'WAITING_OPERATOR' && !state.operator;
    const queue = state.queue;
    ui.queueLine.hidden = !waiting;
    if (!waiting) return;
    ui.queueLine.textContent = queue && (queue.position || queue.estimatedWaitMinutes != null)
      ? t.queue(queue.position, queue.estimatedWaitMinutes)
      : t.waitingOperator;
  }

  function afterStatusChange() {
    if (state.status === 'WITH_OPERATOR' || state.status === 'WAITING_CLIENT') state.operatorSeen = true;
    renderChrome();
    refreshTyping();
    maybeOfferRating(false);
  }

  /* ------------------------------------------------------------------ polling */

  // Poll only while something can arrive without the visitor asking: a pending reply or a human chat.
  function shouldPoll() {
    return Boolean(state.sessionId) && (state.pending || isHumanStatus());
  }

  // Fast only while a reply is being written, in a visible tab, with the server answering: its draft grows
  // every ~0.3 s. A failure backs off from the normal 3 s, as before.
  function pollBaseMs() {
    if (document.visibilityState === 'hidden') return POLL_HIDDEN_MS;
    return state.pending && !state.pollFailures ? POLL_PENDING_MS : POLL_MS;
  }

  function schedulePoll(delayOverride) {
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
    if (!shouldPoll()) return;
    const base = pollBaseMs();
    const backoff = Math.min(base * Math.pow(2, state.pollFailures), POLL_MAX_BACKOFF_MS);
    const delay = delayOverride !== undefined ? delayOverride : backoff;
    state.pollTimer = setTimeout(() => pollOnce().catch(reportBug), delay);
  }

  async function pollOnce() {
    state.pollTimer = null;
    if (!state.sessionId || state.polling) return; // an answer in flight reschedules on its own
    const epoch = state.epoch;
    const after = state.lastId !== null ? '?after=' + encodeURIComponent(state.lastId) : '';
    state.polling = request('GET', '/api/chat/poll/' + encodeURIComponent(state.sessionId) + after);
    const res = await state.polling;
    state.polling = false;
    if (epoch !== state.epoch) return;
    if (res.status === 404) {
      forgetSession(); // erased or purged on the server: the next message simply starts a new one
      return;
    }
    if (res.ok && res.data) {
      state.pollFailures = 0;
      applyPoll(res.data, {});
      schedulePoll();
    } else {
      state.pollFailures += 1;
      const wait = res.status === 429 ? retryAfterSeconds(res) : null;
      schedulePoll(wait ? wait * 1000 : undefined);
    }
  }

  function applyPoll(data, opts) {
    if (data.status) state.status = data.status;
    state.pending = Boolean(data.pending);
    const messages = Array.isArray(data.messages) ? data.messages : [];
    renderMessages(messages, opts);
    updateDraft(data.draft);
    if (messages.length) state.lastId = messages[messages.length - 1].id;
    updateOperator(data.operator);
    updateQueue(data.queue);
    afterStatusChange();
  }

  // Stop polling, letting a poll in flight land first (its own continuation runs before ours and schedules
  // the next one, cleared here): used before erasing the session, which a later poll would find gone (404).
  async function pausePolling() {
    clearTimeout(state.pollTimer);
    if (state.polling) await state.polling;
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
  }

  function onVisibilityChange() {
    // Coming back to the tab: fetch at once instead of waiting for the slow hidden-tab timer.
    if (document.visibilityState === 'visible' && shouldPoll() && !state.polling) schedulePoll(0);
  }

  /* ------------------------------------------------------------------ restore and resume */

  async function restoreSession(stored) {
    state.sessionId = stored.sessionId;
    state.lastSeenId = stored.lastSeenId === undefined ? null : stored.lastSeenId;
    state.ratingOffered = Boolean(stored.ratingOffered);
    renderChrome();
    const epoch = state.epoch;
    const res = await request('GET', '/api/chat/poll/' + encodeURIComponent(state.sessionId));
    if (epoch !== state.epoch) return;
    if (res.status === 404) {
      forgetSession();
      return;
    }
    if (!res.ok || !res.data) {
      state.restoreFailed = true; // try again when the visitor opens the panel
      return;
    }
    state.restoreFailed = false;
    applyPoll(res.data, { restoring: true });
    if (!state.open) setUnread(countUnseen(res.data.messages, stored.lastSeenId));
    schedulePoll();
  }

  // Messages from others after the last one seen with the panel open (possibly on another page).
  function countUnseen(messages, lastSeenId) {
    if (!Array.isArray(messages) || lastSeenId === null || lastSeenId === undefined) return 0;
    const index = messages.findIndex((m) => m && String(m.id) === String(lastSeenId));
    if (index < 0) return 0;
    return messages.slice(index + 1).filter((m) => m && m.sender !== 'USER').length;
  }

  function readResumeToken() {
    return new URLSearchParams(location.search).get(RESUME_PARAM);
  }

  // The token is a credential: take it out of the address bar (and of future Referer headers) at once.
  function dropResumeTokenFromUrl() {
    try {
      const url = new URL(location.href);
      url.searchParams.delete(RESUME_PARAM);
      history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    } catch (e) {
      // an old browser keeps the token in the URL; harmless beyond that
    }
  }

  async function resumeFromTicket(token, stored) {
    dropResumeTokenFromUrl();
    const res = await request('GET', '/api/tickets/resume/' + encodeURIComponent(token));
    openPanel();
    if (!res.ok || !res.data || !res.data.sessionId) {
      addNote(t.resumeFailed, 'error');
      if (stored) restoreSession(stored).catch(reportBug);
      return;
    }
    forgetSession();
    resetConversationUi();
    state.sessionId = String(res.data.sessionId);
    persistSession();
    renderChrome();
    addNote(t.resumed(res.data.ticketNumber), 'info');
    renderMessages(res.data.messages, { restoring: true, forceScroll: true });
    // `status` here is the ticket's; one poll tells the chat's own status, operator and queue.
    restoreSession({ sessionId: state.sessionId, lastSeenId: state.newestId, ratingOffered: false }).catch(reportBug);
  }

  /* ------------------------------------------------------------------ ticket form */

  function buildTicketForm() {
    const tt = t.ticket;
    ui.ticketFields = {};
    ui.ticketError = el('p', { class: 'lucine-form-error', role: 'alert', hidden: true });
    ui.ticketSubmit = el('button', { type: 'submit', class: 'lucine-button lucine-button--primary', text: tt.submit });
    return el('form', {
      class: 'lucine-ticket',
      novalidate: true,
      hidden: true,
      'aria-labelledby': 'lucine-ticket-title',
      onsubmit: onTicketSubmit,
      onchange: (event) => {
        if (event.target.name === 'lucine-contact') showContactField();
      },
    }, [
      el('h3', { id: 'lucine-ticket-title', class: 'lucine-ticket-title', text: tt.title }),
      el('p', { class: 'lucine-ticket-intro', text: tt.intro }),
      buildContactChoice(),
      buildField('email', tt.emailLabel, el('input', { type: 'email', autocomplete: 'email', inputmode: 'email', placeholder: t.ticket.emailPlaceholder })),
      buildField('phone', tt.phoneLabel, el('input', { type: 'tel', autocomplete: 'tel', inputmode: 'tel', placeholder: '+39 333 1234567' }), tt.phoneHint),
      buildField('description', tt.descriptionLabel, el('textarea', { rows: '4', maxlength: String(DESCRIPTION_MAX_LENGTH), required: true })),
      ui.ticketError,
      el('div', { class: 'lucine-form-actions' }, [
        el('button', { type: 'button', class: 'lucine-button lucine-button--ghost', text: tt.cancel, onclick: closeTicketForm }),
        ui.ticketSubmit,
      ]),
    ]);
  }

  function buildContactChoice() {
    const option = (value, label, checked) => el('label', { class: 'lucine-choice-option' }, [
      el('input', { type: 'radio', name: 'lucine-contact', value, checked }),
      el('span', { text: label }),
    ]);
    const error = el('p', { id: 'lucine-ticket-contact-error', class: 'lucine-field-error', hidden: true });
    const fieldset = el('fieldset', { class: 'lucine-field lucine-choice', 'aria-describedby': error.id }, [
      el('legend', { class: 'lucine-label', text: t.ticket.contactLegend }),
      el('div', { class: 'lucine-choice-row' }, [option('EMAIL', t.ticket.email, true), option('WHATSAPP', t.ticket.whatsapp, false)]),
      error,
    ]);
    ui.ticketFields.contactMethod = { wrap: fieldset, control: null, error };
    return fieldset;
  }

  function buildField(name, labelText, control, hintText) {
    control.id = 'lucine-ticket-' + name;
    const hintId = hintText ? control.id + '-hint' : null;
    const error = el('p', { id: control.id + '-error', class: 'lucine-field-error', hidden: true });
    control.setAttribute('aria-describedby', (hintId ? hintId + ' ' : '') + error.id);
    control.classList.add('lucine-control');
    const wrap = el('div', { class: 'lucine-field' }, [
      el('label', { class: 'lucine-label', for: control.id, text: labelText }),
      control,
      hintText ? el('p', { id: hintId, class: 'lucine-hint', text: hintText }) : null,
      error,
    ]);
    ui.ticketFields[name] = { wrap, control, error };
    return wrap;
  }

  function contactMethod() {
    const checked = ui.ticketForm.querySelector('input[name="lucine-contact"]:checked');
    return checked ? checked.value : 'EMAIL';
  }

  function showContactField() {
    const byEmail = contactMethod() === 'EMAIL';
    ui.ticketFields.email.wrap.hidden = !byEmail;
    ui.ticketFields.phone.wrap.hidden = byEmail;
  }

  function openTicketForm() {
    closeMenu();
    closeConfirm();
    showContactField();
    clearTicketErrors();
    ui.body.hidden = true;
    ui.composer.hidden = true;
    ui.ticketForm.hidden = false;
    const first = ui.ticketForm.querySelector('input[name="lucine-contact"]:checked');
    if (first) first.focus();
  }

  function closeTicketForm() {
    ui.ticketForm.hidden = true;
    ui.body.hidden = false;
    ui.composer.hidden = false;
    scrollToEnd();
    ui.input.focus();
  }

  function readTicketValues() {
    return {
      contactMethod: contactMethod(),
      email: ui.ticketFields.email.control.value.trim(),
      phone: ui.ticketFields.phone.control.value.trim(),
      description: ui.ticketFields.description.control.value.trim(),
    };
  }

  function validateTicket(values) {
    const errors = {};
    if (values.contactMethod === 'EMAIL' && !EMAIL_RE.test(values.email)) errors.email = t.ticket.errEmail;
    if (values.contactMethod === 'WHATSAPP' && !PHONE_RE.test(values.phone)) errors.phone = t.ticket.errPhone;
    if (!values.description) errors.description = t.ticket.errDescription;
    return errors;
  }

  function ticketPayload(values) {
    const body = { description: values.description, contactMethod: values.contactMethod, language: config.lang };
    if (state.sessionId) body.sessionId = state.sessionId;
    if (values.contactMethod === 'EMAIL') body.email = values.email;
    else body.phone = values.phone.replace(/ /g, ''); // E.164 has no spaces; they are only typing help
    return body;
  }

  async function onTicketSubmit(event) {
    event.preventDefault();
    clearTicketErrors();
    const values = readTicketValues();
    const errors = validateTicket(values);
    if (Object.keys(errors).length) {
      showTicketErrors(errors);
      return;
    }
    setTicketBusy(true);
    const res = await request('POST', '/api/tickets', ticketPayload(values));
    setTicketBusy(false);
    if (res.ok && res.data) onTicketCreated(res.data);
    else onTicketFailed(res);
  }

  // The server writes the confirmation into the conversation (a `ticket_created` SYSTEM message, in the
  // session it returns, new if the visitor had none): fetch it; say it ourselves only if it does not come.
  async function onTicketCreated(data) {
    ui.ticketForm.reset();
    closeTicketForm();
    removeActions(); // the ticket offer has been taken up
    if (data.sessionId) adoptSession(String(data.sessionId), false, null);
    if (state.sessionId) await pollOnce();
    if (!hasTicketMessage(data.ticketNumber)) {
      addNote(t.ticket.done(data.ticketNumber || '', formatDateTime(data.expectedReplyBy)), 'success');
    }
  }

  function hasTicketMessage(ticketNumber) {
    return Boolean(ticketNumber) && Array.prototype.some.call(
      ui.log.querySelectorAll('.lucine-msg[data-sender="SYSTEM"]'),
      (node) => node.textContent.indexOf(ticketNumber) >= 0);
  }

  function onTicketFailed(res) {
    const error = res.data && res.data.error;
    if ((res.status === 400 || res.status === 422) && error && error.fields && typeof error.fields === 'object') {
      const shown = showTicketErrors(error.fields);
      if (!shown) showTicketFormError(serverMessage(res, t.ticket.failed));
    } else if (res.status === 429) {
      showTicketFormError(t.errRate(retryAfterSeconds(res)));
    } else {
      showTicketFormError(res.status ? serverMessage(res, t.ticket.failed) : t.ticket.failed);
    }
  }

  // errors: {field: message | [messages]}; returns how many were placed under a field.
  function showTicketErrors(errors) {
    let firstInvalid = null;
    let shown = 0;
    Object.keys(errors).forEach((name) => {
      const field = ui.ticketFields[name];
      const text = [].concat(errors[name]).join(' ');
      if (!field || field.wrap.hidden) {
        showTicketFormError(text);
        return;
      }
      shown += 1;
      field.error.textContent = text;
      field.error.hidden = false;
      if (field.control) field.control.setAttribute('aria-invalid', 'true');
      if (!firstInvalid) firstInvalid = field.control || field.wrap.querySelector('input');
    });
    if (firstInvalid) firstInvalid.focus();
    return shown;
  }

  function showTicketFormError(text) {
    ui.ticketError.textContent = text;
    ui.ticketError.hidden = false;
  }

  function clearTicketErrors() {
    Object.keys(ui.ticketFields).forEach((name) => {
      const field = ui.ticketFields[name];
      field.error.hidden = true;
      field.error.textContent = '';
      if (field.control) field.control.removeAttribute('aria-invalid');
    });
    ui.ticketError.hidden = true;
  }

  function setTicketBusy(busy) {
    ui.ticketSubmit.disabled = busy;
    ui.ticketSubmit.textContent = busy ? t.ticket.sending : t.ticket.submit;
  }

  /* ------------------------------------------------------------------ rating */

  // Offered once per session: after a chat a human took part in has closed, or when the server asks.
  function maybeOfferRating(requested) {
    if (!state.sessionId || state.ratingOffered || ui.rating) return;
    if (requested || (isClosedStatus() && state.operatorSeen)) showRating(requested);
  }

  // `asked`: the server's rating_request message is right above, so the card's own question is for screen
  // readers only (read as the form's name) instead of saying the same thing twice.
  function showRating(asked) {
    state.ratingOffered = true;
    persistSession();
    const rt = t.rating;
    const stars = el('fieldset', { class: 'lucine-stars' }, [
      el('legend', { id: 'lucine-rating-title', class: asked ? 'lucine-sr-only' : 'lucine-card-title', text: rt.question }),
    ]);
    for (let n = 1; n <= 5; n += 1) {
      stars.append(
        el('input', { type: 'radio', name: 'lucine-rating', value: String(n), id: 'lucine-rating-' + n, class: 'lucine-star-input' }),
        el('label', { for: 'lucine-rating-' + n, class: 'lucine-star', 'data-value': String(n) }, [
          icon('star'),
          el('span', { class: 'lucine-sr-only', text: rt.stars(n) }),
        ]),
      );
    }
    ui.ratingError = el('p', { class: 'lucine-field-error', role: 'alert', hidden: true });
    ui.ratingComment = el('textarea', { id: 'lucine-rating-comment', class: 'lucine-control', rows: '2', maxlength: '1000' });
    ui.rating = el('form', {
      class: 'lucine-card lucine-rating', novalidate: true, 'aria-labelledby': 'lucine-rating-title',
      onsubmit: onRatingSubmit, onchange: () => litStars(selectedRating()),
    }, [
      stars,
      el('label', { class: 'lucine-label', for: 'lucine-rating-comment', text: rt.commentLabel }),
      ui.ratingComment,
      ui.ratingError,
      el('div', { class: 'lucine-form-actions' }, [
        el('button', { type: 'button', class: 'lucine-button lucine-button--ghost', text: rt.skip, onclick: removeRating }),
        el('button', { type: 'submit', class: 'lucine-button lucine-button--primary', text: rt.submit }),
      ]),
    ]);
    stars.addEventListener('mouseover', (event) => {
      const label = event.target.closest('.lucine-star');
      if (label) litStars(Number(label.getAttribute('data-value')));
    });
    stars.addEventListener('mouseleave', () => litStars(selectedRating()));
    ui.body.append(ui.rating);
    scrollToEnd();
  }

  function selectedRating() {
    const checked = ui.rating && ui.rating.querySelector('input[name="lucine-rating"]:checked');
    return checked ? Number(checked.value) : 0;
  }

  function litStars(value) {
    ui.rating.querySelectorAll('.lucine-star').forEach((label) => {
      label.classList.toggle('lucine-star--lit', Number(label.getAttribute('data-value')) <= value);
    });
  }

  async function onRatingSubmit(event) {
    event.preventDefault();
    const rating = selectedRating();
    if (!rating) {
      ui.ratingError.textContent = t.rating.needStars;
      ui.ratingError.hidden = false;
      return;
    }
    const body = { rating };
    const comment = ui.ratingComment.value.trim();
    if (comment) body.comment = comment;
    const res = await request('POST', sessionPath('/rating'), body);
    if (res.ok || res.status === 409) {
      removeRating(); // 409: nothing to rate or already rated; stay quiet about it
      if (res.ok) addNote(t.rating.thanks, 'success');
    } else {
      ui.ratingError.textContent = res.status ? serverMessage(res, t.rating.failed) : t.rating.failed;
      ui.ratingError.hidden = false;
    }
  }

  function removeRating() {
    if (!ui.rating) return;
    const hadFocus = ui.rating.contains(document.activeElement);
    ui.rating.remove();
    ui.rating = null;
    if (hadFocus) ui.input.focus();
  }

  /* ------------------------------------------------------------------ menu and deletion */

  function toggleMenu() {
    if (ui.menu.hidden) openMenu();
    else closeMenu();
  }

  function openMenu() {
    ui.menu.hidden = false;
    ui.menuButton.setAttribute('aria-expanded', 'true');
    ui.menuTicket.focus();
  }

  function closeMenu() {
    if (ui.menu.hidden) return;
    const hadFocus = ui.menu.contains(document.activeElement);
    ui.menu.hidden = true;
    ui.menuButton.setAttribute('aria-expanded', 'false');
    if (hadFocus) ui.menuButton.focus();
  }

  function askDeleteConfirmation() {
    closeMenu();
    if (!ui.confirm) {
      const cancel = el('button', { type: 'button', class: 'lucine-button lucine-button--ghost', text: t.cancel, onclick: closeConfirm });
      ui.confirm = el('div', { class: 'lucine-card lucine-confirm', role: 'group', 'aria-labelledby': 'lucine-confirm-text' }, [
        el('p', { id: 'lucine-confirm-text', class: 'lucine-card-title', text: t.deleteQuestion }),
        el('div', { class: 'lucine-form-actions' }, [
          cancel,
          el('button', {
            id: 'lucine-chat-delete-confirm', type: 'button', class: 'lucine-button lucine-button--danger',
            text: t.deleteConfirm, onclick: deleteConversation,
          }),
        ]),
      ]);
      ui.body.append(ui.confirm);
    }
    if (!ui.ticketForm.hidden) closeTicketForm();
    scrollToEnd();
    ui.confirm.querySelector('button').focus();
  }

  function closeConfirm() {
    if (!ui.confirm) return;
    const hadFocus = ui.confirm.contains(document.activeElement);
    ui.confirm.remove();
    ui.confirm = null;
    if (hadFocus) ui.input.focus();
  }

  async function deleteConversation() {
    if (!state.sessionId) {
      closeConfirm();
      return;
    }
    await pausePolling(); // a reply being written is polled every 0.5 s: no poll may race the erasure
    const res = await request('DELETE', sessionPath());
    closeConfirm();
    if (res.status === 204 || res.ok || res.status === 404) {
      forgetSession();
      resetConversationUi();
      addNote(t.deleted, 'success');
    } else {
      addNote(t.deleteFailed, 'error');
      schedulePoll();
    }
    ui.input.focus();
  }

  // Back to the first-visit look: greeting and privacy notice, no messages, nothing pending.
  function resetConversationUi() {
    ui.log.textContent = '';
    state.rendered.clear();
    state.localRows = [];
    state.awaitingBot = 0;
    removeRating();
    refreshTyping();
    setUnread(0);
    renderChrome();
  }

  /* ------------------------------------------------------------------ open, close, focus, unread */

  function openPanel() {
    if (!ui.root || ui.root.hidden) {
      state.openRequested = true; // before the DOM or stylesheet is ready: open as soon as it is
      return;
    }
    state.openRequested = false;
    if (state.open) return;
    state.open = true;
    ui.panel.hidden = false;
    ui.root.classList.add('lucine-is-open');
    ui.launcher.setAttribute('aria-expanded', 'true');
    setUnread(0);
    markSeen();
    if (state.restoreFailed) restoreSession(readStorage() || { sessionId: state.sessionId }).catch(reportBug);
    scrollToEnd();
    (ui.ticketForm.hidden ? ui.input : ui.ticketForm.querySelector('input')).focus();
  }

  function closePanel(options) {
    state.openRequested = false;
    if (!state.open) return;
    const hadFocus = ui.panel.contains(document.activeElement);
    closeMenu();
    state.open = false;
    ui.panel.hidden = true;
    ui.root.classList.remove('lucine-is-open');
    ui.launcher.setAttribute('aria-expanded', 'false');
    setUnread(0);
    if (hadFocus || !(options && options.keepFocus)) ui.launcher.focus();
  }

  function markSeen() {
    if (state.newestId === null || state.lastSeenId === state.newestId) return;
    state.lastSeenId = state.newestId;
    persistSession();
  }

  function setUnread(count) {
    state.unread = count;
    ui.badge.hidden = count === 0;
    ui.badge.textContent = count > 9 ? '9+' : String(count);
    const label = state.open ? t.closeChat : t.openChat;
    // The name starts with what the badge shows (WCAG 2.5.3, label in name, as axe-core checks it).
    ui.launcher.setAttribute('aria-label', count ? t.unread(count > 9 ? '9+' : count) + ' – ' + label : label);
  }

  function focusableIn(container) {
    const selector = 'a[href], button:not([disabled]), textarea:not([disabled]), input:not([disabled]), [tabindex]:not([tabindex="-1"])';
    return Array.prototype.filter.call(container.querySelectorAll(selector), (node) => {
      if (node.type === 'radio' && !node.checked && container.querySelector('input[name="' + node.name + '"]:checked')) return false;
      return node.getClientRects().length > 0;
    });
  }

  function onPanelKeydown(event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      if (!ui.menu.hidden) closeMenu();
      else closePanel();
      return;
    }
    if (event.key !== 'Tab') return;
    const items = focusableIn(ui.panel);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const current = document.activeElement;
    if (event.shiftKey && (current === first || !ui.panel.contains(current))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (current === last || !ui.panel.contains(current))) {
      event.preventDefault();
      first.focus();
    }
  }

  function onDocumentClick(event) {
    if (!ui.menu.hidden && !ui.menu.contains(event.target) && !ui.menuButton.contains(event.target)) closeMenu();
  }

  /* ------------------------------------------------------------------ start */

  function whenDomReady(fn) {
    if (document.body) fn();
    else document.addEventListener('DOMContentLoaded', fn, { once: true });
  }

  function start() {
    buildUi();
    loadStylesheet();
    document.addEventListener('visibilitychange', onVisibilityChange);
    document.addEventListener('click', onDocumentClick);
    const token = readResumeToken();
    const stored = readStorage();
    // Privacy by default: with no stored session and no resume link, not a single request is made.
    if (token) resumeFromTicket(token, stored).catch(reportBug);
    else if (stored) restoreSession(stored).catch(reportBug);
  }

  const config = readConfig(ownData, ownSrc);
  if (!isWidgetEnabled(config)) return;
  const t = STRINGS[config.lang];
  const state = createState();
  const ui = {};
  const failureNotes = new WeakMap();

  window.LucineChat = Object.freeze({
    version: VERSION,
    open: () => openPanel(),
    close: () => closePanel({ keepFocus: true }),
  });

  whenDomReady(start);
})();
