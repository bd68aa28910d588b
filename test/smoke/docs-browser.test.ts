// Swagger UI in a real browser (Debian chromium, driven by playwright-core) against the real
// process (dist/main.js): sign up with "Try it out", log in through the Authorize dialog
// (OAuth2 password flow -> POST /token), call GET /protected from the page, read the greeting.
// Final screenshot: artifacts/docs-browser.png.
//
// Needs /usr/bin/chromium (`npm test` provisions it on Debian as root).
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { PASSWORD } from '../helpers/accounts';
import { buildDist, startService, type ServiceProcess } from '../helpers/service-process';
import { ARTIFACTS, CHROMIUM, SMOKE_JWT_SECRET, requireChromium, uniqueUsername } from '../helpers/smoke-env';

const SCREENSHOT = path.join(ARTIFACTS, 'docs-browser.png');
const FAILURE_SCREENSHOT = path.join(ARTIFACTS, 'docs-browser-failure.png');

let service: ServiceProcess | undefined;
let base = '';
let browser: Browser | undefined;
const pageProblems: string[] = [];

beforeAll(async () => {
  requireChromium();
  buildDist();
  // TEST FIXTURE secret (see smoke-env.ts); port 0: the OS picks a free one, read from the log.
  service = startService({ JWT_SECRET: SMOKE_JWT_SECRET });
  base = `http://127.0.0.1:${await service.port()}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await service?.stop();
}, 60_000);

/** Expands an operation, switches it to "Try it out" and returns its block. */
async function tryItOut(page: Page, operationDomId: string): Promise<Locator> {
  const op = page.locator(`#${operationDomId}`);
  await op.locator('.opblock-summary').first().click();
  await op.getByRole('button', { name: 'Try it out' }).click();
  return op;
}

/** Clicks Execute and waits for the live response; returns its status and body text. */
async function execute(op: Locator): Promise<{ status: string; body: string }> {
  await op.getByRole('button', { name: 'Execute' }).click();
  const live = op.locator('.live-responses-table');
  const status = live.locator('.response .response-col_status').first();
  await status.waitFor({ state: 'visible', timeout: 20_000 });
  const body = live.locator('.response-col_description .highlight-code, .response-col_description pre').first();
  await body.waitFor({ state: 'visible', timeout: 20_000 });
  return { status: (await status.innerText()).trim(), body: await body.innerText() };
}

describe('Swagger UI at /docs/ in headless Chromium', () => {
  it('signs up via "Try it out", authorizes with the password flow, and calls /protected', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (err) => pageProblems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageProblems.push(`console: ${msg.text()}`);
    });
    const username = uniqueUsername('browser');
    mkdirSync(ARTIFACTS, { recursive: true });
    rmSync(FAILURE_SCREENSHOT, { force: true });

    try {
      // 1) the page
      const res = await page.goto(`${base}/docs/`, { waitUntil: 'load' });
      expect(res?.status()).toBe(200);
      await page.locator('.swagger-ui .information-container .title').first().waitFor({ timeout: 30_000 });

      // 2) POST /signup through "Try it out"
      const signupOp = await tryItOut(page, 'operations-auth-signup');
      await signupOp
        .locator('textarea.body-param__text')
        .fill(JSON.stringify({ username, password: PASSWORD }, null, 2));
      const signedUp = await execute(signupOp);
      expect(signedUp.status).toBe('200');
      expect(signedUp.body).toContain('User created successfully');
      await signupOp.locator('.opblock-summary').first().click(); // collapse it again: a readable screenshot

      // 3) Authorize dialog: OAuth2 password flow, which POSTs the form to tokenUrl /token
      await page.locator('.scheme-container button.authorize').click();
      const dialog = page.locator('.dialog-ux .modal-ux');
      await dialog.waitFor({ state: 'visible' });
      await dialog.locator('#oauth_username').fill(username);
      await dialog.locator('#oauth_password').fill(PASSWORD);
      // Swagger UI labels its buttons with aria-label: "Authorize" / "Logout" are their texts.
      await dialog.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click();
      // Authorized: the dialog offers "Logout" and shows no "Auth Error".
      const logout = dialog.getByRole('button', { name: 'Remove authorization' });
      await logout.waitFor({ state: 'visible', timeout: 20_000 });
      expect((await logout.innerText()).trim()).toBe('Logout');
      expect(await dialog.locator('.errors').count()).toBe(0);
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'hidden' });

      // 4) GET /protected from the page, with the token Swagger UI obtained
      const protectedOp = await tryItOut(page, 'operations-resources-getProtected');
      const hello = await execute(protectedOp);
      expect(hello.status).toBe('200');

      // 5) the greeting, as the page shows it
      const greeting = `Hello ${username}! This is a protected route`;
      expect(hello.body).toContain(greeting);
      await page.getByText(greeting).first().waitFor({ state: 'visible' });
      const curl = await protectedOp.locator('.curl-command').innerText();
      expect(curl).toMatch(/Authorization: Bearer [\w-]+\.[\w-]+\.[\w-]+/);

      // The final state: /protected's block (closed lock = authorized, curl with the bearer
      // token, the 200 greeting) at the top of the viewport.
      await protectedOp.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: SCREENSHOT });
    } catch (err) {
      await page.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }).catch(() => undefined);
      throw new Error(
        `${err instanceof Error ? err.message : String(err)}\n(screenshot: ${FAILURE_SCREENSHOT})\npage problems:\n${pageProblems.join('\n')}\nservice log tail:\n${service?.stdout().slice(-2000) ?? ''}`,
        { cause: err },
      );
    } finally {
      await page.close();
    }
  });
});
