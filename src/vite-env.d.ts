/// <reference types="vite/client" />
/// <reference types="@crxjs/vite-plugin/client" />

/** True only in `vite build --mode test` (dist-test/); see vite.config.ts. */
declare const __TEST_BUILD__: boolean;

/** The development gateway `npm start` runs, pre-filled in Settings (dist-dev only); null otherwise. */
declare const __DEV_GATEWAY__: string | null;
