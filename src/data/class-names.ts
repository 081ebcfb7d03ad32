// Class-name tables of the built-in data sets (the labels tl saves for them).
// Names only: where the pixels come from and how they are read lives in builtin.ts.

export type BuiltinSetName = 'fashion-mnist' | 'mnist';

/** Fashion-MNIST's ten classes, in the order of the original data set (file N.json is class N). */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  't-shirt/top',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'ankle boot',
];

/** MNIST's classes are the digits themselves. */
export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const BUILTIN_SET_NAMES: readonly BuiltinSetName[] = ['fashion-mnist', 'mnist'];

export function builtinClassNames(set: BuiltinSetName): readonly string[] {
  return set === 'fashion-mnist' ? FASHION_MNIST_CLASSES : MNIST_CLASSES;
}

export function isBuiltinSetName(s: string): s is BuiltinSetName {
  return (BUILTIN_SET_NAMES as readonly string[]).includes(s);
}
