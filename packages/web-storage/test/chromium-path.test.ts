import { chromiumPath } from '@globus-tokenstorage/test-support/chromium';

describe('finding Chromium for the browser tests', () => {
  it('fails with install advice when no Chromium is found, so the browser tests cannot pass without one', () => {
    expect(() => chromiumPath(undefined, ['/nonexistent/chromium'])).toThrow(
      /not installed\. Install it with `bash scripts\/install-chromium\.sh`/,
    );
  });

  it('refuses a CHROMIUM_PATH that does not exist', () => {
    expect(() => chromiumPath('/nonexistent/chrome', [])).toThrow('CHROMIUM_PATH is set to /nonexistent/chrome, which does not exist');
  });

  it('takes the first candidate that exists', () => {
    expect(chromiumPath(undefined, ['/nonexistent/chromium', process.execPath])).toBe(process.execPath);
  });
});
