// Keeps the server's state in a JSON file between runs, so that tokens issued by one run stay valid
// in the next (the end-to-end example starts the server anew on every run): the signing and cookie
// keys, the ports (the issuer URL and the API's audience contain them), oidc-provider's stored
// models (grants, sessions, refresh and access tokens), and the consents recorded by the facade.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

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
    let saved = {};
    try {
      if (file !== null) saved = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      if (error.code !== 'ENOENT') throw new Error(`auth-server: cannot read the state file ${file}: ${error.message}`);
    }
    /** Ports, keys and other settings of earlier runs. */
    this.settings = saved.settings ?? {};
    /** @type {Map<string, {payload: object, expiresAt: number | null}>} model name + id → entry */
    this.models = new Map(Object.entries(saved.models ?? {}));
    /** Consents by identity, as the facade records them. */
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

  /** An oidc-provider adapter class whose instances store their models in this state. */
  adapterClass() {
    const state = this;
    return class PersistentAdapter {
      constructor(name) {
        this.name = name;
      }

      key(id) {
        return `${this.name}:${id}`;
      }

      async upsert(id, payload, expiresIn) {
        state.models.set(this.key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null });
        state.save();
      }

      async find(id) {
        const entry = state.models.get(this.key(id));
        if (!entry || (entry.expiresAt !== null && entry.expiresAt <= Date.now())) return undefined;
        return entry.payload;
      }

      async findByUid(uid) {
        for (const [key, entry] of state.models) if (key.startsWith(`${this.name}:`) && entry.payload.uid === uid) return entry.payload;
        return undefined;
      }

      async findByUserCode(userCode) {
        for (const [key, entry] of state.models) if (key.startsWith(`${this.name}:`) && entry.payload.userCode === userCode) return entry.payload;
        return undefined;
      }

      async consume(id) {
        const entry = state.models.get(this.key(id));
        if (entry) {
          entry.payload.consumed = Math.floor(Date.now() / 1000);
          state.save();
        }
      }

      async destroy(id) {
        state.models.delete(this.key(id));
        state.save();
      }

      async revokeByGrantId(grantId) {
        for (const [key, entry] of state.models) if (entry.payload.grantId === grantId) state.models.delete(key);
        state.save();
      }
    };
  }
}
