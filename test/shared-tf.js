// Stand-in for '@tensorflow/tfjs-node' inside jest: the one instance test/environment.js loads
// per jest process (jest.config.js maps the module name here). Outside jest nothing uses this.
// Files marked @tl-own-tfjs get no shared instance and load the package itself, by path (a
// path is not remapped to this file).
const path = require('path');

const shared = globalThis.__tlSharedTfjsNode;
module.exports = shared ? shared() : require(path.join(__dirname, '..', 'node_modules', '@tensorflow', 'tfjs-node'));
