export { ValidatingTokenStorage, type ValidatingTokenStorageOptions } from './validating-token-storage';
export type { TokenDataValidator, TokenDataValidatorWithHook, TokenValidationContext } from './token-data-validator';
export { NotExpiredValidator, type NotExpiredValidatorOptions } from './not-expired-validator';
export { HasRefreshTokensValidator } from './has-refresh-tokens-validator';
export { UnchangingIdentityIDValidator } from './unchanging-identity-id-validator';
export { ScopeRequirementsValidator, type ConsentClient } from './scope-requirements-validator';
export { ConsentForest, type Consent } from './consent-forest';
