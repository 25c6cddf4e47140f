/** pdf.js's worker module, loaded into the engine as its "fake worker" (extract.ts). */
declare module 'pdfjs-dist/build/pdf.worker.min.mjs' {
  export const WorkerMessageHandler: unknown;
}
