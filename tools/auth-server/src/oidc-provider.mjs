// Loads oidc-provider without its "Unsupported runtime" warning.
//
// oidc-provider 9 prints that line when it is loaded on a Node.js release older than 22 LTS. This
// server is a local stand-in for Globus Auth, and the project supports and tests Node 20.19+, where
// it works; the example's output must stay clean there. Only that one line is dropped, only while
// the module loads: every other warning still reaches the console.
const UNSUPPORTED_RUNTIME = 'oidc-provider WARNING: Unsupported runtime.';

const warn = console.warn;
console.warn = (...args) => {
  if (typeof args[0] === 'string' && args[0].includes(UNSUPPORTED_RUNTIME)) return;
  warn.apply(console, args);
};
let oidcProvider;
try {
  oidcProvider = await import('oidc-provider');
} finally {
  console.warn = warn;
}

export const Provider = oidcProvider.default;
export const errors = oidcProvider.errors;
