// Where tl writes its results: checks on a path before any work, the folders --overwrite never
// replaces, and the temporary siblings of a folder being written. No TensorFlow here.
export { checkWriteTarget, deepestExisting, isInside, probeWritable, resolveReal, systemRootOf, SYSTEM_ROOTS, type WriteTarget } from './check';
export { protectedRefusal, type ProtectedPaths } from './protect';
export { asideOf, cleanStaleTemps, parseTempName, tempSiblingPrefix, type TempCleanup, type TempName } from './temps';
