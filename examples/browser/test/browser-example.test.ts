// The browser example as a new user meets it: `npm run example:browser` starts the server, the user
// opens the printed address in Chromium, logs in on the login page, lists their groups, opens a
// second tab (already logged in) and logs out.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser } from 'playwright-core';
import { launchChromium } from '@globus-tokenstorage/test-support/chromium';

jest.setTimeout(60000);

let example: ChildProcessWithoutNullStreams;
let browser: Browser;
let url: string;
let stderr = '';

beforeAll(async () => {
  example = spawn(process.execPath, ['src/server.mjs'], { cwd: resolve(__dirname, '..'), stdio: ['pipe', 'pipe', 'pipe'] });
  example.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ready = new Promise<string>((resolveReady, reject) => {
    createInterface({ input: example.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as { event?: string; url?: string };
      if (message.event === 'ready' && message.url) resolveReady(message.url);
    });
    example.once('exit', (code) => reject(new Error(`the example exited with ${code}: ${stderr}`)));
  });
  [url, browser] = await Promise.all([ready, launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  if (example && example.exitCode === null) {
    const exited = new Promise((settle) => example.once('exit', settle));
    example.kill('SIGTERM');
    await exited;
  }
});

it('logs in by redirect, lists the groups, stays logged in in a second tab, and logs out', async () => {
  expect(stderr).toContain(`Open ${url} and log in as alice / alice-password`);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.getByText('You are not logged in.').waitFor();
  await page.click('#login');
  await page.fill('input[name=username]', 'alice');
  await page.fill('input[name=password]', 'alice-password');
  await page.click('button[type=submit]');
  await page.click('#allow button');
  await page.getByText('Logged in as 11111111-2222-4333-8444-555555555555.').waitFor();
  expect(page.url()).toBe(url);

  await page.click('#call-api');
  await page.getByText('Alice lab (admin)').waitFor();
  expect(await page.textContent('#output')).toBe('Alice lab (admin)\nShared instrument (member, manager)');

  const second = await context.newPage();
  await second.goto(url);
  await second.getByText('Logged in as 11111111-2222-4333-8444-555555555555.').waitFor();

  await second.click('#logout');
  await second.getByText('You are not logged in.').waitFor();
  await page.reload();
  await page.getByText('You are not logged in.').waitFor();
  await context.close();
});
