/**
 * The one door to @peculiar/x509 for the attestation code.
 *
 * @peculiar/x509 registers its algorithm providers with tsyringe, which refuses to load unless the
 * Reflect metadata API exists ("tsyringe requires a reflect polyfill"). Importing the polyfill here,
 * before the library, makes every importer of this module safe, in the service worker and in Node.
 * ES modules evaluate their imports in order, so keep `reflect-metadata` first.
 */
import 'reflect-metadata';

export { X509Certificate, X509Crl, PemConverter } from '@peculiar/x509';
export type { HashedAlgorithm } from '@peculiar/x509';
