import { describe, expect, it } from 'vitest';
import { matchModelFiles } from '../../src/sidepanel/lib/model-folder.ts';

const WANTED = ['config.json', 'tokenizer_config.json', 'tokenizer.json', 'onnx/model_quantized.onnx'];

describe('matching a picked folder to the model files', () => {
  it("finds the files in the model's own folder", () => {
    const paths = ['all-MiniLM-L6-v2/config.json', 'all-MiniLM-L6-v2/tokenizer_config.json', 'all-MiniLM-L6-v2/tokenizer.json', 'all-MiniLM-L6-v2/onnx/model_quantized.onnx', 'all-MiniLM-L6-v2/onnx/model.onnx', 'all-MiniLM-L6-v2/README.md'];
    const { chosen, missing } = matchModelFiles(paths, WANTED);
    expect(missing).toEqual([]);
    expect([...chosen].map(([w, i]) => [w, paths[i]])).toEqual([
      ['config.json', 'all-MiniLM-L6-v2/config.json'],
      ['tokenizer_config.json', 'all-MiniLM-L6-v2/tokenizer_config.json'],
      ['tokenizer.json', 'all-MiniLM-L6-v2/tokenizer.json'],
      ['onnx/model_quantized.onnx', 'all-MiniLM-L6-v2/onnx/model_quantized.onnx'],
    ]);
  });

  it('matches at folder boundaries only, and prefers the shallowest copy (a folder picked above the model)', () => {
    const paths = ['hub/snapshots/abc/config.json', 'hub/config.json', 'hub/my_config.json', 'hub/snapshots/abc/onnx/model_quantized.onnx'];
    const { chosen, missing } = matchModelFiles(paths, ['config.json', 'onnx/model_quantized.onnx', 'tokenizer.json']);
    expect(paths[chosen.get('config.json')!]).toBe('hub/config.json');
    expect(paths[chosen.get('onnx/model_quantized.onnx')!]).toBe('hub/snapshots/abc/onnx/model_quantized.onnx');
    expect(missing).toEqual(['tokenizer.json']);
    // "xonnx/model_quantized.onnx" is not "onnx/model_quantized.onnx".
    expect(matchModelFiles(['m/xonnx/model_quantized.onnx'], ['onnx/model_quantized.onnx']).missing).toEqual(['onnx/model_quantized.onnx']);
  });
});
