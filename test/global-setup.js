// jest global set-up: make sure the native TensorFlow backend is provisioned once per test run,
// so a fresh clone's `npm test` needs no manual step (cache restore: seconds; cold: minutes).
const path = require('path');

module.exports = async function globalSetup() {
  // Quiet, as the CLI runs it: test workers inherit these before any of them loads TensorFlow.
  if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
  if (process.env.TF_ENABLE_ONEDNN_OPTS === undefined) process.env.TF_ENABLE_ONEDNN_OPTS = '0';
  // The allocator tl loads TensorFlow with (src/native/tf-env.ts), so tests run what users run.
  if (process.env.TF_CPU_ALLOCATOR_USE_BFC === undefined) process.env.TF_CPU_ALLOCATOR_USE_BFC = 'true';
  const { ensureNativeBackend } = require(path.join(__dirname, '..', 'dist', 'native'));
  const result = await ensureNativeBackend({
    onEvent: (e) => {
      if (e.type === 'route' && e.status !== 'trying') process.stderr.write(`\n[tl setup] ${e.route}: ${e.status}${e.reason ? ' - ' + e.reason : ''}\n`);
    },
  });
  if (result) process.stderr.write(`[tl setup] native TensorFlow ${result.tensorflowVersion} from ${result.source}\n`);
};
