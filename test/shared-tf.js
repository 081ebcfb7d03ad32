// Stand-in for '@tensorflow/tfjs-node' inside jest: the one instance test/environment.js loads
// per jest process (jest.config.js maps the module name here). Outside jest nothing uses this.
module.exports = globalThis.__tlSharedTfjsNode();
