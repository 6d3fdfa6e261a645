/**
 * `@globus-tokenstorage/encrypted`: token values encrypted at rest (AES-256-GCM, WebCrypto) around
 * any token storage. Runs in Node.js and browsers; the OS keychain provider is in `./node`.
 *
 * @packageDocumentation
 */
export { EncryptedTokenStorage, type EncryptedTokenStorageOptions, type ReencryptionResult } from './encrypted-token-storage';
export { keyProviderFrom, type KeyProvider, type KeyProviderFromOptions, type KeyProviderFunctionResult } from './key-provider';
export { EnvironmentKeyProvider, type EnvironmentKeyProviderOptions } from './environment-key-provider';
export { PassphraseKeyProvider, type PassphraseKeyProviderOptions } from './passphrase-key-provider';
export { KeyUnavailableError, TokenDecryptionError, type KeyUnavailableErrorOptions, type TokenDecryptionErrorOptions } from './errors';
export { isEncryptedValue } from './value-cipher';
