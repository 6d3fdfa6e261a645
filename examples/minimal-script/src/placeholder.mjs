// Stands in for the end-to-end example until it lands (see the project's issue "The main job").
console.log(
  [
    'The end-to-end example is not written yet. It needs:',
    '  - @globus-tokenstorage/json and @globus-tokenstorage/sqlite (token storages on disk)',
    '  - @globus-tokenstorage/authorizers (NativeAppAuthClient, RefreshTokenAuthorizer, authorizedFetch)',
    '  - a local OAuth2/OIDC server and protected API to log in against',
    'Available today: @globus-tokenstorage/core and @globus-tokenstorage/memory (run `npm test`).',
  ].join('\n'),
);
