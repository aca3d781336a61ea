// Drives Firefox (Debian firefox-esr) through the scenario catalogue over WebDriver BiDi.
//
//   node drive-firefox.mjs CATALOGUE.json OUTDIR
//
// Starts /usr/bin/firefox-esr itself (headless, fresh profile, the DevTools toolbox open on
// the Network panel with "Persist Logs" on, WebDriver BiDi on the debugging port), runs every
// scenario in the one tab, records Firefox's own verdicts (BiDi network events, the console
// messages Firefox printed, what the page's JavaScript saw) as firefox-verdicts.json, then
// asks the Network panel for the HAR its "Save All As HAR" action writes and saves it
// untouched as firefox-devtools.har.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectBidi, plain } from './bidi.mjs';

const [, , cataloguePath, outDir] = process.argv;
const catalogue = JSON.parse(fs.readFileSync(cataloguePath, 'utf8'));
const FIREFOX = '/usr/bin/firefox-esr';
const DEBUG_PORT = Number(process.env.CORSCOPE_DEBUG_PORT || 9322);
const FLAGS = ['--headless', '--no-remote', '--devtools', `--remote-debugging-port=${DEBUG_PORT}`,
  '--remote-allow-system-access'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const scenarioOf = (url) => (/\/s\/([a-z0-9-]+)\//.exec(url || '') || [])[1] || null;

// Profile preferences: every catalogue host resolves to loopback (Firefox's equivalent of
// Chromium's --host-resolver-rules), the toolbox opens on the Network panel and keeps its
// log across navigations, HAR export includes bodies as the Chromium exports do.
const PREFS = {
  'network.dns.localDomains': Object.values(catalogue.hosts).join(','),
  'network.proxy.type': 0,
  'devtools.toolbox.selectedTool': 'netmonitor',
  'devtools.netmonitor.persistlog': true,
  'devtools.netmonitor.har.includeResponseBodies': true,
  'devtools.toolbox.footer.height': 400,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
};

// Chrome-context helpers (system access is granted by --remote-allow-system-access).
const TOOLBOX = `
  const { require } = ChromeUtils.importESModule("resource://devtools/shared/loader/Loader.sys.mjs");
  const { gDevTools } = require("resource://devtools/client/framework/devtools.js");
`;

async function waitForBidi(ms) {
  const end = Date.now() + ms;
  for (;;) {
    try { return await connectBidi(`ws://127.0.0.1:${DEBUG_PORT}/session`); } catch (e) {
      if (Date.now() > end) throw e;
      await sleep(250);
    }
  }
}

function corsMatcher(strings) {
  // Each security.properties template as a pattern; %1$S (the URL) and %2$S (the detail)
  // become capture groups.
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return Object.entries(strings).map(([key, template]) => {
    const parts = template.split(/(%[12]\$S)/);
    const re = parts.map((p) => (p === '%1$S' ? '(?<url>.*?)' : p === '%2$S' ? '(?<param>.*?)' : esc(p))).join('');
    return { key, re: new RegExp(`^${re}$`, 's') };
  });
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'corscope-firefox-'));
  fs.writeFileSync(path.join(profile, 'user.js'), Object.entries(PREFS)
    .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n') + '\n');
  const log = fs.openSync(path.join(outDir, '..', 'firefox.log'), 'w');
  const proc = spawn(FIREFOX, [...FLAGS, '--profile', profile, 'about:blank'],
    { stdio: ['ignore', log, log], env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' } });
  fs.writeFileSync(process.env.CORSCOPE_FIREFOX_PID_FILE || '/dev/null', `${proc.pid}\n`);
  try {
    const bidi = await waitForBidi(30000);
    const session = await bidi.send('session.new', { capabilities: {} });
    let current = null;
    const events = [];
    bidi.on((method, params) => events.push({ method, params, scenario: current }));
    await bidi.send('session.subscribe', {
      events: ['network.beforeRequestSent', 'network.responseStarted', 'network.responseCompleted',
        'network.fetchError', 'log.entryAdded'],
    });
    const tab = (await bidi.send('browsingContext.getTree', {})).contexts[0].context;
    const chromeTree = await bidi.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
    const chrome = chromeTree.contexts[0].context;
    const inChrome = async (body) => {
      const r = await bidi.send('script.evaluate', {
        expression: `(async () => { ${TOOLBOX} ${body} })()`, target: { context: chrome }, awaitPromise: true,
      });
      if (r.type === 'exception') throw new Error(`chrome script: ${r.exceptionDetails.text}`);
      return plain(r.result);
    };
    const toolbox = await inChrome(`
      let tb = gDevTools.getToolboxForTab(gBrowser.selectedTab);
      if (!tb) tb = await gDevTools.showToolboxForTab(gBrowser.selectedTab, { toolId: "netmonitor" });
      await tb.selectTool("netmonitor");
      return { tool: tb.currentToolId,
        persist: Services.prefs.getBoolPref("devtools.netmonitor.persistlog") };`);
    console.error('firefox toolbox:', JSON.stringify(toolbox));
    const corsStrings = await inChrome(`
      const bundle = Services.strings.createBundle("chrome://global/locale/security/security.properties");
      const out = {};
      for (const p of bundle.getSimpleEnumeration()) {
        if (p.key.startsWith("CORS")) out[p.key] = p.value;
      }
      return out;`);
    await sleep(500);

    const pageResults = {};
    for (const sc of catalogue.scenarios) {
      current = sc.id;
      pageResults[sc.id] = [];
      for (const visit of sc.visits) {
        await bidi.send('browsingContext.navigate', { context: tab, url: visit.url, wait: 'complete' });
        const r = await bidi.send('script.evaluate', {
          expression: 'window.corscopeRun()', target: { context: tab }, awaitPromise: true,
        });
        const results = r.type === 'success' ? plain(r.result)
          : [{ ok: false, error: `page script failed: ${r.exceptionDetails?.text}` }];
        pageResults[sc.id].push({ page: visit.url, results });
      }
      await sleep(150);
    }
    current = null;
    await sleep(1500);

    // The Network panel's own HAR: what "Save All As HAR" writes (HarMenuUtils builds the
    // options from the displayed requests, HarExporter.fetchHarData the text it saves).
    const har = await inChrome(`
      const tb = gDevTools.getToolboxForTab(gBrowser.selectedTab);
      const win = tb.getPanel("netmonitor").panelWin;
      const req = win.windowRequire;
      const { getDisplayedRequests } = req("resource://devtools/client/netmonitor/src/selectors/index.js");
      const { HarMenuUtils } = req("resource://devtools/client/netmonitor/src/har/har-menu-utils.js");
      const { HarExporter } = req("resource://devtools/client/netmonitor/src/har/har-exporter.js");
      const requests = getDisplayedRequests(win.store.getState());
      return HarExporter.fetchHarData(HarMenuUtils.getDefaultHarOptions(requests, win.connector));`);
    if (typeof har !== 'string' || !har.startsWith('{')) throw new Error('the Network panel exported no HAR');
    fs.writeFileSync(path.join(outDir, 'firefox-devtools.har'), har);
    console.error(`firefox-devtools.har: ${har.length} characters`);

    const matchers = corsMatcher(corsStrings);
    const verdicts = {
      schema_version: 1,
      browser: {
        name: session.capabilities.browserName, version: session.capabilities.browserVersion,
        build_id: session.capabilities['moz:buildID'] || null, user_agent: session.capabilities.userAgent,
        flags: [...FLAGS, '--profile <fresh>'], prefs: PREFS,
      },
      recorded_at: new Date().toISOString(),
      cors_strings: corsStrings,
      scenarios: catalogue.scenarios.map((s) => ({ id: s.id, kind: s.kind, page_results: pageResults[s.id] })),
      ...collect(events, matchers),
    };
    fs.writeFileSync(path.join(outDir, 'firefox-verdicts.json'), JSON.stringify(verdicts, null, 1) + '\n');
    await bidi.send('session.end').catch(() => {});
    bidi.close();
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => { if (proc.exitCode !== null) r(); else proc.once('exit', r); setTimeout(r, 10000); });
    await sleep(500);
    try { fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 300 }); } catch { /* left in tmp */ }
  }
}

const headerValue = (headers, name) => {
  const h = (headers || []).find((x) => x.name.toLowerCase() === name);
  return h ? (h.value.type === 'string' ? h.value.value : h.value.value ?? null) : null;
};

// One record per request hop (BiDi request id + redirect count), and every console message
// with the security.properties key its text was formatted from. A CORS message is attributed
// to the latest request hop to its URL that is not a preflight (Firefox creates the request's
// channel before its preflight's, and names the request's URL in a preflight's message); a
// message naming a URL no request went to (a redirect's `Location` Firefox refused to follow)
// to the latest script request (fetch, XMLHttpRequest) of the same scenario.
// Such a hop is blocked when Firefox printed a message for it and the load did not fail for
// a reason below CORS (a refused connection also prints CORSDidNotSucceed2).
const CONNECTION_ERRORS = /^NS_ERROR_(CONNECTION_REFUSED|NET_|UNKNOWN_HOST|PROXY_|OFFLINE|ABORT)/;

function collect(events, matchers) {
  const hops = new Map();
  const order = [];
  const latest = new Map();
  let last = null;
  const hop = (p) => {
    const key = `${p.request.request}#${p.redirectCount}`;
    if (!hops.has(key)) {
      hops.set(key, { request_id: p.request.request, hop: p.redirectCount, cors: [] });
      order.push(key);
    }
    return hops.get(key);
  };
  const console = [];
  for (const { method, params: p, scenario } of events) {
    if (method === 'log.entryAdded') {
      const text = p.text || '';
      let key = null; let url = null; let param = null;
      for (const m of matchers) {
        const g = m.re.exec(text);
        if (g) { key = m.key; url = g.groups?.url ?? null; param = g.groups?.param ?? null; break; }
      }
      const fallback = last && last.scenario === scenarioOf(url) ? last : undefined;
      const target = key === null ? undefined : (latest.get(url) ?? fallback);
      if (target) target.cors.push({ key, param, text });
      console.push({ scenario: scenarioOf(url) || scenario, level: p.level, type: p.type, text,
        key, url, param, attributed: !!target });
      continue;
    }
    const h = hop(p);
    const r = p.request;
    if (method === 'network.beforeRequestSent') {
      Object.assign(h, {
        scenario: scenarioOf(r.url) || scenario, method: r.method, url: r.url,
        destination: r.destination ?? null, initiator_type: r.initiatorType ?? null,
        preflight: r.method === 'OPTIONS' && headerValue(r.headers, 'access-control-request-method') !== null,
        origin_sent: headerValue(r.headers, 'origin'),
        cookie_sent: headerValue(r.headers, 'cookie') !== null,
        status: null, from_cache: null, completed: false, error_text: null,
        request_headers: (r.headers || []).map((x) => [x.name, x.value.value ?? null]),
      });
      if (!h.preflight) latest.set(r.url, h);
      if (!h.preflight && ['fetch', 'xmlhttprequest'].includes(h.initiator_type)) last = h;
    } else if (method === 'network.responseStarted' || method === 'network.responseCompleted') {
      h.status = p.response.status;
      h.from_cache = !!p.response.fromCache;
      if (method === 'network.responseCompleted') h.completed = true;
    } else if (method === 'network.fetchError') {
      h.error_text = p.errorText;
    }
  }
  const requests = order.map((k) => {
    const h = hops.get(k);
    const network = h.error_text !== null && CONNECTION_ERRORS.test(h.error_text);
    const { cors, ...rest } = h;
    return { ...rest, blocked: cors.length > 0 && !network, reason_key: cors[0]?.key ?? null,
      reason_param: cors[0]?.param ?? null, console: cors.map((c) => c.text) };
  });
  return { requests, console };
}

await main();
