// Shared by computing commands: make sure the native backend is provisioned (rendering the
// provisioning progress), then load TensorFlow. The only way CLI commands obtain `tf`.
import type { Output, Progress } from './output';
import type { ProvisionEvent, ProvisionResult, Tf } from '../native';

/** Renders provisioning events: route lines always, bars on a terminal, tool logs with --verbose. */
export function provisionEventRenderer(out: Output): (e: ProvisionEvent) => void {
  let bar: Progress | undefined;
  let barStage = '';
  const stageLabel: Record<string, string> = {
    download: 'Downloading',
    extract: 'Extracting TensorFlow C library',
    compile: 'Compiling the tfjs-node addon',
    restore: 'Restoring from cache',
  };
  return (e) => {
    switch (e.type) {
      case 'route':
        if (e.status === 'trying') process.stderr.write(`tl setup: trying ${e.route} ...\n`);
        else if (e.status !== 'ok') process.stderr.write(`tl setup: ${e.route} ${e.status}: ${e.reason}\n`);
        else process.stderr.write(`tl setup: native backend ready (route: ${e.route})\n`);
        if (bar && e.status !== 'trying') {
          bar.stop();
          bar = undefined;
        }
        break;
      case 'progress': {
        if (e.stage !== barStage || !bar) {
          bar?.stop();
          barStage = e.stage;
          bar = out.progress(stageLabel[e.stage] ?? e.stage, e.unit === 'bytes' ? Math.round(e.total / 1e6) : e.total);
        }
        bar.update(e.unit === 'bytes' ? Math.round(e.done / 1e6) : e.done, e.unit === 'bytes' ? { MB: Math.round(e.done / 1e6) } : undefined);
        if (e.done >= e.total) {
          bar.stop();
          bar = undefined;
          barStage = '';
        }
        break;
      }
      case 'log':
        out.debug(e.line);
        break;
      case 'wait':
        process.stderr.write(`tl setup: waiting for another tl process (${e.owner}) that is provisioning the native backend ...\n`);
        break;
    }
  };
}

/** Provisions if needed and returns tfjs-node on the native backend. */
export async function requireTf(out: Output): Promise<{ tf: Tf; provisioned?: ProvisionResult }> {
  const native = await import('../native');
  const provisioned = await native.ensureNativeBackend({ onEvent: provisionEventRenderer(out) });
  return { tf: native.loadTf({ verbose: out.verbose }), provisioned };
}
