// jest environment for tl: Node's, but with the typed-array constructors of the outer realm.
// tfjs-node's native backend creates Float32Array/Int32Array/Uint8Array objects in Node's own
// realm, while jest evaluates tfjs-core inside a sandbox realm whose constructors differ, so
// tfjs's `instanceof Float32Array` checks (weight encoding in model.save) fail with
// "Unsupported TypedArray subtype". Sharing the outer constructors makes both sides agree.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Float32Array', 'Float64Array', 'Int8Array', 'Int16Array', 'Int32Array',
  'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array',
];

class TlEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) {
      if (globalThis[name]) this.global[name] = globalThis[name];
    }
  }
}

module.exports = TlEnvironment;
