// Opens an HTML report in headless Chromium (Debian's `chromium`, or $CHROMIUM) and prints,
// as one JSON object, what the report tests check: console messages and page errors, every
// request the page made, Content-Security-Policy violations, whether a planted script ran,
// the elements a hostile value could have injected, the summary counts, the rows of each
// table, and the rows left after filtering the first exchange table by verdict `blocked`.
//
// usage: node check_html.mjs REPORT.html [TEXT-THAT-MUST-SHOW]...
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [file, ...texts] = process.argv.slice(2);
const url = pathToFileURL(resolve(file)).href;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
});
const out = { console: [], errors: [], requests: [], violations: [] };
try {
  const page = await browser.newPage();
  page.on('console', (m) => out.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => out.errors.push(String(e)));
  page.on('request', (r) => out.requests.push(r.url()));
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation',
      (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForTimeout(200);
  Object.assign(out, await page.evaluate((texts) => {
    const tables = Array.from(document.querySelectorAll('table.exchanges'));
    const result = {
      violations: window.__violations,
      pwned: window.__pwned === 1,
      scripts: document.querySelectorAll('script').length,
      images: document.querySelectorAll('img, iframe, object, embed, svg').length,
      handlers: Array.from(document.querySelectorAll('*'))
        .filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith('on'))).length,
      summary: Object.fromEntries(Array.from(document.querySelectorAll('#summary li'))
        .map((li) => [li.dataset.count, Number(li.querySelector('b').textContent)])),
      findings: document.querySelectorAll('tr.finding').length,
      tables: tables.map((t) => t.tBodies[0].rows.length),
      filtersShown: Array.from(document.querySelectorAll('.filters')).filter((f) => !f.hidden).length,
      texts: texts.map((t) => document.body.textContent.includes(t)),
    };
    return result;
  }, texts));
  if (out.tables.length > 0) {
    const select = page.locator('select[data-filter="verdict"]').first();
    const options = await select.locator('option').allTextContents();
    if (options.includes('blocked')) {
      await select.selectOption('blocked');
      out.blockedShown = await page.evaluate(() => Array.from(
        document.querySelector('table.exchanges').tBodies[0].rows).filter((r) => !r.hidden).length);
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
