import { join } from 'node:path';
import * as core from '@globus-tokenstorage/core';
import {
  AuthAPIError,
  ErrorCodes,
  ExpiredTokenError,
  IdentityMismatchError,
  IdentityValidationError,
  InvalidArgumentError,
  LoginCallbackError,
  MissingIdentityError,
  MissingTokenError,
  ScopeCycleError,
  ScopeParseError,
  StorageLockTimeoutError,
  StorageQuotaExceededError,
  StorageUnavailableError,
  TokenFileFormatError,
  TokenStorageError,
  TokenValidationError,
  UnsupportedFormatVersionError,
} from '@globus-tokenstorage/core';

describe('error classes', () => {
  const cases: Array<[string, TokenStorageError, string, Array<abstract new (...args: never[]) => Error>]> = [
    ['InvalidArgumentError', new InvalidArgumentError('bad'), ErrorCodes.INVALID_ARGUMENT, [TokenStorageError]],
    [
      'UnsupportedFormatVersionError',
      new UnsupportedFormatVersionError('v', { filePath: '/f', formatVersion: '3.0' }),
      ErrorCodes.UNSUPPORTED_FORMAT_VERSION,
      [TokenFileFormatError, TokenStorageError],
    ],
    [
      'ExpiredTokenError',
      new ExpiredTokenError('e', { resourceServer: 'rs', expiresAtSeconds: 1 }),
      ErrorCodes.EXPIRED_TOKEN,
      [TokenValidationError, TokenStorageError],
    ],
    [
      'IdentityMismatchError',
      new IdentityMismatchError('m', { storedId: 'a', newId: 'b' }),
      ErrorCodes.IDENTITY_MISMATCH,
      [IdentityValidationError, TokenValidationError, TokenStorageError],
    ],
    ['MissingIdentityError', new MissingIdentityError('m'), ErrorCodes.MISSING_IDENTITY, [IdentityValidationError, TokenValidationError]],
    ['ScopeCycleError', new ScopeCycleError('c'), ErrorCodes.SCOPE_CYCLE, [ScopeParseError, TokenStorageError]],
    [
      'StorageQuotaExceededError',
      new StorageQuotaExceededError('q', { resource: 'localStorage' }),
      ErrorCodes.STORAGE_QUOTA_EXCEEDED,
      [TokenStorageError],
    ],
    [
      'LoginCallbackError',
      new LoginCallbackError('l', { reason: 'state_mismatch' }),
      ErrorCodes.LOGIN_CALLBACK_FAILED,
      [TokenStorageError],
    ],
    [
      'StorageUnavailableError',
      new StorageUnavailableError('down', { resource: 'db.example.org:5432/app' }),
      ErrorCodes.STORAGE_UNAVAILABLE,
      [TokenStorageError],
    ],
  ];

  it.each(cases)('%s has its name, code and class chain', (name, error, code, ancestors) => {
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error).toBeInstanceOf(Error);
    for (const ancestor of ancestors) expect(error).toBeInstanceOf(ancestor);
    expect(String(error)).toBe(`${name}: ${error.message}`);
  });

  it('isInstance follows the class chain and rejects other values', () => {
    const error = new MissingTokenError('No token data for rs', { resourceServer: 'rs' });
    expect(MissingTokenError.isInstance(error)).toBe(true);
    expect(TokenValidationError.isInstance(error)).toBe(true);
    expect(TokenStorageError.isInstance(error)).toBe(true);
    expect(ExpiredTokenError.isInstance(error)).toBe(false);
    expect(InvalidArgumentError.isInstance(new Error('x'))).toBe(false);
    expect(TokenStorageError.isInstance(null)).toBe(false);
    expect(TokenStorageError.isInstance('TokenStorageError')).toBe(false);
  });

  it('isInstance recognises errors thrown by another copy of the package (the built CommonJS output)', () => {
    const otherCopy = require(join(__dirname, '../dist/index.cjs')) as typeof core;
    const foreign = new otherCopy.ExpiredTokenError('e', { resourceServer: 'rs', expiresAtSeconds: 1 });
    expect(foreign).not.toBeInstanceOf(ExpiredTokenError);
    expect(ExpiredTokenError.isInstance(foreign)).toBe(true);
    expect(TokenValidationError.isInstance(foreign)).toBe(true);
    expect(MissingTokenError.isInstance(foreign)).toBe(false);
    expect(otherCopy.TokenStorageError.isInstance(new InvalidArgumentError('x'))).toBe(true);
  });

  it('keeps context on non-enumerable properties', () => {
    const error = new StorageLockTimeoutError('locked', { resource: '/tmp/tokens.json', timeoutMs: 10 });
    expect(error.resource).toBe('/tmp/tokens.json');
    expect(error.timeoutMs).toBe(10);
    expect(Object.keys(error)).toEqual(['code']);
    expect(new StorageUnavailableError('down', { resource: 'db:5432/app' }).resource).toBe('db:5432/app');
    const api = new AuthAPIError('token endpoint said no', { httpStatus: 400, errorCode: 'invalid_grant' });
    expect([api.httpStatus, api.errorCode, api.description]).toEqual([400, 'invalid_grant', null]);
    const login = new LoginCallbackError('denied', { reason: 'access_denied', description: 'The user said no' });
    expect([login.reason, login.description, Object.keys(login)]).toEqual(['access_denied', 'The user said no', ['code']]);
    expect(new StorageQuotaExceededError('full', { resource: 'localStorage["k"]' }).resource).toBe('localStorage["k"]');
  });

  it('passes the cause through', () => {
    const cause = new Error('disk full');
    expect(new TokenFileFormatError('cannot read', { filePath: '/f', cause }).cause).toBe(cause);
    expect(new InvalidArgumentError('x').cause).toBeUndefined();
  });

  it('exports every code as a constant and every class from the main entry', () => {
    for (const code of Object.values(ErrorCodes)) expect(typeof code).toBe('string');
    for (const name of [
      'ConsentParseError',
      'StorageClosedError',
      'IdentityExtractionError',
      'InvalidTokenDataError',
      'UnmetScopeRequirementsError',
    ]) {
      expect(typeof (core as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
