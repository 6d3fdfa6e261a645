import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { LocalServerEnvironmentError } from './login-flow-errors';

/** Browsers that cannot log in to Globus (Python's list). */
const TEXT_ONLY_BROWSERS = new Set(['lynx', 'www-browser', 'links', 'elinks', 'w3m']);

const USE_COMMAND_LINE = 'log in with the command-line flow instead (CommandLineLoginFlowManager, or --flow command-line)';

/**
 * Refuses to open a browser where the user cannot use one, as Python: in an SSH session, or when
 * `BROWSER` names a text-only browser.
 *
 * @param env - The environment (`process.env`).
 * @throws {@link LocalServerEnvironmentError} saying why, and suggesting the command-line flow.
 */
export function assertGraphicalBrowserAvailable(env: NodeJS.ProcessEnv): void {
  if (env.SSH_TTY || env.SSH_CONNECTION) {
    throw new LocalServerEnvironmentError(
      `cannot open a browser for the login in an SSH session (SSH_TTY or SSH_CONNECTION is set): ${USE_COMMAND_LINE}`,
    );
  }
  const browser = browserCommand(env);
  if (browser !== null && TEXT_ONLY_BROWSERS.has(basename(browser[0] ?? ''))) {
    throw new LocalServerEnvironmentError(
      `the browser in BROWSER (${basename(browser[0] ?? '')}) is text-only and cannot log in to Globus: ${USE_COMMAND_LINE}`,
    );
  }
}

/**
 * Opens `url` in the system's browser: the first command of `BROWSER` (a `%s` in it is replaced by
 * the URL, else the URL is its last argument), else `open` (macOS), `start` (Windows) or `xdg-open`.
 *
 * @param url - The authorize URL.
 * @param env - The environment.
 * @param onFailure - Called if the opener exits with a non-zero status later on.
 * @returns Once the opener started.
 * @throws {@link LocalServerEnvironmentError} when it cannot be started.
 */
export function openSystemBrowser(
  url: string,
  env: NodeJS.ProcessEnv,
  onFailure: (error: LocalServerEnvironmentError) => void,
): Promise<void> {
  const [command, ...args] = openerCommand(url, env);
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command as string, args, {
      env,
      stdio: 'ignore',
      detached: true,
      windowsVerbatimArguments: process.platform === 'win32',
    });
    child.once('error', (error) => {
      reject(
        new LocalServerEnvironmentError(
          `could not start a browser (${command}): ${(error as NodeJS.ErrnoException).code ?? error.message}; ${USE_COMMAND_LINE}`,
          { cause: error },
        ),
      );
    });
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
    child.once('exit', (code) => {
      if (code !== null && code !== 0)
        onFailure(new LocalServerEnvironmentError(`the browser opener ${command} exited with status ${code}; ${USE_COMMAND_LINE}`));
    });
  });
}

function openerCommand(url: string, env: NodeJS.ProcessEnv): string[] {
  const browser = browserCommand(env);
  if (browser !== null) {
    return browser.some((part) => part.includes('%s')) ? browser.map((part) => part.replaceAll('%s', url)) : [...browser, url];
  }
  if (process.platform === 'darwin') return ['open', url];
  // `start` is a cmd built-in; its first quoted argument is the window title; `^` escapes `&`.
  if (process.platform === 'win32') return ['cmd', '/c', 'start', '""', url.replace(/&/g, '^&')];
  return ['xdg-open', url];
}

/** The first command of `BROWSER` (a `:`-separated list, as Python's `webbrowser`), split into words. */
function browserCommand(env: NodeJS.ProcessEnv): string[] | null {
  const first = (env.BROWSER ?? '').split(process.platform === 'win32' ? ';' : ':')[0]?.trim() ?? '';
  return first === '' ? null : first.split(/\s+/);
}
