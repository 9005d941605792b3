// Browser tests of `ticket serve` in headless Chromium (Debian's /usr/bin/chromium, driven
// by playwright-core): the flows of web.md 4. Each step saves a screenshot under
// target/web-tests/ so a person can look at the pages.
//
// Run by scripts/web-tests.sh (after `cargo build`): node web-tests/flows.mjs
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ticket = process.env.TICKET_BIN || join(root, 'target/debug/ticket');
const shots = join(root, 'target/web-tests');
mkdirSync(shots, { recursive: true });
const world = mkdtempSync(join(tmpdir(), 'ticket-web-'));
const silo = join(world, 'silo');
const env = {
  PATH: process.env.PATH,
  HOME: world,
  TICKET_CONFIG: join(world, 'config.json'),
  TICKET_USER: 'tester',
  TICKET_NOW: '2024-03-13T09:00:00Z',
  TZ: 'UTC',
};

let passed = 0;
let failed = 0;
let shot = 0;

function check(cond, what) {
  if (!cond) { throw new Error(`check failed: ${what}`); }
}

// The demo silo: 300 tickets, creation rules (risk with its Owner), saved searches, colours.
execFileSync(ticket, ['demo', silo], { env, stdio: ['ignore', 'ignore', 'inherit'] });

const server = spawn(ticket, ['--silo', silo, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const lines = createInterface({ input: server.stdout });
const printed = [];
const login = await new Promise((ok, fail) => {
  const timer = setTimeout(() => fail(new Error('ticket serve printed no login link')), 20000);
  lines.on('line', (line) => {
    printed.push(line);
    const m = line.match(/^open (http:\/\/\S+\/login\?token=\S+)$/);
    if (m) { clearTimeout(timer); ok(m[1]); }
  });
  server.on('exit', (code) => fail(new Error(`ticket serve exited with ${code}: ${printed.join('\n')}`)));
});
const base = login.split('/login')[0];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--headless'],
});
const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);
const problems = [];
page.on('console', (m) => { if (m.type() === 'error') { problems.push(m.text()); } });
page.on('pageerror', (e) => problems.push(String(e)));
page.on('dialog', async (d) => { problems.push(`a dialog opened: ${d.message()}`); await d.dismiss(); });

async function step(name, body) {
  const started = Date.now();
  try {
    await body();
    // 401 answers for the favicon are not errors of the page
    const real = problems.filter((p) => !/favicon|status of 4\d\d/.test(p));
    check(real.length === 0, `no console errors, dialogs or CSP refusals: ${real.join(' | ')}`);
    passed += 1;
    console.log(`ok ${passed + failed} - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`not ok ${passed + failed} - ${name}: ${e.message}`);
  } finally {
    problems.length = 0;
    shot += 1;
    const file = join(shots, `${String(shot).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
  }
}

async function newTicket(title, rule, extra = {}) {
  await page.goto(`${base}/new`);
  await page.fill('#title', title);
  if (rule) { await page.check(`input[name="rule"][value="${rule}"]`); }
  if (extra.tag) { await page.locator('input[name="tag"]').first().fill(extra.tag); }
  await Promise.all([page.waitForURL(/\/t\/[0-9A-Z]+$/), page.click('#new button[type="submit"]')]);
  return page.url().split('/t/')[1];
}

try {
  await step('log in through the link', async () => {
    const unauth = await page.goto(`${base}/`);
    check(unauth.status() === 401, 'without the cookie: 401');
    await page.goto(login);
    check(page.url() === `${base}/`, `redirected to the search page, at ${page.url()}`);
    check(Number(await page.textContent('#count')) === 300, 'the demo silo has 300 tickets');
    const cookies = await context.cookies();
    check(cookies.some((c) => c.name.startsWith('ticket_session_') && c.httpOnly && c.sameSite === 'Strict'), 'an HttpOnly, SameSite=Strict session cookie');
  });

  await step('search with a good key', async () => {
    await page.fill('#q', 's:* g=bug');
    await page.fill('#sort', 'd');
    await Promise.all([page.waitForURL(/q=s%3A/), page.press('#q', 'Enter')]);
    const count = Number(await page.textContent('#count'));
    check(count > 0 && count < 300, `some active bugs: ${count}`);
    check(await page.locator('table.results tbody tr').count() === Math.min(count, 100), 'one row per ticket');
    check(await page.isHidden('#check'), 'no error under the box');
  });

  await step('search with a bad key shows the caret', async () => {
    await page.fill('#q', 's:ox: g=risk');
    await page.waitForSelector('#check:not([hidden])');
    const text = await page.textContent('#check');
    check(text.includes("unknown status letter 'x'"), `the message: ${text}`);
    check(text.includes('     ^ expected one of o i b w p c a m d *'), `the caret: ${text}`);
    // and without script: the server shows the same under the box
    const answer = await page.goto(`${base}/?q=${encodeURIComponent('s:ox: g=risk')}`);
    check(answer.status() === 400, 'a bad key is a 400 page');
    check((await page.textContent('#check')).includes('^'), 'the server-rendered caret');
  });

  let opened;
  await step('open a ticket', async () => {
    await page.goto(`${base}/?q=${encodeURIComponent('g=risk')}`);
    const link = page.locator('table.results td.title a').first();
    const title = await link.textContent();
    await Promise.all([page.waitForURL(/\/t\/[0-9A-Z]+$/), link.click()]);
    opened = page.url().split('/t/')[1];
    check((await page.textContent('#title')) === title, 'the ticket page shows its title');
    check(await page.isVisible('details.history'), 'the history is there');
  });

  let risk;
  await step('create a ticket from a rule', async () => {
    risk = await newTicket('Flooding of the server room', 'risk', { tag: 'facilities' });
    const tags = await page.textContent('#tags');
    check(tags.includes('risk') && tags.includes('facilities'), `the rule's tag and the extra tag: ${tags}`);
    check((await page.textContent('#properties')).includes('Risk Board'), "the rule's Owner");
  });

  await step('completion from the suggestions', async () => {
    await page.goto(`${base}/new`);
    check(await page.locator('#dl-tags option[value="bug"]').count() === 1, 'tags come from the silo');
    const key = page.locator('.kv input[data-role="key"]').first();
    const value = page.locator('.kv input[data-role="value"]').first();
    await key.fill('Priority');
    await value.focus();
    await page.waitForFunction(() => document.querySelectorAll('#dl-values option').length > 0);
    const values = await page.$$eval('#dl-values option', (os) => os.map((o) => o.value));
    check(values.includes('critical') && values.includes('low'), `the values of Priority: ${values}`);
    check(await page.locator('.kv button.datetoggle:visible').count() === 0, 'no date toggle before a date key');
    await key.fill('Deadline');
    const toggle = page.locator('.kv button.datetoggle').first();
    await toggle.waitFor({ state: 'visible' });
    await toggle.click();
    check(await value.getAttribute('type') === 'date', 'a date key gets a date picker on demand');
  });

  let other;
  await step('set status Merged with another ticket', async () => {
    other = await newTicket('Water in the server room', 'task');
    await page.goto(`${base}/t/${risk}/edit`);
    await page.selectOption('#status', 'Merged');
    check(await page.getAttribute('#other', 'required') !== null, 'Merged asks for the other ticket');
    await page.fill('#other', other);
    await Promise.all([page.waitForURL(new RegExp(`/t/${risk}$`)), page.click('#edit button[type="submit"]')]);
    check((await page.textContent('#status')).includes('Merged'), 'this ticket is Merged');
    await page.goto(`${base}/t/${other}`);
    const link = page.locator(`#properties a[href="/t/${risk}"]`);
    check(await link.count() === 1, 'the other ticket links back (Merged)');
  });

  await step('add an entry', async () => {
    await page.goto(`${base}/t/${other}/edit`);
    await page.fill('#entry', 'Pumped the water out; dried the floor.');
    await page.fill('#minutes', '45');
    await Promise.all([page.waitForURL(new RegExp(`/t/${other}$`)), page.click('#edit button[type="submit"]')]);
    check((await page.textContent('#entries')).includes('Pumped the water out'), 'the entry is shown');
    check((await page.textContent('#total')).includes('45 min'), 'the total time');
  });

  await step('the timeline, filtered by ticket and author', async () => {
    await page.click('header.top nav a:text-is("Timeline")');
    await page.waitForURL(/\/timeline$/);
    const first = await page.locator('ol.timeline li.set').first().locator('a.num').first().textContent();
    check(first === other, `the newest change set first (the entry on ${other}): ${first}`);
    check(await page.locator('ol.timeline li.set').count() === 50, 'a page of 50 change sets');
    check(await page.locator('nav.pager a[rel="next"]').count() === 1, 'older change sets on the next page');
    await page.fill('#author', 'nobody');
    await Promise.all([page.waitForURL(/author=nobody/), page.click('form.timeline button[type="submit"]')]);
    check(await page.isVisible('#no-sets'), 'another author: no change sets');
    await page.fill('#q', `n=${other}`);
    await page.fill('#author', 'tester');
    await Promise.all([page.waitForURL(/author=tester/), page.click('form.timeline button[type="submit"]')]);
    const sets = await page.locator('ol.timeline li.set').count();
    check(sets >= 2 && sets < 50, `only the change sets of ticket ${other}: ${sets}`);
    const each = await page.$$eval('ol.timeline li.set', (ls) => ls.map((l) => [...l.querySelectorAll('a.num')].map((a) => a.textContent)));
    check(each.every((nums) => nums.includes(other)), `each touches ticket ${other}: ${JSON.stringify(each)}`);
  });

  await step('export CSV', async () => {
    await page.goto(`${base}/?q=${encodeURIComponent('s:* g=bug')}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.button:text-is("CSV")')]);
    const text = readFileSync(await download.path(), 'utf8');
    check(text.startsWith('number,uuid,status,title'), 'the CSV header');
    const count = Number(await page.textContent('#count'));
    check(text.trim().split('\n').length >= count + 1, 'a line per ticket');
  });

  await step('an XSS title stays text', async () => {
    const xss = '<script>alert(1)</script>';
    const n = await newTicket(xss, 'task');
    check((await page.textContent('#title')) === xss, 'the title is shown as typed');
    check(await page.locator('main script').count() === 0, 'no script element in the page body');
    await page.goto(`${base}/?q=${encodeURIComponent(`n=${n}`)}`);
    check((await page.textContent('table.results td.title a')) === xss, 'the search page shows it as text');
  });
} finally {
  await browser.close();
  server.kill('SIGTERM');
  rmSync(world, { recursive: true, force: true });
}

console.log(`screenshots in ${shots}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
