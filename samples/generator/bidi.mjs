// A minimal WebDriver BiDi client (https://w3c.github.io/webdriver-bidi/) over one
// WebSocket: commands answered by id, events handed to listeners in arrival order.
import WebSocket from 'ws';

export async function connectBidi(url) {
  const ws = new WebSocket(url, { maxPayload: 512 * 1024 * 1024 });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let next = 0;
  const pending = new Map();
  const listeners = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (m.id !== undefined && pending.has(m.id)) {
      const { resolve, reject } = pending.get(m.id);
      pending.delete(m.id);
      if (m.type === 'error') reject(new Error(`${m.error}: ${m.message}`));
      else resolve(m.result);
    } else if (m.type === 'event') {
      for (const l of listeners) l(m.method, m.params);
    }
  });
  return {
    send(method, params = {}) {
      const id = ++next;
      ws.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    on(listener) { listeners.push(listener); },
    close() { ws.close(); },
  };
}

// A BiDi remote value (script.evaluate result) as plain JSON.
export function plain(v) {
  if (!v || typeof v !== 'object') return v;
  switch (v.type) {
    case 'undefined': case 'null': return null;
    case 'string': case 'number': case 'boolean': return v.value;
    case 'array': return v.value.map(plain);
    case 'object': return Object.fromEntries(v.value.map(([k, x]) => [typeof k === 'string' ? k : plain(k), plain(x)]));
    default: return v.value ?? null;
  }
}
