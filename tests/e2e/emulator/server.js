'use strict';
// Telegram Bot API emulator for end-to-end tests.
//
// telegram-test-api 4.2.1 ("tts") is the underlying emulator: its storage holds the
// user updates and the bot's messages, and its own client API (/sendMessage,
// /sendCommand, /sendCallback, /getUpdates, /getUpdatesHistory) stays reachable.
// This wrapper answers the Bot API itself where tts is wrong or silent for
// python-telegram-bot 22 (see README.md), and adds a control API under /control/
// (update injection, request log, fault injection, reset).
//
// Usage: node server.js --port N [--watch-stdin]   (port 0 = any free port)
// Prints "READY <port>" on stdout once listening on 127.0.0.1; logs go to stderr.

const http = require('http');
const TelegramServer = require('telegram-test-api');

const HOST = '127.0.0.1';
const args = process.argv.slice(2);
const portArg = args.indexOf('--port');
const requestedPort = portArg >= 0 ? Number(args[portArg + 1]) : 0;

// tts is not started: its express app is mounted inside our own HTTP server below.
const tts = new TelegramServer({ host: HOST, port: 1, storeTimeout: 7 * 24 * 3600 });

class ApiError extends Error {
  constructor(code, description, parameters) {
    super(description);
    this.code = code;
    this.parameters = parameters;
  }
}
const badRequest = (text) => new ApiError(400, `Bad Request: ${text}`);
const now = () => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------- state
let bots; // token -> {user, webhook, commands: Map}
let chats; // chat id -> chat object seen in injected updates
let sent; // "token|chat|message_id" -> tts botMessages record (+ .result, .deleted)
let queries; // callback/inline query id -> answered?
let log; // every Bot API request and webhook delivery, in order
let faults; // active fault rules
let seq = 0; // log sequence number, never reset
let fileSeq = 0;
const updateWaiters = new Map(); // token -> Set<wake fn> (long-polling getUpdates)
const logWaiters = new Set(); // wake fns of long-polling GET /control/log
const held = new Set(); // responses held forever by a "hang" fault

function resetState() {
  bots = new Map();
  chats = new Map();
  sent = new Map();
  queries = new Map();
  log = [];
  faults = [];
  tts.storage = { userMessages: [], botMessages: [] };
  tts.webhooks = {};
  for (const res of held) res.destroy();
  held.clear();
  // update_id / message_id counters (tts.updateId, tts.messageId) stay monotonic.
}
resetState();

function bot(token) {
  let b = bots.get(token);
  if (!b) {
    const id = Number(token.split(':')[0]) || 666;
    b = {
      user: {
        id,
        is_bot: true,
        first_name: 'Test First name',
        username: 'TestNameBot',
        can_join_groups: true,
        can_read_all_group_messages: false,
        supports_inline_queries: true,
      },
      webhook: null,
      commands: new Map(),
    };
    bots.set(token, b);
  }
  return b;
}

function rememberChat(chat) {
  if (chat && chat.id !== undefined) chats.set(Number(chat.id), chat);
}

function chatFor(chatId) {
  const id = Number(chatId);
  if (!Number.isSafeInteger(id) || id === 0) throw badRequest('chat not found');
  if (chats.has(id)) return chats.get(id);
  if (id > 0) return { id, type: 'private', first_name: 'Test' };
  return { id, type: String(id).startsWith('-100') ? 'supergroup' : 'group', title: 'Test group' };
}

function appendLog(entry) {
  entry.seq = ++seq;
  log.push(entry);
  for (const wake of [...logWaiters]) wake();
}

// ---------------------------------------------------------------- request parsing
// PTB 22 posts application/x-www-form-urlencoded (multipart/form-data when uploading)
// with every value a string; nested objects are JSON-encoded strings.
const JSON_FIELDS = new Set([
  'reply_markup', 'entities', 'caption_entities', 'results', 'commands', 'scope',
  'link_preview_options', 'reply_parameters', 'allowed_updates', 'button', 'media',
  'explanation_entities', 'options', 'prices', 'menu_button', 'rights',
]);
const INT_FIELDS = new Set([
  'chat_id', 'message_id', 'reply_to_message_id', 'offset', 'limit', 'timeout', 'cache_time',
  'user_id', 'from_chat_id', 'message_thread_id', 'max_connections',
]);
const BOOL_FIELDS = new Set([
  'show_alert', 'disable_notification', 'is_personal', 'protect_content',
  'disable_web_page_preview', 'drop_pending_updates', 'allow_sending_without_reply', 'has_spoiler',
]);

function normalize(params) {
  const out = {};
  for (const [k, v] of Object.entries(params)) {
    let value = v;
    if (typeof v === 'string') {
      if (JSON_FIELDS.has(k)) {
        try { value = JSON.parse(v); } catch { /* keep the raw string */ }
      } else if (INT_FIELDS.has(k) && /^-?\d+$/.test(v)) value = Number(v);
      else if (BOOL_FIELDS.has(k) && (v === 'true' || v === 'false')) value = v === 'true';
    }
    out[k] = value;
  }
  return out;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const buf = Buffer.concat(chunks);
  if (!buf.length) return {};
  const type = String(req.headers['content-type'] || '').toLowerCase();
  if (type.includes('application/json')) return JSON.parse(buf.toString('utf8'));
  if (type.includes('multipart/form-data')) {
    const form = await new Response(buf, { headers: { 'content-type': req.headers['content-type'] } }).formData();
    const out = {};
    for (const [k, v] of form) {
      out[k] = typeof v === 'string' ? v : { filename: v.name, size: v.size, content_type: v.type };
    }
    return out;
  }
  return Object.fromEntries(new URLSearchParams(buf.toString('utf8')));
}

function send(res, status, payload, headers = {}) {
  if (res.destroyed || res.writableEnded) return;
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

// ---------------------------------------------------------------- updates
function formatUpdate(entry) {
  let u;
  if (entry.raw) u = structuredClone(entry.raw);
  else {
    // Added through tts's own client API: fix its format.
    u = TelegramServer.formatUpdate(entry);
    const msg = u.message || (u.callback_query && u.callback_query.message);
    if (msg) {
      delete msg.botToken;
      if (msg.date > 1e11) msg.date = Math.floor(msg.date / 1000);
    }
    if (u.callback_query && !u.callback_query.chat_instance) {
      u.callback_query.chat_instance = String((msg && msg.chat && msg.chat.id) || 0);
    }
  }
  u.update_id = entry.updateId;
  for (const q of [u.callback_query, u.inline_query]) {
    if (q && !queries.has(String(q.id))) queries.set(String(q.id), false);
  }
  return u;
}

function pendingOf(token) {
  return tts.storage.userMessages.filter((u) => u.botToken === token);
}

function dropPending(token) {
  tts.storage.userMessages = tts.storage.userMessages.filter((u) => u.botToken !== token);
}

function confirmUpdates(token, offset) {
  if (!offset) return;
  const mine = pendingOf(token);
  const drop = new Set(offset > 0 ? mine.filter((u) => u.updateId < offset) : mine.slice(0, offset));
  if (drop.size) tts.storage.userMessages = tts.storage.userMessages.filter((u) => !drop.has(u));
}

function waitForUpdate(token, ms, res) {
  return new Promise((resolve) => {
    if (!updateWaiters.has(token)) updateWaiters.set(token, new Set());
    const waiters = updateWaiters.get(token);
    const wake = () => {
      clearTimeout(timer);
      waiters.delete(wake);
      res.off('close', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    waiters.add(wake);
    res.on('close', wake); // the bot gave up (cancelled its long poll)
  });
}

function wakeUpdates(token) {
  const tokens = token === undefined ? [...updateWaiters.keys()] : [token];
  for (const t of tokens) for (const wake of [...(updateWaiters.get(t) || [])]) wake();
}
// Updates added through tts's own client routes wake the long polls too.
for (const event of ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery']) {
  tts.on(event, () => wakeUpdates());
}

async function postUpdate(url, update, secretToken, token) {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
    throw new ApiError(400, 'Bad Request: the emulator only delivers webhooks to loopback addresses');
  }
  const headers = { 'content-type': 'application/json' };
  if (secretToken) headers['x-telegram-bot-api-secret-token'] = secretToken;
  const entry = { kind: 'webhook', token, method: 'webhook', params: { url, update }, time: Date.now() / 1000 };
  try {
    const r = await fetch(url, { method: 'POST', headers, body: JSON.stringify(update) });
    Object.assign(entry, { status: r.status, response: await r.text() });
  } catch (e) {
    Object.assign(entry, { status: 0, response: String((e.cause && e.cause.code) || e.message) });
  }
  appendLog(entry);
  return { status: entry.status, body: entry.response };
}

const MESSAGE_KEYS = ['message', 'edited_message', 'channel_post', 'edited_channel_post'];

async function injectUpdate(token, update) {
  const raw = structuredClone(update);
  for (const key of MESSAGE_KEYS) {
    const msg = raw[key];
    if (!msg) continue;
    if (msg.message_id === undefined) msg.message_id = tts.messageId++;
    if (msg.date === undefined) msg.date = now();
    rememberChat(msg.chat);
  }
  if (raw.callback_query && raw.callback_query.message) rememberChat(raw.callback_query.message.chat);
  const entry = { ...tts.getCommonFields(token), raw };
  raw.update_id = entry.updateId;
  const { webhook } = bot(token);
  if (webhook) {
    tts.updateId++;
    const delivery = await postUpdate(webhook.url, formatUpdate(entry), webhook.secret_token, token);
    return { update: raw, delivery };
  }
  await tts.addUserUpdate(entry); // stored in tts.storage.userMessages
  wakeUpdates(token);
  return { update: raw };
}

// ---------------------------------------------------------------- Bot API methods
const key = (token, chatId, messageId) => `${token}|${Number(chatId)}|${Number(messageId)}`;

function storeBotMessage(token, p, content) {
  const chat = chatFor(p.chat_id);
  const added = tts.addBotMessage({ ...p }, token); // tts stores it and assigns message_id
  const record = tts.storage.botMessages[tts.storage.botMessages.length - 1];
  const { id, is_bot: isBot, first_name: firstName, username } = bot(token).user;
  const from = { id, is_bot: isBot, first_name: firstName, username };
  const result = { message_id: added.message_id, from, chat, date: now(), ...content };
  if (p.reply_markup && p.reply_markup.inline_keyboard) result.reply_markup = p.reply_markup;
  record.result = result;
  sent.set(key(token, chat.id, result.message_id), record);
  return result;
}

function fileFrom(value, extra) {
  fileSeq += 1;
  const fileId = typeof value === 'string' ? value : `file-${fileSeq}`;
  return { file_id: fileId, file_unique_id: `u-${fileSeq}`, ...extra };
}

function sendMedia(field, build) {
  return (token, p) => {
    const content = { [field]: build(fileFrom(p[field])) };
    if (p.caption !== undefined) content.caption = p.caption;
    if (p.caption_entities) content.caption_entities = p.caption_entities;
    return storeBotMessage(token, p, content);
  };
}

function findSent(token, p) {
  const record = sent.get(key(token, p.chat_id, p.message_id));
  if (!record || record.deleted) throw badRequest('message to edit not found');
  return record;
}

function editMessage(token, p, changes) {
  if (p.inline_message_id) return true;
  const record = findSent(token, p);
  const current = record.result;
  const next = { ...current, ...changes, edit_date: now() };
  if (p.reply_markup && p.reply_markup.inline_keyboard) next.reply_markup = p.reply_markup;
  else delete next.reply_markup;
  const visible = (m) => JSON.stringify([m.text, m.caption, m.reply_markup || null]);
  if (visible(next) === visible(current)) {
    throw badRequest('message is not modified: specified new message content and reply markup are '
      + 'exactly the same as a current content and reply markup of the message');
  }
  record.result = next;
  Object.assign(record.message, p); // keep tts's copy in step
  return next;
}

function answerQuery(id) {
  if (queries.get(String(id)) !== false) {
    throw badRequest('query is too old and response timeout expired or query ID is invalid');
  }
  queries.set(String(id), true);
  return true;
}

const commandsKey = (p) => `${JSON.stringify(p.scope || { type: 'default' })}|${p.language_code || ''}`;
const CHAT_ACTIONS = new Set(['typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice',
  'upload_voice', 'upload_document', 'choose_sticker', 'find_location', 'record_video_note', 'upload_video_note']);

const api = {
  getMe: (token) => bot(token).user,
  logOut: () => true,
  close: () => true,

  async getUpdates(token, p, res) {
    if (bot(token).webhook) {
      throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
        + 'use deleteWebhook to delete the webhook first');
    }
    confirmUpdates(token, p.offset);
    const limit = Math.min(Math.max(Number(p.limit) || 100, 1), 100);
    const timeout = Math.min(Math.max(Number(p.timeout) || 0, 0), 50);
    let pending = pendingOf(token);
    if (!pending.length && timeout > 0) {
      await waitForUpdate(token, timeout * 1000, res); // long polling
      pending = pendingOf(token);
    }
    return pending.slice(0, limit).map(formatUpdate);
  },
  setWebhook(token, p) {
    if (!p.url) return api.deleteWebhook(token, p);
    bot(token).webhook = { url: p.url, secret_token: p.secret_token || null };
    if (p.drop_pending_updates) dropPending(token);
    return true;
  },
  deleteWebhook(token, p) {
    bot(token).webhook = null;
    if (p.drop_pending_updates) dropPending(token);
    return true;
  },
  getWebhookInfo: (token) => ({
    url: (bot(token).webhook && bot(token).webhook.url) || '',
    has_custom_certificate: false,
    pending_update_count: pendingOf(token).length,
  }),

  sendMessage(token, p) {
    if (typeof p.text !== 'string' || !p.text.trim()) throw badRequest('message text is empty');
    const content = { text: p.text };
    if (p.entities) content.entities = p.entities;
    return storeBotMessage(token, p, content);
  },
  sendPhoto: sendMedia('photo', (f) => [{ ...f, width: 320, height: 240 }]),
  sendDocument: sendMedia('document', (f) => f),
  sendSticker: sendMedia('sticker', (f) => ({ ...f, type: 'regular', width: 512, height: 512, is_animated: false, is_video: false })),

  editMessageText(token, p) {
    if (typeof p.text !== 'string' || !p.text.trim()) throw badRequest('message text is empty');
    if (!p.inline_message_id && findSent(token, p).result.text === undefined) {
      throw badRequest('there is no text in the message to edit');
    }
    const changes = { text: p.text, entities: p.entities };
    if (!p.entities) delete changes.entities;
    return editMessage(token, p, changes);
  },
  editMessageCaption: (token, p) => editMessage(token, p, { caption: p.caption }),
  editMessageReplyMarkup: (token, p) => editMessage(token, p, {}),
  deleteMessage(token, p) {
    const record = sent.get(key(token, p.chat_id, p.message_id));
    if (record && record.deleted) throw badRequest('message to delete not found');
    if (record) record.deleted = true;
    tts.deleteMessage(Number(p.chat_id), Number(p.message_id));
    return true; // an unknown id is taken to be a user's message
  },

  answerCallbackQuery: (token, p) => answerQuery(p.callback_query_id),
  answerInlineQuery(token, p) {
    if (!Array.isArray(p.results)) throw badRequest('results must be an array');
    return answerQuery(p.inline_query_id);
  },

  setMyCommands(token, p) {
    const commands = p.commands;
    if (!Array.isArray(commands) || commands.length > 100) throw badRequest('commands must be a list of at most 100');
    for (const c of commands) {
      if (!c || !/^[a-z0-9_]{1,32}$/.test(c.command)) throw badRequest('BOT_COMMAND_INVALID');
      if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256) {
        throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
      }
    }
    bot(token).commands.set(commandsKey(p), commands);
    return true;
  },
  getMyCommands: (token, p) => bot(token).commands.get(commandsKey(p)) || [],
  deleteMyCommands(token, p) {
    bot(token).commands.delete(commandsKey(p));
    return true;
  },

  sendChatAction(token, p) {
    chatFor(p.chat_id);
    if (!CHAT_ACTIONS.has(p.action)) throw badRequest('wrong parameter action in request');
    return true;
  },
};
// Accepted and recorded, nothing else to emulate.
for (const name of ['setMyDescription', 'setMyShortDescription', 'setMyName', 'setChatMenuButton',
  'setMyDefaultAdministratorRights', 'pinChatMessage', 'unpinChatMessage', 'leaveChat']) {
  api[name] = () => true;
}
const canonical = new Map(Object.keys(api).map((name) => [name.toLowerCase(), name]));

// ---------------------------------------------------------------- faults
function takeFault(token, method) {
  const rule = faults.find((f) => (f.methods ? f.methods.includes(method) : method !== 'getUpdates')
    && (!f.token || f.token === token));
  if (!rule) return null;
  rule.count -= 1;
  if (rule.count <= 0) faults.splice(faults.indexOf(rule), 1);
  return rule;
}

function faultError(rule) {
  if (rule.mode === '429') {
    const retryAfter = rule.retry_after ?? 1;
    return new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
  }
  if (rule.mode === 'error') return new ApiError(rule.error_code ?? 400, rule.description ?? 'Bad Request: injected error');
  return new ApiError(500, 'Internal Server Error');
}

async function handleBotApi(req, res, token, rawMethod, params) {
  const method = canonical.get(rawMethod.toLowerCase()) || rawMethod;
  const entry = { kind: 'bot_api', token, method, params: normalize(params), time: Date.now() / 1000 };
  let status = 200;
  let payload;
  try {
    const rule = takeFault(token, method);
    if (rule) entry.fault = rule.mode;
    if (rule && rule.mode === 'hang') {
      if (rule.seconds == null) { // hang until the client gives up or /control/reset
        held.add(res);
        res.on('close', () => held.delete(res));
        appendLog({ ...entry, status: 0, response: null });
        return;
      }
      await new Promise((resolve) => { setTimeout(resolve, rule.seconds * 1000); });
    } else if (rule) throw faultError(rule);
    const handler = api[method];
    if (!handler) throw new ApiError(404, `Not Found: method ${method} is not emulated`);
    payload = { ok: true, result: await handler(token, entry.params, res) };
  } catch (e) {
    if (!(e instanceof ApiError)) console.error(e);
    const err = e instanceof ApiError ? e : new ApiError(500, `Internal Server Error: ${e.message}`);
    status = err.code;
    payload = { ok: false, error_code: err.code, description: err.message };
    if (err.parameters) payload.parameters = err.parameters;
  }
  appendLog(Object.assign(entry, { status, response: payload }));
  send(res, status, payload);
}

// ---------------------------------------------------------------- control API
let server;
let port = requestedPort;

// Stop listening (new connections are refused), drop every open connection (in-flight
// long polls included), and listen again on the same port after `seconds`.
function refuseConnections(seconds, res) {
  server.close();
  send(res, 200, { ok: true, result: { mode: 'refuse', seconds } }, { connection: 'close' });
  res.once('finish', () => setImmediate(() => server.closeAllConnections()));
  setTimeout(() => server.listen(port, HOST), seconds * 1000);
}

async function handleControl(req, res, path, p, query) {
  const ok = (result) => send(res, 200, { ok: true, result });
  if (path === 'health') {
    const longPolls = [...updateWaiters.values()].reduce((n, waiters) => n + waiters.size, 0);
    return ok({ port, pid: process.pid, long_polls: longPolls });
  }
  if (path === 'reset') {
    resetState();
    return ok({ seq });
  }
  if (path === 'updates') {
    if (!p.token || !p.update) throw badRequest('token and update are required');
    return ok(await injectUpdate(p.token, p.update));
  }
  if (path === 'log') {
    const after = Number(query.get('after')) || 0;
    const since = () => log.slice(log.length && after >= log[0].seq ? after - log[0].seq + 1 : 0);
    let entries = since();
    const timeout = Math.min(Number(query.get('timeout')) || 0, 60);
    if (!entries.length && timeout > 0) {
      await new Promise((resolve) => {
        const wake = () => { clearTimeout(timer); logWaiters.delete(wake); res.off('close', wake); resolve(); };
        const timer = setTimeout(wake, timeout * 1000);
        logWaiters.add(wake);
        res.on('close', wake);
      });
      entries = since();
    }
    return ok({ seq, entries });
  }
  if (path === 'faults') {
    if (p.mode === 'refuse') return refuseConnections(Number(p.seconds ?? 1), res);
    if (!['500', '429', 'hang', 'error'].includes(String(p.mode))) throw badRequest(`unknown fault mode ${p.mode}`);
    const rule = {
      mode: String(p.mode),
      count: Math.max(1, Number(p.count ?? 1)),
      methods: p.methods || null,
      token: p.token || null,
      retry_after: p.retry_after,
      seconds: p.seconds,
      error_code: p.error_code,
      description: p.description,
    };
    faults.push(rule);
    return ok(rule);
  }
  if (path === 'faults/clear') {
    faults = [];
    return ok(true);
  }
  if (path === 'bots') {
    if (!p.token) throw badRequest('token is required');
    const b = bot(p.token);
    for (const field of ['id', 'first_name', 'username', 'can_join_groups', 'can_read_all_group_messages',
      'supports_inline_queries']) {
      if (p[field] !== undefined) b.user[field] = p[field];
    }
    return ok(b.user);
  }
  if (path === 'pending') return ok(pendingOf(String(query.get('token') || p.token)).length);
  if (path === 'webhook') {
    if (!p.url || !p.update) throw badRequest('url and update are required');
    return ok(await postUpdate(p.url, p.update, p.secret_token, p.token || null));
  }
  throw new ApiError(404, `Not Found: no control endpoint ${path}`);
}

async function handle(req, res) {
  const url = new URL(req.url, `http://${HOST}`);
  let body;
  try {
    body = await readBody(req);
  } catch (e) {
    send(res, 400, { ok: false, error_code: 400, description: `Bad Request: unreadable body: ${e.message}` });
    return;
  }
  const params = { ...Object.fromEntries(url.searchParams), ...body };
  const botPath = /^\/bot([^/]+)\/([A-Za-z]+)\/?$/.exec(url.pathname);
  if (botPath) {
    await handleBotApi(req, res, decodeURIComponent(botPath[1]), botPath[2], params);
    return;
  }
  if (url.pathname.startsWith('/control/')) {
    try {
      await handleControl(req, res, url.pathname.slice('/control/'.length), params, url.searchParams);
    } catch (e) {
      if (!(e instanceof ApiError)) console.error(e);
      send(res, e.code || 500, { ok: false, error_code: e.code || 500, description: e.message });
    }
    return;
  }
  // Anything else goes to telegram-test-api's own (client) API.
  req.body = body;
  req._body = true; // tell body-parser the body is already read
  tts.webServer(req, res);
}

server = http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    console.error(e);
    send(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${e.message}` });
  });
});
server.keepAliveTimeout = 60000; // longer than client pools keep idle sockets: no reuse races
server.headersTimeout = 65000;
server.requestTimeout = 0;
server.once('listening', () => {
  port = server.address().port;
  process.stdout.write(`READY ${port}\n`);
});
server.on('error', (e) => {
  console.error(`emulator: ${e.message}`);
  process.exit(1);
});
server.listen(requestedPort, HOST);

if (args.includes('--watch-stdin')) { // exit when the parent process goes away
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
