import { InvalidAuthorizationCodeError } from './login-flow-errors';

/** Longer than any authorization code; what is longer was pasted by mistake. */
const MAX_CODE_LENGTH = 2048;

/**
 * Checks what the user entered as the authorization code: surrounding white space is dropped (as
 * Python's `input().strip()`), the rest must be one printable word.
 *
 * @param entered - The line the user entered.
 * @returns The code.
 * @throws {@link InvalidAuthorizationCodeError} for an empty entry, white space or control
 *   characters inside, or more than 2048 characters; the message never repeats the entry.
 */
export function checkedAuthorizationCode(entered: string): string {
  const code = entered.trim();
  if (code === '') throw new InvalidAuthorizationCodeError('no authorization code was entered');
  if (code.length > MAX_CODE_LENGTH) {
    throw new InvalidAuthorizationCodeError(
      `what was entered is not an authorization code: it is longer than ${MAX_CODE_LENGTH} characters`,
    );
  }
  if (/[\s\p{Cc}\p{Cf}\p{Cs}]/u.test(code)) {
    throw new InvalidAuthorizationCodeError('what was entered is not an authorization code: it contains spaces or control characters');
  }
  return code;
}
