// Keeps the server's state in a JSON file between runs, so that tokens issued by one run stay valid
// in the next (the end-to-end example starts the server anew on every run): the signing and cookie
// keys, the ports (the issuer URL and the API's audience contain them), oidc-provider's stored
// models (grants, sessions, refresh and access tokens), and the consents recorded by the facade.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/** @typedef {{ port?: number; apiPort?: number; baseUrl?: string; apiUrl?: string } & Partial<import('./signing-keys.mjs').ServerKeys>} SavedSettings The ports, URLs and keys of earlier runs. */
/** @typedef {{ payload: import('oidc-provider').AdapterPayload; expiresAt: number | null }} SavedModel One of oidc-provider's stored models. */
/** @typedef {{ byIdentity: Record<string, import('./consents.mjs').Consent[]>; nextId: number }} SavedConsents */

/**
 * The state of one server, loaded from `file` (or empty), saved again after every change.
 * Saving is synchronous and atomic (temporary file + rename); the file is created 0600.
 * Without a file the state lives in memory only; unlike oidc-provider's own memory adapter (an LRU
 * of 1000 entries) it never drops a grant or token, so thousands of users can stay logged in.
 */
export class PersistentState {
  /** @param {string | null} file */
  constructor(file) {
    this.file = file;
    /** @type {{ settings?: SavedSettings; models?: Record<string, SavedModel>; consents?: SavedConsents }} */
    let saved = {};
    try {
      if (file !== null) saved = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      const { code, message } = /** @type {NodeJS.ErrnoException} */ (error);
      if (code !== 'ENOENT') throw new Error(`auth-server: cannot read the state file ${file}: ${message}`);
    }
    /** @type {SavedSettings} Ports, keys and other settings of earlier runs. */
    this.settings = saved.settings ?? {};
    /** @type {Map<string, SavedModel>} model name + id → entry */
    this.models = new Map(Object.entries(saved.models ?? {}));
    /** @type {SavedConsents} Consents by identity, as the facade records them. */
    this.consents = saved.consents ?? { byIdentity: {}, nextId: 1 };
  }

  /** Forgets every stored model and consent (e.g. when the issuer URL changed). */
  reset() {
    this.models.clear();
    this.consents = { byIdentity: {}, nextId: 1 };
    this.save();
  }

  save() {
    if (this.file === null) return;
    const now = Date.now();
    for (const [key, entry] of this.models) if (entry.expiresAt !== null && entry.expiresAt <= now) this.models.delete(key);
    const temporary = `${this.file}.${process.pid}.tmp`;
    const content = JSON.stringify({ settings: this.settings, models: Object.fromEntries(this.models), consents: this.consents });
    writeFileSync(temporary, content, { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  /**
   * An oidc-provider adapter class whose instances store their models in this state.
   *
   * @returns {import('oidc-provider').AdapterConstructor}
   */
  adapterClass() {
    const state = this;
    return class PersistentAdapter {
      /** @param {string} name - The model (`AccessToken`, `Grant`, …). */
      constructor(name) {
        this.name = name;
      }

      /** @param {string} id */
      key(id) {
        return `${this.name}:${id}`;
      }

      /**
       * @param {string} id
       * @param {import('oidc-provider').AdapterPayload} payload
       * @param {number} expiresIn - Seconds.
       */
      async upsert(id, payload, expiresIn) {
        state.models.set(this.key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null });
        state.save();
      }

      /** @param {string} id */
      async find(id) {
        const entry = state.models.get(this.key(id));
        if (!entry || (entry.expiresAt !== null && entry.expiresAt <= Date.now())) return undefined;
        return entry.payload;
      }

      /** @param {string} uid */
      async findByUid(uid) {
        for (const [key, entry] of state.models) if (key.startsWith(`${this.name}:`) && entry.payload.uid === uid) return entry.payload;
        return undefined;
      }

      /** @param {string} userCode */
      async findByUserCode(userCode) {
        for (const [key, entry] of state.models)
          if (key.startsWith(`${this.name}:`) && entry.payload.userCode === userCode) return entry.payload;
        return undefined;
      }

      /** @param {string} id */
      async consume(id) {
        const entry = state.models.get(this.key(id));
        if (entry) {
          entry.payload.consumed = Math.floor(Date.now() / 1000);
          state.save();
        }
      }

      /** @param {string} id */
      async destroy(id) {
        state.models.delete(this.key(id));
        state.save();
      }

      /** @param {string} grantId */
      async revokeByGrantId(grantId) {
        for (const [key, entry] of state.models) if (entry.payload.grantId === grantId) state.models.delete(key);
        state.save();
      }
    };
  }
}
