/**
 * "No passphrase" mode: the data key is wrapped by a non-extractable key that lives in this
 * extension's IndexedDB. It protects against someone copying the database file alone, not
 * against someone who can run code as this browser profile (docs/storage.md).
 */
const DB_NAME = 'confidant-keys';
const STORE = 'keys';
const KEY_ID = 'device-key-v1';

function openIdb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openIdb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

export async function loadDeviceKey(): Promise<CryptoKey | null> {
  const k = await tx('readonly', (s) => s.get(KEY_ID) as IDBRequest<CryptoKey | undefined>);
  return k ?? null;
}

export async function storeDeviceKey(key: CryptoKey): Promise<void> {
  await tx('readwrite', (s) => s.put(key, KEY_ID));
}

export async function deleteDeviceKey(): Promise<void> {
  await tx('readwrite', (s) => s.delete(KEY_ID));
}
