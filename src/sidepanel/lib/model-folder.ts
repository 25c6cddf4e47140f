/**
 * Which of the files in a picked folder are the model's. A folder input gives paths relative to
 * the folder's parent ("all-MiniLM-L6-v2/onnx/model_quantized.onnx"); the person may pick the
 * model's folder or one above it (a Hugging Face cache's snapshots/<commit>/), so a file matches
 * when its path ends with the wanted path at a folder boundary; of several, the shallowest wins.
 */
export interface FolderMatch {
  /** Index into the picked files, by wanted path. */
  chosen: Map<string, number>;
  missing: string[];
}

export function matchModelFiles(paths: readonly string[], wanted: readonly string[]): FolderMatch {
  const chosen = new Map<string, number>();
  for (const want of wanted) {
    let best = -1;
    paths.forEach((p, i) => {
      const path = p.replaceAll('\\', '/');
      if (path !== want && !path.endsWith(`/${want}`)) return;
      if (best < 0 || path.split('/').length < paths[best]!.replaceAll('\\', '/').split('/').length) best = i;
    });
    if (best >= 0) chosen.set(want, best);
  }
  return { chosen, missing: wanted.filter((w) => !chosen.has(w)) };
}
