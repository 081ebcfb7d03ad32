// jest environment for tl: Node's, with the outer realm's typed arrays and one shared tfjs-node.
// tfjs-node's native backend creates Float32Array/Int32Array/Uint8Array objects in Node's own
// realm, while jest evaluates tfjs-core inside a sandbox realm whose constructors differ, so
// tfjs's `instanceof Float32Array` checks (weight encoding in model.save) fail with
// "Unsupported TypedArray subtype". Sharing the outer constructors makes both sides agree.
//
// jest evaluates every module afresh for each test file, so each file that touched TensorFlow
// re-ran tfjs's several megabytes of JavaScript: 15-40 s a file on a 2-core VM, most of the
// suite's overhead. tfjs-node is instead loaded once per jest process, in the outer realm, and
// handed to test files through test/shared-tf.js (see moduleNameMapper in jest.config.js) - as
// the CLI itself uses one instance for a whole run. Each test file still checks tensor counts
// relative to its own start, so files cannot hide each other's leaks.
const { TestEnvironment } = require('jest-environment-node');

/** Name of the sandbox global through which test/shared-tf.js reaches the shared module. */
const SHARED_TF_GLOBAL = '__tlSharedTfjsNode';
/** Docblock pragma by which a test file opts out of the shared instance. */
const OWN_TFJS_PRAGMA = 'tl-own-tfjs';

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Float32Array', 'Float64Array', 'Int8Array', 'Int16Array', 'Int32Array',
  'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array',
];

/** JSON-shaped fields of tfjs ModelArtifacts (weightData, an ArrayBuffer, is shared already). */
const ARTIFACT_JSON_FIELDS = ['modelTopology', 'weightSpecs', 'trainingConfig', 'userDefinedMetadata', 'modelInitializer'];

/** A copy of JSON data made in this (the outer) realm. */
function inOuterRealm(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

let sharedTf;
/**
 * tfjs-node as test files see it. tl parses model.json in the sandbox and hands the result to
 * tf.io.fromMemory; tfjs-layers tells arrays by `instanceof Array`, which sandbox arrays fail
 * ("Object is not iterable"), so those objects are re-created in tfjs's realm first. In the
 * CLI there is one realm and nothing needs copying. Everything else is the module itself.
 */
function sharedTfjsNode() {
  if (sharedTf) return sharedTf;
  const tf = require('@tensorflow/tfjs-node');
  const fromMemory = (artifacts, ...rest) => {
    if (rest.length > 0) return tf.io.fromMemory(inOuterRealm(artifacts), inOuterRealm(rest[0]), rest[1], inOuterRealm(rest[2]));
    const copy = { ...artifacts };
    for (const k of ARTIFACT_JSON_FIELDS) if (k in copy) copy[k] = inOuterRealm(copy[k]);
    return tf.io.fromMemory(copy);
  };
  sharedTf = Object.create(tf, { io: { value: Object.create(tf.io, { fromMemory: { value: fromMemory } }), enumerable: true } });
  return sharedTf;
}

class TlEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) {
      if (globalThis[name]) this.global[name] = globalThis[name];
    }
    // Loaded on first use only: test files that never touch TensorFlow never pay for it.
    // A file whose docblock has @tl-own-tfjs gets its own copy instead: it feeds tfjs objects
    // built by other modules evaluated in its sandbox (the nsfwjs model data), and tfjs's
    // realm-bound checks reject those ("Object is not iterable") when tfjs lives outside.
    if (!(OWN_TFJS_PRAGMA in (context.docblockPragmas || {}))) {
      this.global[SHARED_TF_GLOBAL] = sharedTfjsNode;
    }
  }
}

module.exports = TlEnvironment;
