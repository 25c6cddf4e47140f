/**
 * Small records sealed like documents under the library's data key: named secrets (gateway API
 * keys) and conversations. The caller supplies the key (which throws when the library is locked).
 */
import type { Database } from 'sqlite-vec-wasm-demo';
import { openFieldText, sealField } from '../../core/crypto/seal.ts';
import { ConfidantError } from '../../core/errors.ts';
import type { ConversationRecord, ConversationSummary } from '../../messaging/views.ts';
import { toBytes } from './rows.ts';

const SECRET_NAME = /^[a-zA-Z][a-zA-Z0-9.-]{0,63}$/;

export class SealedRecords {
  constructor(
    private readonly db: Database,
    private readonly key: () => CryptoKey,
  ) {}

  async putSecret(name: string, value: string | null): Promise<void> {
    const key = this.key();
    if (!SECRET_NAME.test(name)) throw new ConfidantError('E_BAD_REQUEST', `Bad secret name: ${name}`);
    if (value === null) {
      this.db.exec('DELETE FROM secrets WHERE name = ?', { bind: [name] });
      return;
    }
    const sealed = await sealField(key, { table: 'secrets', column: 'value', rowid: name }, value);
    this.db.exec('INSERT INTO secrets(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value', { bind: [name, sealed] });
  }

  async getSecret(name: string): Promise<string | null> {
    const key = this.key();
    const v = this.db.selectValue('SELECT value FROM secrets WHERE name = ?', [name]);
    return v == null ? null : openFieldText(key, { table: 'secrets', column: 'value', rowid: name }, toBytes(v));
  }

  async listConversations(): Promise<ConversationSummary[]> {
    const key = this.key();
    const rows = this.db.selectObjects('SELECT id, body FROM conversations ORDER BY updated_at DESC');
    const out: ConversationSummary[] = [];
    for (const r of rows) {
      const c = JSON.parse(await openFieldText(key, { table: 'conversations', column: 'body', rowid: Number(r.id) }, toBytes(r.body))) as ConversationRecord;
      out.push({ id: Number(r.id), title: c.title, updatedAt: c.updatedAt, messages: c.messages.length });
    }
    return out;
  }

  async getConversation(id: number): Promise<ConversationRecord> {
    const key = this.key();
    const body = this.db.selectValue('SELECT body FROM conversations WHERE id = ?', [id]);
    if (body == null) throw new ConfidantError('E_NOT_FOUND', `There is no conversation ${id}.`);
    return { ...(JSON.parse(await openFieldText(key, { table: 'conversations', column: 'body', rowid: id }, toBytes(body))) as ConversationRecord), id };
  }

  /** Stores a conversation (a new one gets the next id). Run it serialized with other writes. */
  async saveConversation(c: ConversationRecord): Promise<ConversationSummary> {
    const key = this.key();
    const id = c.id > 0 ? c.id : Number(this.db.selectValue('SELECT coalesce(max(id), 0) + 1 FROM conversations'));
    const now = Date.now();
    const record: ConversationRecord = { ...c, id, createdAt: c.createdAt || now, updatedAt: now };
    const body = await sealField(key, { table: 'conversations', column: 'body', rowid: id }, JSON.stringify(record));
    this.db.exec(
      'INSERT INTO conversations(id, created_at, updated_at, body) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body',
      { bind: [id, record.createdAt, now, body] },
    );
    return { id, title: record.title, updatedAt: now, messages: record.messages.length };
  }

  deleteConversation(id: number): void {
    this.key();
    this.db.exec('DELETE FROM conversations WHERE id = ?', { bind: [id] });
  }
}
