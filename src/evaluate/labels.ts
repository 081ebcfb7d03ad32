// Maps a data set's class indices onto a model's output indices by class name, and checks that
// a model can take an InputSpec. Pure (takes shapes, not models), so it is tested without TF.
import { DataError, ModelError } from '../errors';
import type { InputSpec } from '../data/types';

/**
 * mapping[datasetIndex] = model output index of the class with the same name. A data set
 * class the model does not know is a DataError naming it; model classes missing from the
 * data are fine (they simply have no support).
 */
export function mapLabelsByName(datasetClasses: readonly string[], modelLabels: readonly string[], where: string): Int32Array {
  const index = new Map(modelLabels.map((l, i) => [l, i] as const));
  const unknown = datasetClasses.filter((c) => !index.has(c));
  if (unknown.length > 0) {
    const list = unknown.slice(0, 10).map((c) => `'${c}'`).join(', ') + (unknown.length > 10 ? `, and ${unknown.length - 10} more` : '');
    throw new DataError(
      `${where} has ${unknown.length === 1 ? 'a class' : 'classes'} the model does not know: ${list}`,
      `The model knows: ${modelLabels.slice(0, 20).join(', ')}${modelLabels.length > 20 ? ', ...' : ''}. Rename or remove the folder(s), or evaluate a model trained on these classes.`,
    );
  }
  return Int32Array.from(datasetClasses, (c) => index.get(c) as number);
}

/**
 * Throws ModelError when the model's input shape [null, h, w, c] disagrees with `input` or its
 * output width with the number of labels. Dimensions the model leaves open (null) accept anything.
 */
export function checkModelShapes(
  inputShape: readonly (number | null)[],
  outputShape: readonly (number | null)[],
  input: InputSpec,
  numLabels: number,
  where: string,
): void {
  const want = [input.height, input.width, input.channels];
  const have = inputShape.slice(1);
  if (have.length !== 3 || have.some((d, i) => d !== null && d !== want[i])) {
    throw new ModelError(
      `${where}: the model takes input [${inputShape.map((d) => d ?? 'N').join(', ')}] but its tl.json input says ${want.join('x')}`,
      'The run directory is inconsistent; retrain it, or fix "input" in tl.json to match model.json.',
    );
  }
  if (outputShape.length !== 2 || (outputShape[1] !== null && outputShape[1] !== numLabels)) {
    throw new ModelError(
      `${where}: the model outputs [${outputShape.map((d) => d ?? 'N').join(', ')}] but there are ${numLabels} class names`,
      'labels.json must list one class name per model output.',
    );
  }
}
