/**
 * `@globus-tokenstorage/encrypted/node`: key providers that need Node.js.
 *
 * @packageDocumentation
 */
export { KeychainKeyProvider, type KeychainKeyProviderOptions } from './keychain-key-provider';
