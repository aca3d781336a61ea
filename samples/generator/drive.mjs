// Drives headless Chromium through the scenario catalogue.
//
//   node drive.mjs devtools CATALOGUE.json OUTDIR
//     Starts /usr/bin/chromium itself (remote-debugging port), attaches the bundled
//     DevTools front end (second page of the same browser) to the scenario page before it
//     navigates, turns "Preserve log" on, runs every scenario, records Chromium's
//     verdicts over CDP (verdicts.json), then calls the Network panel's own
//     "Export HAR (sanitized)" and "Export HAR (with sensitive data)" actions and saves the
//     downloaded files untouched. The same run's DevTools protocol events (Page and Network
//     domains of the scenario page) are handed to the chrome-har package, whose HAR is saved
//     as chrome-har.har.
//   node drive.mjs playwright CATALOGUE.json OUTDIR
//     Runs the same scenarios in a Playwright context with recordHar (playwright.har).
//
// CORSCOPE_CHROMIUM_FLAGS (a JSON array) adds command-line flags; a file path after `=` in
// `--ssl-key-log-file=` is recorded as `<keylog>` in verdicts.json.
import { chromium } from 'playwright-core';
import { harFromMessages } from 'chrome-har';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [, , runMode, cataloguePath, outDir] = process.argv;
const catalogue = JSON.parse(fs.readFileSync(cataloguePath, 'utf8'));
const CHROMIUM = '/usr/bin/chromium';
const DEBUG_PORT = Number(process.env.CORSCOPE_DEBUG_PORT || 9322);
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--host-resolver-rules=${catalogue.host_resolver_rules}`,
  ...JSON.parse(process.env.CORSCOPE_CHROMIUM_FLAGS || '[]')];
const RECORDED_FLAGS = FLAGS.map((f) => f.replace(/^(--ssl-key-log-file=).*/, '$1<keylog>'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const scenarioOf = (url) => (/\/s\/([a-z0-9-]+)\//.exec(url || '') || [])[1] || null;

async function runScenarios(page, onScenario) {
  const results = {};
  for (const sc of catalogue.scenarios) {
    onScenario?.(sc.id);
    results[sc.id] = [];
    for (const visit of sc.visits) {
      await page.goto(visit.url, { waitUntil: 'load' });
      const r = await page.evaluate(() => window.corscopeRun());
      results[sc.id].push({ page: visit.url, results: r });
    }
    await sleep(150);
  }
  onScenario?.(null);
  return results;
}

async function waitForHttp(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { const r = await fetch(url); if (r.ok) return r.json(); } catch { /* not yet */ }
    await sleep(200);
  }
  throw new Error(`no answer from ${url}`);
}

// The DevTools protocol events chrome-har reads (its index.js), recorded in arrival order as
// {method, params}, the form browsertime and other tools hand it.
const CHROME_HAR_EVENTS = ['Page.frameStartedLoading', 'Page.frameRequestedNavigation',
  'Page.navigatedWithinDocument', 'Page.frameAttached', 'Page.loadEventFired',
  'Page.domContentEventFired', 'Network.requestWillBeSent', 'Network.requestServedFromCache',
  'Network.requestWillBeSentExtraInfo', 'Network.responseReceivedExtraInfo',
  'Network.responseReceived', 'Network.dataReceived', 'Network.loadingFinished',
  'Network.loadingFailed', 'Network.resourceChangedPriority'];

function recordEvents(cdp) {
  const messages = [];
  for (const method of CHROME_HAR_EVENTS) cdp.on(method, (params) => messages.push({ method, params }));
  return messages;
}

function collectVerdicts(cdp, current) {
  const byId = new Map(); // requestId -> {hops: [...], extra: [...], respExtra: [...]}
  const consoleMessages = [];
  const issues = [];
  const rec = (id) => {
    if (!byId.has(id)) byId.set(id, { hops: [], extra: [], respExtra: [], fromCache: false });
    return byId.get(id);
  };
  cdp.on('Network.requestWillBeSent', (e) => {
    const r = rec(e.requestId);
    if (e.redirectResponse && r.hops.length) {
      const prev = r.hops[r.hops.length - 1];
      prev.status = e.redirectResponse.status;
      prev.redirected_to = e.request.url;
      prev.from_disk_cache = !!e.redirectResponse.fromDiskCache;
    }
    r.hops.push({
      scenario: scenarioOf(e.request.url) || scenarioOf(e.documentURL) || current(),
      request_id: e.requestId, hop: r.hops.length, method: e.request.method, url: e.request.url,
      resource_type: e.type || null,
      initiator: { type: e.initiator?.type || null, url: e.initiator?.url || null,
        request_id: e.initiator?.requestId || null },
      provisional_headers: e.request.headers,
      status: null, redirected_to: null,
    });
  });
  cdp.on('Network.requestWillBeSentExtraInfo', (e) => rec(e.requestId).extra.push(e.headers));
  cdp.on('Network.responseReceivedExtraInfo', (e) => rec(e.requestId).respExtra.push(e.statusCode));
  cdp.on('Network.responseReceived', (e) => {
    const r = rec(e.requestId); const h = r.hops[r.hops.length - 1];
    if (!h) return;
    h.status = e.response.status; h.resource_type = e.type;
    h.from_disk_cache = !!e.response.fromDiskCache;
    h.from_memory_cache = !!e.response.fromMemoryCache;
  });
  cdp.on('Network.requestServedFromCache', (e) => { rec(e.requestId).fromCache = true; });
  cdp.on('Network.loadingFinished', (e) => { rec(e.requestId).finished = true; });
  cdp.on('Network.loadingFailed', (e) => {
    const r = rec(e.requestId); r.failed = e;
  });
  cdp.on('Log.entryAdded', (e) => consoleMessages.push({
    scenario: scenarioOf(e.entry.url) || current(), channel: 'log', source: e.entry.source,
    level: e.entry.level, text: e.entry.text, url: e.entry.url || null,
    network_request_id: e.entry.networkRequestId || null }));
  cdp.on('Runtime.consoleAPICalled', (e) => consoleMessages.push({
    scenario: current(), channel: 'console-api', source: 'console-api', level: e.type,
    text: e.args.map((a) => a.value ?? a.description ?? '').join(' '), url: null,
    network_request_id: null }));
  cdp.on('Runtime.exceptionThrown', (e) => consoleMessages.push({
    scenario: current(), channel: 'exception', source: 'javascript', level: 'error',
    text: e.exceptionDetails.exception?.description || e.exceptionDetails.text, url: null,
    network_request_id: null }));
  cdp.on('Audits.issueAdded', (e) => issues.push({ scenario: current(), issue: e.issue }));

  const finish = () => {
    const requests = [];
    for (const r of byId.values()) {
      r.hops.forEach((h, i) => {
        const headers = r.extra[i] || null;
        const pick = (hs) => Object.entries(hs || {}).find(([k]) => k.toLowerCase() === 'origin')?.[1] ?? null;
        let origin = pick(headers);
        let originSource = origin !== null ? 'requestWillBeSentExtraInfo' : null;
        if (origin === null && pick(h.provisional_headers) !== null) {
          origin = pick(h.provisional_headers); originSource = 'requestWillBeSent';
        }
        const last = i === r.hops.length - 1;
        const f = last ? r.failed : null;
        if (last && f?.type) h.resource_type = f.type;
        if (h.status === null && r.respExtra[i] !== undefined) h.status = r.respExtra[i];
        requests.push({
          scenario: h.scenario, request_id: h.request_id, hop: h.hop, method: h.method,
          url: h.url, origin_sent: origin, origin_source: originSource,
          resource_type: h.resource_type, initiator: h.initiator, status: h.status,
          redirected_to: h.redirected_to,
          blocked: !!(f && f.corsErrorStatus),
          cors_error: f?.corsErrorStatus?.corsError ?? null,
          failed_parameter: f?.corsErrorStatus ? f.corsErrorStatus.failedParameter : null,
          error_text: f?.errorText ?? null,
          canceled: f ? !!f.canceled : null,
          blocked_reason: f?.blockedReason ?? null,
          from_disk_cache: !!h.from_disk_cache, from_memory_cache: !!h.from_memory_cache,
          served_from_cache: last ? r.fromCache : false,
          finished: last ? !!(r.finished || r.failed) : true,
          request_headers: headers,
        });
      });
    }
    return { requests, console: consoleMessages, issues };
  };
  return finish;
}

async function devtoolsRun() {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'corscope-chromium-'));
  const log = fs.openSync(path.join(outDir, '..', 'chromium.log'), 'w');
  const proc = spawn(CHROMIUM, ['--headless', ...FLAGS, `--user-data-dir=${userDir}`,
    `--remote-debugging-port=${DEBUG_PORT}`, 'about:blank'], { stdio: ['ignore', log, log] });
  fs.writeFileSync(process.env.CORSCOPE_CHROMIUM_PID_FILE || '/dev/null', `${proc.pid}\n`);
  try {
    const version = await waitForHttp(`http://127.0.0.1:${DEBUG_PORT}/json/version`, 20000);
    const browser = await chromium.connectOverCDP(`http://127.0.0.1:${DEBUG_PORT}`);
    const ctx = browser.contexts()[0];
    const page = ctx.pages()[0] || await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    const { targetInfo } = await cdp.send('Target.getTargetInfo');
    let current = null;
    const finish = collectVerdicts(cdp, () => current);
    const messages = recordEvents(cdp);
    await cdp.send('Page.enable');
    await cdp.send('Network.enable');
    await cdp.send('Log.enable');
    await cdp.send('Runtime.enable');
    await cdp.send('Audits.enable');

    // The DevTools front end, served by Chromium's own debugging HTTP server.
    const devtools = await ctx.newPage();
    const base = `http://127.0.0.1:${DEBUG_PORT}/devtools/`;
    await devtools.goto(`${base}inspector.html?ws=127.0.0.1:${DEBUG_PORT}/devtools/page/${targetInfo.targetId}&panel=network`);
    await devtools.waitForFunction(() => document.querySelector('.network-log-grid, .network-toolbar-container, [aria-label="Network panel"]') !== null
      || document.title.startsWith('DevTools'), null, { timeout: 30000 });
    const panelReady = await devtools.evaluate(async (base) => {
      const Common = await import(`${base}core/common/common.js`);
      const SDK = await import(`${base}core/sdk/sdk.js`);
      const Network = await import(`${base}panels/network/network.js`);
      for (let i = 0; i < 100; i++) {
        const panel = Network.NetworkPanel.NetworkPanel.instance();
        if (panel?.networkLogView && SDK.TargetManager.TargetManager.instance().scopeTarget()) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const setting = Common.Settings.Settings.instance().resolve(SDK.SDKSettings.preserveNetworkLogSettingDescriptor);
      setting.set(true);
      return { preserveLog: setting.get(),
        inspected: SDK.TargetManager.TargetManager.instance().scopeTarget()?.inspectedURL() };
    }, base);
    console.error('devtools front end:', JSON.stringify(panelReady));
    await sleep(500);

    const pageResults = await runScenarios(page, (id) => { current = id; });
    await sleep(1500);

    const exportHar = async (sanitize, file) => {
      const downloadP = devtools.waitForEvent('download', { timeout: 60000 });
      const exported = devtools.evaluate(async ({ base, sanitize }) => {
        const Network = await import(`${base}panels/network/network.js`);
        const view = Network.NetworkPanel.NetworkPanel.instance().networkLogView;
        await view.exportAll({ sanitize });
        return view.harRequests().length;
      }, { base, sanitize });
      const download = await downloadP;
      const count = await exported;
      await download.saveAs(path.join(outDir, file));
      console.error(`${file}: ${count} requests, suggested name ${download.suggestedFilename()}`);
    };
    await exportHar(true, 'chromium-devtools-sanitized.har');
    await exportHar(false, 'chromium-devtools.har');
    const har = harFromMessages(messages, {});
    fs.writeFileSync(path.join(outDir, 'chrome-har.har'), JSON.stringify(har, null, 2) + '\n');
    console.error(`chrome-har.har: ${har.log.entries.length} entries from ${messages.length} events`);

    const verdicts = finish();
    const out = {
      schema_version: 1,
      browser: { product: version.Browser, user_agent: version['User-Agent'],
        protocol_version: version['Protocol-Version'], v8: version['V8-Version'],
        webkit: version['WebKit-Version'],
        flags: ['--headless', ...RECORDED_FLAGS, '--user-data-dir=<fresh>', `--remote-debugging-port=${DEBUG_PORT}`] },
      recorded_at: new Date().toISOString(),
      scenarios: catalogue.scenarios.map((s) => ({ id: s.id, kind: s.kind,
        expected_cors_errors: s.expected_cors_errors, expected_issues: s.expected_issues, expected_net_error: s.expected_net_error,
        page_results: pageResults[s.id] })),
      requests: verdicts.requests,
      console: verdicts.console,
      issues: verdicts.issues,
    };
    fs.writeFileSync(path.join(outDir, 'verdicts.json'), JSON.stringify(out, null, 1) + '\n');
    await browser.close().catch(() => {});
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => { if (proc.exitCode !== null) r(); else proc.once('exit', r); setTimeout(r, 5000); });
    await sleep(500);
    try { fs.rmSync(userDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 300 }); } catch { /* left in tmp */ }
  }
}

async function playwrightRun() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const harPath = path.join(outDir, 'playwright.har');
    const ctx = await browser.newContext({ recordHar: { path: harPath, content: 'embed' } });
    const page = await ctx.newPage();
    await runScenarios(page);
    await sleep(1000);
    await ctx.close();
  } finally {
    await browser.close();
  }
}

if (runMode === 'devtools') await devtoolsRun();
else if (runMode === 'playwright') await playwrightRun();
else { console.error('usage: drive.mjs devtools|playwright CATALOGUE OUTDIR'); process.exit(2); }
