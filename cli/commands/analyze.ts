import { Command } from 'commander';
import { readModel } from '../../core/onnx/model-io';
import { analyzeModel, InputInfo } from '../../core/onnx/analysis';
import { emit, fail } from '../output';

/** `input_ids int64[batch, sequence]`: name, element type, dims as the graph declares them. */
const typed = (v: InputInfo) => `${v.name} ${v.dtype}[${v.dims.join(', ')}]`;

/** `slimflow analyze <model.onnx>`: what there is to compress in a model. */
export const analyzeCommand = new Command('analyze')
  .description('analyse an ONNX model: op census, parameters, quantizable layers, inputs and outputs with their element types, distillation nodes, family')
  .argument('<model>', 'path to an .onnx file')
  .option('--json', 'print the analysis as one JSON object on the last line')
  .action((modelPath: string, opts: { json?: boolean }) => {
    try {
      const a = analyzeModel(readModel(modelPath));
      emit(!!opts.json, a, () => {
        const census = Object.entries(a.opCensus).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ');
        return [
          `model ${modelPath}`,
          `opset ${a.opset}, ${a.nodeCount} nodes, ${a.paramCount.toLocaleString('en')} parameters (weights in ${a.weightStorage})`,
          `family ${a.family}: ${a.familyReason}`,
          `inputs: ${a.inputs.map(typed).join('; ')}`,
          `outputs: ${a.outputs.map(typed).join('; ')}`,
          `quantizable layers: ${a.quantizableLayers.length} (${[...new Set(a.quantizableLayers.map((l) => l.opType))].join(', ')})`,
          `distillation nodes: ${a.distillationNodes.join(', ')}`,
          `ops: ${census}`,
        ].join('\n');
      });
    } catch (e) {
      fail(e);
    }
  });
